//! OCR: one Tesseract engine per OCR thread, created once and reused for
//! every page that thread sees.
//!
//! We talk to libtesseract through `tesseract-sys` because the higher
//! crates hide two calls we need: orientation detection (OSD) and the TSV
//! output that carries each word's box and confidence.
//!
//! Debian's libtesseract is built with OpenMP; with several engines in one
//! process the OpenMP threads fight each other (about 5x slower per page
//! here). `OMP_THREAD_LIMIT=1` must be in the environment *before* the
//! process starts, so the binaries re-execute themselves with it set
//! ([`ensure_single_threaded_openmp`]).

use crate::pix::Pix;
use serde::{Deserialize, Serialize};
use std::ffi::{CStr, CString};
use std::ptr::NonNull;
use tesseract_sys as tess;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error(
        "Tesseract cannot load language '{lang}' (is the tesseract-ocr-{lang} package installed, or TESSDATA_PREFIX set?)"
    )]
    Init { lang: String },
    #[error("Tesseract failed to recognise the page")]
    Recognize,
}

/// One recognised word: its text, its box in pixels of the upright page
/// (`[x0, y0, x1, y1]`, y down) and Tesseract's confidence (0-100).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Word {
    pub text: String,
    pub bbox: [u32; 4],
    pub conf: f32,
}

/// One text line: its words in reading order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Line {
    pub words: Vec<Word>,
    pub bbox: [u32; 4],
}

/// Put between two words of a line that are far apart (another column).
pub const COLUMN_BREAK: &str = " | ";

impl Line {
    /// The text with [`COLUMN_BREAK`] where the gap between two words is
    /// wider than twice the line's height: Tesseract often joins the two
    /// columns of a form into one line.
    pub fn text_with_columns(&self) -> String {
        let height = self.bbox[3].saturating_sub(self.bbox[1]).max(1);
        let mut s = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                let gap = w.bbox[0].saturating_sub(self.words[i - 1].bbox[2]);
                s.push_str(if gap > 2 * height { COLUMN_BREAK } else { " " });
            }
            s.push_str(&w.text);
        }
        s
    }

    /// Set the line's box to the one around its words.
    fn fit_box(&mut self) {
        self.bbox = self.words.iter().fold([u32::MAX, u32::MAX, 0, 0], |a, w| {
            [
                a[0].min(w.bbox[0]),
                a[1].min(w.bbox[1]),
                a[2].max(w.bbox[2]),
                a[3].max(w.bbox[3]),
            ]
        });
    }

    pub fn text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The nearest line not yet taken that continues line `i` on its row
/// ([`PageText::rows`]).
fn continuation(lines: &[Line], taken: &[bool], i: usize) -> Option<usize> {
    let a = lines[i].bbox;
    let height = |b: [u32; 4]| b[3].saturating_sub(b[1]).max(1);
    let ha = height(a);
    (0..lines.len())
        .filter(|&j| j != i && !taken[j] && !lines[j].words.is_empty())
        .filter_map(|j| {
            let b = lines[j].bbox;
            let hb = height(b);
            let overlap = a[3].min(b[3]).saturating_sub(a[1].max(b[1]));
            let gap = b[0].checked_sub(a[2])?;
            let alike = ha.max(hb) * 2 < ha.min(hb) * 3;
            (alike && overlap * 4 >= ha.min(hb) * 3 && gap <= ha).then_some((gap, j))
        })
        .min()
        .map(|(_, j)| j)
}

/// The OCR result of one page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PageText {
    pub lines: Vec<Line>,
}

