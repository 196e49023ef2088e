//! Prepare: make each page ready for OCR and for the archive copy.
//!
//! Three measurements, each recorded in the page's [`Preparation`]:
//! - **blank**: the share of ink in the page's central area, after removing
//!   isolated specks, is below a threshold. Faint show-through from the
//!   other side is lighter than the binarisation threshold, so it counts as
//!   paper, not ink.
//! - **orientation**: Tesseract's OSD tells whether the text is upside
//!   down or sideways; the page is turned upright when it is confident.
//! - **skew**: Leptonica's projection-profile search finds small rotations
//!   (scanners feed sheets up to a few degrees crooked); pages are turned
//!   back when the angle is clear and above a tenth of a degree.

use crate::ocr::Engine;
use crate::pix::Pix;
use serde::{Deserialize, Serialize};

/// Ink share (of the central area) under which a page is blank.
pub const BLANK_INK_RATIO: f32 = 0.002;
/// OSD confidence needed before we turn a page.
pub const MIN_ORIENTATION_CONF: f32 = 2.0;
/// Smallest skew worth correcting, in degrees.
pub const MIN_SKEW_DEG: f32 = 0.1;
/// Leptonica's skew confidence needed before we correct.
pub const MIN_SKEW_CONF: f32 = 2.0;

/// What prepare found and did to one page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Preparation {
    /// Clockwise rotation applied to make the page upright: 0, 90, 180 or 270.
    pub rotated_deg: u32,
    /// OSD's confidence in the orientation (absent when OSD had too little text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation_conf: Option<f32>,
    /// Skew measured, in degrees (Leptonica's sign: the page was turned by
    /// this much clockwise to straighten it).
    pub skew_deg: f32,
    /// Whether the skew was corrected.
    pub deskewed: bool,
    /// Share of the central area covered by ink.
    pub ink_ratio: f32,
}

/// Share of ink in the central area (4 % margins cut, to ignore scanner
/// edges), with specks of a single pixel removed.
pub fn ink_ratio(pix: &Pix) -> f32 {
    let converted;
    let bin = if pix.depth() == 1 {
        pix
    } else {
        match pix.to_gray().and_then(|g| g.to_binary(128)) {
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

/// Turn the page upright using OSD. Returns the (possibly new) image.
pub fn upright(osd: &mut Engine, pix: Pix, dpi: u32, prep: &mut Preparation) -> Pix {
    let Some((deg, conf)) = osd.detect_orientation(&pix, dpi) else {
        return pix;
    };
    prep.orientation_conf = Some((conf * 100.0).round() / 100.0);
    if deg == 0 || conf < MIN_ORIENTATION_CONF {
        return pix;
    }
    // OSD reports how far the text is turned; turning the image the other
    // way by the same amount makes it upright.
    let quarter_turns = (360 - deg) / 90 % 4;
    match pix.rotate_orth(quarter_turns) {
        Some(p) => {
            prep.rotated_deg = quarter_turns * 90;
            p
        }
        None => pix,
    }
}

/// Measure skew and straighten the page when the measurement is clear.
pub fn deskew(pix: Pix, prep: &mut Preparation) -> Pix {
    let bin = if pix.depth() == 1 {
        None
    } else {
        pix.to_gray().and_then(|g| g.to_binary(128))
    };
    let measured = match &bin {
        Some(b) => b.find_skew(),
        None => pix.find_skew(),
    };
    let Some((angle, conf)) = measured else {
        return pix;
    };
    prep.skew_deg = (angle * 1000.0).round() / 1000.0;
    if angle.abs() < MIN_SKEW_DEG || conf < MIN_SKEW_CONF {
        return pix;
    }
    match pix.rotate(angle) {
        Some(p) => {
            prep.deskewed = true;
            p
        }
        None => pix,
    }
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
