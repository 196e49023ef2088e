//! A small safe wrapper over Leptonica's `PIX`, the image type Tesseract reads.
//!
//! Leptonica is already linked by libtesseract; it decodes every scanner
//! format we take (PNG, JPEG, TIFF with Group 4 or JPEG compression), finds
//! skew, rotates, and encodes JPEG / CCITT G4 for the PDF. Keeping pages as
//! `Pix` from decode to OCR means no pixel copies between the stages.
//!
//! Every function here checks Leptonica's null returns and turns them into
//! `None`/`Err`, so callers never touch a raw pointer.

use leptonica_sys as lept;
use std::ptr::{self, NonNull};

/// An owned Leptonica image. Dropping it frees the pixels.
pub struct Pix(NonNull<lept::Pix>);

// SAFETY: a `Pix` is exclusively owned (never cloned by reference count
// here), so moving it between threads is sound.
unsafe impl Send for Pix {}

impl Drop for Pix {
    fn drop(&mut self) {
        let mut p = self.0.as_ptr();
        unsafe { lept::pixDestroy(&mut p) };
    }
}

/// Compressed image data ready to be embedded in a PDF as an image XObject.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// `DCTDecode` (JPEG file bytes), `CCITTFaxDecode` (raw G4) or `FlateDecode`.
    pub filter: Filter,
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub bits_per_component: u8,
    /// 1 for grey and 1-bit, 3 for RGB.
    pub components: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Jpeg,
    G4,
    Flate,
}

/// Silence Leptonica's messages on stderr: every failure is reported through
/// our own typed errors instead.
pub fn quiet() {
    unsafe { lept::setMsgSeverity(6) }; // L_SEVERITY_NONE
}

impl Pix {
    fn from_raw(p: *mut lept::Pix) -> Option<Pix> {
        NonNull::new(p).map(Pix)
    }

    pub(crate) fn as_ptr(&self) -> *mut lept::Pix {
        self.0.as_ptr()
    }

    /// A new white (zeroed for 1 bpp means white) image.
    pub fn new(width: u32, height: u32, depth: u32) -> Option<Pix> {
        let p =
            Pix::from_raw(unsafe { lept::pixCreate(width as i32, height as i32, depth as i32) })?;
        Some(p)
    }

    pub fn width(&self) -> u32 {
        unsafe { lept::pixGetWidth(self.as_ptr()) as u32 }
    }
    pub fn height(&self) -> u32 {
        unsafe { lept::pixGetHeight(self.as_ptr()) as u32 }
    }
    /// Bits per pixel: 1, 8 or 32 for the images we handle.
    pub fn depth(&self) -> u32 {
        unsafe { lept::pixGetDepth(self.as_ptr()) as u32 }
    }
    /// Horizontal resolution in pixels per inch, 0 when the file did not say.
    pub fn xres(&self) -> u32 {
        unsafe { lept::pixGetXRes(self.as_ptr()).max(0) as u32 }
    }
    pub fn set_resolution(&mut self, dpi: u32) {
        unsafe { lept::pixSetResolution(self.as_ptr(), dpi as i32, dpi as i32) };
    }

