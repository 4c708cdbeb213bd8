//! Writes the hostile files of the abuse probes (issue 16): `cargo run --release --features synth --example
//! hostile -- png OUT.png [SIDE]` (16-bit RGBA, all zero; 10950 by default) or `... pdf OUT.pdf [PAGES] [MiB]`
//! (pages sharing one Flate content stream; 4 pages and 1024 MiB by default).

use blankett::synth::hostile;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let bytes = match args.first().map(String::as_str) {
        Some("png") => hostile::png_bomb(arg(2, 10_950) as u32),
        Some("pdf") => hostile::shared_stream_pdf(arg(2, 4) as usize, arg(3, 1024) << 20),
        _ => {
            eprintln!("usage: hostile png OUT.png [SIDE] | hostile pdf OUT.pdf [PAGES] [MiB]");
            std::process::exit(2);
        }
    };
    let Some(out) = args.get(1) else {
        eprintln!("usage: hostile png OUT.png [SIDE] | hostile pdf OUT.pdf [PAGES] [MiB]");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("{out}: {e}");
        std::process::exit(1);
    }
    println!("{out}: {} bytes", bytes.len());
}
