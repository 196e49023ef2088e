"""A small flow-layout engine that prints documents onto page images.

Documents are lists of blocks (paragraphs, rows of fields on one baseline,
columns, tables, signature blocks, pictures). `layout()` flows them onto as
many upright pages as they need and records, for each page, every printed
text line exactly as printed (in reading order) with its box, the QR codes
and the round seals. Units: pixels at the page's dpi; sizes given in points
(1/72 in) or millimetres are converted with the page's dpi.
"""
import math
import os
import unicodedata

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

# ---------------------------------------------------------------- fonts

_FD = "/usr/share/fonts/truetype"
_TG = "/usr/share/texmf/fonts/opentype/public/tex-gyre"
FAMILIES = {
    # name: (regular, bold, italic, bold italic), serif?
    "Liberation Serif": ((f"{_FD}/liberation2/LiberationSerif-Regular.ttf", f"{_FD}/liberation2/LiberationSerif-Bold.ttf",
                          f"{_FD}/liberation2/LiberationSerif-Italic.ttf", f"{_FD}/liberation2/LiberationSerif-BoldItalic.ttf"), True),
    "TeX Gyre Termes": ((f"{_TG}/texgyretermes-regular.otf", f"{_TG}/texgyretermes-bold.otf",
                         f"{_TG}/texgyretermes-italic.otf", f"{_TG}/texgyretermes-bolditalic.otf"), True),
    "FreeSerif": ((f"{_FD}/freefont/FreeSerif.ttf", f"{_FD}/freefont/FreeSerifBold.ttf",
                   f"{_FD}/freefont/FreeSerifItalic.ttf", f"{_FD}/freefont/FreeSerifBoldItalic.ttf"), True),
    "Noto Serif": ((f"{_FD}/noto/NotoSerif-Regular.ttf", f"{_FD}/noto/NotoSerif-Bold.ttf",
                    f"{_FD}/noto/NotoSerif-Italic.ttf", f"{_FD}/noto/NotoSerif-BoldItalic.ttf"), True),
    "DejaVu Serif": ((f"{_FD}/dejavu/DejaVuSerif.ttf", f"{_FD}/dejavu/DejaVuSerif-Bold.ttf",
                      f"{_FD}/dejavu/DejaVuSerif-Italic.ttf", f"{_FD}/dejavu/DejaVuSerif-BoldItalic.ttf"), True),
    "TeX Gyre Pagella": ((f"{_TG}/texgyrepagella-regular.otf", f"{_TG}/texgyrepagella-bold.otf",
                          f"{_TG}/texgyrepagella-italic.otf", f"{_TG}/texgyrepagella-bolditalic.otf"), True),
    "TeX Gyre Schola": ((f"{_TG}/texgyreschola-regular.otf", f"{_TG}/texgyreschola-bold.otf",
                         f"{_TG}/texgyreschola-italic.otf", f"{_TG}/texgyreschola-bolditalic.otf"), True),
    "Liberation Sans": ((f"{_FD}/liberation2/LiberationSans-Regular.ttf", f"{_FD}/liberation2/LiberationSans-Bold.ttf",
                         f"{_FD}/liberation2/LiberationSans-Italic.ttf", f"{_FD}/liberation2/LiberationSans-BoldItalic.ttf"), False),
    "TeX Gyre Heros": ((f"{_TG}/texgyreheros-regular.otf", f"{_TG}/texgyreheros-bold.otf",
                        f"{_TG}/texgyreheros-italic.otf", f"{_TG}/texgyreheros-bolditalic.otf"), False),
    "FreeSans": ((f"{_FD}/freefont/FreeSans.ttf", f"{_FD}/freefont/FreeSansBold.ttf",
                  f"{_FD}/freefont/FreeSansOblique.ttf", f"{_FD}/freefont/FreeSansBoldOblique.ttf"), False),
    "Noto Sans": ((f"{_FD}/noto/NotoSans-Regular.ttf", f"{_FD}/noto/NotoSans-Bold.ttf",
                   f"{_FD}/noto/NotoSans-Italic.ttf", f"{_FD}/noto/NotoSans-BoldItalic.ttf"), False),
    "DejaVu Sans": ((f"{_FD}/dejavu/DejaVuSans.ttf", f"{_FD}/dejavu/DejaVuSans-Bold.ttf",
                     f"{_FD}/dejavu/DejaVuSans-Oblique.ttf", f"{_FD}/dejavu/DejaVuSans-BoldOblique.ttf"), False),
    "Open Sans": ((f"{_FD}/open-sans/OpenSans-Regular.ttf", f"{_FD}/open-sans/OpenSans-Bold.ttf",
                   f"{_FD}/open-sans/OpenSans-Italic.ttf", f"{_FD}/open-sans/OpenSans-BoldItalic.ttf"), False),
    "Roboto": ((f"{_FD}/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf", f"{_FD}/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf",
                f"{_FD}/roboto/unhinted/RobotoTTF/Roboto-Italic.ttf", f"{_FD}/roboto/unhinted/RobotoTTF/Roboto-BoldItalic.ttf"), False),
    "DejaVu Sans Mono": ((f"{_FD}/dejavu/DejaVuSansMono.ttf", f"{_FD}/dejavu/DejaVuSansMono-Bold.ttf",
                          f"{_FD}/dejavu/DejaVuSansMono-Oblique.ttf", f"{_FD}/dejavu/DejaVuSansMono-BoldOblique.ttf"), None),
}