impl PageText {
    /// The page's plain text, a line of text per line.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text());
            s.push('\n');
        }
        s
    }

    /// The page's lines with each row Tesseract cut in two joined again:
    /// a fold's crease or a rule crossing a line of print makes it read
    /// the part right of it as a line of its own ("… hồ sơ của: Bà Đinh
    /// Thị Mỹ" and, apart, "Yến"). A line continues another when it
    /// stands on the same row (their boxes overlap over most of the lower
    /// one's height, and neither is half again as tall as the other) and
    /// starts right of its end, at most one line height away: farther is
    /// another column.
    pub fn rows(&self) -> Vec<Line> {
        let mut lines = self.lines.clone();
        let mut taken = vec![false; lines.len()];
        for i in 0..lines.len() {
            if taken[i] {
                continue;
            }
            while let Some(j) = continuation(&lines, &taken, i) {
                taken[j] = true;
                let words = std::mem::take(&mut lines[j].words);
                lines[i].words.extend(words);
                lines[i].fit_box();
            }
        }
        lines
            .into_iter()
            .zip(taken)
            .filter(|(l, taken)| !taken && !l.words.is_empty())
            .map(|(l, _)| l)
            .collect()
    }

    pub fn word_count(&self) -> usize {
        self.lines.iter().map(|l| l.words.len()).sum()
    }

    /// Mean word confidence, 0 when there are no words.
    pub fn mean_conf(&self) -> f32 {
        let n = self.word_count();
        if n == 0 {
            return 0.0;
        }
        self.lines
            .iter()
            .flat_map(|l| &l.words)
            .map(|w| w.conf)
            .sum::<f32>()
            / n as f32
    }
}

/// A Tesseract engine. Not shareable between threads; each OCR thread owns one.
pub struct Engine {
    api: NonNull<tess::TessBaseAPI>,
}

// SAFETY: an engine is used by one thread at a time (it is moved, never shared).
unsafe impl Send for Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        unsafe {
            tess::TessBaseAPIEnd(self.api.as_ptr());
            tess::TessBaseAPIDelete(self.api.as_ptr());
        }
    }
}

impl Engine {
    /// Start an engine for `lang` (e.g. `vie`, `vie+eng`, or `osd` for
    /// orientation detection), reading models from `TESSDATA_PREFIX` or the
    /// system's tessdata.
    pub fn new(lang: &str) -> Result<Engine, OcrError> {
        let err = || OcrError::Init {
            lang: lang.to_string(),
        };
        let c_lang = CString::new(lang).map_err(|_| err())?;
        let api = NonNull::new(unsafe { tess::TessBaseAPICreate() }).ok_or_else(err)?;
        let engine = Engine { api };
        let rc = unsafe { tess::TessBaseAPIInit3(api.as_ptr(), std::ptr::null(), c_lang.as_ptr()) };
        if rc != 0 {
            return Err(err());
        }
        // Inverted-text detection doubles the work on every line; scans are
        // dark on light.
        engine.set("tessedit_do_invert", "0");
        // The C API defaults to one uniform block (PSM 6), which runs the
        // two header columns of a form into one line; the `tesseract`
        // command uses full automatic layout analysis (PSM 3). So do we.
        unsafe { tess::TessBaseAPISetPageSegMode(api.as_ptr(), tess::TessPageSegMode_PSM_AUTO) };
        engine.set("debug_file", "/dev/null");
        Ok(engine)
    }

