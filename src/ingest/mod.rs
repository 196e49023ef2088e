//! Ingest: read the station's files, recognise their format from their
//! bytes, and list their pages in scan order without decoding them yet.
//!
//! A batch is a list of paths; a directory stands for its files in natural
//! order of their names (`scan_2` before `scan_10`), which is scan order.
//! Opening a file reads its structure only, and holds every page to the
//! [`Limits`] from what the file declares; decoding happens later, one page
//! at a time on the OCR threads ([`decode_page`]), so a batch never holds
//! more than a few pages of pixels, and no file can make a reader inflate
//! more than a page's worth.

mod limits;
mod pdf;
mod tiff;

pub use limits::{Declared, Limits, Over};

use crate::pix::{self, Pix};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Pages smaller than this many dots per inch are flagged `low_resolution`
/// (the legal minimum for digitised copies is 200 dpi).
pub const MIN_DPI: u32 = 200;

/// What went wrong reading a file or a page: always names the file, and the
/// page when there is one, so the operator knows which sheet to rescan.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no input files: {0}")]
    NoFiles(String),
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: unsupported file type ({what}); scan to PDF, TIFF, PNG or JPEG")]
    Unsupported { file: String, what: String },
    #[error("{file}: the PDF is encrypted; ask the station to save it without a password")]
    Encrypted { file: String },
    #[error(
        "{file} page {page}: the page has no scanned image (born-digital PDF pages are not supported yet)"
    )]
    BornDigital { file: String, page: u32 },
    #[error("{file} page {page}: {over}")]
    PageOverLimit { file: String, page: u32, over: Over },
    #[error("{file}: {over}")]
    FileOverLimit { file: String, over: Over },
    #[error("the batch has {over}")]
    BatchOverLimit { over: Over },
    #[error("{file} page {page}: the image cannot be decoded: {reason}")]
    Corrupt {
        file: String,
        page: u32,
        reason: String,
    },
    #[error("{file}: the file is damaged: {reason}")]
    CorruptFile { file: String, reason: String },
}

pub use crate::record::Format;

impl Format {
    /// Recognise the format from the file's bytes; `Err` names what it looks like.
    pub fn sniff(bytes: &[u8]) -> Result<Format, String> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Ok(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Ok(Format::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Ok(Format::Tiff)
        } else if bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
        {
            Ok(Format::Pdf)
        } else if bytes.starts_with(b"PK\x03\x04") {
            Err("a ZIP container, such as a .docx or .xlsx document".into())
        } else if bytes.starts_with(b"GIF8") {
            Err("a GIF image".into())
        } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
            Err("an old Microsoft Office document".into())
        } else {
            let head: String = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            Err(format!("unknown content starting with bytes {head}"))
        }
    }
}

/// Where one page's image lives inside its file.
#[derive(Debug, Clone)]
pub enum PageData {
    /// The whole file is the image (PNG, JPEG).
    Whole,
    /// Page `n` (0-based) of a TIFF, with its encoded image bytes.
    TiffPage { n: u32, encoded_bytes: u64 },
    /// An image XObject taken from a PDF page, still compressed.
    Pdf(pdf::PdfPageImage),
}

/// One file as the station sent it.
#[derive(Debug, Clone)]
pub struct Original {
    /// The file name (no directories): what the record calls `source`.
    pub name: String,
    pub path: PathBuf,
    pub bytes: Arc<Vec<u8>>,
    pub sha256: String,
    pub format: Format,
    pub pages: Vec<PageData>,
}

/// A decoded page, as it came out of the file.
pub struct DecodedPage {
    pub pix: Pix,
    /// Effective resolution in dots per inch.
    pub dpi: u32,
    /// Where `dpi` came from: `file`, `pdf page size` or `assumed A4`.
    pub dpi_source: &'static str,
    /// The page's JPEG bytes when the scan was stored as a JPEG, so the PDF
    /// can carry them unchanged if the page needs no rotation.
    pub jpeg: Option<Arc<[u8]>>,
}

