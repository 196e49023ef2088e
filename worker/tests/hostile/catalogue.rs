//! The hostile-input catalogue: files made to take a reader's memory or
//! time (bombs, headers that lie, endless page chains, loops) and plain
//! bad files (truncated, empty, of another kind). Each is built here, in a
//! few kilobytes to a few megabytes, so the tests need no fixtures; and
//! how a server's peak memory is read while it takes them.

use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::io::Write;
use std::path::Path;

/// One hostile file: its name (with the extension a station would give
/// it) and its bytes.
pub struct Hostile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

/// Deflate `n` zero bytes (a bomb's payload: ~1000:1).
fn zeros_deflated(n: usize) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        z.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    z.finish().unwrap()
}

/// A PDF from its objects (numbered from 1 in order), with a correct
/// cross-reference table; `trailer` adds to `/Size` and `/Root 1 0 R`.
pub fn pdf(objects: &[Vec<u8>], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend(data);
    s.extend(b"\nendstream");
    s
}

pub fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// Catalog, a page tree of `pages` pages, each showing image object 3.
fn pdf_of_pages_showing_one_image(pages: usize, image: Vec<u8>) -> Vec<u8> {
    let first_page = 4;
    let kids: Vec<String> = (0..pages)
        .map(|i| format!("{} 0 R", first_page + i))
        .collect();
    let mut objects = vec![
        obj("<< /Type /Catalog /Pages 2 0 R >>"),
        obj(&format!(
            "<< /Type /Pages /Count {pages} /Kids [{}] >>",
            kids.join(" ")
        )),
        image,
    ];
    for _ in 0..pages {
        objects.push(obj(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 3 0 R >> >> >>",
        ));
    }
    pdf(&objects, "")
}

fn gray_image(width: u32, height: u32, data: &[u8]) -> Vec<u8> {
    stream(
        &format!(
            "/Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"
        ),
        data,
    )
}

/// A little-endian TIFF IFD's entries (tag, type, count, value).
fn ifd(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
    let mut out = (entries.len() as u16).to_le_bytes().to_vec();
    for &(tag, kind, count, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(value.to_le_bytes());
    }
    out.extend(next.to_le_bytes());
    out
}

/// A gray 8-bit TIFF page header of `w` x `h` with one strip at `strip`.
fn tiff_entries(w: u32, h: u32, strip: u32, strip_bytes: u32) -> Vec<(u16, u16, u32, u32)> {
    vec![
        (256, 4, 1, w),
        (257, 4, 1, h),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, strip),
        (277, 3, 1, 1),
        (278, 4, 1, h),
        (279, 4, 1, strip_bytes),
    ]
}

/// A TIFF of `pages` tiny pages, all IFDs in one chain.
fn tiff_of_pages(pages: u32) -> Vec<u8> {
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    let ifd_len = 2 + 9 * 12 + 4;
    for p in 0..pages {
        let at = out.len() as u32;
        let next = if p + 1 == pages { 0 } else { at + ifd_len };
        out.extend(ifd(&tiff_entries(1, 1, 0, 1), next));
    }
    out
}

/// A PNG header (signature and IHDR) claiming `w` x `h` RGB, and nothing after.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(w.to_be_bytes());
    chunk.extend(h.to_be_bytes());
    chunk.extend([8, 2, 0, 0, 0]);
    out.extend(&chunk);
    out.extend(0u32.to_be_bytes()); // CRC left wrong: a reader must not care
    out
}

