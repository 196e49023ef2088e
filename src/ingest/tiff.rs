//! TIFF structure, read without decoding: the pages (IFDs) in file order,
//! each with its declared image (size, samples, bits) and how many bytes
//! of encoded image data it holds. One pass over the IFD chain, linear in
//! the number of pages, bounded by the file's length and a page cap, safe
//! on any bytes (a chain that loops ends where it loops).
//!
//! The encoded size of a page is a cheap forecast of how long it takes to
//! read: a blank sheet compresses to little, a dense form to much. The page
//! pool uses it to start the costliest pages first (see `pipeline::pool`).
//! Decoding stays with leptonica.

use super::Declared;
use std::collections::HashSet;

/// `StripByteCounts` and `TileByteCounts`: the encoded bytes of each strip
/// or tile of a page.
const BYTE_COUNT_TAGS: [u16; 2] = [279, 325];
const WIDTH: u16 = 256;
const HEIGHT: u16 = 257;
const BITS_PER_SAMPLE: u16 = 258;
const SAMPLES_PER_PIXEL: u16 = 277;

/// One page as its IFD declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TiffPage {
    pub declared: Declared,
    pub encoded_bytes: u64,
}

/// A TIFF's page list, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The pages in file order.
    pub pages: Vec<TiffPage>,
    /// The last page links back to one already read: the file is damaged.
    pub loops: bool,
}

/// The pages in file order, at most `cap` of them; `None` when the bytes
/// are not a classic TIFF (BigTIFF). A damaged IFD ends the list (the
/// pages before it stand); a link back to an IFD already read ends it too,
/// and says so.
pub fn pages(data: &[u8], cap: usize) -> Option<Chain> {
    let order = match data.get(0..4)? {
        [b'I', b'I', 42, 0] => Order::Little,
        [b'M', b'M', 0, 42] => Order::Big,
        _ => return None,
    };
    let mut chain = Chain {
        pages: Vec::new(),
        loops: false,
    };
    let mut seen = HashSet::new();
    let mut next = order.u32(data, 4)? as usize;
    while next != 0 && chain.pages.len() < cap {
        if !seen.insert(next) {
            chain.loops = true;
            break;
        }
        let Some((page, following)) = order.ifd(data, next) else {
            break; // damaged from here on: the pages before it stand
        };
        chain.pages.push(page);
        next = following;
    }
    Some(chain)
}

/// Encoded image bytes of each page in file order (see [`pages`]).
#[cfg(test)]
pub fn page_bytes(data: &[u8]) -> Option<Vec<u64>> {
    Some(
        pages(data, usize::MAX)?
            .pages
            .iter()
            .map(|p| p.encoded_bytes)
            .collect(),
    )
}

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    /// The IFD at `at`: its page and the next IFD's offset.
    fn ifd(self, data: &[u8], at: usize) -> Option<(TiffPage, usize)> {
        let entries = self.u16(data, at)? as usize;
        let mut page = TiffPage {
            declared: Declared {
                width: 0,
                height: 0,
                samples: 1,
                bits: 1,
            },
            encoded_bytes: 0,
        };
        for e in 0..entries {
            let entry = at + 2 + 12 * e;
            let tag = self.u16(data, entry)?;
            let d = &mut page.declared;
            match tag {
                WIDTH => d.width = self.first_value(data, entry)?,
                HEIGHT => d.height = self.first_value(data, entry)?,
                BITS_PER_SAMPLE => d.bits = self.first_value(data, entry)?,
                SAMPLES_PER_PIXEL => d.samples = self.first_value(data, entry)?,
                t if BYTE_COUNT_TAGS.contains(&t) => {
                    page.encoded_bytes = page
                        .encoded_bytes
                        .saturating_add(self.sum_counts(data, entry)?);
                }
                _ => {}
            }
        }
        let following = self.u32(data, at + 2 + 12 * entries)? as usize;
        Some((page, following))
    }

    /// The first value of a SHORT or LONG entry (other types: 0).
    fn first_value(self, data: &[u8], entry: usize) -> Option<u32> {
        let (kind, count) = (self.u16(data, entry + 2)?, self.u32(data, entry + 4)?);
        let width = match kind {
            3 => 2,
            4 => 4,
            _ => return Some(0),
        };
        let at = if count as usize * width <= 4 {
            entry + 8
        } else {
            self.u32(data, entry + 8)? as usize
        };
        match width {
            2 => self.u16(data, at).map(u32::from),
            _ => self.u32(data, at),
        }
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
        assert!(pages(&looped, usize::MAX).unwrap().loops);
        assert!(!pages(&data, usize::MAX).unwrap().loops);
        assert_eq!(page_bytes(b"not a tiff"), None);
        // The cap ends a long chain.
        assert_eq!(pages(&data, 1).map(|c| c.pages.len()), Some(1));
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
        let leptonica: Vec<(u32, u32)> = (0..)
            .map_while(|n| crate::pix::tiff_page_header(&data, n))
            .map(|(w, h, _)| (w, h))
            .collect();
        let ours: Vec<(u32, u32)> = pages(&data, usize::MAX)
            .unwrap()
            .pages
            .iter()
            .map(|p| (p.declared.width, p.declared.height))
            .collect();
        assert_eq!(ours, leptonica, "each page's size as leptonica reads it");
        assert!(sizes.iter().all(|&b| b > 0));
        // Blank backs compress to far less than printed pages.
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max > &(3 * min), "sizes {sizes:?}");
    }
}