    /// Decode a PNG or JPEG (or single-page TIFF) held in memory.
    pub fn read_mem(data: &[u8]) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixReadMem(data.as_ptr(), data.len()) })
    }

    /// Decode a JPEG; `Err` also when libjpeg warned (a truncated or damaged
    /// stream still decodes, with the missing part filled in grey).
    pub fn read_jpeg(data: &[u8]) -> Result<Pix, &'static str> {
        let mut warnings = 0;
        let p = unsafe { lept::pixReadMemJpeg(data.as_ptr(), data.len(), 0, 1, &mut warnings, 0) };
        let pix = Pix::from_raw(p).ok_or("the JPEG data is truncated or damaged")?;
        if warnings > 0 {
            return Err("the JPEG data is truncated or damaged");
        }
        Ok(pix)
    }

    /// Decode page `n` (0-based) of a TIFF held in memory.
    pub fn read_tiff_page(data: &[u8], n: u32) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixReadMemTiff(data.as_ptr(), data.len(), n as i32) })
    }

    /// Build an 8-bit grey or 32-bit RGB image from packed samples
    /// (`components` = 1 or 3, 8 bits each, rows without padding).
    pub fn from_samples(width: u32, height: u32, components: u8, samples: &[u8]) -> Option<Pix> {
        let (w, h) = (width as usize, height as usize);
        if (components != 1 && components != 3) || samples.len() < w * h * components as usize {
            return None;
        }
        let depth = if components == 1 { 8 } else { 32 };
        let pix = Pix::new(width, height, depth)?;
        let wpl = unsafe { lept::pixGetWpl(pix.as_ptr()) } as usize;
        let data = unsafe { lept::pixGetData(pix.as_ptr()) };
        // SAFETY: pixCreate allocated wpl * h words.
        let words = unsafe { std::slice::from_raw_parts_mut(data, wpl * h) };
        for y in 0..h {
            let row = &mut words[y * wpl..(y + 1) * wpl];
            if components == 1 {
                let src = &samples[y * w..(y + 1) * w];
                for (x, &v) in src.iter().enumerate() {
                    // Leptonica packs 8-bit pixels big-endian within each 32-bit word.
                    let shift = 24 - 8 * (x % 4);
                    row[x / 4] |= (v as u32) << shift;
                }
            } else {
                let src = &samples[y * w * 3..(y + 1) * w * 3];
                for x in 0..w {
                    let (r, g, b) = (src[3 * x], src[3 * x + 1], src[3 * x + 2]);
                    row[x] = ((r as u32) << 24) | ((g as u32) << 16) | ((b as u32) << 8);
                }
            }
        }
        Some(pix)
    }

    /// Build a 1-bit image from packed rows (MSB first, each row padded to a
    /// byte); `black_is_one` follows the PDF/TIFF convention of the source.
    pub fn from_bits(width: u32, height: u32, rows: &[u8], black_is_one: bool) -> Option<Pix> {
        let (w, h) = (width as usize, height as usize);
        let stride = w.div_ceil(8);
        if rows.len() < stride * h {
            return None;
        }
        let pix = Pix::new(width, height, 1)?;
        let wpl = unsafe { lept::pixGetWpl(pix.as_ptr()) } as usize;
        let data = unsafe { lept::pixGetData(pix.as_ptr()) };
        let words = unsafe { std::slice::from_raw_parts_mut(data, wpl * h) };
        for y in 0..h {
            let src = &rows[y * stride..(y + 1) * stride];
            for (i, &b) in src.iter().enumerate() {
                // Leptonica: 1 = black.
                let b = if black_is_one { b } else { !b };
                words[y * wpl + i / 4] |= (b as u32) << (24 - 8 * (i % 4));
            }
        }
        unsafe { lept::pixSetPadBits(pix.as_ptr(), 0) };
        Some(pix)
    }

    /// A mirror image (left and right swapped): how print on a sheet's other
    /// side is seen through the paper.
    pub fn flip_lr(&self) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixFlipLR(ptr::null_mut(), self.as_ptr()) })
    }

    /// A copy with black and white swapped.
    pub fn invert(&self) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixInvert(ptr::null_mut(), self.as_ptr()) })
    }

    /// 8-bit grey copy (luminance for colour, 0/255 for 1-bit).
    pub fn to_gray(&self) -> Option<Pix> {
        if self.depth() == 8 && unsafe { lept::pixGetColormap(self.as_ptr()) }.is_null() {
            return Pix::from_raw(unsafe { lept::pixCopy(ptr::null_mut(), self.as_ptr()) });
        }
        Pix::from_raw(unsafe { lept::pixConvertTo8(self.as_ptr(), 0) })
    }

    /// A copy with the grey levels `lo..=hi` stretched over the whole range
    /// (darker than `lo` black, lighter than `hi` white): faded print made
    /// legible. `None` for 1-bit pages, which have no levels to stretch.
    pub fn stretch(&self, lo: u8, hi: u8) -> Option<Pix> {
        if self.depth() == 1 || lo >= hi {
            return None;
        }
        let src = if unsafe { lept::pixGetColormap(self.as_ptr()) }.is_null() {
            None
        } else {
            Some(self.to_gray()?)
        };
        let src = src.as_ref().unwrap_or(self);
        Pix::from_raw(unsafe {
            lept::pixGammaTRC(ptr::null_mut(), src.as_ptr(), 1.0, lo as i32, hi as i32)
        })
    }

    /// 1-bit copy: pixels darker than `threshold` become black.
    pub fn to_binary(&self, threshold: u8) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixConvertTo1(self.as_ptr(), threshold as i32) })
    }

    /// Rotate by a multiple of 90° clockwise.
    pub fn rotate_orth(&self, quarter_turns: u32) -> Option<Pix> {
        Pix::from_raw(unsafe { lept::pixRotateOrth(self.as_ptr(), (quarter_turns % 4) as i32) })
    }

    /// Rotate by a small angle (degrees, counter-clockwise positive as seen on
    /// the page), bringing in white, keeping the size.
    pub fn rotate(&self, degrees: f32) -> Option<Pix> {
        let radians = degrees.to_radians();
        let kind = if self.depth() == 1 { 3 } else { 1 }; // L_ROTATE_SAMPLING / L_ROTATE_AREA_MAP
        Pix::from_raw(unsafe { lept::pixRotate(self.as_ptr(), radians, kind, 1, 0, 0) })
    }

    /// Skew angle in degrees and Leptonica's confidence, measured on a 1-bit image.
    pub fn find_skew(&self) -> Option<(f32, f32)> {
        let (mut angle, mut conf) = (0f32, 0f32);
        let ok = unsafe { lept::pixFindSkew(self.as_ptr(), &mut angle, &mut conf) };
        (ok == 0).then_some((angle, conf))
    }

    /// Leptonica's reading of which way the text of a 1-bit page faces,
    /// from the shapes of ascenders and descenders (`pixOrientDetect`,
    /// best at 150-300 dpi): the confidence that the text is upright
    /// rather than upside down, and that it is turned to the left rather
    /// than to the right. Both near 0 when the page shows too little text.
    pub fn orientation_confidences(&self) -> Option<(f32, f32)> {
        let (mut up, mut left) = (0f32, 0f32);
        let ok = unsafe { lept::pixOrientDetect(self.as_ptr(), &mut up, &mut left, 0, 0) };
        (ok == 0).then_some((up, left))
    }

    /// Leptonica's decision from [`Pix::orientation_confidences`] with its
    /// default margins: the clockwise quarter turns that make the text
    /// upright (`Some(0)` when it is), or `None` when the evidence is too
    /// weak to say.
    pub fn orientation_decision(up: f32, left: f32) -> Option<u32> {
        let mut orient = 0i32;
        let ok = unsafe { lept::makeOrientDecision(up, left, 0.0, 0.0, &mut orient, 0) };
        match (ok, orient) {
            (0, 1) => Some(0), // L_TEXT_ORIENT_UP
            (0, 2) => Some(1), // L_TEXT_ORIENT_LEFT: the text's top points left
            (0, 3) => Some(2), // L_TEXT_ORIENT_DOWN
            (0, 4) => Some(3), // L_TEXT_ORIENT_RIGHT
            _ => None,
        }
    }

    /// Number of black pixels of a 1-bit image.
    pub fn count_black(&self) -> u64 {
        let mut n = 0;
        unsafe { lept::pixCountPixels(self.as_ptr(), &mut n, ptr::null_mut()) };
        n.max(0) as u64
    }

    /// The rectangle `(x, y, w, h)`, clipped to the image.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Option<Pix> {
        let b = unsafe { lept::boxCreate(x as i32, y as i32, w as i32, h as i32) };
        if b.is_null() {
            return None;
        }
        let p = unsafe { lept::pixClipRectangle(self.as_ptr(), b, ptr::null_mut()) };
        let mut b = b;
        unsafe { lept::boxDestroy(&mut b) };
        Pix::from_raw(p)
    }

    /// Halve the size of a 1-bit image, keeping a pixel black only when at
    /// least `level` of its 2x2 block are black (removes speckle noise).
    pub fn reduce_rank(&self, level: u8) -> Option<Pix> {
        Pix::from_raw(unsafe {
            lept::pixReduceRankBinary2(self.as_ptr(), level as i32, ptr::null_mut())
        })
    }

    /// Grey morphology: each pixel takes the lightest (`lighter`) or the
    /// darkest value of the `size`×`size` square around it, so dark shapes
    /// thin or thicken by `size / 2` pixels a side. 8-bit images only.
    pub fn morph_gray(&self, size: u32, lighter: bool) -> Option<Pix> {
        let s = size as i32;
        Pix::from_raw(unsafe {
            if lighter {
                lept::pixDilateGray(self.as_ptr(), s, s)
            } else {
                lept::pixErodeGray(self.as_ptr(), s, s)
            }
        })
    }

    /// Downscale (any depth, grey result for 1-bit) without sharpening:
    /// `pixScale` under a factor of 0.7, and Leptonica's smoothing
    /// subsampler from 0.7 up, where `pixScale` would interpolate and
    /// sharpen (slower, and these copies are measured and searched, never
    /// shown).
    pub fn scale_to_gray(&self, factor: f32) -> Option<Pix> {
        match self.depth() {
            1 => Pix::from_raw(unsafe { lept::pixScaleToGray(self.as_ptr(), factor) }),
            _ if (0.7..1.0).contains(&factor) => {
                Pix::from_raw(unsafe { lept::pixScaleSmooth(self.as_ptr(), factor, factor) })
            }
            _ => Pix::from_raw(unsafe { lept::pixScale(self.as_ptr(), factor, factor) }),
        }
    }

    /// Enlarge by `factor` (above 1): Leptonica's `pixScale`, which
    /// interpolates grey and colour pixels. A binary image is made grey
    /// first: replicated binary pixels give uneven, jagged strokes that
    /// OCR misreads ("062.03" as "062.413"), interpolated ones smooth edges.
    pub fn upscale(&self, factor: f32) -> Option<Pix> {
        let gray;
        let src = match self.depth() {
            1 => {
                gray = self.to_gray()?;
                &gray
            }
            _ => self,
        };
        Pix::from_raw(unsafe { lept::pixScale(src.as_ptr(), factor, factor) })
    }

    /// Read an 8-bit grey image as one byte a pixel, rows without padding.
    pub fn gray_bytes(&self) -> Option<Vec<u8>> {
        if self.depth() != 8 {
            return None;
        }
        let (w, h) = (self.width() as usize, self.height() as usize);
        let wpl = unsafe { lept::pixGetWpl(self.as_ptr()) } as usize;
        let data = unsafe { lept::pixGetData(self.as_ptr()) };
        let words = unsafe { std::slice::from_raw_parts(data, wpl * h) };
        let mut out = Vec::with_capacity(wpl * 4 * h);
        // Leptonica keeps each 32-bit word's pixels leftmost in its most
        // significant byte: a word's big-endian bytes are its pixels in order.
        for row in words.chunks_exact(wpl) {
            let start = out.len();
            out.extend(row.iter().flat_map(|word| word.to_be_bytes()));
            out.truncate(start + w);
        }
        Some(out)
    }

    /// Encode as PNG (used to write test fixtures and debug images).
    pub fn to_png(&self) -> Option<Vec<u8>> {
        let mut data: *mut u8 = ptr::null_mut();
        let mut size = 0usize;
        let ok = unsafe { lept::pixWriteMemPng(&mut data, &mut size, self.as_ptr(), 0.0) };
        if ok != 0 || data.is_null() {
            return None;
        }
        let out = unsafe { std::slice::from_raw_parts(data, size) }.to_vec();
        unsafe { lept::lept_free(data as *mut _) };
        Some(out)
    }

    /// Encode for a PDF: CCITT G4 for 1-bit, JPEG at `quality` otherwise.
    pub fn encode_for_pdf(&self, quality: u8) -> Option<Encoded> {
        let kind = if self.depth() == 1 { 2 } else { 1 }; // L_G4_ENCODE / L_JPEG_ENCODE
        let mut cid: *mut lept::L_COMP_DATA = ptr::null_mut();
        let ok =
            unsafe { lept::pixGenerateCIData(self.as_ptr(), kind, quality as i32, 0, &mut cid) };
        if ok != 0 || cid.is_null() {
            return None;
        }
        // SAFETY: cid is a valid L_COMP_DATA until l_CIDataDestroy.
        let c = unsafe { &*cid };
        let data = unsafe { std::slice::from_raw_parts(c.datacomp, c.nbytescomp) }.to_vec();
        let enc = Encoded {
            filter: if kind == 2 { Filter::G4 } else { Filter::Jpeg },
            data,
            width: c.w as u32,
            height: c.h as u32,
            bits_per_component: c.bps as u8,
            components: c.spp as u8,
        };
        unsafe { lept::l_CIDataDestroy(&mut cid) };
        Some(enc)
    }
}