/// A real JPEG whose frame header (SOF0 or SOF2) is made to claim `w` x `h`.
fn jpeg_claiming(real: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = real.to_vec();
    let sof = out
        .windows(2)
        .position(|m| m == [0xFF, 0xC0] || m == [0xFF, 0xC2])
        .expect("a frame header");
    out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// The whole catalogue; `examples` is the repository's example batch (its
/// real scans are cut short for the truncated files).
pub fn catalogue(examples: &Path) -> Vec<Hostile> {
    let tif = std::fs::read(examples.join("scan_001.tif")).unwrap();
    let jpg = std::fs::read(examples.join("scan_002.jpg")).unwrap();
    let mut files = vec![
        // 300 pages all showing one 10000 x 10000 image (100 MB inflated).
        Hostile {
            name: "shared-image.pdf",
            bytes: pdf_of_pages_showing_one_image(
                300,
                gray_image(10_000, 10_000, &zeros_deflated(100_000_000)),
            ),
        },
        // A 100 x 100 image whose stream inflates to 512 MB.
        Hostile {
            name: "flate-bomb.pdf",
            bytes: pdf_of_pages_showing_one_image(
                1,
                gray_image(100, 100, &zeros_deflated(512 << 20)),
            ),
        },
        // An object stream that inflates to 512 MB.
        Hostile {
            name: "objstm-bomb.pdf",
            bytes: pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj("<< /Type /Pages /Count 0 /Kids [] >>"),
                    stream(
                        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
                        &zeros_deflated(512 << 20),
                    ),
                ],
                "",
            ),
        },
        Hostile {
            name: "hundred-thousand-pages.pdf",
            bytes: pdf_of_pages_showing_one_image(
                100_000,
                gray_image(10, 10, &zeros_deflated(100)),
            ),
        },
        // The page tree's only node lists itself as its kids, twice.
        Hostile {
            name: "cyclic-page-tree.pdf",
            bytes: pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj("<< /Type /Pages /Count 2 /Kids [2 0 R 2 0 R] >>"),
                ],
                "",
            ),
        },
        Hostile {
            name: "no-images.pdf",
            bytes: pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>"),
                    obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"),
                ],
                "",
            ),
        },
        Hostile {
            name: "encrypted.pdf",
            bytes: pdf(
                &[
                    obj("<< /Type /Catalog /Pages 2 0 R >>"),
                    obj("<< /Type /Pages /Count 0 /Kids [] >>"),
                    obj(
                        "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <1111111111111111111111111111111111111111111111111111111111111111> /U <2222222222222222222222222222222222222222222222222222222222222222> >>",
                    ),
                ],
                "/Encrypt 3 0 R /ID [<33333333333333333333333333333333> <33333333333333333333333333333333>]",
            ),
        },
        Hostile {
            name: "png-claims-100000x100000.png",
            bytes: png_header(100_000, 100_000),
        },
        Hostile {
            name: "jpeg-claims-65000x65000.jpg",
            bytes: jpeg_claiming(&jpg, 65_000, 65_000),
        },
        // 16-bit RGB at the pixel cap (80 megapixels): 480 MB decoded.
        Hostile {
            name: "rgb16-at-pixel-cap.tif",
            bytes: {
                let mut out = b"II*\0".to_vec();
                out.extend(8u32.to_le_bytes());
                let mut e = tiff_entries(8000, 10_000, 0, 1_000);
                e[2] = (258, 3, 1, 16);
                e[4] = (262, 3, 1, 2);
                e[6] = (277, 3, 1, 3);
                out.extend(ifd(&e, 0));
                out
            },
        },
        Hostile {
            name: "hundred-thousand-pages.tif",
            bytes: tiff_of_pages(100_000),
        },
        // The only IFD names itself as the next one.
        Hostile {
            name: "cyclic-ifd.tif",
            bytes: {
                let mut out = b"II*\0".to_vec();
                out.extend(8u32.to_le_bytes());
                out.extend(ifd(&tiff_entries(1, 1, 0, 1), 8));
                out
            },
        },
        Hostile {
            name: "zip.jpg",
            bytes: b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest of an archive".to_vec(),
        },
        Hostile {
            name: "text.tif",
            bytes: b"This is a letter, not a scan.\n".repeat(100),
        },
        Hostile {
            name: "random.pdf",
            bytes: (0..100_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        },
        Hostile {
            name: "truncated.tif",
            bytes: tif[..tif.len() / 3].to_vec(),
        },
        Hostile {
            name: "truncated.jpg",
            bytes: jpg[..jpg.len() / 3].to_vec(),
        },
    ];
    // A cross-reference chain whose /Prev points back at itself.
    let mut cyclic = pdf_of_pages_showing_one_image(1, gray_image(10, 10, &zeros_deflated(100)));
    let xref_at = String::from_utf8_lossy(&cyclic).rfind("xref\n").unwrap();
    let tail = format!(
        "trailer\n<< /Size 5 /Root 1 0 R /Prev {xref_at} >>\nstartxref\n{xref_at}\n%%EOF\n"
    );
    let cut = String::from_utf8_lossy(&cyclic).rfind("trailer").unwrap();
    cyclic.truncate(cut);
    cyclic.extend(tail.as_bytes());
    files.push(Hostile {
        name: "cyclic-xref.pdf",
        bytes: cyclic,
    });
    // A real scanner-style PDF and PNG cut short.
    let page_pdf = pdf_of_pages_showing_one_image(1, gray_image(10, 10, &zeros_deflated(100)));
    files.push(Hostile {
        name: "truncated.pdf",
        bytes: page_pdf[..page_pdf.len() / 2].to_vec(),
    });
    let mut png = png_header(2000, 3000);
    png.extend(b"\0\0\0\x10IDAT\x78\x9c");
    files.push(Hostile {
        name: "truncated.png",
        bytes: png,
    });
    for name in ["empty.pdf", "empty.tif", "empty.png", "empty.jpg"] {
        files.push(Hostile {
            name,
            bytes: Vec::new(),
        });
    }
    // One byte of each format's signature, then nothing.
    files.push(Hostile {
        name: "signature-only.tif",
        bytes: b"II*\0".to_vec(),
    });
    files.push(Hostile {
        name: "signature-only.pdf",
        bytes: b"%PDF-1.7\n".to_vec(),
    });
    files
}