    fn set(&self, name: &str, value: &str) {
        if let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) {
            unsafe { tess::TessBaseAPISetVariable(self.api.as_ptr(), n.as_ptr(), v.as_ptr()) };
        }
    }

    fn set_image(&mut self, pix: &Pix, dpi: u32) {
        unsafe {
            tess::TessBaseAPISetImage2(self.api.as_ptr(), pix.as_ptr() as *mut _);
            tess::TessBaseAPISetSourceResolution(self.api.as_ptr(), dpi.max(70) as i32);
        }
    }

    /// Orientation detection (engine started with `osd`): the clockwise
    /// rotation, in degrees, that the page's text shows, and the confidence.
    /// `None` when there is too little text to tell.
    pub fn detect_orientation(&mut self, pix: &Pix, dpi: u32) -> Option<(u32, f32)> {
        self.set_image(pix, dpi);
        let (mut deg, mut conf, mut script_conf) = (0i32, 0f32, 0f32);
        let mut script: *const std::os::raw::c_char = std::ptr::null();
        let ok = unsafe {
            tess::TessBaseAPIDetectOrientationScript(
                self.api.as_ptr(),
                &mut deg,
                &mut conf,
                &mut script,
                &mut script_conf,
            )
        };
        unsafe { tess::TessBaseAPIClear(self.api.as_ptr()) };
        (ok != 0).then_some((deg.rem_euclid(360) as u32, conf))
    }

    /// Recognise a page: words with boxes and confidences, grouped in lines.
    pub fn recognize(&mut self, pix: &Pix, dpi: u32) -> Result<PageText, OcrError> {
        self.set_image(pix, dpi);
        let rc = unsafe { tess::TessBaseAPIRecognize(self.api.as_ptr(), std::ptr::null_mut()) };
        if rc != 0 {
            unsafe { tess::TessBaseAPIClear(self.api.as_ptr()) };
            return Err(OcrError::Recognize);
        }
        let text = self.words();
        unsafe { tess::TessBaseAPIClear(self.api.as_ptr()) };
        Ok(text)
    }

    /// The recognised words, walked once with Tesseract's result iterator:
    /// what its TSV output gives (each word's text, box and confidence, a
    /// new line where a text line begins), without the TSV's cost (it
    /// builds each word a symbol at a time and asks three times a word
    /// whether a line, a paragraph or a block ends there: 3 % of a page's
    /// time).
    fn words(&mut self) -> PageText {
        // SAFETY: the iterator belongs to this engine's current result and
        // is deleted before the result is cleared.
        let Some(it) = NonNull::new(unsafe { tess::TessBaseAPIGetIterator(self.api.as_ptr()) })
        else {
            return PageText::default();
        };
        let it = ResultIter(it);
        let page = unsafe { tess::TessResultIteratorGetPageIterator(it.0.as_ptr()) };
        let mut lines: Vec<Line> = Vec::new();
        loop {
            // SAFETY: `page` is `it` seen as a page iterator; the text is
            // copied and freed by `owned_text`.
            let new_line = unsafe { tess::TessPageIteratorIsAtBeginningOf(page, RIL_LINE) } != 0;
            if new_line || lines.is_empty() {
                lines.push(Line::default());
            }
            let text =
                owned_text(unsafe { tess::TessResultIteratorGetUTF8Text(it.0.as_ptr(), RIL_WORD) });
            let (mut l, mut t, mut r, mut b) = (0, 0, 0, 0);
            let boxed = unsafe {
                tess::TessPageIteratorBoundingBox(page, RIL_WORD, &mut l, &mut t, &mut r, &mut b)
            } != 0;
            let text = text.as_deref().map(str::trim).unwrap_or_default();
            if boxed && !text.is_empty() {
                let conf = unsafe { tess::TessResultIteratorConfidence(it.0.as_ptr(), RIL_WORD) };
                let px = |v: i32| v.max(0) as u32;
                if let Some(line) = lines.last_mut() {
                    line.words.push(Word {
                        text: text.to_string(),
                        bbox: [px(l), px(t), px(r), px(b)],
                        conf,
                    });
                }
            }
            if unsafe { tess::TessResultIteratorNext(it.0.as_ptr(), RIL_WORD) } == 0 {
                break;
            }
        }
        lines.retain(|l| !l.words.is_empty());
        lines.iter_mut().for_each(Line::fit_box);
        PageText { lines }
    }

    /// Read one line of print again, alone: `pix` is the line's crop, read
    /// as a single line (PSM 7) of only the characters of `whitelist`. The
    /// engine is left as it was (full layout analysis, every character).
    pub fn read_line(&mut self, pix: &Pix, dpi: u32, whitelist: &str) -> Result<String, OcrError> {
        let api = self.api.as_ptr();
        unsafe { tess::TessBaseAPISetPageSegMode(api, tess::TessPageSegMode_PSM_SINGLE_LINE) };
        self.set("tessedit_char_whitelist", whitelist);
        self.set_image(pix, dpi);
        let rc = unsafe { tess::TessBaseAPIRecognize(api, std::ptr::null_mut()) };
        let text = (rc == 0)
            .then(|| owned_text(unsafe { tess::TessBaseAPIGetUTF8Text(api) }))
            .flatten();
        unsafe { tess::TessBaseAPIClear(api) };
        self.set("tessedit_char_whitelist", "");
        unsafe { tess::TessBaseAPISetPageSegMode(api, tess::TessPageSegMode_PSM_AUTO) };
        text.ok_or(OcrError::Recognize)
    }
}

