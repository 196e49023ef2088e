//! TIFF structure, read without decoding: how many bytes of encoded image
//! data each page (IFD) holds. One pass over the IFD chain, linear in the
//! number of pages, bounded by the file's length, safe on any bytes.
//!
//! The encoded size of a page is a cheap forecast of how long it takes to
//! read: a blank sheet compresses to little, a dense form to much. The page
//! pool uses it to start the costliest pages first (see `pipeline::pool`).
//! Decoding and the authoritative page list stay with leptonica.

/// `StripByteCounts` and `TileByteCounts`: the encoded bytes of each strip
/// or tile of a page.
const BYTE_COUNT_TAGS: [u16; 2] = [279, 325];

/// Encoded image bytes of each page in file order, or `None` when the bytes
/// are not a classic TIFF (BigTIFF and damaged chains give `None` too, or
/// the pages up to the damage). Never reads outside `data`; a chain that
/// loops back on itself ends where it loops.
pub fn page_bytes(data: &[u8]) -> Option<Vec<u64>> {
    let order = match data.get(0..4)? {
        [b'I', b'I', 42, 0] => Order::Little,
        [b'M', b'M', 0, 42] => Order::Big,
        _ => return None,
    };
    let mut pages = Vec::new();
    let mut next = order.u32(data, 4)? as usize;
    while next != 0 {
        let Some((bytes, following)) = order.ifd(data, next) else {
            break; // damaged from here on: the pages before it stand
        };
        pages.push(bytes);
        if following != 0 && following <= next {
            break; // a backward link would loop: treat it as the end
        }
        next = following;
    }
    Some(pages)
}

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    /// The IFD at `at`: its pages' encoded bytes and the next IFD's offset.
    fn ifd(self, data: &[u8], at: usize) -> Option<(u64, usize)> {
        let entries = self.u16(data, at)? as usize;
        let mut total = 0u64;
        for e in 0..entries {
            let entry = at + 2 + 12 * e;
            if BYTE_COUNT_TAGS.contains(&self.u16(data, entry)?) {
                total = total.saturating_add(self.sum_counts(data, entry)?);
            }
        }
        let following = self.u32(data, at + 2 + 12 * entries)? as usize;
        Some((total, following))
    }

    fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u16::from_le_bytes(b),
            Order::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        })
    }

    /// The sum of a SHORT or LONG count array held by the 12-byte entry at `at`.
    fn sum_counts(self, data: &[u8], at: usize) -> Option<u64> {
        let (kind, count) = (self.u16(data, at + 2)?, self.u32(data, at + 4)? as usize);
        let width = match kind {
            3 => 2, // SHORT
            4 => 4, // LONG
            _ => return Some(0),
        };
        let inline = count.checked_mul(width)? <= 4;
        let start = if inline {
            at + 8
        } else {
            self.u32(data, at + 8)? as usize
        };
        let values = data.get(start..start.checked_add(count.checked_mul(width)?)?)?;
        Some(
            values
                .chunks_exact(width)
                .map(|c| match width {
                    2 => self.u16(c, 0).map_or(0, u64::from),
                    _ => self.u32(c, 0).map_or(0, u64::from),
                })
                .sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF whose pages hold the given strip byte counts
    /// (one LONG array per page, stored out of line when longer than one).
    fn tiff(pages: &[&[u32]]) -> Vec<u8> {
        let mut out = b"II\x2a\x00".to_vec();
        out.extend(8u32.to_le_bytes());
        for (i, counts) in pages.iter().enumerate() {
            let ifd = out.len();
            let arrays = ifd + 2 + 12 + 4;
            out.extend(1u16.to_le_bytes());
            out.extend(279u16.to_le_bytes());
            out.extend(4u16.to_le_bytes());
            out.extend((counts.len() as u32).to_le_bytes());
            if counts.len() == 1 {
                out.extend(counts[0].to_le_bytes());
            } else {
                out.extend((arrays as u32).to_le_bytes());
            }
            let next = arrays
                + if counts.len() == 1 {
                    0
                } else {
                    4 * counts.len()
                };
            let last = i + 1 == pages.len();
            out.extend((if last { 0 } else { next as u32 }).to_le_bytes());
            if counts.len() > 1 {
                counts.iter().for_each(|c| out.extend(c.to_le_bytes()));
            }
        }
        out
    }

    #[test]
    fn each_page_gives_the_sum_of_its_strips() {
        let data = tiff(&[&[1000], &[10, 20, 30], &[7]]);
        assert_eq!(page_bytes(&data), Some(vec![1000, 60, 7]));
    }

    #[test]
    fn damaged_or_looping_chains_end_without_reading_outside() {
        let data = tiff(&[&[5], &[6]]);
        // Cut inside the second IFD: the first page is still known.
        assert_eq!(page_bytes(&data[..data.len() - 6]), Some(vec![5]));
        // The second IFD links back to the first: the walk stops.
        let mut looped = data.clone();
        let n = looped.len();
        looped[n - 4..].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(page_bytes(&looped), Some(vec![5, 6]));
        assert_eq!(page_bytes(b"not a tiff"), None);
    }

    #[test]
    fn a_scanned_multipage_tiff_gives_one_size_per_page_leptonica_sees() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/samples/batch_004/scan_001.tif"
        );
        crate::pix::quiet();
        let data = std::fs::read(path).expect("the sample batches beside the checkout");
        let sizes = page_bytes(&data).expect("a classic TIFF");
        let leptonica = (0..)
            .take_while(|&n| crate::pix::tiff_page_header(&data, n).is_some())
            .count();
        assert_eq!(sizes.len(), leptonica);
        assert!(sizes.iter().all(|&b| b > 0));
        // Blank backs compress to far less than printed pages.
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max > &(3 * min), "sizes {sizes:?}");
    }
}