/// The process's peak RSS in MiB since it started or since the last reset.
pub fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// Start the peak over (Linux: writing 5 to clear_refs resets VmHWM).
pub fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// Five squares drawn like a QR code's finder patterns (7 modules: dark
/// ring, light ring, dark 3x3 core), each sheared and turned its own way:
/// found by a random search over such drawings run through rqrr (2026-12-05)
/// to make rqrr 0.11's grid detection assert (`x <= i32::MAX as f64`,
/// geometry.rs:55: the perspective it fits to them maps a cell out of
/// range, as rqrr issue #54 reports for a photo). Each is (centre x,
/// centre y, then the columns of the map from modules to pixels).
const FINDER_LIKE: [[f64; 6]; 5] = [
    [216.7, 197.8, 4.0, 1.1, 1.3, 8.5],
    [67.5, 126.5, -1.6, -10.3, 5.0, 1.6],
    [247.4, 32.3, 4.7, -0.9, -2.2, 5.2],
    [107.6, 74.0, -1.8, 3.0, -5.6, 0.1],
    [201.8, 64.5, -1.5, -2.4, 3.0, -1.8],
];

/// A 300x300 gray drawing of [`FINDER_LIKE`].
fn finder_like_squares() -> Vec<u8> {
    let n = 300usize;
    let mut px = vec![255u8; n * n];
    for y in 0..n {
        for x in 0..n {
            for c in &FINDER_LIKE {
                let (a, b, cc, d) = (c[2], c[4], c[3], c[5]);
                let det = a * d - b * cc;
                let (dx, dy) = (x as f64 - c[0], y as f64 - c[1]);
                let u = (d * dx - b * dy) / det + 3.5;
                let v = (-cc * dx + a * dy) / det + 3.5;
                if (0.0..7.0).contains(&u) && (0.0..7.0).contains(&v) {
                    let (i, j) = (u.floor() as i32, v.floor() as i32);
                    let ring = i.min(j).min(6 - i).min(6 - j);
                    px[y * n + x] = if ring == 1 { 255 } else { 0 };
                }
            }
        }
    }
    px
}

/// A one-page A4 PDF at 300 dpi, white but for [`FINDER_LIKE`] drawn at
/// twice its size near the top left corner: a page that panics the QR
/// decoder (not a hostile file: a stamp or a form's pattern can do it).
#[allow(dead_code)] // hostile.rs uses it; api.rs, which shares the file, does not
pub fn qr_decoder_panic_pdf() -> Vec<u8> {
    let (w, h, n) = (2480usize, 3508usize, 300usize);
    let squares = finder_like_squares();
    let mut page = vec![255u8; w * h];
    for y in 0..2 * n {
        for x in 0..2 * n {
            page[(100 + y) * w + 100 + x] = squares[(y / 2) * n + x / 2];
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&page).unwrap();
    let image = gray_image(w as u32, h as u32, &z.finish().unwrap());
    pdf_of_pages_showing_one_image(1, image)
}
