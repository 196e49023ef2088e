//! Render: one searchable PDF per document.
//!
//! Each page is the prepared scan at its scanned resolution (JPEG for grey
//! and colour, CCITT G4 for 1-bit), with an invisible text layer (text
//! render mode 3) placed word by word from the OCR boxes, the way
//! Tesseract's own PDF renderer does it: a Type 0 font whose character
//! codes are the text's UTF-16 code units (`Identity-H`), a `ToUnicode`
//! map that maps each code to itself, and a glyph-less TrueType font
//! (Tesseract's `pdf.ttf`, Apache-2.0) so nothing is drawn. Selecting,
//! searching and `pdftotext` then return the Vietnamese text with its
//! diacritics.
//!
//! Output is deterministic: the same pages give the same bytes (no dates),
//! so a re-run stores nothing new.
//!
//! Towards PDF/A-2b (the archive's format): embedded font, no transparency,
//! XMP metadata declaring part 2 / conformance B and matching the Info
//! dictionary, an RGB output intent, and a file ID. Not yet checked with a
//! PDF/A validator (veraPDF is not available here).

use crate::ocr::PageText;
use crate::pix::{Encoded, Filter};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use sha2::{Digest, Sha256};

const GLYPHLESS_FONT: &[u8] = include_bytes!("../assets/glyphless.ttf");

#[derive(Debug, thiserror::Error)]
#[error("cannot build the PDF: {0}")]
pub struct RenderError(String);

/// One page to render.
pub struct RenderPage<'a> {
    pub image: &'a Encoded,
    pub text: &'a PageText,
    pub dpi: u32,
}

/// Build the PDF for one document.
pub fn render(pages: &[RenderPage], title: &str) -> Result<Vec<u8>, RenderError> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = add_font(&mut doc)?;
    let mut kids = Vec::new();
    for page in pages {
        let dpi = page.dpi.max(1) as f32;
        let (wpx, hpx) = (page.image.width as f32, page.image.height as f32);
        let (wpt, hpt) = (wpx * 72.0 / dpi, hpx * 72.0 / dpi);
        let image_id = doc.add_object(image_stream(page.image));
        let content = page_content(page.text, wpt, hpt, 72.0 / dpi);
        let mut content = Stream::new(Dictionary::new(), content);
        content.compress().map_err(|e| RenderError(e.to_string()))?;
        let content_id = doc.add_object(content);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(wpt), Object::Real(hpt)],
            "Resources" => dictionary! {
                "XObject" => dictionary! { "Im0" => image_id },
                "Font" => dictionary! { "F1" => font_id },
            },
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    // A deterministic file identifier: a digest of the title and page images.
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    for page in pages {
        h.update(&page.image.data);
    }
    finish(doc, pages_id, kids, title, h)
}

/// The document around its pages: the page tree, PDF/A-2b parts (XMP
/// metadata matching the Info dictionary, an RGB output intent, as the
/// images are DeviceGray / DeviceRGB) and a file ID from `id` (a digest
/// of what makes the document, so the same input gives the same bytes).
fn finish(
    mut doc: Document,
    pages_id: lopdf::ObjectId,
    kids: Vec<Object>,
    title: &str,
    id: Sha256,
) -> Result<Vec<u8>, RenderError> {
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let producer = format!("sohoa {}", env!("CARGO_PKG_VERSION"));
    let metadata = Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp(title, &producer).into_bytes(),
    )
    .with_compression(false);
    let metadata_id = doc.add_object(metadata);
    let profile = Stream::new(dictionary! { "N" => 3 }, rgb_icc_profile());
    let profile_id = doc.add_object(profile);
    let intent_id = doc.add_object(dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => Object::string_literal("sRGB"),
        "Info" => Object::string_literal("sRGB primaries and white point, gamma 2.2"),
        "DestOutputProfile" => profile_id,
    });
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata_id,
        "OutputIntents" => vec![Object::Reference(intent_id)],
    });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::string_literal(utf16_text(title)),
        "Producer" => Object::string_literal(producer),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let id = id.finalize()[..16].to_vec();
    let id = Object::String(id, lopdf::StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| RenderError(e.to_string()))?;
    Ok(out)
}

