//! Scanner PDFs: each page is one embedded image. Opening a PDF reads its
//! structure only: the page tree (walked once, each node at most once),
//! each page's image dictionary, and the image's bytes as stored (JPEG
//! stays JPEG, G4 stays G4, Flate stays deflated), shared between pages
//! that show the same image. Pixels come when the page's turn comes
//! ([`decode`]), inflated to no more than the page's declared size.

use super::{Declared, IngestError, Limits, Over};
use crate::pix::Pix;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Compression {
    Jpeg,
    /// Raw samples (1 or 8 bits, 1 or 3 components: the image's `bits`
    /// and `samples`); `deflated` when stored Flate-encoded (inflated only
    /// when the page is decoded).
    Flate {
        deflated: bool,
    },
    /// CCITT fax data: `k` < 0 is Group 4, 0 is Group 3 one-dimensional.
    Ccitt {
        k: i64,
        black_is_1: bool,
    },
}

/// One page's scanned image, still compressed.
#[derive(Debug, Clone)]
pub struct PdfPageImage {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel and bits per sample, as the dictionary says.
    pub samples: u32,
    pub bits: u32,
    pub dpi: u32,
    /// Quarter turns clockwise from the page's `/Rotate`.
    pub rotate: u32,
    /// `Decode [1 0]`: the samples are inverted.
    pub inverted: bool,
    pub compression: Compression,
    /// The image stream's bytes as stored, shared by every page showing it.
    pub data: Arc<[u8]>,
    /// The image stream's dictionary (its filter parameters).
    pub dict: Arc<Dictionary>,
    /// The image stream's length as stored in the file (still encoded).
    pub encoded_bytes: usize,
}

impl PdfPageImage {
    pub fn declared(&self) -> Declared {
        Declared {
            width: self.width,
            height: self.height,
            samples: self.samples,
            bits: self.bits,
        }
    }
}

/// List every page's image, reading structure only; fails on encrypted
/// PDFs, on pages without an image, and on anything over `limits`.
pub fn page_images(
    file: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Vec<PdfPageImage>, IngestError> {
    let over = |over| IngestError::FileOverLimit {
        file: file.into(),
        over,
    };
    // Parsed, every object costs memory: count their headers first.
    let headers = object_headers(bytes);
    if headers > limits.max_pdf_objects {
        return Err(over(Over::PdfObjects {
            objects: headers,
            limit: limits.max_pdf_objects,
        }));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes()),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| {
        let msg = e.to_string();
        if msg.to_lowercase().contains("decrypt") || msg.to_lowercase().contains("encrypt") {
            IngestError::Encrypted { file: file.into() }
        } else {
            IngestError::CorruptFile {
                file: file.into(),
                reason: format!("the PDF cannot be parsed: {msg}"),
            }
        }
    })?;
    if doc.is_encrypted() || doc.was_encrypted() {
        return Err(IngestError::Encrypted { file: file.into() });
    }
    // Objects from object streams count too.
    if doc.objects.len() > limits.max_pdf_objects {
        return Err(over(Over::PdfObjects {
            objects: doc.objects.len(),
            limit: limits.max_pdf_objects,
        }));
    }
    let pages = page_tree(&doc, limits.max_pages + 1);
    if pages.is_empty() {
        return Err(IngestError::CorruptFile {
            file: file.into(),
            reason: "the PDF has no pages".into(),
        });
    }
    limits.check_pages(pages.len()).map_err(over)?;
    let mut shared = HashMap::new();
    let mut out = Vec::with_capacity(pages.len());
    for (i, &id) in pages.iter().enumerate() {
        let no = i as u32 + 1;
        let img = page_image(&doc, id, &mut shared)
            .map_err(|e| e.into_error(file, no))?
            .ok_or(IngestError::BornDigital {
                file: file.into(),
                page: no,
            })?;
        limits
            .check_page(&img.declared())
            .map_err(|over| IngestError::PageOverLimit {
                file: file.into(),
                page: no,
                over,
            })?;
        out.push(img);
    }
    Ok(out)
}

/// How many `N G obj` headers the file holds, counted on its bytes
/// before parsing (objects packed in object streams are counted after).
fn object_headers(bytes: &[u8]) -> usize {
    bytes
        .windows(5)
        .filter(|w| &w[..4] == b" obj" && !w[4].is_ascii_alphanumeric())
        .count()
}

/// The page objects in order, walking the tree from the catalog's
/// `/Pages`: each node once (a tree that loops back on itself ends where
/// it loops), and no more than `cap` pages.
fn page_tree(doc: &Document, cap: usize) -> Vec<ObjectId> {
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|p| p.as_reference().ok())
    else {
        return Vec::new();
    };
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    // Kids still to visit, last first.
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if pages.len() >= cap || !seen.insert(id) {
            continue;
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        match node.get(b"Type").and_then(|t| t.as_name()) {
            Ok(b"Page") => pages.push(id),
            _ => {
                let kids = node.get(b"Kids").and_then(|k| k.as_array());
                if let Ok(kids) = kids {
                    stack.extend(kids.iter().rev().filter_map(|k| k.as_reference().ok()));
                }
            }
        }
        if pages.len() >= cap {
            break;
        }
    }
    pages
}