const RIL_LINE: tess::TessPageIteratorLevel = tess::TessPageIteratorLevel_RIL_TEXTLINE;
const RIL_WORD: tess::TessPageIteratorLevel = tess::TessPageIteratorLevel_RIL_WORD;

/// A result iterator, deleted when dropped.
struct ResultIter(NonNull<tess::TessResultIterator>);

impl Drop for ResultIter {
    fn drop(&mut self) {
        unsafe { tess::TessResultIteratorDelete(self.0.as_ptr()) };
    }
}

/// Text Tesseract handed over (`None` for a null pointer), copied and
/// freed.
fn owned_text(raw: *mut std::os::raw::c_char) -> Option<String> {
    if raw.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(raw) }
        .to_string_lossy()
        .into_owned();
    unsafe { tess::TessDeleteText(raw) };
    Some(s)
}

/// An engine started on first use: the orientation engine is needed only
/// for the few pages that read poorly, and loading its model costs each
/// page thread a good part of a second.
pub struct LazyEngine {
    lang: String,
    engine: Option<Engine>,
}

impl LazyEngine {
    pub fn new(lang: &str) -> LazyEngine {
        LazyEngine {
            lang: lang.to_string(),
            engine: None,
        }
    }

    /// The engine, started now if it was not yet.
    pub fn get(&mut self) -> Result<&mut Engine, OcrError> {
        if self.engine.is_none() {
            self.engine = Some(Engine::new(&self.lang)?);
        }
        self.engine.as_mut().ok_or(OcrError::Init {
            lang: self.lang.clone(),
        })
    }
}

impl PageText {
    /// A reading of `lines` for unit tests: one word per piece between
    /// spaces, 12 px apart, one line every 40 px, all read at 90.
    #[cfg(test)]
    pub(crate) fn of_lines(lines: &[&str]) -> PageText {
        let line = |(i, l): (usize, &&str)| {
            let y = i as u32 * 40;
            let words = l
                .split_whitespace()
                .enumerate()
                .map(|(j, w)| Word {
                    text: w.into(),
                    bbox: [j as u32 * 12, y, j as u32 * 12 + 10, y + 30],
                    conf: 90.0,
                })
                .collect();
            Line {
                words,
                bbox: [0, y, 100, y + 30],
            }
        };
        PageText {
            lines: lines.iter().enumerate().map(line).collect(),
        }
    }
}

/// Parse Tesseract's TSV output (level, page, block, par, line, word, left,
/// top, width, height, conf, text) into lines of words: what
/// [`Engine::recognize`] read before it walked the words itself, kept as
/// the tests' measure of that walk.
#[cfg(test)]
fn parse_tsv(tsv: &str) -> PageText {
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Option<(u32, u32, u32)> = None;
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0).max(0) as u32;
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let key = (num(2), num(3), num(4));
        let (l, t, w, h) = (num(6), num(7), num(8), num(9));
        let word = Word {
            text: text.to_string(),
            bbox: [l, t, l + w, t + h],
            conf: cols[10].trim().parse::<f32>().unwrap_or(0.0),
        };
        if current != Some(key) {
            lines.push(Line::default());
            current = Some(key);
        }
        if let Some(line) = lines.last_mut() {
            line.words.push(word);
        }
    }
    lines.iter_mut().for_each(Line::fit_box);
    PageText { lines }
}

/// The linked libtesseract's version, e.g. `5.3.0`.
pub fn tesseract_version() -> String {
    let v = unsafe { tess::TessVersion() };
    if v.is_null() {
        return "unknown".into();
    }
    unsafe { CStr::from_ptr(v) }.to_string_lossy().into_owned()
}