def available_families():
    return [k for k, (files, _) in FAMILIES.items() if os.path.exists(files[0]) and os.path.exists(files[1])]


SERIF = [k for k in available_families() if FAMILIES[k][1]]
SANS = [k for k in available_families() if FAMILIES[k][1] is False]
_font_cache = {}


def font(family, px, bold=False, italic=False):
    files = FAMILIES[family][0]
    i = (1 if bold else 0) + (2 if italic else 0)
    path = files[i] if os.path.exists(files[i]) else files[1 if bold else 0]
    key = (path, int(round(px)))
    f = _font_cache.get(key)
    if f is None:
        f = ImageFont.truetype(path, max(4, int(round(px))))
        _font_cache[key] = f
    return f


def nfc(s):
    return unicodedata.normalize("NFC", s)


# ---------------------------------------------------------------- style / page


class Style:
    """How one document is printed."""

    def __init__(self, family="Liberation Serif", size=13.0, leading=1.32, margins=(20, 20, 30, 18),
                 ink=(20, 20, 20), title_family=None, para_gap=2.0):
        self.family = family
        self.title_family = title_family or family
        self.size = size  # base size in pt
        self.leading = leading  # line pitch / size
        self.margins = margins  # top, bottom, left, right in mm
        self.ink = ink
        self.para_gap = para_gap  # pt


class Page:
    """One upright page being printed."""

    def __init__(self, dpi, size_mm=(210, 297), mode="L", paper=255):
        self.dpi = dpi
        self.w = int(round(size_mm[0] / 25.4 * dpi))
        self.h = int(round(size_mm[1] / 25.4 * dpi))
        self.mode = mode
        fill = paper if mode == "L" else (paper, paper, paper)
        self.img = Image.new(mode, (self.w, self.h), fill)
        self.draw = ImageDraw.Draw(self.img)
        self.lines = []  # (text, [x0, y0, x1, y1])
        self.qr = []
        self.seals = []
        self.late = []  # callables drawn after the text (seals)
        self.landscape = size_mm[0] > size_mm[1]

    def pt(self, v):
        return v * self.dpi / 72.0

    def mm(self, v):
        return v * self.dpi / 25.4

    def color(self, rgb):
        if self.mode == "L":
            r, g, b = rgb
            return int(round(0.299 * r + 0.587 * g + 0.114 * b))
        return tuple(rgb)

    def text(self, x, baseline, s, f, ink, record=True):
        s = nfc(s)
        self.draw.text((x, baseline), s, font=f, fill=self.color(ink), anchor="ls")
        w = f.getlength(s)
        if record and s.strip():
            asc, desc = f.getmetrics()
            self.lines.append((s, [int(x), int(baseline - asc * 0.82), int(x + w), int(baseline + desc * 0.6)]))
        return w

    def record(self, s, box):
        self.lines.append((nfc(s), [int(v) for v in box]))

    def finish(self):
        for fn in self.late:
            fn(self)
        self.late = []


