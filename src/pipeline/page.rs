//! One page, from its place in a file to an upright, deskewed, OCR'd page
//! with its measurements. Each step is one function, composed by [`read`]:
//!
//! ```text
//! decode ─► marks ─► QR codes (separator?) ─► straighten and read,
//!           (none: skip) (skip)                 turned upright when it reads poorly
//!                                             ─► faint marks, no text? ─► printed separator? ─► encode
//!                                                (skip)                  (skip)
//! ```
//!
//! The orientation rule lives here, once ([`read_upright`]).

use super::{Options, PipelineError};
use crate::codes;
use crate::ingest::{self, DecodedPage, IngestError, Original};
use crate::ocr::{Engine, LazyEngine, OcrError, PageText};
use crate::pix::{Encoded, Filter, Pix};
use crate::prepare::{self, OrientationSource, Preparation, Shapes};
use crate::split::PageKind;

/// One processed page, as it comes back from the pool.
pub struct PageOut {
    pub kind: PageKind,
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    pub dpi_source: &'static str,
    pub prep: Preparation,
    pub qr: Vec<String>,
    /// Why the page's QR search failed, if it did; the page was read
    /// without it (a warning in the record).
    pub qr_failed: Option<String>,
    pub text: PageText,
    pub image: Option<Encoded>,
    /// Seconds spent in Tesseract (OSD and recognition) on this page.
    pub ocr_seconds: f64,
    /// Why a page was left out as blank, with its measurements.
    pub blank_detail: String,
    /// Why a page OCR read no text on was kept all the same.
    pub kept_unread: Option<String>,
    /// On a receipt whose case code is printed but not in a QR code: the
    /// code as its line reads again alone ([`confirm_printed_code`]), so
    /// that a digit misread by the page's reading shows as a second code.
    pub code_reread: Option<String>,
}

/// A page thread's OCR engines: the text engine, started with the thread;
/// the orientation engine (OSD) and the Latin-script engine that reads a
/// receipt's case code again ([`reread_case_code`]), each started on first
/// use, as few pages need them.
pub struct Engines {
    pub text: Engine,
    pub osd: LazyEngine,
    pub codes: LazyEngine,
}

impl Engines {
    pub fn new(lang: &str) -> Result<Engines, OcrError> {
        Ok(Engines {
            text: Engine::new(lang)?,
            osd: LazyEngine::new("osd"),
            // Vietnamese models read "…25-2756" as "…2S-276" where the
            // English one, made for Latin letters and digits, does not.
            codes: LazyEngine::new("eng"),
        })
    }
}

/// Read page `index` of `original`.
pub fn read(
    engines: &mut Engines,
    original: &Original,
    index: usize,
    opts: &Options,
) -> Result<PageOut, PipelineError> {
    let page_no = index as u32 + 1;
    let decoded = ingest::decode_page(original, index, &opts.limits)?;
    let ink = prepare::measure_ink(&decoded.pix, decoded.dpi);
    let mut out = measure(&decoded, &ink);
    let verdict = ink.verdict();
    if verdict == prepare::Verdict::Blank {
        out.blank_detail = ink.no_marks_detail();
        return Ok(out);
    }
    let qr = find_qr(&decoded.pix, decoded.dpi);
    (out.qr, out.qr_failed) = (qr.found, qr.failed);
    if codes::is_separator_qr(&out.qr) {
        out.kind = PageKind::Separator;
        return Ok(out);
    }
    let started = std::time::Instant::now();
    let stretch = ink.faded().then(|| ink.stretch_levels());
    let ocr_error = |source| PipelineError::Ocr {
        file: original.name.clone(),
        page: page_no,
        source,
    };
    let mut reading = read_upright(
        &mut engines.text,
        &mut engines.osd,
        decoded.pix,
        stretch,
        out.dpi,
        out.prep.clone(),
    )
    .map_err(ocr_error)?;
    out.code_reread =
        receipt_second_looks(&mut engines.codes, &mut reading, &mut out).map_err(ocr_error)?;
    out.ocr_seconds = started.elapsed().as_secs_f64();
    if verdict == prepare::Verdict::Unsure && out.qr.is_empty() {
        let words = prepare::text_words(&reading.text);
        if words < prepare::MIN_TEXT_WORDS {
            out.kept_unread = ink.kept_unread(words);
            if out.kept_unread.is_none() {
                out.blank_detail = ink.no_text_detail(words, reading.prep.stretched);
                out.prep.stretched = reading.prep.stretched;
                return Ok(out);
            }
        } else if let Some(detail) =
            show_through(&mut engines.text, &reading, stretch, out.dpi).map_err(ocr_error)?
        {
            out.blank_detail = detail;
            out.prep.stretched = reading.prep.stretched;
            return Ok(out);
        }
    }
    if codes::is_printed_separator(&reading.text) {
        out.kind = PageKind::Separator;
        out.text = reading.text;
        return Ok(out);
    }
    let image = encode(&reading, decoded.jpeg.as_deref(), opts.jpeg_quality).ok_or_else(|| {
        IngestError::Corrupt {
            file: original.name.clone(),
            page: page_no,
            reason: "the prepared page could not be encoded for the PDF".into(),
        }
    })?;
    // Sideways pages change their size when turned upright.
    out.width = reading.pix.width();
    out.height = reading.pix.height();
    out.kind = PageKind::Content;
    out.prep = reading.prep;
    out.text = reading.text;
    out.image = Some(image);
    Ok(out)
}

