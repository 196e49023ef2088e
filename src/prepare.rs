//! Prepare: make each page ready for OCR and for the archive copy.
//!
//! Three measurements, each recorded in the page's [`Preparation`]:
//! - **blank**: the share of ink in the page's central area, after removing
//!   isolated specks, is below a threshold. Faint show-through from the
//!   other side is lighter than the binarisation threshold, so it counts as
//!   paper, not ink.
//! - **orientation**: Tesseract's OSD tells whether the text is upside
//!   down or sideways; the page is turned upright when it is confident.
//!   OSD runs when the first OCR pass reads poorly
//!   ([`needs_orientation_check`]), which is how turned pages read.
//! - **skew**: Leptonica's projection-profile search finds small rotations
//!   (scanners feed sheets up to a few degrees crooked); pages are turned
//!   back when the angle is clear and above a tenth of a degree.

use crate::ocr::{Engine, PageText};
use crate::pix::Pix;

/// Ink share (of the central area) under which a page is blank.
pub const BLANK_INK_RATIO: f32 = 0.002;
/// OSD confidence needed before we turn a page.
pub const MIN_ORIENTATION_CONF: f32 = 2.0;
/// Smallest skew worth correcting, in degrees.
pub const MIN_SKEW_DEG: f32 = 0.1;
/// Leptonica's skew confidence needed before we correct.
pub const MIN_SKEW_CONF: f32 = 2.0;

pub use crate::record::Preparation;

/// Share of ink in the central area (4 % margins cut, to ignore scanner
/// edges), with specks of a single pixel removed.
pub fn ink_ratio(pix: &Pix) -> f32 {
    let converted;
    let bin = if pix.depth() == 1 {
        pix
    } else {
        match pix.to_binary(128) {
            Some(b) => {
                converted = b;
                &converted
            }
            None => return 1.0,
        }
    };
    let (w, h) = (bin.width(), bin.height());
    let (mx, my) = (w / 25, h / 25);
    let Some(center) = bin.crop(mx, my, w - 2 * mx, h - 2 * my) else {
        return 1.0;
    };
    // Keep a pixel of the half-size image only if 2 of its 4 were black:
    // salt noise disappears, strokes stay.
    let Some(reduced) = center.reduce_rank(2) else {
        return 1.0;
    };
    let total = (reduced.width() as u64 * reduced.height() as u64).max(1);
    reduced.count_black() as f32 / total as f32
}

pub fn is_blank(ink_ratio: f32) -> bool {
    ink_ratio < BLANK_INK_RATIO
}

/// Below this mean OCR word confidence, a page is checked with OSD: an
/// upright page of print reads at 75-95 here, while upside-down or sideways
/// text comes out as low-confidence noise. Running OSD only then saves
/// its cost (about a fifth of the OCR time) on the many upright pages.
pub const ORIENTATION_CHECK_CONF: f32 = 70.0;

/// Should this page's orientation be checked, given its first OCR result?
pub fn needs_orientation_check(text: &PageText) -> bool {
    text.word_count() < 5 || text.mean_conf() < ORIENTATION_CHECK_CONF
}

/// Ask OSD how the page is turned. Returns the clockwise quarter turns
/// that make it upright (0 when it already is, or when OSD is unsure).
pub fn orientation(osd: &mut Engine, pix: &Pix, dpi: u32, prep: &mut Preparation) -> u32 {
    let Some((deg, conf)) = osd.detect_orientation(pix, dpi) else {
        return 0;
    };
    prep.orientation_conf = Some((conf * 100.0).round() / 100.0);
    if deg == 0 || conf < MIN_ORIENTATION_CONF {
        return 0;
    }
    // OSD reports how far the text is turned; turning the image the other
    // way by the same amount makes it upright.
    (360 - deg) / 90 % 4
}

/// Measure skew; return the straightened page when the measurement is
/// clear and worth correcting, `None` when the page stays as it is.
pub fn deskew(pix: &Pix, prep: &mut Preparation) -> Option<Pix> {
    let measured = if pix.depth() == 1 {
        pix.find_skew()
    } else {
        pix.to_binary(128).and_then(|b| b.find_skew())
    };
    let (angle, conf) = measured?;
    prep.skew_deg = (angle * 1000.0).round() / 1000.0;
    if angle.abs() < MIN_SKEW_DEG || conf < MIN_SKEW_CONF {
        return None;
    }
    let p = pix.rotate(angle)?;
    prep.deskewed = true;
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_page_is_blank_and_text_block_is_not() {
        let (w, h) = (400u32, 500u32);
        let white = Pix::from_samples(w, h, 1, &vec![250u8; (w * h) as usize]).unwrap();
        assert!(is_blank(ink_ratio(&white)));
        // Faint show-through (light grey strokes) is still blank.
        let mut faint = vec![250u8; (w * h) as usize];
        for y in (100..400).step_by(20) {
            for x in 50..350 {
                for dy in 0..3 {
                    faint[((y + dy) * w + x) as usize] = 215;
                }
            }
        }
        let faint = Pix::from_samples(w, h, 1, &faint).unwrap();
        assert!(is_blank(ink_ratio(&faint)));
        // The same strokes in black ink are content.
        let mut ink = vec![250u8; (w * h) as usize];
        for y in (100..400).step_by(20) {
            for x in 50..350 {
                for dy in 0..3 {
                    ink[((y + dy) * w + x) as usize] = 20;
                }
            }
        }
        let ink = Pix::from_samples(w, h, 1, &ink).unwrap();
        assert!(!is_blank(ink_ratio(&ink)));
    }

    #[test]
    fn isolated_specks_do_not_make_a_page_content() {
        let (w, h) = (400u32, 500u32);
        let mut px = vec![250u8; (w * h) as usize];
        for i in (0..px.len()).step_by(97) {
            px[i] = 0;
        }
        let p = Pix::from_samples(w, h, 1, &px).unwrap();
        assert!(is_blank(ink_ratio(&p)));
    }
}
