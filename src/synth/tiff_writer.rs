//! A small baseline TIFF writer for pages whose strips are already compressed: one strip a page, one IFD a page,
//! little-endian. Written here rather than with the `tiff` crate's encoder so that CCITT G4 strips (which that
//! encoder does not make) and fax resolutions (204 x 98) go in exactly as a fax server writes them.

/// One page: its single strip and the tags that describe it.
pub(crate) struct TiffPage<'a> {
    pub width: u32,
    pub height: u32,
    pub bits: u16,
    /// 1 none, 4 CCITT G4, 5 LZW, 8 Deflate (zlib).
    pub compression: u16,
    /// 0 WhiteIsZero, 1 BlackIsZero.
    pub photometric: u16,
    pub dpi_x: f32,
    pub dpi_y: f32,
    pub strip: &'a [u8],
}

const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

pub(crate) fn write(pages: &[TiffPage<'_>]) -> Vec<u8> {
    let mut out: Vec<u8> =
        Vec::with_capacity(pages.iter().map(|p| p.strip.len() + 300).sum::<usize>() + 8);
    out.extend_from_slice(b"II*\0");
    // Offset of the first IFD, patched below.
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut link_at = 4usize;
    let total = pages.len() as u16;
    for (index, page) in pages.iter().enumerate() {
        let strip_offset = out.len() as u32;
        out.extend_from_slice(page.strip);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        // The two resolutions as rationals, before the IFD.
        let res_offset = out.len() as u32;
        for dpi in [page.dpi_x, page.dpi_y] {
            let num = (dpi * 100.0).round().max(1.0) as u32;
            out.extend_from_slice(&num.to_le_bytes());
            out.extend_from_slice(&100u32.to_le_bytes());
        }
        let mut entries: Vec<(u16, u16, u32, u32)> = vec![
            (254, LONG, 1, 2),
            (256, LONG, 1, page.width),
            (257, LONG, 1, page.height),
            (258, SHORT, 1, u32::from(page.bits)),
            (259, SHORT, 1, u32::from(page.compression)),
            (262, SHORT, 1, u32::from(page.photometric)),
            (273, LONG, 1, strip_offset),
            (277, SHORT, 1, 1),
            (278, LONG, 1, page.height),
            (279, LONG, 1, page.strip.len() as u32),
            (282, RATIONAL, 1, res_offset),
            (283, RATIONAL, 1, res_offset + 8),
            (296, SHORT, 1, 2),
            // Page number and page count, two shorts packed in the value field.
            (
                297,
                SHORT,
                2,
                u32::from(index as u16) | (u32::from(total) << 16),
            ),
        ];
        if page.bits == 1 {
            entries.push((266, SHORT, 1, 1));
        }
        if page.compression == 4 {
            entries.push((293, LONG, 1, 0));
        }
        entries.sort_by_key(|e| e.0);
        let ifd_offset = out.len() as u32;
        out[link_at..link_at + 4].copy_from_slice(&ifd_offset.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if kind == SHORT && count == 1 {
                out.extend_from_slice(&(value as u16).to_le_bytes());
                out.extend_from_slice(&0u16.to_le_bytes());
            } else {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        link_at = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    out
}