/// Show-through: a blank page on which the print of the sheet's other side
/// shows faintly through the paper, mirrored. OCR reads some of it as
/// words, at low confidence. Read mirrored, such a page reads better than
/// as it stands (more words, and surer ones), which a page printed on this
/// side never does. Only pages without dark ink that read poorly are
/// tried (one more reading each). Returns the measurement that decided.
fn show_through(
    engine: &mut Engine,
    reading: &Reading,
    stretch: Option<(u8, u8)>,
    dpi: u32,
) -> Result<Option<String>, OcrError> {
    let as_is = &reading.text;
    if as_is.mean_conf() >= prepare::ORIENTATION_CHECK_CONF {
        return Ok(None);
    }
    let stretched = stretch.and_then(|(lo, hi)| reading.pix.stretch(lo, hi));
    let Some(mirror) = stretched.as_ref().unwrap_or(&reading.pix).flip_lr() else {
        return Ok(None);
    };
    let mirrored = engine.recognize(&mirror, dpi)?;
    let words = (prepare::text_words(as_is), prepare::text_words(&mirrored));
    let conf = (as_is.mean_conf(), mirrored.mean_conf());
    tracing::debug!(?words, ?conf, "show-through check: as scanned, mirrored");
    Ok(prepare::is_show_through(words, conf).then(|| {
        format!(
            "show-through from the other side: reads {} word(s) at mean confidence {:.0} as scanned, {} at {:.0} mirrored",
            words.0, conf.0, words.1, conf.1
        )
    }))
}

/// On a page without a QR case code: a receipt's QR code searched again,
/// thinned ([`find_qr_thinned`]); then, still without one, its printed
/// code read again ([`reread_case_code`]), and a code read from print
/// read again alone ([`confirm_printed_code`], returned). Where the QR
/// code gives the case code, the print is read again only where it reads
/// as another code, and only reads agreeing with the QR code change it
/// ([`mend_misread_code`]).
fn receipt_second_looks(
    engine: &mut LazyEngine,
    reading: &mut Reading,
    out: &mut PageOut,
) -> Result<Option<String>, OcrError> {
    let dpi = out.dpi;
    let case_qr = |qr: &[String]| qr.iter().any(|q| q.parse::<codes::CaseCode>().is_ok());
    if !case_qr(&out.qr) && codes::is_receipt_text(&reading.text.text()) {
        let thinned = find_qr_thinned(&reading.pix, dpi);
        out.qr = codes::merged(std::mem::take(&mut out.qr), thinned.found);
        out.qr_failed = out.qr_failed.take().or(thinned.failed);
    }
    if case_qr(&out.qr) {
        mend_misread_code(engine, reading, dpi, &out.qr)?;
        return Ok(None);
    }
    // A code just read from its line alone needs no second reading.
    if reread_case_code(engine, reading, dpi)? {
        return Ok(None);
    }
    confirm_printed_code(engine, reading, dpi)
}

/// A case code read from print alone is read again: its line cut out and
/// read with the Latin engine at the sizes of [`CODE_LINE_HEIGHTS`]. The
/// code that second reading sets against the page's ([`unconfirmed`]:
/// a read of the line that gave another code is never outweighed by one
/// that repeats the page's), if any (`None` also when a third, enlarged
/// reading agrees with the page's); where it differs from the
/// page's, the batch names both and is not attached to either (a digit
/// misread files a dossier under another's case).
fn confirm_printed_code(
    engine: &mut LazyEngine,
    reading: &Reading,
    dpi: u32,
) -> Result<Option<String>, OcrError> {
    let today = crate::clock::today();
    let Some(spot) = codes::printed_code_line(&reading.text, today) else {
        return Ok(None);
    };
    let Some(crop) = code_crop(&reading.pix, &spot) else {
        return Ok(None);
    };
    let [_, y0, _, y1] = spot.region;
    let (line, seen) = read_code_line(engine, &crop, dpi, y1 - y0, today)?;
    let page_code = codes::case_codes_in_text(&reading.text.text(), today)
        .first()
        .map(|c| c.to_string());
    let again = unconfirmed(line, seen, page_code.as_deref());
    tracing::debug!(first = %reading.text.lines[spot.line].text(), again = ?again, "printed case code read again");
    if again.is_some() && again != page_code {
        // The two readings disagree: a third, enlarged, that agrees with the
        // page's reading settles it; else both codes stand.
        let third = read_code_at(engine, &crop, dpi, ARBITER_FACTOR, today)?;
        if third.is_some() && third == page_code {
            return Ok(None);
        }
    }
    Ok(again)
}

/// The code a printed code's second reading sets against the page's
/// (`page`): two reads' agreed code; else the first code any read of the
/// line gave other than the page's (one read alone that repeats the
/// page's, where another read gave another code, confirms nothing); else
/// a single read's.
fn unconfirmed(line: LineRead, seen: Vec<String>, page: Option<&str>) -> Option<String> {
    match line {
        LineRead::Agreed(code) => Some(code),
        line => seen
            .into_iter()
            .find(|c| Some(c.as_str()) != page)
            .or(line.code()),
    }
}

/// How much a printed case code's line is enlarged for the reading that
/// settles a disagreement between the page's reading and the line's.
const ARBITER_FACTOR: f32 = 1.6;

/// A case code's line cut out with a narrow margin: the lines above and
/// below, or the label's last letters, in the crop spoil a single-line read.
fn code_crop(pix: &Pix, spot: &codes::UnreadCode) -> Option<Pix> {
    let [x0, y0, x1, y1] = spot.region;
    let (pad_x, pad_y) = ((y1 - y0) / 4 + 1, (y1 - y0) / 6 + 1);
    pix.crop(
        x0,
        y0.saturating_sub(pad_y),
        x1.saturating_sub(x0) + pad_x,
        y1 - y0 + 2 * pad_y,
    )
}