/// Size and samples of a PNG / JPEG / TIFF image from its header, before decoding.
pub fn image_header(data: &[u8]) -> Option<ImageHeader> {
    // PNG's size is in its first chunk; read it directly so that a file
    // cut after its header is still measured (and refused if too large).
    if data.len() >= 26 && data.starts_with(b"\x89PNG") && &data[12..16] == b"IHDR" {
        let w = u32::from_be_bytes([data[16], data[17], data[18], data[19]]);
        let h = u32::from_be_bytes([data[20], data[21], data[22], data[23]]);
        let samples = match data[25] {
            2 => 3, // RGB
            4 => 2, // gray and alpha
            6 => 4, // RGBA
            _ => 1, // gray, palette
        };
        return Some(ImageHeader {
            width: w,
            height: h,
            samples,
            bits: u32::from(data[24]),
        });
    }
    let (mut fmt, mut w, mut h, mut bps, mut spp, mut cmap) = (0, 0, 0, 0, 0, 0);
    let ok = unsafe {
        lept::pixReadHeaderMem(
            data.as_ptr(),
            data.len(),
            &mut fmt,
            &mut w,
            &mut h,
            &mut bps,
            &mut spp,
            &mut cmap,
        )
    };
    let n = |v: i32| v.max(0) as u32;
    (ok == 0).then_some(ImageHeader {
        width: n(w),
        height: n(h),
        samples: n(spp).max(1),
        bits: n(bps).max(1),
    })
}