# ---------------------------------------------------------------- runs and wrapping


def runs_of(x, bold=False, italic=False):
    """Normalise text or [(text, bold, italic)...] into a list of runs."""
    if isinstance(x, str):
        return [(x, bold, italic)]
    out = []
    for r in x:
        if isinstance(r, str):
            out.append((r, bold, italic))
        else:
            t, b = r[0], r[1]
            i = r[2] if len(r) > 2 else italic
            out.append((t, b, i))
    return out


def words_of(runs):
    ws = []
    for t, b, i in runs:
        for w in nfc(t).split():
            ws.append((w, b, i))
    return ws


def wrap(words, width, fam, px, first_indent=0.0, indent=0.0):
    """Greedy wrap; returns lines as lists of (word, b, i, x_offset)."""
    lines = []
    cur = []
    x = first_indent
    avail = width
    for w, b, i in words:
        f = font(fam, px, b, i)
        ww = f.getlength(w)
        sp = f.getlength(" ")
        if cur and x + ww > avail:
            lines.append(cur)
            cur = []
            x = indent
        if ww > avail - x and not cur:
            # a single word longer than the line: let it overflow
            pass
        cur.append((w, b, i, x))
        x += ww + sp
    if cur:
        lines.append(cur)
    return lines


def line_width(line, fam, px):
    if not line:
        return 0
    w, b, i, x = line[-1]
    return x + font(fam, px, b, i).getlength(w) - line[0][3]


# ---------------------------------------------------------------- blocks


class Unit:
    """An unsplittable piece of a flow with a height and a draw function."""

    def __init__(self, h, draw, keep_next=False, gap_before=0.0):
        self.h = h
        self.draw = draw  # draw(page, x0, x1, y) -> None
        self.keep_next = keep_next
        self.gap_before = gap_before


class Block:
    def units(self, page, style, width):
        raise NotImplementedError


class P(Block):
    """A paragraph: runs of text wrapped to the width."""

    def __init__(self, text, align="left", size=1.0, bold=False, italic=False, indent=0.0, first=None,
                 before=None, after=0.0, keep=False, leader=False, family=None, ink=None, fit=False):
        self.fit = fit  # shrink the font so the text stays on one line
        self.runs = runs_of(text, bold, italic)
        self.align = align
        self.size = size
        self.indent = indent  # mm, continuation lines
        self.first = indent if first is None else first  # mm, first line
        self.before = before
        self.after = after
        self.keep = keep
        self.leader = leader  # dotted leader to the end of the last line
        self.family = family
        self.ink = ink

    def units(self, page, style, width):
        fam = self.family or style.family
        px = page.pt(style.size * self.size)
        lines = wrap(words_of(self.runs), width, fam, px, page.mm(self.first), page.mm(self.indent))
        while self.fit and len(lines) > 1 and px > 6:
            px *= 0.94
            lines = wrap(words_of(self.runs), width, fam, px, page.mm(self.first), page.mm(self.indent))
        pitch = page.pt(style.size * self.size) * style.leading
        out = []
        ink = self.ink or style.ink
        before = page.pt(style.para_gap if self.before is None else self.before)
        for k, ln in enumerate(lines):
            last = k == len(lines) - 1

            def d(pg, x0, x1, y, ln=ln, last=last):
                lw = line_width(ln, fam, px)
                start = ln[0][3]
                if self.align == "center":
                    off = (x1 - x0 - lw) / 2 - start
                elif self.align == "right":
                    off = (x1 - x0 - lw) - start
                else:
                    off = 0
                base = y + px * 1.0
                xs = []
                for w, b, i, x in ln:
                    f = font(fam, px, b, i)
                    pg.text(x0 + x + off, base, w, f, ink, record=False)
                    xs.append(x0 + x + off)
                f0 = font(fam, px, ln[0][1], ln[0][2])
                asc, desc = f0.getmetrics()
                text = " ".join(w for w, _, _, _ in ln)
                pg.record(text, [xs[0], base - asc * 0.82, xs[0] + lw, base + desc * 0.6])
                if self.leader and last:
                    dots_to(pg, xs[0] + lw + px * 0.3, x1, base, px)

            out.append(Unit(pitch, d, keep_next=self.keep or (k < len(lines) - 1 and len(lines) <= 2),
                            gap_before=before if k == 0 else 0))
        if out:
            out[-1].h += page.pt(self.after)
        return out