/// The page as decoded, with its marks measured: blank until shown otherwise.
fn measure(decoded: &DecodedPage, ink: &prepare::Ink) -> PageOut {
    let round = |v: f32| (v * 100_000.0).round() / 100_000.0;
    PageOut {
        kind: PageKind::Blank,
        width: decoded.pix.width(),
        height: decoded.pix.height(),
        dpi: decoded.dpi,
        dpi_source: decoded.dpi_source,
        prep: Preparation {
            ink_ratio: round(ink.ratio),
            faint_ratio: round(ink.faint_ratio),
            paper: ink.paper,
            noise: ink.noise,
            ..Default::default()
        },
        qr: Vec::new(),
        qr_failed: None,
        text: PageText::default(),
        image: None,
        ocr_seconds: 0.0,
        blank_detail: String::new(),
        kept_unread: None,
        code_reread: None,
    }
}

/// Every QR code on the page (searched in gray).
fn find_qr(pix: &Pix, dpi: u32) -> codes::QrSearch {
    in_gray(pix, |g| codes::decode_qr(g, dpi))
}

/// The QR codes a receipt's swollen print still gives when thinned
/// ([`codes::decode_qr_thinned`]).
fn find_qr_thinned(pix: &Pix, dpi: u32) -> codes::QrSearch {
    in_gray(pix, |g| codes::decode_qr_thinned(g, dpi))
}

fn in_gray(pix: &Pix, search: impl Fn(&Pix) -> codes::QrSearch) -> codes::QrSearch {
    match pix.depth() {
        8 => search(pix),
        _ => pix.to_gray().map(|g| search(&g)).unwrap_or_default(),
    }
}

/// A page straightened and read, and what was done to it.
struct Reading {
    pix: Pix,
    text: PageText,
    prep: Preparation,
}

/// A page being prepared: the pixels that go into the PDF, and, for a
/// faded page, the contrast-stretched copy that is measured and read.
/// Every turn is applied to both.
struct Sheet {
    pix: Pix,
    view: Option<Pix>,
}

impl Sheet {
    fn new(pix: Pix, stretch: Option<(u8, u8)>, prep: &mut Preparation) -> Sheet {
        let view = stretch.and_then(|(lo, hi)| pix.stretch(lo, hi));
        prep.stretched = view.is_some();
        Sheet { pix, view }
    }

    /// What OCR, OSD and the skew search look at.
    fn seen(&self) -> &Pix {
        self.view.as_ref().unwrap_or(&self.pix)
    }

    /// Deskewed when the skew measured on what is seen is clear.
    fn straighten(self, prep: &mut Preparation) -> Sheet {
        let Some(view) = prepare::deskew(self.seen(), prep) else {
            return self;
        };
        match self.view {
            None => Sheet {
                pix: view,
                view: None,
            },
            Some(_) => match self.pix.rotate(prep.skew_deg) {
                Some(pix) => Sheet {
                    pix,
                    view: Some(view),
                },
                None => {
                    prep.deskewed = false;
                    self
                }
            },
        }
    }

    fn rotate_orth(&self, turns: u32) -> Option<Sheet> {
        let view = match &self.view {
            Some(v) => Some(v.rotate_orth(turns)?),
            None => None,
        };
        Some(Sheet {
            pix: self.pix.rotate_orth(turns)?,
            view,
        })
    }
}

/// How much lower (in mean word confidence) a turned page may read than
/// the same page read down its side, and still be kept turned; and how
/// much better a page turned on weaker evidence than OSD's (the letters'
/// lean, its own poor reading) must read to be kept so.
const SIDEWAYS_CONF_MARGIN: f32 = 10.0;

/// Turn the page upright when its letters' shapes say it is turned,
/// straighten it and read it; only if it then reads poorly or down its
/// side, take a [`second_opinion`], turn it, straighten and read it
/// again, and keep the turned reading when it reads better (see
/// [`SIDEWAYS_CONF_MARGIN`]). A faded page is read through its
/// contrast-stretched copy (`stretch`: the grey levels of its marks and
/// of its paper).
fn read_upright(
    text_engine: &mut Engine,
    osd: &mut LazyEngine,
    scanned: Pix,
    stretch: Option<(u8, u8)>,
    dpi: u32,
    mut prep: Preparation,
) -> Result<Reading, OcrError> {
    let sheet = Sheet::new(scanned, stretch, &mut prep);
    let facing = prepare::text_orientation(sheet.seen(), dpi, &mut prep, Shapes::Coarse);
    let sheet = turn(sheet, facing.decided.unwrap_or(0), &mut prep);
    let sheet = sheet.straighten(&mut prep);
    let text = text_engine.recognize(sheet.seen(), dpi)?;
    let mut best = (sheet, text, prep);
    if !prepare::needs_orientation_check(&best.1) {
        return Ok(Reading::from(best));
    }
    let mut turned_prep = best.2.clone();
    let Some(turns) = second_opinion(osd, &best.0, facing, &best.1, dpi, &mut turned_prep)? else {
        best.2.orientation_by = turned_prep.orientation_by;
        best.2.orientation_conf = turned_prep.orientation_conf;
        return Ok(Reading::from(best));
    };
    let Some((candidate, turned_text, mut turned_prep)) =
        trial_read(text_engine, &best.0, &best.1, turns, turned_prep, dpi)?
    else {
        return Ok(Reading::from(best));
    };
    // A page read down its side is kept turned when it now reads across,
    // unless it reads much worse so; one turned on weaker evidence than
    // OSD's (a weak lean, its own poor reading) must read clearly better.
    let now_across = prepare::reads_sideways(&best.1) && !prepare::reads_sideways(&turned_text);
    let by_osd = turned_prep.orientation_by == Some(OrientationSource::Osd);
    let by_reading = turned_prep.orientation_by == Some(OrientationSource::Reading);
    let margin = match (now_across, by_osd) {
        (true, _) => SIDEWAYS_CONF_MARGIN,
        (false, true) => 0.0,
        (false, false) => -SIDEWAYS_CONF_MARGIN,
    };
    let gain = turned_text.mean_conf() - best.1.mean_conf();
    if gain > -margin {
        if by_reading {
            turned_prep.orientation_conf = Some((gain * 10.0).round() / 10.0);
        }
        best = (candidate, turned_text, turned_prep);
    }
    Ok(Reading::from(best))
}

