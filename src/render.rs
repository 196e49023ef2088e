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

use crate::ocr::PageText;
use crate::pix::{Encoded, Filter};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};

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
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::string_literal(utf16_text(title)),
        "Producer" => Object::string_literal(format!("sohoa {}", env!("CARGO_PKG_VERSION"))),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| RenderError(e.to_string()))?;
    Ok(out)
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
    // Every character code maps to glyph 1 of the glyph-less font.
    let map: Vec<u8> = std::iter::repeat_n([0u8, 1u8], 65536).flatten().collect();
    let mut cid_to_gid = Stream::new(Dictionary::new(), map);
    cid_to_gid
        .compress()
        .map_err(|e| RenderError(e.to_string()))?;
    let cid_to_gid_id = doc.add_object(cid_to_gid);
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
    }
}