def dots_to(pg, x, x1, base, px):
    step = px * 0.33
    r = max(1, px * 0.035)
    ink = pg.color((60, 60, 60))
    xx = x
    while xx < x1 - step:
        pg.draw.ellipse([xx - r, base - r, xx + r, base + r], fill=ink)
        xx += step


class Leader(Block):
    """An empty form line: a label followed by dots (the dots are graphics)."""

    def __init__(self, label, size=1.0, bold=False):
        self.p = P(label, size=size, bold=bold, leader=True)

    def units(self, page, style, width):
        return self.p.units(page, style, width)


class Row(Block):
    """Pieces of text on one baseline at tab positions (fractions of the width).

    Recorded as one line, the pieces joined by one space."""

    def __init__(self, cells, size=1.0, before=None, after=0.0, keep=False):
        self.cells = [(x, runs_of(t), al) for x, t, al in cells]
        self.size = size
        self.before = before
        self.after = after
        self.keep = keep

    def units(self, page, style, width):
        fam = style.family
        px = page.pt(style.size * self.size)
        # check the pieces fit their columns; otherwise fall back to a paragraph
        xs = [c[0] for c in self.cells] + [1.0]
        for k, (x, runs, al) in enumerate(self.cells):
            wl = sum(font(fam, px, b, i).getlength(t) for t, b, i in runs) + px * 0.3 * len(runs)
            if wl > (xs[k + 1] - x) * width + px * 0.5:
                joined = []
                for _, r, _ in self.cells:
                    joined.extend(r)
                    joined.append((" ", False, False))
                return P(joined, size=self.size, before=self.before, after=self.after, keep=self.keep).units(page, style, width)
        pitch = px * style.leading

        def d(pg, x0, x1, y):
            base = y + px
            texts = []
            box = None
            for k, (x, runs, al) in enumerate(self.cells):
                cx = x0 + x * (x1 - x0)
                ws = words_of(runs)
                wl = 0
                for w, b, i in ws:
                    wl += font(fam, px, b, i).getlength(w + " ")
                wl -= font(fam, px).getlength(" ")
                if al == "center":
                    cx = x0 + (x + xs[k + 1]) / 2 * (x1 - x0) - wl / 2
                elif al == "right":
                    cx = x0 + xs[k + 1] * (x1 - x0) - wl
                xx = cx
                for w, b, i in ws:
                    f = font(fam, px, b, i)
                    pg.text(xx, base, w, f, style.ink, record=False)
                    xx += f.getlength(w + " ")
                texts.append(" ".join(w for w, _, _ in ws))
                asc, desc = font(fam, px).getmetrics()
                bb = [cx, base - asc * 0.82, cx + wl, base + desc * 0.6]
                box = bb if box is None else [min(box[0], bb[0]), min(box[1], bb[1]), max(box[2], bb[2]), max(box[3], bb[3])]
            pg.record(" ".join(t for t in texts if t), box)

        before = page.pt(style.para_gap if self.before is None else self.before)
        return [Unit(pitch + page.pt(self.after), d, keep_next=self.keep, gap_before=before)]


class Space(Block):
    def __init__(self, mm):
        self.mm = mm

    def units(self, page, style, width):
        return [Unit(page.mm(self.mm), lambda *a: None)]