/// One page of a re-arranged document: page `page` (0-based) of the
/// source PDF `source`, turned `turned_deg` clockwise on top of any turn
/// it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageFrom {
    pub source: usize,
    pub page: usize,
    pub turned_deg: u32,
}

/// A document re-arranged by an officer: its pages taken, in this order,
/// from PDFs this module rendered (the machine's), each copied whole (its
/// image as stored, its invisible text layer, its font) and turned with
/// `/Rotate`, in a document with the same PDF/A-2b parts as [`render`].
/// Nothing is decoded or re-encoded, and the output is deterministic: the
/// same sources, pages and title give the same bytes.
pub fn rearrange(
    sources: &[&[u8]],
    pages: &[PageFrom],
    title: &str,
) -> Result<Vec<u8>, RenderError> {
    let fail = |e: lopdf::Error| RenderError(e.to_string());
    let docs = sources
        .iter()
        .map(|b| Document::load_mem(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut copied = vec![std::collections::BTreeMap::new(); docs.len()];
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    for s in sources {
        h.update(Sha256::digest(s));
    }
    let mut kids = Vec::new();
    for p in pages {
        let (src, map) = match (docs.get(p.source), copied.get_mut(p.source)) {
            (Some(src), Some(map)) => (src, map),
            _ => return Err(RenderError(format!("no source PDF {}", p.source))),
        };
        let id = src.get_pages().into_values().nth(p.page).ok_or_else(|| {
            RenderError(format!(
                "source PDF {} has no page {}",
                p.source,
                p.page + 1
            ))
        })?;
        let page = src.get_dictionary(id).map_err(fail)?;
        let mut new = dictionary! { "Type" => "Page", "Parent" => pages_id };
        for key in ["MediaBox", "CropBox", "Resources", "Contents"] {
            if let Some(v) = inherited(src, page, key.as_bytes()) {
                let v = copy_object(&mut doc, src, v, map)?;
                new.set(key, v);
            }
        }
        let rotate = inherited(src, page, b"Rotate")
            .and_then(|r| r.as_i64().ok())
            .unwrap_or(0)
            + i64::from(p.turned_deg);
        if rotate.rem_euclid(360) != 0 {
            new.set("Rotate", rotate.rem_euclid(360));
        }
        h.update(format!("{}/{}/{}", p.source, p.page, p.turned_deg).as_bytes());
        kids.push(Object::Reference(doc.add_object(new)));
    }
    finish(doc, pages_id, kids, title, h)
}

/// A page's entry, or the one it inherits from the page tree above it.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..32 {
        if let Ok(v) = node.get(key) {
            return Some(v);
        }
        node = node
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok()?;
    }
    None
}

/// `obj` of `src` copied into `dst`, with every object it refers to
/// (each once: `map` holds the ids already copied), leaving out links
/// back up the page tree (`Parent`).
fn copy_object(
    dst: &mut Document,
    src: &Document,
    obj: &Object,
    map: &mut std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId>,
) -> Result<Object, RenderError> {
    Ok(match obj {
        Object::Reference(id) => {
            if let Some(new) = map.get(id) {
                return Ok(Object::Reference(*new));
            }
            let new = dst.new_object_id();
            map.insert(*id, new);
            let found = src
                .get_object(*id)
                .map_err(|e| RenderError(e.to_string()))?;
            let copy = copy_object(dst, src, found, map)?;
            dst.objects.insert(new, copy);
            Object::Reference(new)
        }
        Object::Array(items) => Object::Array(
            items
                .iter()
                .map(|o| copy_object(dst, src, o, map))
                .collect::<Result<_, _>>()?,
        ),
        Object::Dictionary(d) => Object::Dictionary(copy_dictionary(dst, src, d, map)?),
        Object::Stream(s) => {
            let dict = copy_dictionary(dst, src, &s.dict, map)?;
            Object::Stream(Stream::new(dict, s.content.clone()).with_compression(false))
        }
        other => other.clone(),
    })
}

fn copy_dictionary(
    dst: &mut Document,
    src: &Document,
    d: &Dictionary,
    map: &mut std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId>,
) -> Result<Dictionary, RenderError> {
    let mut out = Dictionary::new();
    for (k, v) in d.iter() {
        if k.as_slice() != b"Parent" {
            out.set(k.clone(), copy_object(dst, src, v, map)?);
        }
    }
    Ok(out)
}

