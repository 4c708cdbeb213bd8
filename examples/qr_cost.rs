//! Measures the cost of encoding one page stamp with the two QR encoders considered, and of the per-page
//! deflate: the numbers behind the choice of `fast_qr` in src/render/qr.rs.
use std::hint::black_box;
use std::time::Instant;

fn main() {
    const N: u32 = 2000;
    let payload = "BK1:KA17GQ4M2XDP:2/3:TB1.1";
    let t = Instant::now();
    for _ in 0..N {
        let c =
            qrcode::QrCode::with_version(payload, qrcode::Version::Normal(2), qrcode::EcLevel::Q)
                .expect("fits");
        black_box(c.to_colors());
    }
    println!("qrcode  v2-Q: {:?}", t.elapsed() / N);
    let t = Instant::now();
    for _ in 0..N {
        let q = fast_qr::QRBuilder::new(payload)
            .ecl(fast_qr::ECL::Q)
            .version(fast_qr::Version::V02)
            .build()
            .expect("fits");
        black_box(q.size);
    }
    println!("fast_qr v2-Q: {:?}", t.elapsed() / N);
    let data = vec![b'x'; 8000];
    let t = Instant::now();
    for _ in 0..N {
        black_box(miniz_oxide::deflate::compress_to_vec_zlib(&data, 1));
    }
    println!("deflate 8 KB level 1: {:?}", t.elapsed() / N);
}