class Rule(Block):
    """A short line under a header block (graphic)."""

    def __init__(self, frac=0.35, align="center", width_pt=0.8, after=1.0):
        self.frac = frac
        self.align = align
        self.wpt = width_pt
        self.after = after

    def units(self, page, style, width):
        def d(pg, x0, x1, y):
            w = (x1 - x0) * self.frac
            if self.align == "center":
                a = x0 + (x1 - x0 - w) / 2
            elif self.align == "left":
                a = x0
            else:
                a = x1 - w
            pg.draw.line([a, y + page.pt(1), a + w, y + page.pt(1)], fill=pg.color(style.ink), width=max(1, int(page.pt(self.wpt))))

        return [Unit(page.pt(2 + self.after), d)]


class Cols(Block):
    """Side-by-side columns laid out independently; read left to right."""

    def __init__(self, cols, after=0.0, keep=False, gap_before=None):
        self.cols = cols  # [(x0_frac, x1_frac, [blocks])]
        self.after = after
        self.keep = keep
        self.gap = gap_before

    def units(self, page, style, width):
        laid = []
        hmax = 0
        for a, b, blocks in self.cols:
            cw = (b - a) * width
            us = []
            for bl in blocks:
                us.extend(bl.units(page, style, cw))
            h = sum(u.h + u.gap_before for u in us)
            hmax = max(hmax, h)
            laid.append((a, b, us))

        def d(pg, x0, x1, y):
            for a, b, us in laid:
                cx0 = x0 + a * (x1 - x0)
                cx1 = x0 + b * (x1 - x0)
                yy = y
                for u in us:
                    yy += u.gap_before
                    u.draw(pg, cx0, cx1, yy)
                    yy += u.h

        return [Unit(hmax + page.mm(self.after), d, keep_next=self.keep,
                     gap_before=page.pt(self.gap) if self.gap is not None else 0)]


class Table(Block):
    """A ruled table; cell text wraps; recorded row by row, cell by cell."""

    def __init__(self, widths, rows, header=1, size=0.92, aligns=None, bold_header=True, pad=1.2,
                 borders=True, x0=0.0, x1=1.0):
        s = sum(widths)
        self.widths = [w / s for w in widths]
        self.rows = rows
        self.header = header
        self.size = size
        self.aligns = aligns or ["left"] * len(widths)
        self.bold_header = bold_header
        self.pad = pad  # mm
        self.borders = borders
        self.x0, self.x1 = x0, x1

    def units(self, page, style, width):
        fam = style.family
        px = page.pt(style.size * self.size)
        pitch = px * style.leading * 0.95
        pad = page.mm(self.pad)
        tw = width * (self.x1 - self.x0)
        out = []
        for ri, row in enumerate(self.rows):
            hdr = ri < self.header
            cells = []
            nlines = 1
            for ci, cell in enumerate(row):
                cw = self.widths[ci] * tw - 2 * pad
                runs = runs_of(cell, bold=hdr and self.bold_header)
                lines = wrap(words_of(runs), cw, fam, px)
                cells.append(lines)
                nlines = max(nlines, len(lines))
            h = nlines * pitch + 2 * pad

            def d(pg, x0, x1, y, cells=cells, h=h, hdr=hdr, ri=ri):
                tx0 = x0 + self.x0 * (x1 - x0)
                xx = tx0
                for ci, lines in enumerate(cells):
                    cw = self.widths[ci] * tw
                    al = "center" if hdr else self.aligns[ci]
                    for k, ln in enumerate(lines):
                        lw = line_width(ln, fam, px)
                        if al == "center":
                            off = (cw - lw) / 2
                        elif al == "right":
                            off = cw - pad - lw
                        else:
                            off = pad
                        base = y + pad + k * pitch + px
                        xs0 = None
                        for w, b, i, x in ln:
                            f = font(fam, px, b, i)
                            pg.text(xx + off + x, base, w, f, style.ink, record=False)
                            xs0 = xx + off if xs0 is None else xs0
                        asc, desc = font(fam, px).getmetrics()
                        pg.record(" ".join(w for w, _, _, _ in ln),
                                  [xx + off, base - asc * 0.82, xx + off + lw, base + desc * 0.6])
                    xx += cw
                if self.borders:
                    lw_ = max(1, int(page.pt(0.6)))
                    ink = pg.color(style.ink)
                    pg.draw.rectangle([tx0, y, tx0 + tw, y + h], outline=ink, width=lw_)
                    xx = tx0
                    for ci in range(len(cells) - 1):
                        xx += self.widths[ci] * tw
                        pg.draw.line([xx, y, xx, y + h], fill=ink, width=lw_)

            out.append(Unit(h, d, keep_next=hdr))
        return out


