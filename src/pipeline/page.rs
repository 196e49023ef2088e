//! One page, from its place in a file to an upright, deskewed, OCR'd page
//! with its measurements. Each step is one function, composed by [`read`]:
//!
//! ```text
//! decode ─► blank? ─► QR codes (separator?) ─► straighten and read,
//!           (skip)    (skip)                    turned upright when it reads poorly
//!                                             ─► printed separator? ─► encode for the PDF
//!                                                (skip)
//! ```
//!
//! The orientation rule lives here, once ([`read_upright`]).

use super::{Options, PipelineError};
use crate::codes;
use crate::ingest::{self, DecodedPage, IngestError, Original};
use crate::ocr::{Engine, OcrError, PageText};
use crate::pix::{Encoded, Filter, Pix};
use crate::prepare::{self, Preparation};
use crate::split::PageKind;

/// One processed page, as it comes back from the pool.
pub struct PageOut {
    pub kind: PageKind,
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub dpi_source: &'static str,
    pub prep: Preparation,
    pub qr: Vec<String>,
    pub text: PageText,
    pub image: Option<Encoded>,
    /// Seconds spent in Tesseract (OSD and recognition) on this page.
    pub ocr_seconds: f64,
}

/// Read page `index` of `original`.
pub fn read(
    text_engine: &mut Engine,
    osd: &mut Engine,
    original: &Original,
    index: usize,
    opts: &Options,
) -> Result<PageOut, PipelineError> {
    let page_no = index as u32 + 1;
    let decoded = ingest::decode_page(original, index, opts.max_megapixels)?;
    let mut out = measure(&decoded);
    if prepare::is_blank(out.prep.ink_ratio) {
        return Ok(out);
    }
    out.qr = find_qr(&decoded.pix);
    if codes::is_separator_qr(&out.qr) {
        out.kind = PageKind::Separator;
        return Ok(out);
    }
    let started = std::time::Instant::now();
    let reading = read_upright(text_engine, osd, decoded.pix, out.dpi, out.prep.clone()).map_err(
        |source| PipelineError::Ocr {
            file: original.name.clone(),
            page: page_no,
            source,
        },
    )?;
    out.ocr_seconds = started.elapsed().as_secs_f64();
    if codes::is_printed_separator(&reading.text) {
        out.kind = PageKind::Separator;
        out.text = reading.text;
        return Ok(out);
    }
    let image = encode(&reading, decoded.jpeg.as_deref(), opts.jpeg_quality).ok_or_else(|| {
        IngestError::Corrupt {
            file: original.name.clone(),
            page: page_no,
            reason: "the prepared page could not be encoded for the PDF".into(),
        }
    })?;
    // Sideways pages change their size when turned upright.
    out.width = reading.pix.width();
    out.height = reading.pix.height();
    out.kind = PageKind::Content;
    out.prep = reading.prep;
    out.text = reading.text;
    out.image = Some(image);
    Ok(out)
}

/// The page as decoded, with its ink measured: blank until shown otherwise.
fn measure(decoded: &DecodedPage) -> PageOut {
    let ink = prepare::ink_ratio(&decoded.pix);
    PageOut {
        kind: PageKind::Blank,
        width: decoded.pix.width(),
        height: decoded.pix.height(),
        dpi: decoded.dpi,
        dpi_source: decoded.dpi_source,
        prep: Preparation {
            ink_ratio: (ink * 10000.0).round() / 10000.0,
            ..Default::default()
        },
        qr: Vec::new(),
        text: PageText::default(),
        image: None,
        ocr_seconds: 0.0,
    }
}

/// Every QR code on the page (searched in gray).
fn find_qr(pix: &Pix) -> Vec<String> {
    match pix.depth() {
        8 => codes::decode_qr(pix),
        _ => pix
            .to_gray()
            .map(|g| codes::decode_qr(&g))
            .unwrap_or_default(),
    }
}

/// A page straightened and read, and what was done to it.
struct Reading {
    pix: Pix,
    text: PageText,
    prep: Preparation,
}

/// Straighten the page and read it as scanned; only if it reads poorly,
/// ask OSD whether it is turned, turn it, straighten and read it again,
/// and keep whichever reading is more confident.
fn read_upright(
    text_engine: &mut Engine,
    osd: &mut Engine,
    scanned: Pix,
    dpi: u32,
    mut prep: Preparation,
) -> Result<Reading, OcrError> {
    let pix = straighten(scanned, &mut prep);
    let text = text_engine.recognize(&pix, dpi)?;
    let mut best = Reading { pix, text, prep };
    if !prepare::needs_orientation_check(&best.text) {
        return Ok(best);
    }
    let turns = prepare::orientation(osd, &best.pix, dpi, &mut best.prep);
    if turns == 0 {
        return Ok(best);
    }
    let Some(turned) = best.pix.rotate_orth(turns) else {
        return Ok(best);
    };
    let mut turned_prep = best.prep.clone();
    turned_prep.rotated_deg = turns * 90;
    let candidate = straighten(turned, &mut turned_prep);
    let turned_text = text_engine.recognize(&candidate, dpi)?;
    if turned_text.mean_conf() > best.text.mean_conf() {
        best = Reading {
            pix: candidate,
            text: turned_text,
            prep: turned_prep,
        };
    }
    Ok(best)
}

/// The page deskewed when its skew is clear, else as it is.
fn straighten(pix: Pix, prep: &mut Preparation) -> Pix {
    prepare::deskew(&pix, prep).unwrap_or(pix)
}

/// The page image for the PDF: the scanner's own JPEG when the page was
/// neither turned nor deskewed, else the prepared pixels re-encoded.
fn encode(reading: &Reading, scanner_jpeg: Option<&[u8]>, jpeg_quality: u8) -> Option<Encoded> {
    let untouched = reading.prep.rotated_deg == 0 && !reading.prep.deskewed;
    let pix = &reading.pix;
    match (scanner_jpeg, untouched) {
        (Some(jpeg), true) => Some(Encoded {
            filter: Filter::Jpeg,
            data: jpeg.to_vec(),
            width: pix.width(),
            height: pix.height(),
            bits_per_component: 8,
            components: if pix.depth() == 32 { 3 } else { 1 },
        }),
        _ => pix.encode_for_pdf(jpeg_quality),
    }
}