enum PageErr {
    Unsupported(String),
    Corrupt(String),
}

impl PageErr {
    fn into_error(self, file: &str, page: u32) -> IngestError {
        match self {
            PageErr::Unsupported(what) => IngestError::Corrupt {
                file: file.into(),
                page,
                reason: format!("unsupported image encoding: {what}"),
            },
            PageErr::Corrupt(reason) => IngestError::Corrupt {
                file: file.into(),
                page,
                reason,
            },
        }
    }
}

fn corrupt(e: impl std::fmt::Display) -> PageErr {
    PageErr::Corrupt(format!("damaged PDF structure: {e}"))
}

/// A CCITT image's parameters (Group 4 and one-dimensional Group 3 only).
fn ccitt(doc: &Document, dict: &Dictionary) -> Result<Compression, PageErr> {
    let parms = dict.get(b"DecodeParms").ok().and_then(|o| match o {
        Object::Dictionary(d) => Some(d.clone()),
        Object::Array(a) => a.first().and_then(|o| o.as_dict().ok()).cloned(),
        Object::Reference(id) => doc.get_dictionary(*id).ok().cloned(),
        _ => None,
    });
    let k = parms
        .as_ref()
        .and_then(|p| p.get(b"K").ok())
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0);
    let black_is_1 = parms
        .as_ref()
        .and_then(|p| p.get(b"BlackIs1").ok())
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false);
    if k > 0 {
        return Err(PageErr::Unsupported("CCITT Group 3 two-dimensional".into()));
    }
    Ok(Compression::Ccitt { k, black_is_1 })
}

/// A page's image (its largest), its bytes shared through `shared` with
/// other pages that show the same image object.
fn page_image(
    doc: &Document,
    page_id: ObjectId,
    shared: &mut HashMap<ObjectId, (Arc<[u8]>, Arc<Dictionary>)>,
) -> Result<Option<PdfPageImage>, PageErr> {
    let images = doc.get_page_images(page_id).map_err(corrupt)?;
    let Some(img) = images.iter().max_by_key(|i| i.width * i.height) else {
        return Ok(None);
    };
    let clamp = |v: i64| v.clamp(0, u32::MAX as i64) as u32;
    let (width, height) = (clamp(img.width), clamp(img.height));
    let page = doc.get_dictionary(page_id).map_err(corrupt)?;
    let media_width = media_box_width(doc, page_id).unwrap_or(595.0);
    let rotate = page
        .get(b"Rotate")
        .ok()
        .and_then(|o| o.as_i64().ok())
        .map(|r| (r.rem_euclid(360) / 90) as u32)
        .unwrap_or(0);
    let img_w = if rotate % 2 == 1 { height } else { width };
    let dpi = if media_width > 0.0 {
        (img_w as f32 * 72.0 / media_width).round() as u32
    } else {
        0
    };
    let filters = img.filters.clone().unwrap_or_default();
    let dict = img.origin_dict;
    let inverted = matches!(dict.get(b"Decode"), Ok(Object::Array(a))
        if a.first().and_then(|o| o.as_float().ok()) == Some(1.0));
    let components = match img.color_space.as_deref() {
        Some("DeviceGray") | Some("CalGray") => 1,
        Some("DeviceRGB") | Some("CalRGB") => 3,
        Some("ICCBased") => icc_components(doc, dict).unwrap_or(3),
        None => 1,
        Some(other) => return Err(PageErr::Unsupported(format!("colour space {other}"))),
    };
    if components != 1 && components != 3 {
        return Err(PageErr::Unsupported(format!(
            "{components} colour components"
        )));
    }
    let bits = img.bits_per_component.unwrap_or(8).clamp(0, 64) as u8;
    let compression = match filters.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["DCTDecode"] => Compression::Jpeg,
        ["CCITTFaxDecode"] => ccitt(doc, dict)?,
        ["FlateDecode"] | [] => {
            if bits != 1 && bits != 8 {
                return Err(PageErr::Unsupported(format!("{bits} bits per component")));
            }
            Compression::Flate {
                deflated: !filters.is_empty(),
            }
        }
        ref other => return Err(PageErr::Unsupported(other.join("+"))),
    };
    let bits = match compression {
        Compression::Ccitt { .. } => 1,
        Compression::Jpeg => 8,
        Compression::Flate { .. } => bits as u32,
    };
    let (data, dict) = shared
        .entry(img.id)
        .or_insert_with(|| (Arc::from(img.content), Arc::new(dict.clone())))
        .clone();
    Ok(Some(PdfPageImage {
        width,
        height,
        samples: components as u32,
        bits,
        dict,
        dpi,
        rotate,
        inverted,
        compression,
        data,
        encoded_bytes: img.content.len(),
    }))
}