class Sig(Block):
    """A signature block: title lines, a note, room for the signature, the name."""

    def __init__(self, title, note=None, name=None, pre=(), seal=None, sign=True, gap_mm=20, size=1.0,
                 ink_sig=(25, 45, 140), note_italic=True, name_bold=True):
        self.title = title if isinstance(title, (list, tuple)) else [title]
        self.note = note if (note is None or isinstance(note, (list, tuple))) else [note]
        self.name = name
        self.pre = pre  # lines before the title (e.g. date line)
        self.seal = seal  # ring text or None
        self.sign = sign
        self.gap = gap_mm
        self.size = size
        self.ink_sig = ink_sig
        self.note_italic = note_italic
        self.name_bold = name_bold

    def units(self, page, style, width):
        blocks = []
        for t in self.pre:
            blocks.append(P(t, align="center", italic=True, size=self.size, before=0))
        for t in self.title:
            blocks.append(P(t, align="center", bold=True, size=self.size, before=0))
        for t in self.note or []:
            blocks.append(P(t, align="center", italic=self.note_italic, size=self.size * 0.92, before=0))
        us = []
        for b in blocks:
            us.extend(b.units(page, style, width))
        gap = page.mm(self.gap)
        name_us = P(self.name, align="center", bold=self.name_bold, size=self.size, before=0).units(page, style, width) if self.name else []
        h = sum(u.h + u.gap_before for u in us) + gap + sum(u.h for u in name_us)

        def d(pg, x0, x1, y):
            yy = y
            for u in us:
                yy += u.gap_before
                u.draw(pg, x0, x1, yy)
                yy += u.h
            cx = (x0 + x1) / 2
            if self.sign:
                scribble(pg, cx, yy + gap * 0.5, min(gap * 1.6, (x1 - x0) * 0.5), gap * 0.55, self.ink_sig, pg.rng_for(yy))
            if self.seal:
                r = pg.mm(18)
                sx = cx - (x1 - x0) * 0.18
                sy = yy - pg.mm(2)
                text = self.seal
                pg.late.append(lambda p, sx=sx, sy=sy, r=r, text=text: seal(p, sx, sy, r, text, p.seal_ink))
            yy += gap
            for u in name_us:
                u.draw(pg, x0, x1, yy)
                yy += u.h

        return [Unit(h, d, gap_before=page.pt(style.para_gap))]


class Pic(Block):
    """A picture drawn by a function in a box of w x h mm (aligned in the column)."""

    def __init__(self, w_mm, h_mm, fn, align="center", after=2.0, before=1.0):
        self.w, self.hh = w_mm, h_mm
        self.fn = fn  # fn(page, x, y, w_px, h_px)
        self.align = align
        self.after = after
        self.before = before

    def units(self, page, style, width):
        w = page.mm(self.w)
        h = page.mm(self.hh)

        def d(pg, x0, x1, y):
            if self.align == "center":
                x = x0 + (x1 - x0 - w) / 2
            elif self.align == "left":
                x = x0
            else:
                x = x1 - w
            self.fn(pg, x, y, w, h)

        return [Unit(h + page.mm(self.after), d, gap_before=page.mm(self.before))]


# ---------------------------------------------------------------- graphics


def qr_matrix(data, ec="M"):
    lv = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
          "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}[ec]
    q = qrcode.QRCode(error_correction=lv, box_size=1, border=0)
    q.add_data(data.encode("utf-8"))
    q.make(fit=True)
    return np.array(q.get_matrix(), dtype=bool)


