//! A small mutation fuzzer for the page path (not shipped, not run by CI):
//! small valid PDFs (cross-reference tables and streams, object streams,
//! incremental updates; Flate with and without predictors, JPEG, G4, raw
//! samples), TIFFs, PNGs and JPEGs made here are mutated (bits, bytes,
//! numbers and names swapped for edge values, tokens, cuts and splices)
//! and fed to sohoa's own reading of a file and of its pages
//! (`ingest::open_bytes`, `ingest::decode_page`, the marks, letter-shape,
//! skew and QR measurements, and one run in 40 the whole
//! `pipeline::page::read` with OCR), each under `catch_unwind`. Mutants
//! that still give a page are kept and mutated further. A panic's input
//! is written to OUT_DIR with its message and place.
//!
//!     nice -n 19 cargo run --release --example fuzz_pages -- OUT_DIR SECONDS [SEED]
//!
//! With an OUT_DIR named `shapes`, it reads instead pages of odd shapes
//! and resolutions (1x1 to 4000x1, 1 dpi to 100 000 dpi) as PDF and PNG,
//! each through the whole page read.
//!
//! The input being read is written to OUT_DIR/current first, so that a
//! crash of the process (a C decoder) leaves it behind too.

// The hostile catalogue's PDF makers (pdf, stream, obj).
#[allow(dead_code)]
#[path = "../worker/tests/hostile/catalogue.rs"]
mod catalogue;

use catalogue::{obj, pdf, stream};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use sohoa::ingest::{self, Limits};
use sohoa::pipeline::{Options, page};
use sohoa::pix::Pix;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// Catalog, pages, one page showing image object 4.
fn one_page(image: Vec<u8>, page_extra: &str) -> Vec<u8> {
    pdf(
        &[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>"),
            obj(&format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R {page_extra} >>"
            )),
            image,
            stream("", b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
        ],
        "",
    )
}