/// An image's size and sample layout, read from its header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    pub width: u32,
    pub height: u32,
    pub samples: u32,
    pub bits: u32,
}

/// Size and resolution of page `n` of a TIFF, from its header alone;
/// `None` when the TIFF has no such page.
pub fn tiff_page_header(data: &[u8], n: u32) -> Option<(u32, u32, u32)> {
    let (mut w, mut h, mut bps, mut spp, mut res, mut cmap, mut fmt) = (0, 0, 0, 0, 0, 0, 0);
    let ok = unsafe {
        lept::readHeaderMemTiff(
            data.as_ptr(),
            data.len(),
            n as i32,
            &mut w,
            &mut h,
            &mut bps,
            &mut spp,
            &mut res,
            &mut cmap,
            &mut fmt,
        )
    };
    (ok == 0).then_some((w.max(0) as u32, h.max(0) as u32, res.max(0) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_samples_round_trip() {
        // Widths from one pixel to a word and more, padded rows included.
        for w in 1..=9u32 {
            let samples: Vec<u8> = (0..w as u8 * 5).map(|v| v.wrapping_mul(7)).collect();
            let pix = Pix::from_samples(w, 5, 1, &samples).unwrap();
            assert_eq!((pix.width(), pix.height(), pix.depth()), (w, 5, 8));
            assert_eq!(pix.gray_bytes().unwrap(), samples, "width {w}");
        }
    }

    #[test]
    fn bits_follow_black_is_one() {
        // One row of 8 pixels: the first four set.
        let a = Pix::from_bits(8, 1, &[0xF0], true).unwrap();
        let b = Pix::from_bits(8, 1, &[0xF0], false).unwrap();
        assert_eq!(a.count_black(), 4);
        assert_eq!(b.count_black(), 4); // inverted: the last four are black
        assert_eq!(a.to_gray().unwrap().gray_bytes().unwrap()[0], 0);
        assert_eq!(b.to_gray().unwrap().gray_bytes().unwrap()[0], 255);
    }
}