def draw_qr(pg, x, y, size, data, ec="M", quiet=2, record=True, ink=(10, 10, 10)):
    m = qr_matrix(data, ec)
    n = m.shape[0] + 2 * quiet
    mod = size / n
    img = Image.fromarray(np.where(np.pad(m, quiet), 0, 255).astype(np.uint8), "L")
    side = int(round(size))
    img = img.resize((side, side), Image.NEAREST)
    mask = img.point(lambda v: 255 if v < 128 else 0)
    pg.img.paste(pg.color(ink), (int(x), int(y)), mask)
    if record:
        pg.qr.append({"data": data, "bbox": [int(x), int(y), int(x) + side, int(y) + side]})
    return mod


def scribble(pg, cx, cy, w, h, ink, rng):
    """A handwritten-looking signature: a few smooth loops and a flourish."""
    n = rng.integers(2, 5)
    pts = []
    t = np.linspace(0, 1, 140)
    x = cx - w / 2 + w * t
    phase = rng.uniform(0, 6.28)
    freq = rng.uniform(4, 9)
    amp = h * rng.uniform(0.25, 0.45)
    y = cy + amp * np.sin(2 * np.pi * freq * t * 0.5 + phase) * np.exp(-((t - rng.uniform(0.2, 0.5)) ** 2) * 3)
    y += h * 0.15 * np.sin(2 * np.pi * (n + 1) * t)
    x += w * 0.05 * np.cos(2 * np.pi * freq * t)
    pts = list(zip(x.tolist(), y.tolist()))
    width = max(1, int(pg.mm(rng.uniform(0.35, 0.6))))
    col = pg.color(ink)
    pg.draw.line(pts, fill=col, width=width, joint="curve")
    # underline flourish
    fx = cx - w * rng.uniform(0.1, 0.45)
    pg.draw.line([(fx, cy + h * 0.35), (fx + w * rng.uniform(0.4, 0.8), cy + h * rng.uniform(0.15, 0.5))], fill=col, width=width)