/// Expand the inputs into files: directories become their files in natural
/// order of names (hidden files and `truth.json`-style JSON are skipped).
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| IngestError::Io {
            file: input.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|source| IngestError::Io {
                    file: input.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    !name.starts_with('.') && !name.ends_with(".json") && !name.ends_with(".md")
                })
                .collect();
            entries.sort_by(|a, b| natural_cmp(&file_name(a), &file_name(b)));
            files.extend(entries);
        } else {
            files.push(input.clone());
        }
    }
    if files.is_empty() {
        return Err(IngestError::NoFiles(
            inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    Ok(files)
}

pub(crate) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Compare names so that embedded numbers sort by value: `a2 < a10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (&a[..na], &b[..nb]);
                let ta = trim_zeros(da);
                let tb = trim_zeros(db);
                let ord = ta.len().cmp(&tb.len()).then(ta.cmp(tb)).then(na.cmp(&nb));
                if ord.is_ne() {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                let ord = x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase());
                if ord.is_ne() {
                    return ord;
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

/// Expand the inputs ([`expand_inputs`]) and open every file, in scan
/// order, holding the batch to `limits`.
pub fn open_all(inputs: &[PathBuf], limits: &Limits) -> Result<Vec<Original>, IngestError> {
    let originals = expand_inputs(inputs)?
        .iter()
        .map(|f| open(f, limits))
        .collect::<Result<Vec<_>, _>>()?;
    check_batch(&originals, limits)?;
    Ok(originals)
}

/// Hold a batch's files together to the page limit.
pub fn check_batch(originals: &[Original], limits: &Limits) -> Result<(), IngestError> {
    let pages = originals.iter().map(|o| o.pages.len()).sum();
    limits
        .check_pages(pages)
        .map_err(|over| IngestError::BatchOverLimit { over })
}

/// Read one file, recognise its format and list its pages.
pub fn open(path: &Path, limits: &Limits) -> Result<Original, IngestError> {
    let name = file_name(path);
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
        file: name.clone(),
        source,
    })?;
    open_bytes(name, path.to_path_buf(), bytes, limits)
}

/// Like [`open`], for bytes already in memory (the worker's downloads, the
/// API's uploads). Reads structure only: no image data is decoded or
/// inflated, and every page is held to `limits` from its declared size.
pub fn open_bytes(
    name: String,
    path: PathBuf,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<Original, IngestError> {
    pix::quiet();
    if bytes.is_empty() {
        return Err(IngestError::Empty { file: name });
    }
    let format = Format::sniff(&bytes).map_err(|what| IngestError::Unsupported {
        file: name.clone(),
        what,
    })?;
    let page_over = |page: u32, over| IngestError::PageOverLimit {
        file: name.clone(),
        page,
        over,
    };
    let pages = match format {
        Format::Png | Format::Jpeg => {
            let h = pix::image_header(&bytes).ok_or_else(|| IngestError::Corrupt {
                file: name.clone(),
                page: 1,
                reason: "the image header cannot be read".into(),
            })?;
            limits
                .check_page(&declared(h))
                .map_err(|o| page_over(1, o))?;
            vec![PageData::Whole]
        }
        Format::Tiff => tiff_pages(&name, &bytes, limits)?,
        Format::Pdf => pdf::page_images(&name, &bytes, limits)?
            .into_iter()
            .map(PageData::Pdf)
            .collect(),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Original {
        name,
        path,
        bytes: Arc::new(bytes),
        sha256,
        format,
        pages,
    })
}

fn declared(h: pix::ImageHeader) -> Declared {
    Declared {
        width: h.width,
        height: h.height,
        samples: h.samples,
        bits: h.bits,
    }
}

/// A TIFF's pages, counted in one pass over its IFD chain (a BigTIFF,
/// which that pass does not read, page by page through leptonica), no more
/// than the page limit, each held to the limits.
fn tiff_pages(name: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<PageData>, IngestError> {
    let cap = limits.max_pages + 1;
    let listed: Vec<(Declared, u64)> = match tiff::pages(bytes, cap) {
        Some(chain) if chain.loops => {
            return Err(IngestError::CorruptFile {
                file: name.into(),
                reason: format!(
                    "the TIFF's chain of pages loops back on itself after page {}",
                    chain.pages.len()
                ),
            });
        }
        Some(chain) => chain
            .pages
            .into_iter()
            .map(|p| (p.declared, p.encoded_bytes))
            .collect(),
        None => (0..cap as u32)
            .map_while(|n| pix::tiff_page_header(bytes, n))
            .map(|(width, height, _)| {
                let d = Declared {
                    width,
                    height,
                    samples: 1,
                    bits: 1,
                };
                (d, 0)
            })
            .collect(),
    };
    if listed.is_empty() {
        return Err(IngestError::CorruptFile {
            file: name.into(),
            reason: "no readable TIFF page".into(),
        });
    }
    limits
        .check_pages(listed.len())
        .map_err(|over| IngestError::FileOverLimit {
            file: name.into(),
            over,
        })?;
    let mut pages = Vec::with_capacity(listed.len());
    for (n, (d, encoded_bytes)) in listed.into_iter().enumerate() {
        limits
            .check_page(&d)
            .map_err(|over| IngestError::PageOverLimit {
                file: name.into(),
                page: n as u32 + 1,
                over,
            })?;
        pages.push(PageData::TiffPage {
            n: n as u32,
            encoded_bytes,
        });
    }
    Ok(pages)
}

impl Original {
    /// How many bytes of encoded image data page `index` holds: a cheap
    /// forecast of how long the page takes to read (a blank back encodes
    /// small, a dense form large), known before anything is decoded.
    pub fn encoded_bytes(&self, index: usize) -> u64 {
        match self.pages.get(index) {
            Some(PageData::Whole) => self.bytes.len() as u64,
            Some(PageData::TiffPage { encoded_bytes, .. }) => *encoded_bytes,
            Some(PageData::Pdf(img)) => img.encoded_bytes as u64,
            None => 0,
        }
    }
}

/// Decode page `index` (0-based) of `original`, refusing an image whose
/// header (read again here: a PDF's dictionary may lie about the JPEG in
/// it) is over `limits` before any pixel is allocated.
pub fn decode_page(
    original: &Original,
    index: usize,
    limits: &Limits,
) -> Result<DecodedPage, IngestError> {
    let guard = PageGuard {
        file: &original.name,
        page: index as u32 + 1,
        limits,
    };
    let bytes = &original.bytes[..];
    let (mut pix, declared_dpi, jpeg, dpi_source) = match &original.pages[index] {
        PageData::Whole => {
            let h = pix::image_header(bytes)
                .ok_or_else(|| guard.corrupt("the image header cannot be read"))?;
            guard.check(&declared(h))?;
            let (pix, jpeg) = if original.format == Format::Jpeg {
                let pix = Pix::read_jpeg(bytes).map_err(|r| guard.corrupt(r))?;
                (pix, Some(Arc::from(bytes)))
            } else {
                let pix = Pix::read_mem(bytes)
                    .ok_or_else(|| guard.corrupt("the PNG data is truncated or damaged"))?;
                (pix, None)
            };
            let dpi = pix.xres();
            (pix, dpi, jpeg, "file")
        }
        PageData::TiffPage { n, .. } => {
            let (w, h, res) = pix::tiff_page_header(bytes, *n)
                .ok_or_else(|| guard.corrupt("the TIFF page header cannot be read"))?;
            guard.check_size(w, h)?;
            let pix = Pix::read_tiff_page(bytes, *n)
                .ok_or_else(|| guard.corrupt("the TIFF strip data is truncated or damaged"))?;
            let dpi = if pix.xres() > 0 { pix.xres() } else { res };
            (pix, dpi, None, "file")
        }
        PageData::Pdf(img) => {
            guard.check(&img.declared())?;
            // The PDF's /Width and /Height may lie about the JPEG inside.
            if let pdf::Compression::Jpeg = img.compression {
                let h = pix::image_header(&img.data)
                    .ok_or_else(|| guard.corrupt("the JPEG header cannot be read"))?;
                guard.check(&declared(h))?;
            }
            let (pix, jpeg) = pdf::decode(img).map_err(|r| guard.corrupt(&r))?;
            (pix, img.dpi, jpeg, "pdf page size")
        }
    };
    if pix.width() == 0 || pix.height() == 0 {
        return Err(guard.corrupt("the image has no pixels"));
    }
    let (dpi, dpi_source) = if declared_dpi >= 30 {
        (declared_dpi, dpi_source)
    } else {
        // No usable resolution in the file: assume an A4 sheet.
        let short = pix.width().min(pix.height()) as f32;
        ((short / 8.27).round() as u32, "assumed A4")
    };
    pix.set_resolution(dpi);
    Ok(DecodedPage {
        pix,
        dpi,
        dpi_source,
        jpeg,
    })
}

/// One page being decoded: names it in errors, and holds it to the limits.
struct PageGuard<'a> {
    file: &'a str,
    page: u32,
    limits: &'a Limits,
}

impl PageGuard<'_> {
    fn corrupt(&self, reason: &str) -> IngestError {
        IngestError::Corrupt {
            file: self.file.to_string(),
            page: self.page,
            reason: reason.to_string(),
        }
    }

    /// Refuse an image with no pixels, or over a limit, from its header.
    fn check(&self, d: &Declared) -> Result<(), IngestError> {
        if d.width == 0 || d.height == 0 {
            return Err(self.corrupt("the image has no pixels"));
        }
        self.limits
            .check_page(d)
            .map_err(|over| IngestError::PageOverLimit {
                file: self.file.to_string(),
                page: self.page,
                over,
            })
    }

    /// [`Self::check`] for a page whose samples are not known here (the
    /// listing checked them).
    fn check_size(&self, width: u32, height: u32) -> Result<(), IngestError> {
        self.check(&Declared {
            width,
            height,
            samples: 1,
            bits: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_sorts_numbers_by_value() {
        let mut v = vec!["scan_10.tif", "scan_2.tif", "scan_1.pdf", "Scan_3.png"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["scan_1.pdf", "scan_2.tif", "Scan_3.png", "scan_10.tif"]);
    }

    #[test]
    fn sniff_uses_content_not_extension() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\nxxxx"), Ok(Format::Png));
        assert_eq!(Format::sniff(b"II*\0...."), Ok(Format::Tiff));
        assert_eq!(Format::sniff(b"%PDF-1.7\n"), Ok(Format::Pdf));
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(Format::Jpeg));
        assert!(
            Format::sniff(b"PK\x03\x04rest")
                .unwrap_err()
                .contains("docx")
        );
    }

    #[test]
    fn empty_file_is_refused_by_name() {
        let err =
            open_bytes("a.tif".into(), "a.tif".into(), vec![], &Limits::default()).unwrap_err();
        assert_eq!(err.to_string(), "a.tif: the file is empty");
    }
}