/// A PDF whose cross-reference is a stream (uncompressed) and whose page
/// tree lives in an object stream (uncompressed).
fn xref_stream_pdf(image: Vec<u8>) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let inner = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> >>",
    ];
    let mut body = String::new();
    let mut header = String::new();
    for (i, o) in inner.iter().enumerate() {
        header.push_str(&format!("{} {} ", i + 1, body.len()));
        body.push_str(o);
        body.push(' ');
    }
    let first = header.len();
    let objstm = stream(
        &format!("/Type /ObjStm /N 3 /First {first}"),
        format!("{header}{body}").as_bytes(),
    );
    let image_at = out.len();
    out.extend(b"4 0 obj\n");
    out.extend(&image);
    out.extend(b"\nendobj\n");
    let objstm_at = out.len();
    out.extend(b"5 0 obj\n");
    out.extend(&objstm);
    out.extend(b"\nendobj\n");
    let xref_at = out.len();
    // Entries: 0 free, 1-3 in object stream 5, 4 and 5 plain, 6 the xref stream.
    let mut rows = Vec::new();
    let row = |t: u8, a: u32, b: u16| {
        let mut r = vec![t];
        r.extend(a.to_be_bytes());
        r.extend(b.to_be_bytes());
        r
    };
    rows.extend(row(0, 0, 65535));
    for i in 0..3u16 {
        rows.extend(row(2, 5, i));
    }
    rows.extend(row(1, image_at as u32, 0));
    rows.extend(row(1, objstm_at as u32, 0));
    rows.extend(row(1, xref_at as u32, 0));
    out.extend(b"6 0 obj\n");
    out.extend(stream(
        "/Type /XRef /Size 7 /W [1 4 2] /Index [0 7] /Root 1 0 R",
        &rows,
    ));
    out.extend(format!("\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

/// A little-endian TIFF of one page from its IFD entries (tag, type,
/// count, value) and its strip, placed after the IFD.
fn tiff(entries: &[(u16, u16, u32, u32)], strip: &[u8], pages: usize) -> Vec<u8> {
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    let ifd_len = 2 + entries.len() * 12 + 4;
    let strip_at = 8 + pages * ifd_len;
    for p in 0..pages {
        let next = if p + 1 == pages {
            0
        } else {
            8 + (p + 1) * ifd_len
        };
        out.extend((entries.len() as u16).to_le_bytes());
        for &(tag, kind, count, value) in entries {
            let value = match tag {
                273 => strip_at as u32,
                279 => strip.len() as u32,
                _ => value,
            };
            out.extend(tag.to_le_bytes());
            out.extend(kind.to_le_bytes());
            out.extend(count.to_le_bytes());
            if kind == 3 {
                out.extend((value as u16).to_le_bytes());
                out.extend([0, 0]);
            } else {
                out.extend(value.to_le_bytes());
            }
        }
        out.extend((next as u32).to_le_bytes());
    }
    out.extend(strip);
    out
}

fn tiff_entries(
    w: u32,
    h: u32,
    bits: u32,
    compression: u32,
    photometric: u32,
) -> Vec<(u16, u16, u32, u32)> {
    vec![
        (256, 4, 1, w),
        (257, 4, 1, h),
        (258, 3, 1, bits),
        (259, 3, 1, compression),
        (262, 3, 1, photometric),
        (273, 4, 1, 0),
        (277, 3, 1, 1),
        (278, 4, 1, h),
        (279, 4, 1, 0),
        (282, 5, 1, 0),
        (296, 3, 1, 2),
    ]
}

/// A page-like gray picture: paper with a few dark strokes.
fn picture(w: u32, h: u32) -> Vec<u8> {
    let mut px = vec![235u8; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            if (y % 8 < 2 && x % 11 < 7) || (x + y) % 37 == 0 {
                px[(y * w + x) as usize] = 20;
            }
        }
    }
    px
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let (w, h) = (48u32, 40u32);
    let gray = picture(w, h);
    let pix = Pix::from_samples(w, h, 1, &gray).unwrap();
    let jpeg = pix.encode_for_pdf(75).unwrap().data;
    let bin = pix.to_binary(128).unwrap();
    let g4 = bin.encode_for_pdf(75).unwrap().data;
    let png = pix.to_png().unwrap();
    let png1 = bin.to_png().unwrap();
    let rgb: Vec<u8> = gray.iter().flat_map(|&v| [v, v / 2, 255 - v]).collect();
    let rgb_pix = Pix::from_samples(w, h, 3, &rgb).unwrap();
    let jpeg_rgb = rgb_pix.encode_for_pdf(75).unwrap().data;
    // PNG predictor (Up) rows for the Flate image.
    let mut predicted = Vec::new();
    for y in 0..h as usize {
        predicted.push(2u8);
        for x in 0..w as usize {
            let above = if y == 0 {
                0
            } else {
                gray[(y - 1) * w as usize + x]
            };
            predicted.push(gray[y * w as usize + x].wrapping_sub(above));
        }
    }
    let bits: Vec<u8> = (0..h)
        .flat_map(|y| (0..w.div_ceil(8)).map(move |b| ((y * 7 + b * 3) % 256) as u8))
        .collect();
    let flate_gray = |extra: &str, data: &[u8]| {
        stream(
            &format!(
                "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode {extra}"
            ),
            &zlib(data),
        )
    };
    let g4_image = stream(
        &format!(
            "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns {w} /Rows {h} /BlackIs1 false >>"
        ),
        &g4,
    );
    let mut g4_tiff_entries = tiff_entries(w, h, 1, 4, 0);
    g4_tiff_entries[6] = (277, 3, 1, 1);
    let mut incremental = one_page(flate_gray("", &gray), "");
    // An update that replaces the page with one turned a quarter.
    let page_at = incremental.len();
    incremental.extend(b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Rotate 90 /Resources << /XObject << /Im0 4 0 R >> >> >>\nendobj\n");
    let prev = String::from_utf8_lossy(&incremental)
        .rfind("startxref\n")
        .map(|i| {
            String::from_utf8_lossy(&incremental[i + 10..])
                .lines()
                .next()
                .unwrap_or("0")
                .to_string()
        })
        .unwrap();
    let xref2 = incremental.len();
    incremental.extend(
        format!(
            "xref\n0 1\n0000000000 65535 f \n3 1\n{page_at:010} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref2}\n%%EOF\n"
        )
        .as_bytes(),
    );
    vec![
        ("flate-gray.pdf", one_page(flate_gray("", &gray), "")),
        (
            "flate-png-predictor.pdf",
            one_page(
                flate_gray(
                    &format!(
                        "/DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns {w} >>"
                    ),
                    &predicted,
                ),
                "",
            ),
        ),
        (
            "flate-tiff-predictor.pdf",
            one_page(
                flate_gray(
                    &format!(
                        "/DecodeParms << /Predictor 2 /Colors 1 /BitsPerComponent 8 /Columns {w} >>"
                    ),
                    &gray,
                ),
                "",
            ),
        ),
        (
            "flate-1bit.pdf",
            one_page(
                stream(
                    &format!(
                        "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] /Filter /FlateDecode"
                    ),
                    &zlib(&bits),
                ),
                "/Rotate 270",
            ),
        ),
        (
            "raw-gray.pdf",
            one_page(
                stream(
                    &format!(
                        "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8"
                    ),
                    &gray,
                ),
                "",
            ),
        ),
        (
            "jpeg.pdf",
            one_page(
                stream(
                    &format!(
                        "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"
                    ),
                    &jpeg,
                ),
                "",
            ),
        ),
        (
            "jpeg-icc.pdf",
            pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj(
                        "<< /Type /Pages /Count 1 /Kids [3 0 R] /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> >>",
                    ),
                    obj("<< /Type /Page /Parent 2 0 R >>"),
                    stream(
                        &format!(
                            "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace [/ICCBased 5 0 R] /BitsPerComponent 8 /Filter [/DCTDecode]"
                        ),
                        &jpeg_rgb,
                    ),
                    stream("/N 3", b"not a real profile"),
                ],
                "",
            ),
        ),
        ("g4.pdf", one_page(g4_image.clone(), "")),
        ("xref-stream.pdf", xref_stream_pdf(flate_gray("", &gray))),
        ("xref-stream-g4.pdf", xref_stream_pdf(g4_image)),
        ("incremental.pdf", incremental),
        ("gray.png", png),
        ("bits.png", png1),
        ("gray.jpg", jpeg),
        ("rgb.jpg", jpeg_rgb),
        ("gray.tif", tiff(&tiff_entries(w, h, 8, 1, 1), &gray, 1)),
        (
            "two-pages.tif",
            tiff(&tiff_entries(w, h, 8, 1, 1), &gray, 2),
        ),
        ("bits.tif", tiff(&tiff_entries(w, h, 1, 1, 0), &bits, 1)),
        ("g4.tif", tiff(&g4_tiff_entries, &g4, 1)),
    ]
}

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "3",
    "4",
    "7",
    "8",
    "9",
    "10",
    "12",
    "15",
    "16",
    "24",
    "32",
    "64",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999999999999",
    "1.5",
    "-0.0",
    "1e5",
    ".",
    "-",
    "1000000",
    "100000",
    "0.0001",
];