/// The page turned by `turns` more quarter turns, straightened and read.
/// A quarter turn that still reads poorly may have been the wrong one (a
/// weak lean): the other quarter turn is read too, and the better reading
/// of the two stays the candidate. A quarter turn that made a reading
/// across the page (`first`) run down it was wrong whichever way:
/// Tesseract reads a sideways page's lines as vertical text, often well,
/// so an across reading means the page's lines already ran across, and
/// the page is read upside down instead. `None` when the turn fails.
fn trial_read(
    engine: &mut Engine,
    sheet: &Sheet,
    first: &PageText,
    turns: u32,
    prep: Preparation,
    dpi: u32,
) -> Result<Option<(Sheet, PageText, Preparation)>, OcrError> {
    let base_deg = prep.rotated_deg;
    let mut read = |turns: u32| -> Result<Option<(Sheet, PageText, Preparation)>, OcrError> {
        let Some(turned) = sheet.rotate_orth(turns) else {
            return Ok(None);
        };
        let mut p = prep.clone();
        p.rotated_deg = (base_deg + turns * 90) % 360;
        let turned = turned.straighten(&mut p);
        let text = engine.recognize(turned.seen(), dpi)?;
        Ok(Some((turned, text, p)))
    };
    let Some(mut best) = read(turns)? else {
        return Ok(None);
    };
    if turns % 2 == 1
        && best.1.mean_conf() < prepare::ORIENTATION_CHECK_CONF
        && let Some(other) = read(4 - turns)?
        && other.1.mean_conf() > best.1.mean_conf()
    {
        best = other;
    }
    if turns % 2 == 1
        && prepare::reads_sideways(&best.1)
        && !prepare::reads_sideways(first)
        && let Some(mut upside_down) = read(2)?
    {
        upside_down.2.orientation_by = Some(OrientationSource::Reading);
        best = upside_down;
    }
    Ok(Some(best))
}

/// For a page that read poorly or down its side: the further quarter
/// turns worth a trial read. The letter shapes' when a finer look decides;
/// the reading's own direction when it ran down the page
/// ([`prepare::sideways_turns`]); OSD's when it is sure the page is turned;
/// else, when neither OSD nor the letters' shapes decided, the way the
/// shapes lean; else, for a page that reads poorly across, upside down
/// (which reads as noise, and which OSD misjudges on bold or blurred
/// print), and for one that reads poorly down its side, a quarter turn.
/// `None`: leave the page as it is.
fn second_opinion(
    osd: &mut LazyEngine,
    sheet: &Sheet,
    facing: prepare::Facing,
    first: &PageText,
    dpi: u32,
    prep: &mut Preparation,
) -> Result<Option<u32>, OcrError> {
    // The first look read only the coarse copy; a page it left undecided
    // now gets the fine one too.
    let facing = match facing.decided {
        Some(_) => facing,
        None => prepare::text_orientation(sheet.seen(), dpi, prep, Shapes::Both),
    };
    if let Some(turns) = facing.decided.filter(|&t| t != 0) {
        return Ok(Some(turns));
    }
    // A reading that ran down the page, and read well so, says itself
    // which way it ran. (Tesseract reads vertical lines top to bottom
    // only: a page whose top faces left reads poorly that way, and its
    // words' order says nothing.)
    if prepare::reads_sideways(first)
        && first.mean_conf() >= prepare::ORIENTATION_CHECK_CONF
        && let Some(turns) = prepare::sideways_turns(first)
    {
        prep.orientation_by = Some(OrientationSource::Reading);
        prep.orientation_conf = None;
        return Ok(Some(turns));
    }
    let osd_says = prepare::orientation(osd.get()?, sheet.seen(), dpi, prep);
    if let Some(turns) = osd_says.filter(|&t| t != 0) {
        return Ok(Some(turns));
    }
    if osd_says.is_none()
        && facing.decided.is_none()
        && let Some(lean) = facing.lean.filter(|&t| t != 0)
    {
        prep.orientation_by = Some(OrientationSource::TextShape);
        prep.orientation_conf = Some(facing.conf);
        return Ok(Some(lean));
    }
    if first.mean_conf() < prepare::ORIENTATION_CHECK_CONF {
        // Read poorly down its side, which way it faces is not told: a
        // quarter turn is tried, and the other one when that reads poorly
        // too ([`read_upright`]).
        let turns = if prepare::reads_sideways(first) { 1 } else { 2 };
        prep.orientation_by = Some(OrientationSource::Reading);
        prep.orientation_conf = None;
        return Ok(Some(turns));
    }
    Ok(None)
}