def seal(pg, cx, cy, r, text, ink):
    """A round stamp: two rings, ring text, a star; blended over what is printed."""
    d = int(2 * r + 4)
    m = Image.new("L", (d, d), 0)
    dr = ImageDraw.Draw(m)
    c = d / 2
    lw = max(2, int(r * 0.05))
    dr.ellipse([c - r, c - r, c + r, c + r], outline=255, width=lw)
    ri = r * 0.66
    dr.ellipse([c - ri, c - ri, c + ri, c + ri], outline=255, width=max(1, lw // 2))
    # star
    pts = []
    rs = ri * 0.5
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = rs if k % 2 == 0 else rs * 0.4
        pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
    dr.polygon(pts, fill=255)
    # ring text, characters rotated along the ring
    f = font("DejaVu Sans", r * 0.2, bold=True)
    chars = list(nfc(text))
    rt = (r + ri) / 2
    delta = math.pi * 0.12
    span = 2 * math.pi - 2 * delta
    for k, ch in enumerate(chars):
        # from bottom-left, clockwise over the top, to bottom-right; letters face outwards
        a = math.pi / 2 + delta + span * (k + 0.5) / len(chars)
        ci = Image.new("L", (int(r * 0.4), int(r * 0.4)), 0)
        ImageDraw.Draw(ci).text((ci.width / 2, ci.height / 2), ch, font=f, fill=255, anchor="mm")
        ci = ci.rotate(-math.degrees(a + math.pi / 2), resample=Image.BICUBIC)
        px_ = c + rt * math.cos(a) - ci.width / 2
        py_ = c + rt * math.sin(a) - ci.height / 2
        m.paste(255, (int(px_), int(py_)), ci)
    # uneven ink
    rng = pg.rng_for(cx + cy)
    noise = rng.random((d, d))
    a = np.asarray(m, dtype=np.float32) / 255.0
    a *= np.clip(0.55 + 0.6 * noise, 0, 1)
    a *= rng.uniform(0.55, 0.9)
    blend_ink(pg, int(cx - c), int(cy - c), a, ink)
    pg.seals.append({"text": text, "bbox": [int(cx - r), int(cy - r), int(cx + r), int(cy + r)]})


def blend_ink(pg, x, y, alpha, ink):
    """Multiply-blend a coloured ink with coverage `alpha` (2-D float array) at (x, y)."""
    h, w = alpha.shape
    X0, Y0 = max(0, x), max(0, y)
    X1, Y1 = min(pg.w, x + w), min(pg.h, y + h)
    if X1 <= X0 or Y1 <= Y0:
        return
    a = alpha[Y0 - y:Y1 - y, X0 - x:X1 - x]
    box = (X0, Y0, X1, Y1)
    region = np.asarray(pg.img.crop(box), dtype=np.float32)
    if pg.mode == "L":
        k = pg.color(ink) / 255.0
        region = region * (1 - a * (1 - k))
    else:
        k = np.array(ink, dtype=np.float32) / 255.0
        region = region * (1 - a[..., None] * (1 - k[None, None, :]))
    pg.img.paste(Image.fromarray(np.clip(region, 0, 255).astype(np.uint8), pg.mode), box)


def emblem(pg, cx, cy, r, ink=(180, 40, 40)):
    """The national emblem, reduced to a circle with a star (graphic)."""
    col = pg.color(ink)
    pg.draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=col, width=max(1, int(r * 0.08)))
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = r * 0.55 if k % 2 == 0 else r * 0.22
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    pg.draw.polygon(pts, fill=pg.color((200, 160, 40)) if pg.mode == "RGB" else col)


def guilloche(pg, x, y, w, h, ink=(200, 200, 200), n=14, rng=None):
    col = pg.color(ink)
    t = np.linspace(0, 1, 200)
    for k in range(n):
        yy = y + h * (k + 0.5) / n + h / n * 0.6 * np.sin(2 * np.pi * (3 * t + k * 0.13))
        pg.draw.line(list(zip((x + w * t).tolist(), yy.tolist())), fill=col, width=1)


def silhouette(pg, x, y, w, h, ink=(150, 150, 150)):
    pg.draw.rectangle([x, y, x + w, y + h], fill=pg.color((225, 225, 228)))
    col = pg.color(ink)
    pg.draw.ellipse([x + w * 0.3, y + h * 0.12, x + w * 0.7, y + h * 0.52], fill=col)
    pg.draw.pieslice([x + w * 0.08, y + h * 0.55, x + w * 0.92, y + h * 1.4], 180, 360, fill=col)


# ---------------------------------------------------------------- flow


def layout(blocks, style, dpi, mode, rng, size_mm=(210, 297), paper=255, seal_ink=(200, 35, 45),
           decorate=None, max_pages=4):
    """Flow blocks onto upright pages; returns finished Page objects."""
    top, bottom, left, right = style.margins
    pages = []

    def new_page():
        pg = Page(dpi, size_mm, mode, paper)
        pg.rng = rng
        pg.rng_for = lambda v, r=rng: np.random.default_rng(int(abs(v) * 1000) % (2 ** 31) + int(r.integers(0, 2 ** 31)))
        pg.seal_ink = seal_ink
        if decorate:
            decorate(pg, len(pages))
        pages.append(pg)
        return pg

    pg = new_page()
    x0 = pg.mm(left)
    x1 = pg.w - pg.mm(right)
    ytop = pg.mm(top)
    ybot = pg.h - pg.mm(bottom)
    width = x1 - x0
    units = []
    for b in blocks:
        if b == "PAGEBREAK":
            units.append("PAGEBREAK")
            continue
        units.extend(b.units(pg, style, width))
    y = ytop
    i = 0
    while i < len(units):
        u = units[i]
        if u == "PAGEBREAK":
            pg = new_page()
            y = ytop
            i += 1
            continue
        # keep-with-next chains move together
        need = u.gap_before + u.h
        j = i
        while units[j] != "PAGEBREAK" and units[j].keep_next and j + 1 < len(units) and units[j + 1] != "PAGEBREAK" and need < (ybot - ytop) * 0.5:
            j += 1
            need += units[j].gap_before + units[j].h
        if y + need > ybot and y > ytop + 1 and len(pages) < max_pages:
            pg = new_page()
            y = ytop
        y += u.gap_before if y > ytop else 0
        u.draw(pg, x0, x1, y)
        y += u.h
        i += 1
    for p in pages:
        p.finish()
    return pages