/// XMP metadata declaring PDF/A-2b, with the same title and producer as
/// the Info dictionary (no dates: the output stays deterministic).
fn xmp(title: &str, producer: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n\
<pdf:Producer>{}</pdf:Producer>\n\
</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>",
        esc(title),
        esc(producer)
    )
}

/// A small ICC v2 display profile with the sRGB primaries and D50-adapted
/// colorants, and a 2.2 gamma curve: the output intent PDF/A asks for when
/// pages use device colour spaces. Built here rather than shipped, so no
/// third-party profile file (and its licence) comes with sohoa.
fn rgb_icc_profile() -> Vec<u8> {
    fn s15(x: f64) -> [u8; 4] {
        ((x * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut v = b"XYZ \0\0\0\0".to_vec();
        v.extend(s15(x));
        v.extend(s15(y));
        v.extend(s15(z));
        v
    }
    let desc = {
        let text = b"sohoa sRGB (gamma 2.2)\0";
        let mut v = b"desc\0\0\0\0".to_vec();
        v.extend((text.len() as u32).to_be_bytes());
        v.extend(text);
        v.extend([0u8; 4 + 4 + 2 + 1 + 67]);
        v
    };
    let cprt = b"text\0\0\0\0No copyright, use freely\0".to_vec();
    let curve = b"curv\0\0\0\0\0\0\0\x01\x02\x33\0\0".to_vec();
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    for (sig, body) in &tags {
        let offset = 128 + table_len + data.len();
        table.extend(*sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = 128 + table.len() + data.len();
    let mut header = Vec::with_capacity(128);
    header.extend((size as u32).to_be_bytes());
    header.extend([0u8; 4]); // preferred CMM
    header.extend([0x02, 0x10, 0, 0]); // version 2.1
    header.extend(b"mntrRGB XYZ ");
    header.extend([0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2026-01-01 00:00:00
    header.extend(b"acsp");
    header.extend([0u8; 4 + 4 + 4 + 4 + 8 + 4]); // platform, flags, maker, model, attributes, intent
    header.extend(s15(0.9642));
    header.extend(s15(1.0));
    header.extend(s15(0.8249));
    header.extend([0u8; 4]); // creator
    header.resize(128, 0);
    let mut out = header;
    out.extend(table);
    out.extend(data);
    out
}

/// A PDF text string in UTF-16BE with its byte-order mark (for titles).
fn utf16_text(s: &str) -> Vec<u8> {
    let mut v = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_be_bytes());
    }
    v
}

fn image_stream(img: &Encoded) -> Stream {
    let color_space = if img.components >= 3 {
        "DeviceRGB"
    } else {
        "DeviceGray"
    };
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => img.width as i64,
        "Height" => img.height as i64,
        "ColorSpace" => color_space,
        "BitsPerComponent" => img.bits_per_component as i64,
    };
    match img.filter {
        Filter::Jpeg => dict.set("Filter", "DCTDecode"),
        Filter::Flate => dict.set("Filter", "FlateDecode"),
        Filter::G4 => {
            dict.set("Filter", "CCITTFaxDecode");
            dict.set(
                "DecodeParms",
                dictionary! { "K" => -1, "Columns" => img.width as i64, "Rows" => img.height as i64, "BlackIs1" => false },
            );
        }
    }
    Stream::new(dict, img.data.clone()).with_compression(false)
}

/// The page's drawing: the image over the whole page, then the invisible text.
fn page_content(text: &PageText, wpt: f32, hpt: f32, scale: f32) -> Vec<u8> {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "q {wpt:.3} 0 0 {hpt:.3} 0 0 cm /Im0 Do Q");
    s.push_str("BT\n3 Tr\n");
    for line in &text.lines {
        let line_h = (line.bbox[3].saturating_sub(line.bbox[1])) as f32 * scale;
        let size = line_h.max(1.0);
        let n = line.words.len();
        for (i, w) in line.words.iter().enumerate() {
            let mut word: Vec<u16> = w.text.encode_utf16().collect();
            if i + 1 < n {
                word.push(0x20);
            }
            if word.is_empty() {
                continue;
            }
            // The word spans to the next word's start, so that the space is inside it.
            let x0 = w.bbox[0] as f32 * scale;
            let x1 = if i + 1 < n {
                line.words[i + 1].bbox[0]
            } else {
                w.bbox[2]
            } as f32
                * scale;
            let width = (x1 - x0).max(0.5);
            let natural = word.len() as f32 * size * 0.5;
            let tz = 100.0 * width / natural;
            let y = hpt - line.bbox[3] as f32 * scale;
            let hex: String = word.iter().map(|u| format!("{u:04X}")).collect();
            let _ = writeln!(
                s,
                "/F1 {size:.2} Tf {tz:.2} Tz 1 0 0 1 {x0:.2} {y:.2} Tm <{hex}> Tj"
            );
        }
    }
    s.push_str("ET\n");
    s.into_bytes()
}

/// The glyph-less Type 0 font used by the text layer.
fn add_font(doc: &mut Document) -> Result<lopdf::ObjectId, RenderError> {
    let mut file = Stream::new(
        dictionary! { "Length1" => GLYPHLESS_FONT.len() as i64 },
        GLYPHLESS_FONT.to_vec(),
    );
    file.compress().map_err(|e| RenderError(e.to_string()))?;
    let file_id = doc.add_object(file);
    let descriptor_id = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "GlyphLessFont",
        "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), 500.into(), 1000.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1000,
        "Descent" => 0,
        "CapHeight" => 1000,
        "StemV" => 80,
        "FontFile2" => file_id,
    });
    // Every character code maps to glyph 1 of the glyph-less font; the
    // compressed map is the same for every document, so it is built once.
    static CID_TO_GID: std::sync::OnceLock<Stream> = std::sync::OnceLock::new();
    let cid_to_gid = CID_TO_GID.get_or_init(|| {
        let map: Vec<u8> = std::iter::repeat_n([0u8, 1u8], 65536).flatten().collect();
        let mut stream = Stream::new(Dictionary::new(), map);
        // Left uncompressed if compression fails: still a valid stream.
        let _ = stream.compress();
        stream
    });
    let cid_to_gid_id = doc.add_object(cid_to_gid.clone());
    let cid_font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "GlyphLessFont",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor_id,
        "CIDToGIDMap" => cid_to_gid_id,
        "DW" => 500,
    });
    let cmap = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    let mut to_unicode = Stream::new(Dictionary::new(), cmap.as_bytes().to_vec());
    to_unicode
        .compress()
        .map_err(|e| RenderError(e.to_string()))?;
    let to_unicode_id = doc.add_object(to_unicode);
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "GlyphLessFont",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font_id)],
        "ToUnicode" => to_unicode_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::{Line, Word};

    #[test]
    fn pdf_has_one_page_per_input_and_utf16_text() {
        let img = Encoded {
            filter: Filter::Flate,
            data: {
                use std::io::Write;
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&vec![255u8; 100 * 140]).unwrap();
                e.finish().unwrap()
            },
            width: 100,
            height: 140,
            bits_per_component: 8,
            components: 1,
        };
        let text = PageText {
            lines: vec![Line {
                words: vec![Word {
                    text: "Hồ".into(),
                    bbox: [10, 10, 40, 30],
                    conf: 90.0,
                }],
                bbox: [10, 10, 40, 30],
            }],
        };
        let pages = [
            RenderPage {
                image: &img,
                text: &text,
                dpi: 100,
            },
            RenderPage {
                image: &img,
                text: &text,
                dpi: 100,
            },
        ];
        let pdf = render(&pages, "Giấy ủy quyền").unwrap();
        assert!(pdf.starts_with(b"%PDF-1.7"));
        let doc = Document::load_mem(&pdf).unwrap();
        assert_eq!(doc.get_pages().len(), 2);
        // Deterministic output.
        assert_eq!(pdf, render(&pages, "Giấy ủy quyền").unwrap());
        // "Hồ" = U+0048 U+1ED3 as code units in the content stream.
        let page = *doc.get_pages().values().next().unwrap();
        let content = doc.get_page_content(page);
        assert!(String::from_utf8_lossy(&content).contains("<00481ED3>"));
        // PDF/A-2b declarations: XMP, output intent, file ID.
        let catalog = doc.catalog().unwrap();
        assert!(catalog.get(b"Metadata").is_ok());
        assert!(catalog.get(b"OutputIntents").is_ok());
        assert!(doc.trailer.get(b"ID").is_ok());
        assert!(String::from_utf8_lossy(&pdf).contains("<pdfaid:part>2</pdfaid:part>"));
    }

    /// A one-page-per-text PDF, each page an image of its own size.
    fn two_pages() -> Vec<u8> {
        let img = |w: u32| Encoded {
            filter: Filter::Flate,
            data: {
                use std::io::Write;
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&vec![255u8; (w * 140) as usize]).unwrap();
                e.finish().unwrap()
            },
            width: w,
            height: 140,
            bits_per_component: 8,
            components: 1,
        };
        let text = |t: &str| PageText {
            lines: vec![Line {
                words: vec![Word {
                    text: t.into(),
                    bbox: [10, 10, 40, 30],
                    conf: 90.0,
                }],
                bbox: [10, 10, 40, 30],
            }],
        };
        let (i1, i2, t1, t2) = (img(100), img(120), text("Hồ"), text("Sơ"));
        let pages = [
            RenderPage {
                image: &i1,
                text: &t1,
                dpi: 100,
            },
            RenderPage {
                image: &i2,
                text: &t2,
                dpi: 100,
            },
        ];
        render(&pages, "Hai trang").unwrap()
    }

    #[test]
    fn a_rearranged_pdf_takes_the_pages_asked_for_whole_and_turned() {
        let src = two_pages();
        let pages = [
            PageFrom {
                source: 0,
                page: 1,
                turned_deg: 90,
            },
            PageFrom {
                source: 0,
                page: 0,
                turned_deg: 0,
            },
        ];
        let pdf = rearrange(&[&src], &pages, "Giấy tờ tách ra").unwrap();
        assert_eq!(pdf, rearrange(&[&src], &pages, "Giấy tờ tách ra").unwrap());
        let doc = Document::load_mem(&pdf).unwrap();
        let ids: Vec<_> = doc.get_pages().into_values().collect();
        assert_eq!(ids.len(), 2);
        let first = doc.get_dictionary(ids[0]).unwrap();
        assert_eq!(first.get(b"Rotate").unwrap().as_i64().unwrap(), 90);
        assert!(doc.get_dictionary(ids[1]).unwrap().get(b"Rotate").is_err());
        // Page 2 of the source (its text "Sơ", its 120-pixel image) first.
        let content = String::from_utf8_lossy(&doc.get_page_content(ids[0])).to_string();
        assert!(content.contains("<005301A1>"), "{content}");
        let images = doc.get_page_images(ids[0]).unwrap();
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].width, 120);
        let catalog = doc.catalog().unwrap();
        assert!(catalog.get(b"Metadata").is_ok() && catalog.get(b"OutputIntents").is_ok());
        // One page alone, and a page that is not there.
        let one = rearrange(&[&src], &pages[..1], "x").unwrap();
        assert_eq!(Document::load_mem(&one).unwrap().get_pages().len(), 1);
        let missing = PageFrom {
            source: 0,
            page: 2,
            turned_deg: 0,
        };
        assert!(rearrange(&[&src], &[missing], "x").is_err());
    }

    #[test]
    fn icc_profile_is_well_formed() {
        let p = rgb_icc_profile();
        assert_eq!(
            u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize,
            p.len()
        );
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"mntrRGB XYZ ");
        let n = u32::from_be_bytes([p[128], p[129], p[130], p[131]]) as usize;
        for i in 0..n {
            let e = 132 + 12 * i;
            let off = u32::from_be_bytes([p[e + 4], p[e + 5], p[e + 6], p[e + 7]]) as usize;
            let len = u32::from_be_bytes([p[e + 8], p[e + 9], p[e + 10], p[e + 11]]) as usize;
            assert!(
                off.is_multiple_of(4) && off + len <= p.len(),
                "tag {i} out of bounds"
            );
        }
    }
}