const NAMES: &[&str] = &[
    "/Type",
    "/Subtype",
    "/Image",
    "/Width",
    "/Height",
    "/BitsPerComponent",
    "/ColorSpace",
    "/DeviceGray",
    "/DeviceRGB",
    "/ICCBased",
    "/Indexed",
    "/Filter",
    "/FlateDecode",
    "/DCTDecode",
    "/CCITTFaxDecode",
    "/LZWDecode",
    "/RunLengthDecode",
    "/ASCIIHexDecode",
    "/ASCII85Decode",
    "/DecodeParms",
    "/Predictor",
    "/Colors",
    "/Columns",
    "/K",
    "/Rows",
    "/BlackIs1",
    "/Decode",
    "/Length",
    "/Pages",
    "/Page",
    "/Kids",
    "/Count",
    "/Parent",
    "/Resources",
    "/XObject",
    "/MediaBox",
    "/Rotate",
    "/Root",
    "/Size",
    "/Prev",
    "/XRef",
    "/ObjStm",
    "/N",
    "/First",
    "/W",
    "/Index",
    "/Encrypt",
    "/Catalog",
    "/Contents",
    "/EarlyChange",
    "/Extends",
    "/XRefStm",
    "/Info",
];

const TOKENS: &[&[u8]] = &[
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b" R ",
    b" obj",
    b"endobj",
    b"stream\n",
    b"\nendstream",
    b"xref",
    b"trailer",
    b"startxref",
    b"%%EOF",
    b"null",
    b"true",
    b"0 0 R",
    b"1 0 R",
    b"4 0 R",
    b"99 0 R",
    b"\\",
    b"%",
    b"\r",
    b"\n",
    b" ",
];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[(&str, Vec<u8>)]) {
    let n = 1 + rng.below(6);
    for _ in 0..n {
        if data.is_empty() {
            data.push(rng.next() as u8);
            continue;
        }
        let at = rng.below(data.len());
        match rng.below(12) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = rng.next() as u8,
            2 => data[at] = [0u8, 0xff, 0x7f, 0x80, 1, b'0', b'9'][rng.below(7)],
            3 => {
                let len = rng.below(64.min(data.len() - at)) + 1;
                data.drain(at..(at + len).min(data.len()));
            }
            4 => {
                let len = rng.below(64.min(data.len() - at)) + 1;
                let chunk: Vec<u8> = data[at..(at + len).min(data.len())].to_vec();
                let to = rng.below(data.len());
                data.splice(to..to, chunk);
            }
            5 | 6 => {
                // A number (ASCII digits) replaced by an interesting one.
                let digits: Vec<usize> = (0..data.len())
                    .filter(|&i| {
                        data[i].is_ascii_digit() && (i == 0 || !data[i - 1].is_ascii_digit())
                    })
                    .collect();
                if let Some(&start) = digits.get(rng.below(digits.len())) {
                    let end = (start..data.len())
                        .find(|&i| !data[i].is_ascii_digit())
                        .unwrap_or(data.len());
                    let with = NUMBERS[rng.below(NUMBERS.len())].as_bytes().to_vec();
                    data.splice(start..end, with);
                }
            }
            7 => {
                // A name replaced by another.
                let names: Vec<usize> = (0..data.len()).filter(|&i| data[i] == b'/').collect();
                if let Some(&start) = names.get(rng.below(names.len())) {
                    let end = (start + 1..data.len())
                        .find(|&i| !data[i].is_ascii_alphanumeric())
                        .unwrap_or(data.len());
                    let with = NAMES[rng.below(NAMES.len())].as_bytes().to_vec();
                    data.splice(start..end, with);
                }
            }
            8 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, t.iter().copied());
            }
            9 => {
                // Binary fields: a 16 or 32-bit value set to an edge.
                let edge: u32 =
                    [0, 1, 0xffff, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x10000][rng.below(7)];
                let bytes = if rng.chance(2) {
                    edge.to_le_bytes()
                } else {
                    edge.to_be_bytes()
                };
                let width = if rng.chance(2) { 2 } else { 4 };
                for (k, b) in bytes.iter().take(width).enumerate() {
                    if at + k < data.len() {
                        data[at + k] = *b;
                    }
                }
            }
            10 => {
                // Splice a piece of another seed.
                let other = &corpus[rng.below(corpus.len())].1;
                let from = rng.below(other.len());
                let len = rng.below(256.min(other.len() - from)) + 1;
                data.splice(at..at, other[from..from + len].iter().copied());
            }
            _ => data.truncate(at.max(1)),
        }
    }
}

