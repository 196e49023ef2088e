//! Prepare: make each page ready for OCR and for the archive copy.
//!
//! Three measurements, each recorded in the page's [`Preparation`]:
//! - **marks** ([`measure_ink`]): the page's own paper level and noise set
//!   the thresholds, so grey, yellowed and noisy scans are measured alike.
//!   Dark ink over [`BLANK_INK_RATIO`] is content; no marks at all (under
//!   [`FAINT_MARKS_RATIO`], less than a short word) is blank beyond doubt;
//!   anything between (a faded page, a single line, show-through from the
//!   back) is read, faded pages through a contrast-stretched copy, and the
//!   page is blank only if the reading finds no text ([`text_words`]), its
//!   marks stay under [`KEEP_MARKS_RATIO`] and no line of it holds
//!   [`KEEP_DARK_ROW`] letter-sized dark marks (else it is kept, unread,
//!   with a warning).
//!   The pipeline records the measurement and the reason with each page
//!   it leaves out.
//! - **orientation**, in two steps. First, on every page and before OCR,
//!   the shapes of the letters ([`text_orientation`]: Leptonica counts
//!   ascenders against descenders in each of the four directions, on a
//!   coarse 1-bit copy at about 150 dpi, in milliseconds) turn a page that
//!   is clearly sideways or upside down. Then, only when the first OCR
//!   pass reads poorly or down its side ([`needs_orientation_check`]),
//!   the letter shapes are read again on a finer copy, and Tesseract's OSD
//!   is asked ([`orientation`]); a turn is kept when the page then reads
//!   better. Each page records what decided (`orientation_by`) and with
//!   what confidence.
//! - **skew**: Leptonica's projection-profile search finds small rotations
//!   (scanners feed sheets up to a few degrees crooked); pages are turned
//!   back when the angle is clear and above a tenth of a degree.

use crate::ocr::{Engine, PageText};
use crate::pix::Pix;

/// Dark-ink share (of the central area) from which a page is content
/// without further look.
pub const BLANK_INK_RATIO: f32 = 0.002;
/// Share of faint marks under which a page without dark ink is blank
/// beyond doubt: less than one short word (a 6-letter word in 12 pt
/// covers about 1.5e-4 of an A4 page's central area).
pub const FAINT_MARKS_RATIO: f32 = 0.0001;
/// Share of marks from which a page is never left out, even when OCR
/// reads no text on it (a blurred card, a photograph, a drawing): a
/// twentieth of the page marked, above what show-through from a printed
/// back or a scanner's dust and punch holes leave on a blank page (under
/// 0.01 on every blank page of the sample and generated sets, 0.03 for
/// the heavy show-through of a full page of print in the tests; a blurred
/// card that OCR could not read marked 0.09). Dark ink alone does not
/// tell: dirt on a blank page can be as dark as print. Such a page is
/// kept for a person to look at, with a warning.
pub const KEEP_MARKS_RATIO: f32 = 0.05;
/// Share of marks from which a page that also carries dark ink (at least
/// [`FAINT_MARKS_RATIO`] of it, a short word's worth) is never left out:
/// show-through, seen through the paper, is never dark, and dust or dirt
/// that is does not mark a hundredth of a page. Blank pages of the sample
/// and generated sets mark under 0.001 on average; the most marked, a
/// page of show-through, 0.019 with 0.00004 in dark ink; a blurred card
/// back that OCR could not read marked 0.047 with 0.0004 in dark ink.
pub const KEEP_INKED_MARKS_RATIO: f32 = 0.01;
/// Letter-sized marks in dark ink on one line from which a page that
/// reads no text is never left out: a short word's letters side by side,
/// a line of print too damaged to read (a faded card back binarised into
/// fragments of its letters showed 18). Dust and dirt land anywhere, not
/// in a row: blank pages of the sample and generated sets show at most
/// one such mark on any line.
pub const KEEP_DARK_ROW: u32 = 6;
/// How far apart (at the measuring resolution, about 2 mm) the centres of
/// marks may lie up and down and still be on one line.
const ROW_SPREAD: u32 = 12;
/// OSD confidence needed before we turn a page.
pub const MIN_ORIENTATION_CONF: f32 = 2.0;
/// Smallest skew worth correcting, in degrees.
pub const MIN_SKEW_DEG: f32 = 0.1;
/// Dark-ink share above which a page is not read as faded, however much
/// lighter marking it also carries (tinted forms, card backgrounds): a
/// page of print in dark ink covers several times this.
pub const FADED_MAX_INK: f32 = 0.01;
/// Leptonica's skew confidence needed before we correct.
pub const MIN_SKEW_CONF: f32 = 2.0;
/// The blank measurement works on a copy at about this resolution.
const MEASURE_DPI: u32 = 150;