/// Make sure OpenMP in libtesseract runs one thread per engine: if
/// `OMP_THREAD_LIMIT` is not set, re-execute this program with it set
/// (OpenMP reads it only at process start). Returns only if no re-exec
/// was needed or it failed.
pub fn ensure_single_threaded_openmp() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    tracing::warn!("could not re-execute with OMP_THREAD_LIMIT=1: {err}; OCR will be slower");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two real pages (the example batch's receipt and its photographed
    /// page), read once: the words walked off the result are Tesseract's
    /// own TSV output's, word for word, box for box, line for line.
    #[test]
    fn the_word_walk_gives_what_tesseract_s_tsv_gives() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-batch/");
        let receipt = std::fs::read(format!("{dir}scan_001.tif")).expect("receipt");
        let photo = std::fs::read(format!("{dir}scan_002.jpg")).expect("photo");
        let pages = [
            Pix::read_tiff_page(&receipt, 0).expect("decodes"),
            Pix::read_mem(&photo).expect("decodes"),
        ];
        let mut engine = Engine::new("vie").expect("vie installed");
        for pix in pages {
            engine.set_image(&pix, 300);
            let api = engine.api.as_ptr();
            assert_eq!(
                unsafe { tess::TessBaseAPIRecognize(api, std::ptr::null_mut()) },
                0
            );
            let walked = engine.words();
            let tsv = owned_text(unsafe { tess::TessBaseAPIGetTsvText(api, 0) }).expect("tsv");
            unsafe { tess::TessBaseAPIClear(api) };
            let listed = parse_tsv(&tsv);
            assert!(listed.word_count() > 50, "{}", listed.text());
            assert_eq!(walked.text(), listed.text());
            for (a, b) in walked.lines.iter().zip(&listed.lines) {
                assert_eq!(a.bbox, b.bbox);
                for (x, y) in a.words.iter().zip(&b.words) {
                    assert_eq!(x.bbox, y.bbox, "{}", x.text);
                    assert!(
                        (x.conf - y.conf).abs() < 0.01,
                        "{} {} {}",
                        x.text,
                        x.conf,
                        y.conf
                    );
                }
            }
        }
    }

    #[test]
    fn tsv_groups_words_into_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t10\t91.5\tGIẤY\n\
                   5\t1\t1\t1\t1\t2\t45\t21\t40\t11\t88\tỦY\n\
                   5\t1\t1\t1\t2\t1\t10\t40\t30\t10\t70\tQUYỀN\n";
        let t = parse_tsv(tsv);
        assert_eq!(t.lines.len(), 2);
        assert_eq!(t.lines[0].text(), "GIẤY ỦY");
        assert_eq!(t.lines[0].bbox, [10, 20, 85, 32]);
        assert_eq!(t.text(), "GIẤY ỦY\nQUYỀN\n");
        assert!((t.mean_conf() - 83.1667).abs() < 0.01);
    }

    /// A line of `words`, each `(text, x0, x1)`, on the row `y0..y1`.
    fn line_at(words: &[(&str, u32, u32)], y0: u32, y1: u32) -> Line {
        let mut line = Line {
            words: words
                .iter()
                .map(|&(text, x0, x1)| Word {
                    text: text.into(),
                    bbox: [x0, y0, x1, y1],
                    conf: 90.0,
                })
                .collect(),
            bbox: [0; 4],
        };
        line.fit_box();
        line
    }

    #[test]
    fn a_row_cut_by_a_crease_is_read_as_one_line_and_columns_rows_and_headings_are_not() {
        let cut = line_at(
            &[("của:", 100, 160), ("Bà", 170, 200), ("Mỹ", 210, 250)],
            100,
            130,
        );
        let rest = line_at(&[("Yến", 270, 320)], 102, 131);
        let next_row = line_at(&[("Địa", 100, 150), ("chỉ:", 160, 200)], 140, 170);
        let column = line_at(&[("Bên", 400, 440), ("nam", 450, 500)], 100, 130);
        let heading = line_at(&[("GIẤY", 260, 340)], 90, 150);
        let page = PageText {
            lines: vec![cut.clone(), next_row.clone(), rest],
        };
        let rows: Vec<String> = page.rows().iter().map(Line::text).collect();
        assert_eq!(rows, ["của: Bà Mỹ Yến", "Địa chỉ:"]);
        // Another column (farther than a line height), a line on the next
        // row, a taller line (a heading): each stays a line of its own.
        for other in [column, next_row, heading] {
            let page = PageText {
                lines: vec![cut.clone(), other.clone()],
            };
            assert_eq!(page.rows(), page.lines, "{}", other.text());
        }
    }
}