/// Everything the page path does before OCR, plus the whole page read
/// now and then. Returns pages decoded.
fn exercise(
    bytes: Vec<u8>,
    name: &str,
    limits: &Limits,
    engines: &mut Option<page::Engines>,
    opts: &Options,
    full: bool,
) -> usize {
    let Ok(original) = ingest::open_bytes(name.into(), name.into(), bytes, limits) else {
        return 0;
    };
    let mut decoded = 0;
    for i in 0..original.pages.len().min(3) {
        let _ = original.encoded_bytes(i);
        if full && let Some(engines) = engines.as_mut() {
            let _ = page::read(engines, &original, i, opts);
            decoded += 1;
            continue;
        }
        let Ok(page) = ingest::decode_page(&original, i, limits) else {
            continue;
        };
        decoded += 1;
        let ink = sohoa::prepare::measure_ink(&page.pix, page.dpi);
        let _ = (ink.verdict(), ink.faded(), ink.stretch_levels());
        let mut prep = sohoa::prepare::Preparation::default();
        let _ = sohoa::prepare::text_orientation(
            &page.pix,
            page.dpi,
            &mut prep,
            sohoa::prepare::Shapes::Both,
        );
        let _ = sohoa::prepare::deskew(&page.pix, &mut prep);
        if let Some(gray) = page.pix.to_gray() {
            let _ = sohoa::codes::decode_qr(&gray, page.dpi);
        }
    }
    decoded
}

/// The last panic's message and place, written with its input to
/// `out/panic-{tag}` (and `.txt`).
fn keep_panic(out: &std::path::Path, tag: &str, input: &[u8]) -> String {
    let message = LAST_PANIC
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    let file = out.join(format!("panic-{tag}"));
    std::fs::write(&file, input).unwrap();
    std::fs::write(file.with_extension("txt"), &message).unwrap();
    message
}