pub use crate::record::{OrientationSource, Preparation};

/// How much of a page is marked, measured against its own paper.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ink {
    /// Share of the central area in dark ink: darker than half the
    /// paper's brightness and well clear of its noise.
    pub ratio: f32,
    /// Share of the central area in any mark clearly darker than the paper
    /// (faded print, pencil, show-through from the back, stamps).
    pub faint_ratio: f32,
    /// The paper's grey level (median of the central area, 0-255).
    pub paper: u8,
    /// The paper's noise (robust standard deviation, grey levels).
    pub noise: f32,
    /// How dark the marks are: the grey level of the darkest tenth of the
    /// marked pixels (255 when there are none).
    pub mark_level: u8,
    /// Marks bigger than a speck of dust: connected groups of marked
    /// pixels of at least [`MIN_MARK_AREA`] at the measuring resolution.
    pub marks: u32,
    /// The most such marks in dark ink along one line (centres within
    /// [`ROW_SPREAD`] up and down): a line of print, however broken.
    /// Measured on pages under [`BLANK_INK_RATIO`] only (0 above).
    pub dark_row: u32,
}

/// Share of marks under which a page whose marks are all specks (none of
/// [`MIN_MARK_AREA`]) is blank: ten times [`FAINT_MARKS_RATIO`], dust; a
/// page covered in specks (fine print, halftone) is looked at.
pub const SPECKS_RATIO: f32 = 0.001;

/// Pixels (at [`MEASURE_DPI`], about 0.03 mm² each) a mark needs to count:
/// a letter of 8 pt covers several times this, a speck of dust less.
pub const MIN_MARK_AREA: u32 = 12;

/// What the marks alone say about a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Dark ink over [`BLANK_INK_RATIO`]: content.
    Content,
    /// Nothing clearly darker than the paper, or only specks of dust:
    /// blank beyond doubt.
    Blank,
    /// Marks, but too few or too faint to tell: the page is read, and the
    /// reading decides.
    Unsure,
}

impl Ink {
    /// Whether the page's marks are mostly faint: faded print, to be read
    /// through a contrast-stretched copy.
    pub fn faded(&self) -> bool {
        self.faint_ratio >= FAINT_MARKS_RATIO
            && self.ratio < (self.faint_ratio / 4.0).min(FADED_MAX_INK)
    }

    /// The grey levels to stretch a faded page between: its marks' and
    /// its paper's, less three times the noise, so that the paper comes
    /// out white rather than as speckle.
    pub fn stretch_levels(&self) -> (u8, u8) {
        let hi = (self.paper as f32 - 3.0 * self.noise).max(self.mark_level as f32 + 1.0);
        (self.mark_level, hi.min(255.0) as u8)
    }

    /// Why a page with this measurement is blank beyond doubt.
    pub fn no_marks_detail(&self) -> String {
        format!(
            "no marks: {:.5} of the page is darker than the paper (level {}, noise {}), {} of them bigger than a speck; blank under {} (or under {} in specks alone)",
            self.faint_ratio, self.paper, self.noise, self.marks, FAINT_MARKS_RATIO, SPECKS_RATIO
        )
    }

    /// Why a page of faint marks that OCR read `words` text words from
    /// ([`text_words`]) is blank.
    pub fn no_text_detail(&self, words: usize, stretched: bool) -> String {
        format!(
            "faint marks only: {:.5} of the page is marked, {:.5} in dark ink, at most {} dark mark(s) on a line (kept from {KEEP_DARK_ROW}), and OCR read {words} word(s) of confidence {MIN_TEXT_CONF} or more{}",
            self.faint_ratio,
            self.ratio,
            self.dark_row,
            if stretched {
                " (read contrast-stretched)"
            } else {
                ""
            }
        )
    }