/// On a receipt whose printed case code OCR did not read whole, read the
/// code's region again alone ([`codes::unread_code`]); when two reads at
/// different sizes agree on a valid, plausible code ([`LineRead::Agreed`]),
/// it takes the place of the first reading's words on the code's line.
/// Returns whether it did.
fn reread_case_code(
    engine: &mut LazyEngine,
    reading: &mut Reading,
    dpi: u32,
) -> Result<bool, OcrError> {
    let today = crate::clock::today();
    for spot in codes::unread_code(&reading.text, today) {
        let [_, y0, _, y1] = spot.region;
        let Some(crop) = code_crop(&reading.pix, &spot) else {
            continue;
        };
        // Nothing else on the page vouches for a code read here: one read
        // alone is not enough.
        let code = match read_code_line(engine, &crop, dpi, y1 - y0, today)?.0 {
            LineRead::Agreed(code) => code,
            LineRead::Single(code) => {
                tracing::debug!(code, "case code line: one read only, not taken");
                continue;
            }
            LineRead::NoCode => {
                tracing::debug!(first = %reading.text.lines[spot.line].text(), "case code line read again: no code");
                continue;
            }
        };
        put_code(reading, spot, code);
        return Ok(true);
    }
    Ok(false)
}

/// On a receipt whose QR code gives its case code while its print reads
/// as another code: the print's line read again alone. Where two reads at
/// different sizes agree on the QR code's ([`LineRead::Agreed`]), the
/// first reading misread the print ("000.39.48…" for "000.32.48…"), and
/// the agreed code takes the place of its words; else the page keeps its
/// reading, and the batch fails naming both codes.
fn mend_misread_code(
    engine: &mut LazyEngine,
    reading: &mut Reading,
    dpi: u32,
    qr: &[String],
) -> Result<(), OcrError> {
    let today = crate::clock::today();
    let Some(spot) = codes::printed_code_line(&reading.text, today) else {
        return Ok(());
    };
    let qr: Vec<String> = qr
        .iter()
        .filter_map(|q| q.parse::<codes::CaseCode>().ok())
        .map(|c| c.to_string())
        .collect();
    let printed = codes::case_codes_in_text(&reading.text.lines[spot.line].text(), today);
    if printed.iter().any(|c| qr.contains(&c.to_string())) {
        return Ok(());
    }
    let Some(crop) = code_crop(&reading.pix, &spot) else {
        return Ok(());
    };
    let [_, y0, _, y1] = spot.region;
    if let LineRead::Agreed(code) = read_code_line(engine, &crop, dpi, y1 - y0, today)?.0 {
        tracing::debug!(first = %reading.text.lines[spot.line].text(), again = %code, "case code the QR code gives, printed: read again");
        if qr.contains(&code) {
            put_code(reading, spot, code);
        }
    }
    Ok(())
}

/// A case code read again from its line takes the place of the words the
/// page's reading gave for it.
fn put_code(reading: &mut Reading, spot: codes::UnreadCode, code: String) {
    let [x0, _, x1, _] = spot.region;
    let line = &mut reading.text.lines[spot.line];
    let words = &line.words[spot.words.clone()];
    let bbox = [x0, words[0].bbox[1], x1, words[words.len() - 1].bbox[3]];
    let conf = words.iter().map(|w| w.conf).fold(f32::MAX, f32::min);
    line.words.splice(
        spot.words,
        [crate::ocr::Word {
            text: code,
            bbox,
            conf,
        }],
    );
}

/// The letter heights (in pixels) a case code's line is read again at, in
/// turn. Tesseract reads a line best with letters some 30 to 40 pixels
/// high, but which size reads a given print right varies: bold, coarse
/// print read at one size reads "062.03" as "062.403", at another right.
const CODE_LINE_HEIGHTS: [u32; 3] = [40, 28, 0];

/// What the reads of a case code's line gave.
enum LineRead {
    /// Two reads at different sizes gave this code (and no third read a
    /// different one before them, or it lost two to one).
    Agreed(String),
    /// One read gave this code; no other read agreed with it (they gave
    /// none, or the further read gave another).
    Single(String),
    /// No read gave a code, or reads gave different ones that a third
    /// did not settle.
    NoCode,
}

impl LineRead {
    fn code(self) -> Option<String> {
        match self {
            LineRead::Agreed(code) | LineRead::Single(code) => Some(code),
            LineRead::NoCode => None,
        }
    }
}