fn media_box_width(doc: &Document, page_id: ObjectId) -> Option<f32> {
    let mut id = page_id;
    for _ in 0..32 {
        let d = doc.get_dictionary(id).ok()?;
        if let Ok(mb) = d.get(b"MediaBox") {
            let mb = doc.dereference(mb).ok()?.1.as_array().ok()?;
            let f = |i: usize| mb.get(i).and_then(|o| o.as_float().ok());
            return Some(f(2)? - f(0)?);
        }
        id = d.get(b"Parent").ok()?.as_reference().ok()?;
    }
    None
}

fn icc_components(doc: &Document, dict: &lopdf::Dictionary) -> Option<u8> {
    let arr = dict.get(b"ColorSpace").ok()?.as_array().ok()?;
    let id = arr.get(1)?.as_reference().ok()?;
    let n = doc
        .get_object(id)
        .ok()?
        .as_stream()
        .ok()?
        .dict
        .get(b"N")
        .ok()?
        .as_i64()
        .ok()?;
    Some(n as u8)
}

/// A page's JPEG file bytes, shared.
pub type JpegBytes = Arc<[u8]>;

/// Decode one page image. Returns the JPEG bytes too when the page is a
/// JPEG, so an unrotated page can be embedded again without re-encoding.
pub fn decode(img: &PdfPageImage) -> Result<(Pix, Option<JpegBytes>), String> {
    let (pix, jpeg) = match &img.compression {
        Compression::Jpeg => {
            let pix = Pix::read_jpeg(&img.data).map_err(str::to_string)?;
            (pix, (!img.inverted).then(|| img.data.clone()))
        }
        Compression::Flate { deflated } => {
            let samples = inflate(img, *deflated)?;
            let pix = if img.bits == 8 {
                Pix::from_samples(img.width, img.height, img.samples as u8, &samples)
            } else {
                Pix::from_bits(img.width, img.height, &samples, false)
            };
            (
                pix.ok_or("the image data is shorter than its declared size")?,
                None,
            )
        }
        Compression::Ccitt { k, black_is_1 } => {
            let tiff = wrap_ccitt_in_tiff(img.width, img.height, *k, *black_is_1, &img.data);
            (
                Pix::read_tiff_page(&tiff, 0)
                    .ok_or("the CCITT fax data is truncated or damaged")?,
                None,
            )
        }
    };
    let pix = if img.inverted {
        pix.invert().ok_or("cannot invert the image")?
    } else {
        pix
    };
    let pix = if img.rotate != 0 {
        pix.rotate_orth(img.rotate)
            .ok_or("cannot apply the page's /Rotate")?
    } else {
        pix
    };
    let jpeg = if img.rotate != 0 { None } else { jpeg };
    Ok((pix, jpeg))
}

/// A Flate image's samples, inflated by lopdf (predictors included) to no
/// more than its declared size plus a predictor byte per row: a stream
/// that would inflate beyond that is refused, never inflated.
fn inflate(img: &PdfPageImage, deflated: bool) -> Result<Vec<u8>, String> {
    let want = img.declared().decoded_bytes() as usize;
    if !deflated {
        return Ok(img.data[..img.data.len().min(want)].to_vec());
    }
    let bound = want + img.height as usize + 1024;
    let stream = lopdf::Stream::new((*img.dict).clone(), img.data.to_vec());
    stream.decompressed_content_with_limit(bound).map_err(|e| {
        format!("the Flate image data is damaged or larger than its declared size: {e}")
    })
}

/// Put raw CCITT data behind a minimal one-strip TIFF header so that
/// libtiff (through Leptonica) decodes it exactly as it would a fax TIFF.
pub fn wrap_ccitt_in_tiff(
    width: u32,
    height: u32,
    k: i64,
    black_is_1: bool,
    data: &[u8],
) -> Vec<u8> {
    let compression: u16 = if k < 0 { 4 } else { 3 };
    // The fax runs say which pixels are black. With BlackIs1 false (the PDF
    // default) a reader shows them black: TIFF's WhiteIsZero (0). With
    // BlackIs1 true (and no Decode array) the filter's 1 bits for black
    // pixels are shown white, as PDF readers do: BlackIsZero (1).
    let photometric: u16 = if black_is_1 { 1 } else { 0 };
    let entries: Vec<(u16, u16, u32)> = vec![
        (256, 4, width),
        (257, 4, height),
        (258, 3, 1),
        (259, 3, compression as u32),
        (262, 3, photometric as u32),
        (273, 4, 0), // strip offset, patched below
        (277, 3, 1),
        (278, 4, height),
        (279, 4, data.len() as u32),
    ];
    let ifd_len = 2 + entries.len() * 12 + 4;
    let data_offset = (8 + ifd_len) as u32;
    let mut out = Vec::with_capacity(data_offset as usize + data.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, typ, value) in entries {
        let value = if tag == 273 { data_offset } else { value };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if typ == 3 {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    out
}