    /// Whether a page of this measurement that reads no text is still
    /// kept (see [`KEEP_MARKS_RATIO`] and [`KEEP_INKED_MARKS_RATIO`]), and why.
    pub fn kept_unread(&self, words: usize) -> Option<String> {
        let read = format!("OCR read {words} word(s) of confidence {MIN_TEXT_CONF} or more, but");
        if self.faint_ratio >= KEEP_MARKS_RATIO {
            Some(format!(
                "{read} {:.5} of the page is marked (kept from {KEEP_MARKS_RATIO}): kept for a person to look at",
                self.faint_ratio
            ))
        } else if self.faint_ratio >= KEEP_INKED_MARKS_RATIO && self.ratio >= FAINT_MARKS_RATIO {
            Some(format!(
                "{read} {:.5} of the page is marked, {:.5} in dark ink (kept from {KEEP_INKED_MARKS_RATIO} with {FAINT_MARKS_RATIO} in dark ink): kept for a person to look at",
                self.faint_ratio, self.ratio
            ))
        } else if self.dark_row >= KEEP_DARK_ROW {
            Some(format!(
                "{read} {} letter-sized marks in dark ink stand on one line (kept from {KEEP_DARK_ROW}): a line of print, kept for a person to look at",
                self.dark_row
            ))
        } else {
            None
        }
    }

    pub fn verdict(&self) -> Verdict {
        if self.ratio >= BLANK_INK_RATIO {
            Verdict::Content
        } else if self.faint_ratio < FAINT_MARKS_RATIO
            || (self.marks == 0 && self.faint_ratio < SPECKS_RATIO)
        {
            Verdict::Blank
        } else {
            Verdict::Unsure
        }
    }
}

/// Measure the page's marks against its own paper: the paper's level and
/// noise come from the central area's histogram (median and median
/// absolute deviation), so grey, yellowed or noisy paper moves the
/// thresholds with it. Single-pixel specks are removed before counting
/// (a pixel of the half-size mask is kept when 2 of its 4 are marked).
pub fn measure_ink(pix: &Pix, dpi: u32) -> Ink {
    let Some((gray, w, h)) = measuring_copy(pix, dpi) else {
        return Ink {
            ratio: 1.0,
            faint_ratio: 1.0,
            ..Ink::default()
        };
    };
    let mut hist = [0u64; 256];
    gray.iter().for_each(|&v| hist[v as usize] += 1);
    let paper = percentile(&hist, 0.5);
    let mut dev = [0u64; 256];
    for (v, n) in hist.iter().enumerate() {
        dev[(v as i32 - paper as i32).unsigned_abs() as usize] += n;
    }
    let noise = 1.4826 * percentile(&dev, 0.5).max(1) as f32;
    let dark = (paper as f32 / 2.0).min(paper as f32 - 6.0 * noise);
    let faint = paper as f32 - (4.0 * noise).max(12.0);
    let ratio = marked_share(&gray, w, h, |v| (v as f32) < dark);
    let faint_ratio = marked_share(&gray, w, h, |v| (v as f32) < faint);
    let mut marks = [0u64; 256];
    for (v, n) in hist.iter().enumerate().filter(|(v, _)| (*v as f32) < faint) {
        marks[v] = *n;
    }
    let mark_count = marks_of(&gray, w, h, |v| (v as f32) < faint).len() as u32;
    let dark_row = if ratio < BLANK_INK_RATIO {
        longest_row(marks_of(&gray, w, h, |v| (v as f32) < dark))
    } else {
        0
    };
    let mark_level = if marks.iter().sum::<u64>() == 0 {
        255
    } else {
        percentile(&marks, 0.1)
    };
    Ink {
        marks: mark_count,
        dark_row,
        mark_level,
        ratio,
        faint_ratio,
        paper,
        noise: (noise * 10.0).round() / 10.0,
    }
}

/// The central area (4 % margins cut, to ignore scanner edges) as grey
/// bytes at about [`MEASURE_DPI`].
fn measuring_copy(pix: &Pix, dpi: u32) -> Option<(Vec<u8>, usize, usize)> {
    let factor = (MEASURE_DPI as f32 / dpi.max(1) as f32).min(1.0);
    let gray = match pix.depth() {
        1 => pix.scale_to_gray(factor.min(0.5))?,
        8 => pix.scale_to_gray(factor)?,
        _ => pix.to_gray()?.scale_to_gray(factor)?,
    };
    let (w, h) = (gray.width(), gray.height());
    let (mx, my) = (w / 25, h / 25);
    let center = gray.crop(mx, my, w.checked_sub(2 * mx)?, h.checked_sub(2 * my)?)?;
    let bytes = center.gray_bytes()?;
    Some((bytes, center.width() as usize, center.height() as usize))
}