/// Pages of odd shapes and resolutions (one pixel wide, a pixel high,
/// a resolution of 1 dpi or 100 000), each through the whole page read.
fn shapes(out: &std::path::Path, engines: &mut Option<page::Engines>, opts: &Options) {
    let sizes = [
        (1, 1),
        (1, 2),
        (2, 1),
        (2, 2),
        (3, 3),
        (1, 4000),
        (4000, 1),
        (2, 3000),
        (3000, 2),
        (7, 900),
        (900, 7),
        (17, 17),
        (64, 5),
        (5, 64),
        (1200, 1700),
    ];
    let dpis = [1u32, 29, 30, 72, 300, 600, 100_000];
    for (w, h) in sizes {
        let gray = picture(w, h);
        for dpi in dpis {
            let media = (w as f64 * 72.0 / dpi as f64).max(0.0001);
            let image = stream(
                &format!(
                    "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"
                ),
                &zlib(&gray),
            );
            let pdf = pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>"),
                    obj(&format!(
                        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {media:.4} 842] /Resources << /XObject << /Im0 4 0 R >> >> >>"
                    )),
                    image,
                ],
                "",
            );
            let mut pix = Pix::from_samples(w, h, 1, &gray).unwrap();
            pix.set_resolution(dpi);
            let png = pix.to_png().unwrap();
            let bin = pix.to_binary(128).unwrap().to_png().unwrap();
            for (name, bytes) in [("page.pdf", pdf), ("page.png", png), ("bits.png", bin)] {
                let _ = std::fs::write(out.join("current"), &bytes);
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    exercise(bytes.clone(), name, &opts.limits, engines, opts, true)
                        + exercise(bytes.clone(), name, &opts.limits, engines, opts, false)
                }));
                match result {
                    Ok(n) => println!("{w}x{h} at {dpi} dpi, {name}: {n} read"),
                    Err(_) => {
                        let message = keep_panic(out, &format!("{w}x{h}-{dpi}-{name}"), &bytes);
                        println!("PANIC {w}x{h} at {dpi} dpi, {name}: {message}");
                    }
                }
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .expect("usage: fuzz_pages OUT_DIR SECONDS [SEED]"),
    );
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    std::fs::create_dir_all(&out).unwrap();
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| l.to_string()).unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{what} at {at}"));
    }));
    sohoa::pix::quiet();
    // Small pages: the limits keep a mutated header from asking for a
    // real page's worth of pixels on every try.
    let limits = Limits {
        max_megapixels: 2,
        max_page_mib: 8,
        max_pages: 20,
        max_pdf_objects: 2000,
        max_stream_mib: 8,
    };
    let opts = Options {
        threads: 1,
        limits,
        ..Options::default()
    };
    let mut engines = page::Engines::new("vie").ok();
    if out.ends_with("shapes") {
        shapes(&out, &mut engines, &opts);
        return;
    }
    let corpus = seeds();
    let mut rng = Rng(seed | 1);
    // Every seed must read as it is.
    for (name, bytes) in &corpus {
        let decoded = exercise(bytes.clone(), name, &limits, &mut None, &opts, false);
        println!(
            "seed {name:28} {:6} bytes, {decoded} page(s) decoded",
            bytes.len()
        );
    }
    let started = Instant::now();
    let (mut runs, mut decoded_runs, mut found) = (0u64, 0u64, 0u64);
    let current = out.join("current");
    // Mutants that still gave a page, mutated further (up to 1000 kept):
    // a mutation that breaks nothing reaches deeper on the next.
    let mut kept: Vec<(&str, Vec<u8>)> = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let (name, base) = if !kept.is_empty() && rng.chance(2) {
            &kept[rng.below(kept.len())]
        } else {
            &corpus[rng.below(corpus.len())]
        };
        let name: &str = name;
        let mut input = base.clone();
        mutate(&mut rng, &mut input, &corpus);
        let full = rng.chance(40);
        let _ = std::fs::write(&current, &input);
        let copy = input.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exercise(copy, name, &limits, &mut engines, &opts, full)
        }));
        runs += 1;
        match result {
            Ok(n) => {
                decoded_runs += (n > 0) as u64;
                if n > 0 {
                    if kept.len() < 1000 {
                        kept.push((name, input));
                    } else {
                        let at = rng.below(kept.len());
                        kept[at] = (name, input);
                    }
                }
            }
            Err(_) => {
                found += 1;
                let message = keep_panic(&out, &format!("{found:03}-{name}"), &input);
                println!("PANIC #{found} from {name} (full page read: {full}): {message}");
            }
        }
        if runs % 5000 == 0 {
            println!(
                "{runs} runs, {decoded_runs} with a page decoded, {found} panics, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "done: {runs} runs ({decoded_runs} with a page decoded), {found} panics, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