/// Read a crop of a case code's line (`height`: its line's height) at
/// the sizes of [`CODE_LINE_HEIGHTS`] (0: as it is; print taller than
/// every size is reduced, down to half, smaller print only enlarged) until
/// two reads give the same valid, plausible code. A single read's code,
/// or two reads' two codes, are then settled by one more read at a size not yet tried ([`ARBITER_FACTOR`], else
/// twice the size; none when both were tried) that agrees with one; else
/// the single read's code is only [`LineRead::Single`] and two codes give
/// none (a wrong case code files a dossier under another's case: no code,
/// and the station gives it, is better). Where the reads gave no code,
/// that further read's code is a single read's. Beside what the reads
/// come to: every code any of them gave, in reading order.
fn read_code_line(
    engine: &mut LazyEngine,
    crop: &Pix,
    dpi: u32,
    height: u32,
    today: time::Date,
) -> Result<(LineRead, Vec<String>), OcrError> {
    let mut codes_read: Vec<String> = Vec::new();
    let mut factors_read: Vec<f32> = Vec::new();
    for target in CODE_LINE_HEIGHTS {
        let factor = match target {
            0 => 1.0,
            // Only print taller than every size is reduced.
            t if height <= CODE_LINE_HEIGHTS[0] => {
                (t as f32 / height.max(1) as f32).clamp(1.0, 4.0)
            }
            t => (t as f32 / height as f32).clamp(0.5, 4.0),
        };
        if factors_read.iter().any(|f| (f - factor).abs() < 0.15) {
            continue;
        }
        factors_read.push(factor);
        if let Some(code) = read_code_at(engine, crop, dpi, factor, today)? {
            if codes_read.contains(&code) {
                return Ok((LineRead::Agreed(code), codes_read));
            }
            codes_read.push(code);
        }
    }
    if codes_read.len() > 2 {
        return Ok((LineRead::NoCode, codes_read));
    }
    // One code from one read, or two reads, two codes: a read at a size
    // not yet tried that agrees with one of them settles it. Where no
    // read gave a code (a line printed large is read at one size only),
    // that read's code is a single read's.
    let arbiter = [ARBITER_FACTOR, 2.0]
        .into_iter()
        .find(|a| factors_read.iter().all(|f| (f - a).abs() >= 0.15));
    let third = match arbiter {
        Some(factor) => read_code_at(engine, crop, dpi, factor, today)?,
        None => None,
    };
    let mut seen = codes_read.clone();
    seen.extend(third.clone().filter(|t| !codes_read.contains(t)));
    Ok((settle(codes_read, third), seen))
}

/// What none, one or two reads' codes (`codes`, distinct) and a further
/// read's (`third`) come to: the code the third agrees with, else a
/// single read's code as [`LineRead::Single`] (the third's, where the
/// others gave none), else none.
fn settle(mut codes: Vec<String>, third: Option<String>) -> LineRead {
    match third {
        Some(third) if codes.contains(&third) => LineRead::Agreed(third),
        Some(third) if codes.is_empty() => LineRead::Single(third),
        _ if codes.len() == 1 => LineRead::Single(codes.remove(0)),
        _ => LineRead::NoCode,
    }
}

/// The one valid, plausible case code a crop of its line reads as,
/// scaled by `factor` (between 0.9 and 1.1: as it is). Bold print read
/// at 50 pixels reads "000.23" as "0000.23" where, reduced to 30-40,
/// it reads right.
fn read_code_at(
    engine: &mut LazyEngine,
    crop: &Pix,
    dpi: u32,
    factor: f32,
    today: time::Date,
) -> Result<Option<String>, OcrError> {
    let scaled = match factor {
        f if f > 1.1 => crop.upscale(f),
        f if f < 0.9 => crop.scale_to_gray(f),
        _ => None,
    };
    let (image, at_dpi) = match &scaled {
        Some(scaled) => (scaled, (dpi as f32 * factor) as u32),
        None => (crop, dpi),
    };
    let read = engine.get()?.read_line(image, at_dpi, codes::CODE_CHARS)?;
    tracing::debug!(factor, again = %read.trim(), "case code line read again");
    Ok(match &codes::case_codes_in_text(&read, today)[..] {
        [code] => Some(code.to_string()),
        _ => None,
    })
}

/// The sheet turned by `turns` clockwise quarter turns (as it was, if
/// the turn fails), with the turn recorded.
fn turn(sheet: Sheet, turns: u32, prep: &mut Preparation) -> Sheet {
    if turns == 0 {
        return sheet;
    }
    match sheet.rotate_orth(turns) {
        Some(turned) => {
            prep.rotated_deg = turns * 90;
            turned
        }
        None => sheet,
    }
}

impl From<(Sheet, PageText, Preparation)> for Reading {
    fn from((sheet, text, prep): (Sheet, PageText, Preparation)) -> Reading {
        Reading {
            pix: sheet.pix,
            text,
            prep,
        }
    }
}