/// The grey level under which `share` of the pixels lie.
fn percentile(hist: &[u64; 256], share: f64) -> u8 {
    let total: u64 = hist.iter().sum();
    let want = (total as f64 * share).ceil() as u64;
    let mut seen = 0;
    for (v, n) in hist.iter().enumerate() {
        seen += n;
        if seen >= want.max(1) {
            return v as u8;
        }
    }
    255
}

/// The most marks whose centres (`ys`, rows) lie within [`ROW_SPREAD`]
/// of each other.
fn longest_row(mut ys: Vec<u32>) -> u32 {
    ys.sort_unstable();
    let mut first = 0;
    let mut most = 0;
    for (i, &y) in ys.iter().enumerate() {
        while y - ys[first] > ROW_SPREAD {
            first += 1;
        }
        most = most.max(i - first + 1);
    }
    most as u32
}

/// The row of each mark's centre, for marks of at least
/// [`MIN_MARK_AREA`] pixels (8-connected).
fn marks_of(gray: &[u8], w: usize, h: usize, marked: impl Fn(u8) -> bool) -> Vec<u32> {
    let mut seen = vec![false; gray.len()];
    let mut stack = Vec::new();
    let mut centres = Vec::new();
    for start in 0..gray.len() {
        if seen[start] || !marked(gray[start]) {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut area = 0u32;
        let mut rows = 0u64;
        while let Some(i) = stack.pop() {
            area += 1;
            let (x, y) = (i % w, i / w);
            rows += y as u64;
            for (dx, dy) in [
                (-1, -1),
                (0, -1),
                (1, -1),
                (-1, 0),
                (1, 0),
                (-1, 1),
                (0, 1),
                (1, 1),
            ] {
                let (nx, ny) = (x as isize + dx, y as isize + dy);
                if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if !seen[j] && marked(gray[j]) {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if area >= MIN_MARK_AREA {
            centres.push((rows / area as u64) as u32);
        }
    }
    centres
}

/// Share of 2×2 blocks with at least 2 marked pixels.
fn marked_share(gray: &[u8], w: usize, h: usize, marked: impl Fn(u8) -> bool) -> f32 {
    let (bw, bh) = (w / 2, h / 2);
    let mut count = 0u64;
    for by in 0..bh {
        let (r0, r1) = (&gray[2 * by * w..], &gray[(2 * by + 1) * w..]);
        for bx in 0..bw {
            let x = 2 * bx;
            let n = marked(r0[x]) as u8
                + marked(r0[x + 1]) as u8
                + marked(r1[x]) as u8
                + marked(r1[x + 1]) as u8;
            count += (n >= 2) as u64;
        }
    }
    count as f32 / (bw * bh).max(1) as f32
}

/// Words a reading needs, each of two or more letters or digits read
/// with at least [`MIN_TEXT_CONF`], to show that a page of faint marks
/// holds text.
pub const MIN_TEXT_WORDS: usize = 2;
pub const MIN_TEXT_CONF: f32 = 60.0;

/// Words of a reading that count as text ([`MIN_TEXT_WORDS`]).
pub fn text_words(text: &PageText) -> usize {
    text.lines
        .iter()
        .flat_map(|l| &l.words)
        .filter(|w| {
            w.conf >= MIN_TEXT_CONF && w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2
        })
        .count()
}

/// How much surer (mean word confidence) a page's mirrored reading must be
/// than its reading as scanned for the page to be show-through: a page
/// printed on its own side reads mirrored as noise, far below its own
/// reading; print seen through the paper reads mirrored as text.
pub const SHOW_THROUGH_MARGIN: f32 = 15.0;

/// Is a page show-through, given its words and mean confidence as scanned
/// and mirrored? Mirrored, it must give more words and read surer by
/// [`SHOW_THROUGH_MARGIN`].
pub fn is_show_through(words: (usize, usize), conf: (f32, f32)) -> bool {
    words.1 > words.0 && conf.1 >= conf.0 + SHOW_THROUGH_MARGIN
}

/// Below this mean OCR word confidence, a page is checked with OSD: an
/// upright page of print reads at 75-95 here, while upside-down or sideways
/// text comes out as low-confidence noise. Running OSD only then saves
/// its cost (about a fifth of the OCR time) on the many upright pages.
pub const ORIENTATION_CHECK_CONF: f32 = 70.0;

/// Should this page's orientation be checked, given its first OCR result?
/// Not when OCR found no words at all: there is no text to turn, in any
/// direction (OSD finds its characters the same way), which spares
/// blank backsides and specks of dust the OSD pass.
pub fn needs_orientation_check(text: &PageText) -> bool {
    let words = text.word_count();
    words > 0 && (words < 5 || text.mean_conf() < ORIENTATION_CHECK_CONF || reads_sideways(text))
}

/// Does the reading run down the page? Tesseract reads a sideways page's
/// lines as vertical text, often with good confidence, and leaves the
/// page sideways; its words of three or more letters then stand taller
/// than wide. True when most of them (and at least five) do.
pub fn reads_sideways(text: &PageText) -> bool {
    let (mut tall, mut long) = (0usize, 0usize);
    for w in text.lines.iter().flat_map(|l| &l.words) {
        if w.text.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            continue;
        }
        long += 1;
        let [x0, y0, x1, y1] = w.bbox;
        tall += (y1.saturating_sub(y0) > x1.saturating_sub(x0)) as usize;
    }
    long >= 5 && tall * 2 > long
}

/// For a reading that runs down the page ([`reads_sideways`]) and reads
/// well so: the clockwise quarter turns that make it upright, from the
/// order in which Tesseract read the words of its lines. Words that follow
/// each other downwards mean the text's top faces right (three turns);
/// upwards, left (one turn). Tesseract reads vertical lines downwards
/// only, so a page whose top faces left reads poorly, and this says
/// nothing of it: the caller asks it only of a good reading. `None` unless at least three lines of two or more words
/// say so, and two thirds of them agree.
pub fn sideways_turns(text: &PageText) -> Option<u32> {
    let (mut down, mut up) = (0usize, 0usize);
    for line in &text.lines {
        let long: Vec<_> = line
            .words
            .iter()
            .filter(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
            .collect();
        let (Some(first), Some(last)) = (long.first(), long.last()) else {
            continue;
        };
        if long.len() < 2 {
            continue;
        }
        let mid = |w: &crate::ocr::Word| w.bbox[1] + w.bbox[3];
        match mid(last).cmp(&mid(first)) {
            std::cmp::Ordering::Greater => down += 1,
            std::cmp::Ordering::Less => up += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    if down + up < 3 {
        return None;
    }
    if 3 * down >= 2 * (down + up) {
        Some(3)
    } else if 3 * up >= 2 * (down + up) {
        Some(1)
    } else {
        None
    }
}

/// The letter-shape test reads 1-bit copies of at most this resolution
/// (finer scans are halved until they are).
const SHAPE_MAX_DPI: u32 = 300;

/// Which way the page's text faces, from the shapes of its letters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facing {
    /// Clockwise quarter turns that make the page upright, when the
    /// shapes say so with Leptonica's default margins.
    pub decided: Option<u32>,
    /// The quarter turns the shapes lean to, however weakly (`None` when
    /// they show no text at all): a candidate worth a trial read.
    pub lean: Option<u32>,
    /// The winning direction's summed confidence.
    pub conf: f32,
}

/// Which way the page's text faces, from the shapes of its letters
/// (Leptonica's `pixOrientDetect`, ascenders against descenders in each
/// direction, and `makeOrientDecision` with its default margins), and
/// records a decision in `prep`.
pub fn text_orientation(pix: &Pix, dpi: u32, prep: &mut Preparation, shapes: Shapes) -> Facing {
    let (mut up, mut left) = (0.0, 0.0);
    let copies = shape_copies(pix, dpi);
    let read = match shapes {
        Shapes::Coarse => 1,
        Shapes::Both => copies.len(),
    };
    for copy in copies.iter().take(read) {
        if let Some((u, l)) = copy.orientation_confidences() {
            up += u;
            left += l;
        }
        if Pix::orientation_decision(up, left).is_some() {
            break;
        }
    }
    let lean = match (up.abs() >= left.abs(), up > 0.0, left > 0.0) {
        _ if up == 0.0 && left == 0.0 => None,
        (true, true, _) => Some(0),
        (true, false, _) => Some(2),
        (false, _, true) => Some(1),
        (false, _, false) => Some(3),
    };
    let decided = Pix::orientation_decision(up, left);
    let conf = if lean.is_some_and(|t| t % 2 == 1) {
        left
    } else {
        up
    };
    let conf = (conf.abs() * 100.0).round() / 100.0;
    if decided.is_some() {
        prep.orientation_by = Some(OrientationSource::TextShape);
        prep.orientation_conf = Some(conf);
    }
    Facing {
        decided,
        lean,
        conf,
    }
}

/// Which of the [`shape_copies`] the letter-shape test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shapes {
    /// The coarse copy alone: the cheap first look every page gets.
    Coarse,
    /// The coarse copy, then the fine one when that did not decide: for a
    /// page that reads poorly after the first look.
    Both,
}

/// The 1-bit copies the letter-shape test reads, coarse first: the page
/// thresholded once at its own resolution (halved down to at most
/// [`SHAPE_MAX_DPI`]), and, from 250 dpi, that copy halved again (a pixel
/// black when 2 of its 4 are). Leptonica's detector counts letters of a
/// certain size in pixels, so two scales catch more print sizes than one;
/// the second is read only when the first does not decide. On the sample
/// sets' content pages in all four orientations this decides about 3 in
/// 4, none wrongly (BENCHMARKS.md).
fn shape_copies(pix: &Pix, dpi: u32) -> Vec<Pix> {
    let Some(mut fine) = (if pix.depth() == 1 {
        pix.rotate_orth(0)
    } else {
        pix.to_binary(128)
    }) else {
        return Vec::new();
    };
    let mut res = dpi.max(1);
    while res > SHAPE_MAX_DPI {
        match fine.reduce_rank(2) {
            Some(half) => (fine, res) = (half, res / 2),
            None => break,
        }
    }
    match (res >= 250).then(|| fine.reduce_rank(2)).flatten() {
        Some(coarse) => vec![coarse, fine],
        None => vec![fine],
    }
}

/// Ask OSD how the page is turned: the clockwise quarter turns that make
/// it upright (`Some(0)` when it is), or `None` when OSD is unsure.
pub fn orientation(osd: &mut Engine, pix: &Pix, dpi: u32, prep: &mut Preparation) -> Option<u32> {
    let (deg, conf) = osd.detect_orientation(pix, dpi)?;
    prep.orientation_conf = Some((conf * 100.0).round() / 100.0);
    prep.orientation_by = Some(OrientationSource::Osd);
    if conf < MIN_ORIENTATION_CONF {
        return None;
    }
    // OSD reports how far the text is turned; turning the image the other
    // way by the same amount makes it upright.
    Some((360 - deg) / 90 % 4)
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

    const W: u32 = 400;
    const H: u32 = 500;

    /// Paper of `level` with deterministic noise of about `sigma`.
    fn paper(level: u8, sigma: f32) -> Vec<u8> {
        let mut state = 12345u32;
        (0..W * H)
            .map(|_| {
                // Sum of 4 uniforms: close enough to a normal distribution.
                let mut sum = 0.0;
                for _ in 0..4 {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    sum += (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
                }
                (level as f32 + sum * sigma * 1.73).clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    /// Lines of 3-pixel strokes at `level`, `lines` of them, 300 px long.
    fn strokes(px: &mut [u8], level: u8, lines: u32) {
        for y in (100..100 + 20 * lines).step_by(20) {
            for x in (50..350).filter(|x| x % 9 < 6) {
                for dy in 0..3 {
                    px[((y + dy) * W + x) as usize] = level;
                }
            }
        }
    }

    fn ink(px: &[u8]) -> Ink {
        // 300 dpi: the measuring copy is half size, as for a real scan.
        measure_ink(&Pix::from_samples(W, H, 1, px).unwrap(), 300)
    }

    #[test]
    fn a_page_of_dark_marks_that_reads_no_text_is_kept() {
        // A blurred, light block (a card, a photograph) over a good part
        // of the page: unsure by its marks, kept however the reading goes.
        let mut px = paper(250, 1.0);
        for y in 150..250 {
            for x in 100..300 {
                px[(y * W + x) as usize] = 200;
            }
        }
        let card = ink(&px);
        assert_eq!(card.verdict(), Verdict::Unsure, "{card:?}");
        assert!(card.kept_unread(0).is_some(), "{card:?}");
        // A few dark specks and a short line: what a blank page can carry.
        let mut px = paper(250, 1.0);
        for x in (50..130).filter(|x| x % 9 < 6) {
            for y in 100..104 {
                px[(y * W + x) as usize] = 20;
            }
        }
        let specks = ink(&px);
        assert_eq!(specks.verdict(), Verdict::Unsure, "{specks:?}");
        assert_eq!(specks.kept_unread(0), None, "{specks:?}");
    }

    #[test]
    fn clean_and_noisy_paper_are_blank_beyond_doubt() {
        assert_eq!(ink(&paper(250, 0.0)).verdict(), Verdict::Blank);
        let noisy = ink(&paper(235, 7.0));
        assert_eq!(noisy.verdict(), Verdict::Blank, "{noisy:?}");
        assert!((noisy.paper as i32 - 235).abs() <= 2);
        assert!(noisy.noise > 4.0 && noisy.noise < 10.0, "{noisy:?}");
    }

    #[test]
    fn isolated_specks_do_not_make_a_page_content() {
        let mut px = paper(250, 0.0);
        for i in (0..px.len()).step_by(97) {
            px[i] = 0;
        }
        assert_eq!(ink(&px).verdict(), Verdict::Blank);
        // Dust: a few dark blobs of 2×2 pixels at 300 dpi.
        let mut dust = paper(245, 3.0);
        for (x, y) in [(60, 80), (200, 300), (330, 420), (120, 460)] {
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                dust[((y + dy) * W + x + dx) as usize] = 30;
            }
        }
        let m = ink(&dust);
        assert_eq!(m.verdict(), Verdict::Blank, "{m:?}");
    }

    #[test]
    fn a_lone_signature_is_not_blank() {
        // One pen stroke, 150 px long: a signature alone on a page.
        let mut px = paper(248, 2.0);
        for x in 100..250u32 {
            let y = 250 + (x as f32 / 12.0).sin().mul_add(20.0, 0.0) as u32;
            for dy in 0..3 {
                px[((y + dy) * W + x) as usize] = 40;
            }
        }
        let m = ink(&px);
        assert_ne!(m.verdict(), Verdict::Blank, "{m:?}");
        assert!(m.marks >= 1, "{m:?}");
    }

    #[test]
    fn black_print_is_content() {
        let mut px = paper(250, 2.0);
        strokes(&mut px, 20, 15);
        let m = ink(&px);
        assert_eq!(m.verdict(), Verdict::Content, "{m:?}");
        assert!(!m.faded());
    }

    #[test]
    fn faded_grey_print_on_grey_noisy_paper_is_never_blank() {
        // Light-grey print (175) on grey paper (235) with noise: lighter
        // than any fixed threshold at half the white level.
        let mut px = paper(235, 5.0);
        strokes(&mut px, 175, 15);
        let m = ink(&px);
        assert_ne!(m.verdict(), Verdict::Blank, "{m:?}");
        assert!(m.faded(), "{m:?}");
        assert!(m.mark_level <= 185, "{m:?}");
    }

    #[test]
    fn one_short_line_of_print_is_not_blank() {
        let mut px = paper(245, 3.0);
        // One line, a third of the width: a heading alone on a page.
        for x in (50..180).filter(|x| x % 9 < 6) {
            for dy in 0..6 {
                px[((120 + dy) * W + x) as usize] = 60;
            }
        }
        let m = ink(&px);
        assert_ne!(m.verdict(), Verdict::Blank, "{m:?}");
    }

    #[test]
    fn faint_show_through_is_left_to_the_reading() {
        // Marks of the other side seen through the paper: not blank beyond
        // doubt, not content either; OCR decides.
        let mut px = paper(250, 1.5);
        strokes(&mut px, 215, 15);
        assert_eq!(ink(&px).verdict(), Verdict::Unsure);
    }

    #[test]
    fn an_unread_page_is_kept_for_wide_marks_or_wide_marks_with_dark_ink() {
        let m = |faint_ratio, ratio| Ink {
            faint_ratio,
            ratio,
            ..Ink::default()
        };
        // A blurred card back: wide marks, some of them dark.
        assert!(m(0.047, 0.0004).kept_unread(0).is_some());
        // Heavy show-through: as wide, but never dark.
        assert!(m(0.03, 0.0).kept_unread(0).is_none());
        // Dust: dark, but a speck of the page.
        assert!(m(0.0003, 0.0002).kept_unread(0).is_none());
        // A twentieth of the page marked is kept however light.
        assert!(m(0.06, 0.0).kept_unread(0).is_some());
    }

    #[test]
    fn a_row_of_dark_letter_sized_marks_is_kept_and_as_many_scattered_are_not() {
        // Six dark marks of 12 × 4 pixels (6 × 2, letter-sized, at the
        // measuring copy's half size), under the dark ink of a content
        // page: on one line, then one per line.
        let mark = |px: &mut [u8], x: u32, y: u32| {
            for dy in 0..4 {
                for dx in 0..12 {
                    px[((y + dy) * W + x + dx) as usize] = 20;
                }
            }
        };
        let mut px = paper(250, 1.0);
        for i in 0..6 {
            mark(&mut px, 60 + 30 * i, 200);
        }
        let line = ink(&px);
        assert_eq!(line.verdict(), Verdict::Unsure, "{line:?}");
        assert_eq!(line.dark_row, 6, "{line:?}");
        assert!(line.kept_unread(0).is_some(), "{line:?}");
        assert!(
            line.no_text_detail(0, false)
                .contains("6 dark mark(s) on a line")
        );
        let mut px = paper(250, 1.0);
        for i in 0..6 {
            mark(&mut px, 60 + 30 * i, 60 + 50 * i);
        }
        let dust = ink(&px);
        assert_eq!(dust.verdict(), Verdict::Unsure, "{dust:?}");
        assert_eq!(dust.dark_row, 1, "{dust:?}");
        assert_eq!(dust.kept_unread(0), None, "{dust:?}");
    }

    /// A reading of `n` words, each `w` by `h` pixels, read at `conf`.
    fn reading(n: u32, w: u32, h: u32, conf: f32) -> PageText {
        let words = (0..n)
            .map(|i| crate::ocr::Word {
                text: "chứng".into(),
                bbox: [0, i * 2 * h, w, i * 2 * h + h],
                conf,
            })
            .collect();
        PageText {
            lines: vec![crate::ocr::Line {
                words,
                bbox: [0, 0, w, 2 * n * h],
            }],
        }
    }

    #[test]
    fn words_standing_taller_than_wide_mean_the_page_reads_sideways() {
        assert!(reads_sideways(&reading(8, 30, 120, 90.0)));
        assert!(!reads_sideways(&reading(8, 120, 30, 90.0)));
        // Too few words to tell.
        assert!(!reads_sideways(&reading(3, 30, 120, 90.0)));
        // Read well across the page: no second look; down its side: one.
        assert!(!needs_orientation_check(&reading(8, 120, 30, 90.0)));
        assert!(needs_orientation_check(&reading(8, 30, 120, 90.0)));
        assert!(needs_orientation_check(&reading(8, 120, 30, 40.0)));
    }

    #[test]
    fn the_order_words_were_read_in_tells_which_way_a_sideways_page_faces() {
        // Three lines of three words, each word tall, following each other
        // downwards (top facing right) or upwards (top facing left).
        let lines = |down: bool| PageText {
            lines: (0..3u32)
                .map(|l| {
                    let words = (0..3u32)
                        .map(|i| {
                            let y = if down { i * 150 } else { 600 - i * 150 };
                            crate::ocr::Word {
                                text: "chứng".into(),
                                bbox: [l * 60, y, l * 60 + 40, y + 120],
                                conf: 90.0,
                            }
                        })
                        .collect();
                    crate::ocr::Line {
                        words,
                        bbox: [l * 60, 0, l * 60 + 40, 720],
                    }
                })
                .collect(),
        };
        assert_eq!(sideways_turns(&lines(true)), Some(3));
        assert_eq!(sideways_turns(&lines(false)), Some(1));
        // Too few lines to tell.
        let mut two = lines(true);
        two.lines.truncate(2);
        assert_eq!(sideways_turns(&two), None);
    }

    #[test]
    fn a_reading_without_words_is_not_worth_an_orientation_check() {
        assert!(!needs_orientation_check(&PageText::default()));
    }

    #[test]
    fn a_blank_page_has_no_facing() {
        let pix = Pix::from_samples(W, H, 1, &paper(250, 1.0)).unwrap();
        let mut prep = Preparation::default();
        let facing = text_orientation(&pix, 200, &mut prep, Shapes::Both);
        assert_eq!(facing.decided, None);
        assert_eq!(prep.orientation_by, None);
    }
}