/// The page image for the PDF: the scanner's own JPEG when the page was
/// neither turned nor deskewed, else the prepared pixels re-encoded.
fn encode(reading: &Reading, scanner_jpeg: Option<&[u8]>, jpeg_quality: u8) -> Option<Encoded> {
    let untouched = reading.prep.rotated_deg == 0 && !reading.prep.deskewed;
    let pix = &reading.pix;
    match (scanner_jpeg, untouched) {
        (Some(jpeg), true) => Some(Encoded {
            filter: Filter::Jpeg,
            data: jpeg.to_vec(),
            width: pix.width(),
            height: pix.height(),
            bits_per_component: 8,
            components: if pix.depth() == 32 { 3 } else { 1 },
        }),
        _ => pix.encode_for_pdf(jpeg_quality),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    /// The example batch's receipt page, as scanned.
    fn example_receipt() -> Pix {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/sample-batch/scan_001.tif"
        );
        let data = std::fs::read(path).expect("example receipt");
        Pix::read_tiff_page(&data, 0).expect("decodes")
    }

    /// The example receipt read by real Tesseract: the engines, the
    /// reading, and the resolution it was read at.
    fn read_example_receipt() -> (Engines, Reading, u32) {
        let pix = example_receipt();
        let dpi = pix.xres().max(300);
        let mut engines = Engines::new("vie").expect("Tesseract with vie");
        let text = engines.text.recognize(&pix, dpi).expect("reads");
        let reading = Reading {
            pix,
            text,
            prep: Preparation::default(),
        };
        (engines, reading, dpi)
    }

    /// Spoil a reading as OCR would: `what` read as `as_what` in the first
    /// word that holds it.
    fn misread(reading: &mut Reading, what: &str, as_what: &str) {
        let word = reading
            .text
            .lines
            .iter_mut()
            .flat_map(|l| l.words.iter_mut())
            .find(|w| w.text.contains(what))
            .expect("the word");
        word.text = word.text.replace(what, as_what);
    }

    #[test]
    fn a_code_line_s_reads_are_settled_by_a_further_read_that_agrees() {
        let (a, b) = ("000.20.60.H60-240823-2222", "000.20.60.H60-240823-2223");
        let v = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let agreed = |r: LineRead| match r {
            LineRead::Agreed(c) => Some(c),
            _ => None,
        };
        assert_eq!(agreed(settle(v(&[a]), Some(a.into()))).as_deref(), Some(a));
        assert_eq!(
            agreed(settle(v(&[a, b]), Some(b.into()))).as_deref(),
            Some(b)
        );
        // One read alone stays single, whatever else the further read gives.
        for third in [None, Some(b.to_string())] {
            assert!(matches!(settle(v(&[a]), third), LineRead::Single(c) if c == a));
        }
        // Two codes and no agreeing third: none.
        for third in [None, Some("000.20.60.H60-240823-2224".to_string())] {
            assert!(matches!(settle(v(&[a, b]), third), LineRead::NoCode));
        }
        // No code before it: the third's alone is a single read's.
        assert!(matches!(settle(v(&[]), Some(a.into())), LineRead::Single(c) if c == a));
        assert!(matches!(settle(v(&[]), None), LineRead::NoCode));
    }

    #[test]
    fn a_page_s_printed_code_is_confirmed_only_where_no_read_of_its_line_gave_another() {
        let (page, other) = ("000.23.34.H61-220411-0602", "000.28.34.H61-220411-0002");
        let v = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let set_against = |line, seen: &[&str]| unconfirmed(line, v(seen), Some(page));
        // Two reads agreeing: their code, whatever another read gave.
        let agreed = set_against(LineRead::Agreed(page.into()), &[other, page]);
        assert_eq!(agreed.as_deref(), Some(page));
        // One read repeating the page's beside one that gave another: the other.
        let split = set_against(LineRead::Single(page.into()), &[page, other]);
        assert_eq!(split.as_deref(), Some(other));
        let muddled = set_against(LineRead::NoCode, &[page, other]);
        assert_eq!(muddled.as_deref(), Some(other));
        // One read alone, nothing against it: that read's.
        let alone = set_against(LineRead::Single(page.into()), &[page]);
        assert_eq!(alone.as_deref(), Some(page));
        assert_eq!(set_against(LineRead::NoCode, &[]), None);
    }

    /// The example batch's receipt, read by real Tesseract; then one digit
    /// of its printed code spoiled in the reading, as a stamp or a blur
    /// spoils it: the code's line, read again, gives the code back whole.
    #[test]
    fn a_spoiled_printed_case_code_is_read_again_from_its_line() {
        let pix = example_receipt();
        let dpi = pix.xres().max(300);
        let mut engines = Engines::new("vie").expect("Tesseract with vie");
        let text = engines.text.recognize(&pix, dpi).expect("reads");
        let code = "000.00.00.H56-221006-0012";
        let today = crate::clock::today();
        assert_eq!(
            codes::case_codes_in_text(&text.text(), today)
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>(),
            [code]
        );
        let mut reading = Reading {
            pix,
            text,
            prep: Preparation::default(),
        };
        misread(&mut reading, "221006", "22%006");
        assert!(codes::case_codes_in_text(&reading.text.text(), today).is_empty());
        reread_case_code(&mut engines.codes, &mut reading, dpi).expect("reads again");
        assert!(
            reading.text.text().contains(code),
            "{}",
            reading.text.text()
        );
    }

    /// A printed code misread into another valid code (one digit off) is
    /// read again from its line, and the second reading names the code
    /// as printed: the batch then carries both and is attached to neither.
    #[test]
    fn a_printed_case_code_misread_into_another_is_caught_by_a_second_reading() {
        let (mut engines, mut reading, dpi) = read_example_receipt();
        let printed = "000.00.00.H56-221006-0012";
        let again = confirm_printed_code(&mut engines.codes, &reading, dpi).expect("reads again");
        assert_eq!(again.as_deref(), Some(printed), "read right, confirmed");
        misread(&mut reading, "0012", "0017");
        let again = confirm_printed_code(&mut engines.codes, &reading, dpi).expect("reads again");
        assert_eq!(again.as_deref(), Some(printed));
        let pages = [reading.text.text(), again.unwrap_or_default()];
        let resolved = codes::resolve_case_code(
            None,
            std::iter::empty(),
            pages.into_iter(),
            crate::clock::today(),
        );
        assert!(
            matches!(&resolved, Err(codes::CaseCodeError::Several(both)) if both.contains("0012") && both.contains("0017")),
            "{resolved:?}"
        );
    }

    /// A receipt whose QR code gives its case code while the page's
    /// reading misread its print into another code: the print, read again,
    /// agrees with the QR code and takes the misread's place. A QR code
    /// that names another code than the print leaves the reading as it is
    /// (the batch fails naming both).
    #[test]
    fn a_print_misread_against_the_qr_code_is_read_again_and_mended() {
        let (mut engines, mut reading, dpi) = read_example_receipt();
        let printed = "000.00.00.H56-221006-0012";
        misread(&mut reading, "221006", "221008");
        let other = vec!["000.00.00.H56-221006-0013".to_string()];
        mend_misread_code(&mut engines.codes, &mut reading, dpi, &other).expect("reads again");
        assert!(
            !reading.text.text().contains(printed),
            "no code but the print's"
        );
        mend_misread_code(&mut engines.codes, &mut reading, dpi, &[printed.into()])
            .expect("reads again");
        let today = crate::clock::today();
        let codes: Vec<String> = codes::case_codes_in_text(&reading.text.text(), today)
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(codes, [printed]);
    }

    /// The example receipt as a 150-dpi scan gives its QR code: a page
    /// under 250 dpi is searched at full size, as its code's modules,
    /// halved, would be too small to be seen.
    #[test]
    fn a_receipt_scanned_at_150_dpi_gives_its_qr_code() {
        let pix = example_receipt();
        let scale = 150.0 / pix.xres().max(300) as f32;
        let low = pix.scale_to_gray(scale).expect("scales");
        let found = find_qr(&low, 150).found;
        assert!(
            found
                .iter()
                .any(|q| q.contains("000.00.00.H56-221006-0012")),
            "{found:?}"
        );
        // Searched at half size first, as a 300-dpi page is, it is not seen.
        assert!(find_qr(&low, 300).found.is_empty());
    }

    /// A photocopy's ink spread swells a QR code's dark modules (here: the
    /// example receipt's code, every dark area grown by a pixel a side)
    /// until the search does not even find its corners; thinned, it reads
    /// again.
    #[test]
    fn a_receipt_qr_code_swollen_by_a_photocopy_reads_when_thinned() {
        let pix = example_receipt();
        let dpi = pix.xres().max(300);
        let gray = pix.to_gray().expect("grey");
        let code = "000.00.00.H56-221006-0012";
        let has_code = |found: &[String]| found.iter().any(|q| q.contains(code));
        assert!(has_code(&find_qr(&gray, dpi).found), "the clean code reads");
        let swollen = gray.morph_gray(SWELL, false).expect("swells");
        assert!(
            find_qr(&swollen, dpi).found.is_empty(),
            "swollen, it is not seen"
        );
        let found = find_qr_thinned(&swollen, dpi).found;
        assert!(has_code(&found), "{found:?}");
    }

    /// The square (pixels) the example code's dark modules are swollen with.
    const SWELL: u32 = 3;

    /// A page that reads poorly down its side, on which neither the
    /// letters' shapes nor OSD decide (a blank sheet here), is tried a
    /// quarter turn; one that reads poorly across is tried upside down.
    #[test]
    fn a_poor_reading_down_the_side_is_tried_a_quarter_turn() {
        let reading = |tall: bool| {
            let words = (0..8u32)
                .map(|i| {
                    let (x, y) = (100 + 60 * i, 200);
                    let (w, h) = if tall { (30, 120) } else { (120, 30) };
                    crate::ocr::Word {
                        text: "Ngày".into(),
                        bbox: [x, y, x + w, y + h],
                        conf: 40.0,
                    }
                })
                .collect::<Vec<_>>();
            PageText {
                lines: vec![crate::ocr::Line {
                    bbox: [100, 200, 700, 320],
                    words,
                }],
            }
        };
        assert!(prepare::reads_sideways(&reading(true)));
        assert!(!prepare::reads_sideways(&reading(false)));
        let blank = Pix::from_samples(1000, 1400, 1, &vec![255u8; 1000 * 1400]).expect("pix");
        let mut osd = LazyEngine::new("osd");
        let mut turns_for = |text: &PageText| {
            let mut prep = Preparation::default();
            let sheet = Sheet::new(blank.to_gray().expect("gray"), None, &mut prep);
            let facing = prepare::text_orientation(sheet.seen(), 150, &mut prep, Shapes::Coarse);
            second_opinion(&mut osd, &sheet, facing, text, 150, &mut prep).expect("osd")
        };
        assert_eq!(turns_for(&reading(true)), Some(1));
        assert_eq!(turns_for(&reading(false)), Some(2));
    }

    /// The example receipt, scanned upside down: a quarter turn (what a
    /// weak lean of its letters might say) makes Tesseract read its lines
    /// down the page; such a turn is not kept, and the page is read
    /// upside down instead, which makes it upright and read across.
    #[test]
    fn a_quarter_turn_that_makes_the_reading_run_down_the_page_gives_way_to_a_half_turn() {
        let mut engine = Engine::new("vie").expect("vie installed");
        let mut prep = Preparation::default();
        let upside_down = example_receipt().rotate_orth(2).expect("turned");
        let sheet = Sheet::new(upside_down, None, &mut prep);
        let first = engine.recognize(sheet.seen(), 300).expect("read");
        assert!(!prepare::reads_sideways(&first));
        let quarter = sheet.rotate_orth(1).expect("turned");
        let down = engine.recognize(quarter.seen(), 300).expect("read");
        assert!(
            prepare::reads_sideways(&down),
            "a quarter turn reads down the page"
        );
        for turns in [1, 3] {
            let (_, text, p) = trial_read(&mut engine, &sheet, &first, turns, prep.clone(), 300)
                .expect("read")
                .expect("turned");
            assert_eq!(p.rotated_deg, 180, "{turns} quarter turns");
            assert!(!prepare::reads_sideways(&text));
            assert!(
                fold(&text.text()).contains("TIEP NHAN HO SO"),
                "{}",
                text.text()
            );
        }
    }
}
