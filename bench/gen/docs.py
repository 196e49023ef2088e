"""Document templates: what each type prints, in several real wordings.

Each `make_*` function returns a `Doc`: the blocks to print, the print style,
the printed title, the truth `key_fields`, and `source` (where the wording
comes from). Wording sources are listed in README.md; in short:

* receipt: TT 01/2018/TT-VPCP, Mẫu số 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết
  quả); other receipt layouts are approximations of receipts printed by
  provincial one-stop systems and land registration offices (marked so).
* civil status (tờ khai, giấy khai sinh, trích lục, xác nhận tình trạng hôn
  nhân): TT 04/2020/TT-BTP forms.
* land: NĐ 101/2024/NĐ-CP forms (Mẫu 04/ĐK, 11/ĐK), TT 10/2024/TT-BTNMT and TT
  23/2014/TT-BTNMT certificates; contract: the usual notarised contract.
* id cards: CCCD (TT 06/2021/TT-BCA and the 2016 card) and the 2024 Căn cước
  (Luật Căn cước 2023, TT 16/2024/TT-BCA).
* business: TT 02/2023/TT-BKHĐT Phụ lục III-1 / TT 01/2021/TT-BKHĐT.
* construction: NĐ 15/2021/NĐ-CP Phụ lục II Mẫu số 01.
Where the exact wording could not be checked against the published text it
is written from memory of the template and the doc's `source` says so.
"""
import datetime as dt
import math

import numpy as np

from . import data as D
from .render import (P, Row, Space, Rule, Cols, Table, Sig, Pic, Style, SERIF, SANS, font, draw_qr,
                     emblem, guilloche, silhouette, seal, blend_ink, nfc, scribble)

NAT = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM")
MOTTO = ("Độc lập - Tự do - Hạnh phúc", "Độc lập – Tự do – Hạnh phúc")


class Doc:
    def __init__(self, type_, variant, title, blocks, style, key_fields, source, size_mm=(210, 297),
                 decorate=None, post=None, qr_damage=None, max_pages=4):
        self.type = type_
        self.variant = variant
        self.title = title
        self.blocks = blocks
        self.style = style
        self.key_fields = key_fields
        self.source = source
        self.size_mm = size_mm
        self.decorate = decorate
        self.post = post  # post(page_list, rng) after layout (QR damage etc.)
        self.max_pages = max_pages


# ---------------------------------------------------------------- helpers


def pick_style(r, serif_p=0.82, size=(12.0, 14.0), leading=(1.22, 1.5)):
    fam = r.choice(SERIF) if r.random() < serif_p else r.choice(SANS)
    if fam in SERIF and r.random() < 0.55:
        fam = "Liberation Serif" if r.random() < 0.7 else "TeX Gyre Termes"  # Times-like, the usual office font
    return Style(family=fam, size=round(r.uniform(*size), 1), leading=r.uniform(*leading),
                 margins=(r.uniform(13, 25), r.uniform(13, 22), r.uniform(20, 33), r.uniform(13, 20)),
                 para_gap=r.uniform(0.5, 4.0))


def date_line(place, d, r, prefix=""):
    if r.random() < 0.5:
        day = f"{d.day:02d}"
        mon = f"{d.month:02d}"
    else:
        # NĐ 30/2020: days below 10 and months 1, 2 are written with a leading zero
        day = f"{d.day:02d}" if d.day < 10 else str(d.day)
        mon = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{prefix}{place}, ngày {day} tháng {mon} năm {d.year}"


def nat_lines(r):
    return r.choice(NAT), r.choice(MOTTO) if r.random() < 0.4 else MOTTO[0]


def header(r, left=None, right_extra=(), layout=None, form_code=None):
    """National header with an optional agency block; returns blocks.

    layout: 'two' (agency left, national right), 'center' (national centred),
    'left' (national left, date / form code right)."""
    nat, motto = nat_lines(r)
    layout = layout or ("two" if left else r.choice(["center", "center", "left"]))
    blocks = []
    if form_code and layout != "left":
        blocks.append(P(form_code, align="right", italic=r.random() < 0.5, size=0.85, bold=r.random() < 0.4))
    natb = [P(nat, align="center", bold=True, size=r.uniform(0.88, 1.0), before=0, fit=True),
            P(motto, align="center", bold=True, size=r.uniform(0.95, 1.05), before=0, fit=True), Rule(r.uniform(0.45, 0.6))]
    natb += [P(t, align="center", italic=True, before=1) for t in right_extra]
    if layout == "two":
        lb = [P(t, align="center", bold=(k > 0 or r.random() < 0.4), size=r.uniform(0.9, 1.0), before=0, fit=len(t) < 40)
              for k, t in enumerate(left)]
        lb.append(Rule(r.uniform(0.25, 0.4)))
        split = r.uniform(0.36, 0.44)
        blocks.append(Cols([(0.0, split, lb), (split - 0.02, 1.0, natb)], after=r.uniform(2, 8)))
    elif layout == "left":
        rb = []
        if form_code:
            rb.append(P(form_code, align="right", italic=True, size=0.85))
        blocks.append(Cols([(0.0, 0.66, natb), (0.68, 1.0, rb)], after=r.uniform(2, 6)))
    else:
        blocks.extend(natb)
        blocks.append(Space(r.uniform(2, 8)))
    return blocks


def title(r, lines, size=(13.5, 16.5), sentence_p=0.0, after=(2, 7)):
    """Title blocks and the title as printed (lines joined by a space)."""
    if r.random() < sentence_p:
        joined = D.sentence_case(" ".join(lines))
        lines = [joined]
    sz = r.uniform(*size) / 13.0
    bl = [P(t, align="center", bold=True, size=sz, before=0, keep=True) for t in lines]
    bl[0].before = r.uniform(3, 10)
    bl.append(Space(r.uniform(*after)))
    # the truth title: the heading lines as printed, joined
    return bl, " ".join(lines)


def break_title(r, t, splits, p=0.5):
    """Optionally break a long title at one of the given split points."""
    if r.random() < p and splits:
        s = r.choice(splits)
        i = t.find(s)
        if i > 0:
            return [t[:i].rstrip(" ,"), t[i:].strip()] if not t[:i].rstrip().endswith(",") else [t[:i].strip(), t[i:].strip()]
    return [t]


def field(label, value, r=None, bold_value=False, caps=False):
    v = D.upper_vi(value) if caps else value
    return P([(label + " ", False), (v, bold_value)])


def pick(r, items):
    return r.choice(items)


def official(ctx):
    return ctx.people.name(ctx.r.choice(["Nam", "Nữ"]))


def ubnd_lines(r, ward, dist, prov, level="xa", short=False):
    """'ỦY BAN NHÂN DÂN / PHƯỜNG X' style agency lines."""
    ub = r.choice(["ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN"]) if not short else "UBND"
    if level == "xa":
        return [ub, D.upper_vi(ward)] if r.random() < 0.6 else [f"UBND {D.upper_vi(dist)}", D.upper_vi(f"UBND {ward}")]
    if level == "huyen":
        return [ub, D.upper_vi(dist)]
    return [ub, D.upper_vi(prov[0])]


def seal_text(agency, place):
    return D.upper_vi(f"{agency} {place}")


def cert_blocks(ctx, place, d):
    """'Chứng thực bản sao đúng với bản chính' block (NĐ 23/2015/NĐ-CP style)."""
    r = ctx.r
    ward, dist, prov = ctx.case["ward"], ctx.case["dist"], ctx.case["prov"]
    signer = official(ctx)
    book = f"{r.randint(1, 12):02d}/{d.year}-SCT/BS"
    bl = [Space(r.uniform(4, 14)),
          P("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", bold=True, align=r.choice(["left", "center"]), keep=True),
          P(f"Số chứng thực: {r.randint(1, 900)}  Quyển số: {book}", align=r.choice(["left", "center"]), before=0, keep=True)]
    sig = Sig(title=[r.choice(["KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"]), r.choice(["PHÓ CHỦ TỊCH", "CHỦ TỊCH"])],
              pre=[date_line(ctx.case["place"], d, r, prefix="")] if r.random() < 0.5 else [f"Ngày {d.day:02d} tháng {d.month} năm {d.year}"],
              name=signer, seal=seal_text("ỦY BAN NHÂN DÂN", D.upper_vi(ward) + " * " + D.upper_vi(dist.split(" ", 1)[1])), gap_mm=r.uniform(16, 24))
    bl.append(Cols([(0.0, 0.55, [sig])]))
    return bl


def kinship(r, role):
    return role


# ---------------------------------------------------------------- receipt


def make_receipt(ctx):
    r = ctx.r
    c = ctx.case
    code = c["code"]
    st = pick_style(r, size=(11.0, 13.0), leading=(1.18, 1.4))
    land_case = c["field"] == "Đất đai"
    v = r.choices(["tt01", "portal", "land", "biennhan"], weights=[50, 25, 25 if land_case else 0, 8])[0]
    label = r.choices(["Mã hồ sơ:", "Mã số hồ sơ:", "Số hồ sơ:"], weights=[60, 25, 15])[0]
    submitter = c["submitter"]
    hon = D.ohonorific(submitter)
    blocks = []
    qr_pos = r.choices(["top_left", "top_right", "title_right", "bottom", "none"], weights=[30, 20, 20, 10, 20])[0]
    if v == "biennhan":
        qr_pos = r.choice(["none", "top_right"])
    received, due = c["received"], c["due"]
    place = c["place"]
    # what the QR holds: the code itself, or (own approximation of some portals) a look-up URL carrying it
    qr_data = code if r.random() < 0.85 else f"https://dichvucong.{D.ascii_slug(c['prov'][2])}.gov.vn/tra-cuu-ho-so?maHoSo={code}"
    if qr_pos == "top_left":
        blocks.append(Pic(r.uniform(16, 24), r.uniform(16, 24), lambda pg, x, y, w, h: draw_qr(pg, x, y, min(w, h), qr_data, ec=r.choice("LMQ")),
                          align="left", before=0, after=1))
    left = c["agency_lines"]
    blocks += header(r, left=left, right_extra=[date_line(place, received, r)] if r.random() < 0.8 else [], layout="two")
    if v == "tt01":
        t = r.choice(["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"] * 4 + ["PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"])
        src = "TT 01/2018/TT-VPCP Mẫu số 01 (labels 'Mã số hồ sơ'/'Số hồ sơ' and the 'PHIẾU' title are variants seen in provincial systems; approximation)"
    elif v == "portal":
        t = r.choice(["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"])
        src = "own approximation of a receipt printed by a provincial one-stop information system (title of TT 01/2018/TT-VPCP Mẫu số 01)"
    elif v == "land":
        t = r.choice(["PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"])
        src = "own approximation of a land registration office receipt (title of TT 01/2018/TT-VPCP Mẫu số 01)"
    else:
        t = r.choice(["BIÊN NHẬN HỒ SƠ", "GIẤY BIÊN NHẬN HỒ SƠ"])
        src = "own approximation of older local receipts ('biên nhận hồ sơ'), not a TT 01/2018 wording"
    lines = break_title(r, t, ["VÀ HẸN"], p=0.3)
    tb, ttl = title(r, lines, size=(13, 16), sentence_p=0.18 if v != "biennhan" else 0.0, after=(0.5, 2))
    blocks += tb
    code_line = P([(label + " ", False), (code, True)], align=r.choice(["center", "center", "left"]), before=0)
    if qr_pos == "title_right":
        qsize = r.uniform(17, 24)
        blocks.append(Cols([(0.0, 0.78, [code_line]),
                            (0.8, 1.0, [Pic(qsize, qsize, lambda pg, x, y, w, h: draw_qr(pg, x, y, min(w, h), qr_data, ec=r.choice("LMQ")), align="right", before=0)])]))
    else:
        blocks.append(code_line)
    if r.random() < 0.6 and v in ("tt01", "land"):
        blocks.append(P(r.choice(["(Liên: Giao khách hàng)", "(Liên: Lưu)", "(Liên 1: Giao khách hàng)", "(Liên: Lưu/giao khách hàng)"]),
                        align="center", italic=True, before=0))
    blocks.append(Space(r.uniform(1, 5)))
    docs = c["receipt_items"]
    if v in ("tt01", "land"):
        if r.random() < 0.6:
            blocks.append(P(c["agency"]))
            blocks.append(P([("Tiếp nhận hồ sơ của: ", False), (f"{hon} {submitter['full_name']}", True)]))
        else:
            blocks.append(P([(f"{c['agency']} tiếp nhận hồ sơ của: ", False), (f"{hon} {submitter['full_name']}", True)]))
        if r.random() < 0.5:
            blocks.append(P(f"Số định danh cá nhân: {submitter['id_number']}"))
        blocks.append(P(f"Địa chỉ: {submitter['address']}"))
        if r.random() < 0.5:
            blocks.append(Row([(0, f"Số điện thoại: {submitter['phone']}", "left"), (0.5, "Email:", "left")]))
        else:
            blocks.append(P(f"Số điện thoại: {submitter['phone']}"))
        blocks.append(P(f"Nội dung yêu cầu giải quyết: {c['procedure']}"))
        blocks.append(P("1. Thành phần hồ sơ nộp gồm:"))
        if r.random() < 0.75:
            rows = [["TT", "Tên giấy tờ", "Hình thức (bản chính, bản sao hoặc bản chụp)", "Số lượng"]]
            for k, (name, form, n) in enumerate(docs, 1):
                rows.append([str(k), name, form, f"{n:02d}"])
            blocks.append(Table([0.08, 0.5, 0.28, 0.14], rows, aligns=["center", "left", "left", "center"], size=r.uniform(0.88, 0.97)))
        else:
            for k, (name, form, n) in enumerate(docs, 1):
                blocks.append(P(f"{k}. {name} ({form}: {n:02d})", indent=5, first=5, before=0))
        blocks.append(P("2. Số lượng hồ sơ: 01 (bộ)"))
        blocks.append(P(f"3. Thời gian giải quyết hồ sơ theo quy định là: {c['days']:02d} ngày làm việc"))
        blocks.append(P(f"4. Thời gian nhận hồ sơ: {c['recv_time'][0]:02d} giờ {c['recv_time'][1]:02d} phút, ngày {D.ddmmyyyy(received)}"))
        blocks.append(P(f"5. Thời gian trả kết quả giải quyết hồ sơ: {r.choice([8, 9, 10, 14, 15]):02d} giờ {r.choice([0, 30]):02d} phút, ngày {D.ddmmyyyy(due)}"))
        blocks.append(P(f"6. Đăng ký nhận kết quả tại: {r.choice([c['agency'], 'Qua dịch vụ bưu chính công ích', 'Nhận trực tiếp tại ' + c['agency']])}"))
        blocks.append(P(f"Vào Sổ theo dõi hồ sơ, Quyển số: {r.randint(1, 12):02d}, Số thứ tự: {code[-4:]}"))
    elif v == "portal":
        blocks.append(Row([(0, [("Người nộp: ", False), (submitter["full_name"], True)], "left"),
                           (0.58, f"Điện thoại: {submitter['phone']}", "left")]))
        blocks.append(P(f"Số CCCD/Số định danh: {submitter['id_number']}"))
        blocks.append(P(f"Địa chỉ: {submitter['address']}"))
        if c.get("applicant") is not submitter:
            blocks.append(P(f"Chủ hồ sơ: {c['applicant']['full_name']}"))
        blocks.append(P(f"Lĩnh vực: {c['field']}"))
        blocks.append(P(f"Thủ tục: {c['procedure']}"))
        blocks.append(P("Giấy tờ kèm theo:", bold=True))
        for k, (name, form, n) in enumerate(docs, 1):
            blocks.append(P(f"{k}. {name} - {form}: {n:02d}", indent=6, first=3, before=0))
        blocks.append(Row([(0, f"Ngày nhận: {D.ddmmyyyy(received)} {c['recv_time'][0]:02d}:{c['recv_time'][1]:02d}", "left"),
                           (0.5, f"Ngày hẹn trả: {D.ddmmyyyy(due)}", "left")]))
        blocks.append(P(f"Hình thức nhận kết quả: {r.choice(['Trực tiếp', 'Qua bưu chính', 'Trực tuyến'])}"))
        blocks.append(P("Tra cứu tình trạng hồ sơ tại: dichvucong.gov.vn", italic=True))
    else:  # biennhan
        blocks.append(P([("Họ tên người nộp: ", False), (submitter["full_name"], True)]))
        blocks.append(P(f"Địa chỉ: {submitter['address']}"))
        blocks.append(P(f"Loại hồ sơ: {c['procedure']}"))
        blocks.append(P("Gồm có:"))
        for k, (name, form, n) in enumerate(docs, 1):
            blocks.append(P(f"- {name}: {n:02d} {form.lower()}", indent=5, first=5, before=0))
        blocks.append(P(f"Ngày nhận hồ sơ: {D.ddmmyyyy(received)}"))
        blocks.append(P(f"Ngày hẹn trả kết quả: {D.ddmmyyyy(due)}"))
    receiver = official(ctx)
    sigs = [Sig("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", submitter["full_name"], gap_mm=r.uniform(14, 22)),
            Sig(r.choice(["NGƯỜI TIẾP NHẬN HỒ SƠ", "CÁN BỘ TIẾP NHẬN", "NGƯỜI NHẬN HỒ SƠ"]), "(Ký và ghi rõ họ tên)", receiver,
                gap_mm=r.uniform(14, 22), seal=None)]
    if r.random() < 0.15:
        sigs = sigs[::-1]
    blocks.append(Cols([(0.0, 0.48, [sigs[0]]), (0.52, 1.0, [sigs[1]])], gap_before=4))
    if qr_pos == "bottom":
        blocks.append(Pic(r.uniform(16, 22), r.uniform(16, 22), lambda pg, x, y, w, h: draw_qr(pg, x, y, min(w, h), qr_data, ec="M"), align=r.choice(["left", "right"])))
    damage = None
    if qr_pos != "none" and r.random() < 0.4:
        damage = r.choice(["stamp", "fold", "stain", "torn"])

    def post(pages, nrng):
        for pg in pages:
            for q in pg.qr:
                if damage:
                    q["damaged"] = damage
                    damage_qr(pg, q, damage, nrng, c)

    kf = {"case_code": code, "full_name": submitter["full_name"], "received_date": D.ddmmyyyy(received), "due_date": D.ddmmyyyy(due)}
    d = Doc("receipt", v, ttl, blocks, st, kf, src, post=post, max_pages=2)
    d.qr_pos = qr_pos
    d.qr_damage = damage
    d.qr_data = qr_data if qr_pos != "none" else None
    d.code_label = label
    return d


def damage_qr(pg, q, kind, nrng, c):
    x0, y0, x1, y1 = q["bbox"]
    w = x1 - x0
    if kind == "stamp":
        rr = w * nrng.uniform(0.7, 1.0)
        seal(pg, x0 + w * nrng.uniform(0.3, 0.8), y0 + w * nrng.uniform(0.3, 0.8), rr,
             D.upper_vi(c["agency_lines"][-1])[:40], pg.seal_ink)
    elif kind == "fold":
        # a fold crease across the code: a light band and a dark line
        horizontal = nrng.random() < 0.5
        pos = (y0 if horizontal else x0) + w * nrng.uniform(0.3, 0.7)
        band = max(2, int(w * 0.05))
        if horizontal:
            pg.draw.rectangle([0, pos - band, pg.w, pos + band], fill=pg.color((235, 235, 235)))
            pg.draw.line([0, pos, pg.w, pos + nrng.uniform(-3, 3)], fill=pg.color((90, 90, 90)), width=max(1, band // 3))
        else:
            pg.draw.rectangle([pos - band, 0, pos + band, pg.h], fill=pg.color((235, 235, 235)))
            pg.draw.line([pos, 0, pos + nrng.uniform(-3, 3), pg.h], fill=pg.color((90, 90, 90)), width=max(1, band // 3))
    elif kind == "stain":
        s = int(w * nrng.uniform(0.5, 0.9))
        yy, xx = np.mgrid[0:s, 0:s]
        cxy = s / 2
        rad = np.hypot(yy - cxy, xx - cxy) / cxy
        alpha = np.clip(1.0 - rad ** 2, 0, 1) * nrng.uniform(0.4, 0.7)
        alpha *= 0.7 + 0.3 * nrng.random((s, s))
        blend_ink(pg, int(x0 + w * nrng.uniform(0, 0.5)), int(y0 + w * nrng.uniform(0, 0.5)), alpha.astype(np.float32), (120, 90, 50))
    elif kind == "torn":
        # a corner of the code is missing (torn or cut off)
        cut = w * nrng.uniform(0.25, 0.45)
        if nrng.random() < 0.5:
            pg.draw.polygon([(x0 - 2, y0 - 2), (x0 + cut * 1.3, y0 - 2), (x0 - 2, y0 + cut * 1.3)], fill=pg.color((250, 250, 250)))
        else:
            pg.draw.polygon([(x1 + 2, y1 + 2), (x1 - cut * 1.3, y1 + 2), (x1 + 2, y1 - cut * 1.3)], fill=pg.color((250, 250, 250)))


# ---------------------------------------------------------------- civil status forms (TT 04/2020/TT-BTP)


def gt_line(p):
    return f"Căn cước công dân số {p['id_number']}, cấp ngày {D.ddmmyyyy(p['id_issued'])}, nơi cấp: {D.ISSUERS_CCCD[0]}"


def tinh_dinh(r, p):
    if r.random() < 0.5:
        return f"Giấy tờ tùy thân: {gt_line(p)}"
    return f"Số định danh cá nhân: {p['id_number']}"


def kinh_gui(ctx, level="xa"):
    c = ctx.case
    w, d, pv = c["ward"], c["dist"], c["prov"]
    if c["received"] >= dt.date(2025, 7, 1):
        return f"Kính gửi: Ủy ban nhân dân {w[0].lower() + w[1:]}, {pv[0][0].lower() + pv[0][1:]}"
    return f"Kính gửi: Ủy ban nhân dân {w[0].lower() + w[1:]}, {d[0].lower() + d[1:]}, {pv[0][0].lower() + pv[0][1:]}"


def make_app_birth(ctx, rereg=False):
    r = ctx.r
    c = ctx.case
    child = c["child"]
    mother, father = c["mother"], c["father"]
    req = c["applicant"]
    st = pick_style(r)
    code = r.choice([None, None, "Mẫu TP/HT-2020-KS.2" if rereg else None])
    bl = header(r, layout=r.choice(["center", "center", "left"]), form_code=code)
    t = "TỜ KHAI ĐĂNG KÝ LẠI KHAI SINH" if rereg else "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    tb, ttl = title(r, [t], sentence_p=0.04)
    bl += tb
    caps = r.random() < 0.6
    bl.append(P(kinh_gui(ctx), first=10 if r.random() < 0.5 else 0))
    bl.append(field("Họ, chữ đệm, tên người yêu cầu:", req["full_name"], caps=caps))
    bl.append(P(f"Nơi cư trú: {req['address']}"))
    bl.append(P(tinh_dinh(r, req)))
    rel = "Mẹ" if req is mother else ("Cha" if req is father else "Bản thân")
    bl.append(P(f"Quan hệ với người được {'đăng ký lại khai sinh' if rereg else 'khai sinh'}: {rel}"))
    bl.append(P(f"Đề nghị cơ quan {'đăng ký lại khai sinh' if rereg else 'đăng ký khai sinh'} cho người có tên dưới đây:" if rereg
                else "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"))
    bl.append(field("Họ, chữ đệm, tên:", child["full_name"], caps=caps, bold_value=r.random() < 0.5))
    dob = D.ddmmyyyy(child["dob"])
    if r.random() < 0.5:
        bl.append(P(f"Ngày, tháng, năm sinh: {dob} ghi bằng chữ: {D.date_words(child['dob'])}"))
    else:
        bl.append(P(f"Ngày, tháng, năm sinh: {dob}"))
        bl.append(P(f"ghi bằng chữ: {D.date_words(child['dob'])}"))
    bl.append(Row([(0, f"Giới tính: {child['sex']}", "left"), (0.3, f"Dân tộc: {child['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
    bl.append(P(f"Nơi sinh: {c['birth_place']}"))
    bl.append(P(f"Quê quán: {c['home_town']}"))
    child_id = rereg and r.random() < 0.6
    if child_id:
        bl.append(P(f"Số định danh cá nhân: {child['id_number']}"))
    for role, p in (("mẹ", mother), ("cha", father)):
        if p is None:
            continue
        bl.append(field(f"Họ, chữ đệm, tên người {role}:", p["full_name"], caps=caps))
        bl.append(Row([(0, f"Năm sinh: {p['dob'].year}", "left"), (0.3, f"Dân tộc: {p['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
        bl.append(P(f"Nơi cư trú: {p['address']}"))
    if rereg:
        bl.append(P(f"Đã đăng ký khai sinh tại: {c['birth_reg_place']} ngày {D.ddmmyyyy(c['birth_reg_date'])}"))
    bl.append(P("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.", first=8))
    bl.append(Cols([(0.38, 1.0, [Sig("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", req["full_name"],
                                      pre=[date_line("Làm tại: " + c["place"], c["form_date"], r)], gap_mm=r.uniform(14, 22), name_bold=r.random() < 0.5)])]))
    persons = [{"role": "requester", "full_name": req["full_name"], "id_number": req["id_number"], "date_of_birth": D.ddmmyyyy(req["dob"])},
               {"role": "mother", "full_name": mother["full_name"], "birth_year": str(mother["dob"].year)}]
    if father:
        persons.append({"role": "father", "full_name": father["full_name"], "birth_year": str(father["dob"].year)})
    kf = {"full_name": child["full_name"], "date_of_birth": dob, "sex": child["sex"], "persons": persons}
    if child_id:
        kf["id_number"] = child["id_number"]
    src = ("TT 04/2020/TT-BTP tờ khai đăng ký lại khai sinh (labels as in the shared samples; form code from the samples)" if rereg
           else "TT 04/2020/TT-BTP tờ khai đăng ký khai sinh (labels checked against luatsutran.vn/to-khai-dang-ky-khai-sinh)")
    return Doc("application_form", "birth_rereg" if rereg else "birth", ttl, bl, st, kf, src)


def make_app_marital(ctx):
    r = ctx.r
    c = ctx.case
    p = c["applicant"]
    st = pick_style(r)
    bl = header(r, layout=r.choice(["center", "left"]))
    tb, ttl = title(r, break_title(r, "TỜ KHAI CẤP GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", ["GIẤY XÁC NHẬN"], p=0.4), sentence_p=0.04)
    bl += tb
    caps = r.random() < 0.6
    bl.append(P(kinh_gui(ctx)))
    bl.append(field("Họ, chữ đệm, tên người yêu cầu:", p["full_name"], caps=caps))
    bl.append(P(f"Nơi cư trú: {p['address']}"))
    bl.append(P(tinh_dinh(r, p)))
    bl.append(P("Quan hệ với người được cấp Giấy xác nhận tình trạng hôn nhân: Bản thân"))
    bl.append(P("Đề nghị cấp Giấy xác nhận tình trạng hôn nhân cho người có tên dưới đây:"))
    bl.append(field("Họ, chữ đệm, tên:", p["full_name"], caps=caps, bold_value=True))
    bl.append(P(f"Ngày, tháng, năm sinh: {D.ddmmyyyy(p['dob'])}"))
    bl.append(Row([(0, f"Giới tính: {p['sex']}", "left"), (0.3, f"Dân tộc: {p['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
    bl.append(P(f"Nơi cư trú: {p['address']}"))
    bl.append(P(tinh_dinh(r, p)))
    bl.append(P(f"Tình trạng hôn nhân: {r.choice(['Chưa đăng ký kết hôn với ai', 'Đã đăng ký kết hôn nhưng đã ly hôn', 'Hiện tại chưa đăng ký kết hôn với ai'])}"))
    bl.append(P(f"Mục đích sử dụng Giấy xác nhận tình trạng hôn nhân: {c['marital_purpose']}"))
    bl.append(P("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.", first=8))
    bl.append(Cols([(0.38, 1.0, [Sig("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", p["full_name"],
                                      pre=[date_line("Làm tại: " + c["place"], c["form_date"], r)], gap_mm=r.uniform(14, 22))])]))
    kf = {"full_name": p["full_name"], "id_number": p["id_number"], "date_of_birth": D.ddmmyyyy(p["dob"]),
          "persons": [{"role": "requester", "full_name": p["full_name"], "id_number": p["id_number"], "date_of_birth": D.ddmmyyyy(p["dob"])}]}
    return Doc("application_form", "marital", ttl, bl, st, kf,
               "TT 04/2020/TT-BTP tờ khai cấp Giấy xác nhận tình trạng hôn nhân (labels as in TT 04/2020 tờ khai family; from memory)")


def make_app_marriage(ctx):
    r = ctx.r
    c = ctx.case
    wife, husband = c["wife"], c["husband"]
    st = pick_style(r, size=(11.5, 13.0))
    bl = header(r, layout="center")
    tb, ttl = title(r, ["TỜ KHAI ĐĂNG KÝ KẾT HÔN"])
    bl += tb
    bl.append(P(kinh_gui(ctx), align="center"))
    rows = [["Thông tin", "Bên nữ", "Bên nam"]]
    for lab, f in (("Họ, chữ đệm, tên", lambda p: D.upper_vi(p["full_name"])),
                   ("Ngày, tháng, năm sinh", lambda p: D.ddmmyyyy(p["dob"])),
                   ("Dân tộc", lambda p: p["ethnic"]),
                   ("Quốc tịch", lambda p: "Việt Nam"),
                   ("Nơi cư trú", lambda p: p["address"]),
                   ("Giấy tờ tùy thân", lambda p: f"CCCD số {p['id_number']}"),
                   ("Kết hôn lần thứ mấy", lambda p: "Lần đầu")):
        rows.append([lab, f(wife), f(husband)])
    bl.append(Table([0.26, 0.37, 0.37], rows, size=r.uniform(0.88, 0.97)))
    bl.append(P("Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của chúng tôi là tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình Việt Nam.", first=8))
    bl.append(P("Chúng tôi chịu trách nhiệm trước pháp luật về cam đoan của mình.", first=8))
    bl.append(P(date_line("Làm tại: " + c["place"], c["form_date"], r), align="right", italic=True))
    bl.append(Cols([(0.0, 0.5, [Sig("Bên nữ", "(Ký, ghi rõ họ, chữ đệm, tên)", wife["full_name"], gap_mm=18)]),
                    (0.5, 1.0, [Sig("Bên nam", "(Ký, ghi rõ họ, chữ đệm, tên)", husband["full_name"], gap_mm=18)])]))
    main = c["applicant"]
    kf = {"full_name": main["full_name"], "id_number": main["id_number"], "date_of_birth": D.ddmmyyyy(main["dob"]),
          "persons": [{"role": "wife", "full_name": wife["full_name"], "id_number": wife["id_number"], "date_of_birth": D.ddmmyyyy(wife["dob"])},
                      {"role": "husband", "full_name": husband["full_name"], "id_number": husband["id_number"], "date_of_birth": D.ddmmyyyy(husband["dob"])}]}
    return Doc("application_form", "marriage", ttl, bl, st, kf, "TT 04/2020/TT-BTP tờ khai đăng ký kết hôn (two-column table form; from memory)")


def make_app_civil_copy(ctx):
    r = ctx.r
    c = ctx.case
    req = c["applicant"]
    sub = c.get("child") or req
    st = pick_style(r)
    bl = header(r, layout=r.choice(["center", "left"]))
    tb, ttl = title(r, break_title(r, "TỜ KHAI CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH", ["TRÍCH LỤC"], p=0.3))
    bl += tb
    bl.append(P(kinh_gui(ctx)))
    bl.append(field("Họ, chữ đệm, tên người yêu cầu:", req["full_name"], caps=True))
    bl.append(P(f"Nơi cư trú: {req['address']}"))
    bl.append(P(tinh_dinh(r, req)))
    bl.append(P(f"Quan hệ với người được cấp bản sao trích lục hộ tịch: {'Bản thân' if sub is req else 'Mẹ'}"))
    bl.append(P("Đề nghị cấp bản sao trích lục hộ tịch về khai sinh cho người có tên dưới đây:"))
    bl.append(field("Họ, chữ đệm, tên:", sub["full_name"], caps=True, bold_value=True))
    bl.append(P(f"Ngày, tháng, năm sinh: {D.ddmmyyyy(sub['dob'])}"))
    bl.append(Row([(0, f"Giới tính: {sub['sex']}", "left"), (0.3, f"Dân tộc: {sub['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
    bl.append(P(f"Nơi cư trú: {sub['address']}"))
    bl.append(P(f"Số định danh cá nhân: {sub['id_number']}"))
    bl.append(P(f"Đã đăng ký khai sinh tại: {c['birth_reg_place']}"))
    bl.append(P(f"Số lượng bản sao yêu cầu: {r.randint(1, 3):02d} bản"))
    bl.append(P("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.", first=8))
    bl.append(Cols([(0.4, 1.0, [Sig("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", req["full_name"],
                                     pre=[date_line("Làm tại: " + c["place"], c["form_date"], r)], gap_mm=18)])]))
    kf = {"full_name": sub["full_name"], "id_number": sub["id_number"], "date_of_birth": D.ddmmyyyy(sub["dob"]),
          "persons": [{"role": "requester", "full_name": req["full_name"], "id_number": req["id_number"], "date_of_birth": D.ddmmyyyy(req["dob"])}]}
    return Doc("application_form", "civil_copy", ttl, bl, st, kf, "TT 04/2020/TT-BTP tờ khai cấp bản sao trích lục hộ tịch (from memory)")


# ---------------------------------------------------------------- birth certificates


def make_birth_cert(ctx):
    r = ctx.r
    c = ctx.case
    child, mother, father = c["child"], c["mother"], c["father"]
    st = pick_style(r)
    v = r.choices(["gks2020", "gks_copy", "trich_luc", "gks_old"], weights=[35, 20, 30, 15])[0]
    w, d, pv = c["birth_reg_ward"]
    reg_date = c["birth_reg_date"]
    left = ubnd_lines(r, w, d, pv) + ([D.upper_vi(d)] if r.random() < 0.4 else [])
    no = str(r.randint(1, 400))
    if v == "trich_luc":
        right_extra = []
        bl = header(r, left=left + [f"Số: {no}/TLKS-BS"], layout="two")
        t = r.choice(["TRÍCH LỤC KHAI SINH (BẢN SAO)", "TRÍCH LỤC KHAI SINH"])
        lines = ["TRÍCH LỤC KHAI SINH", "(BẢN SAO)"] if t.endswith("(BẢN SAO)") and r.random() < 0.6 else [t]
        src = "TT 04/2020/TT-BTP trích lục khai sinh (bản sao) (from memory)"
    else:
        bl = header(r, left=left + ([f"Số: {no}"] if r.random() < 0.5 else []), layout="two")
        if v == "gks_copy":
            lines = ["GIẤY KHAI SINH", "(BẢN SAO)"] if r.random() < 0.5 else ["GIẤY KHAI SINH"]
            src = "TT 04/2020/TT-BTP giấy khai sinh, bản sao cấp từ sổ hộ tịch (from memory)"
        elif v == "gks_old":
            lines = ["GIẤY KHAI SINH"]
            src = "own approximation of pre-2016 giấy khai sinh (TT 08a/2010/TT-BTP era labels)"
        else:
            lines = ["GIẤY KHAI SINH"]
            src = "TT 04/2020/TT-BTP giấy khai sinh bản chính (with Số định danh cá nhân; from memory)"
    tb, ttl = title(r, lines, size=(15, 19))
    bl += tb
    caps = r.random() < 0.75
    old = v == "gks_old"
    bl.append(field("Họ và tên:" if old else "Họ, chữ đệm, tên:", child["full_name"], caps=caps, bold_value=True))
    dob = D.ddmmyyyy(child["dob"])
    bl.append(P(f"Ngày, tháng, năm sinh: {dob}"))
    bl.append(P(f"ghi bằng chữ: {D.date_words(child['dob'])}", first=8 if r.random() < 0.5 else 0))
    bl.append(Row([(0, f"Giới tính: {child['sex']}", "left"), (0.3, f"Dân tộc: {child['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
    bl.append(P(f"Nơi sinh: {c['birth_place']}"))
    bl.append(P(f"Quê quán: {c['home_town']}"))
    printed_id = (not old) and child["dob"].year >= 2016
    if printed_id:
        bl.append(P(f"Số định danh cá nhân: {child['id_number']}"))
    for role, p in (("mẹ", mother), ("cha", father)):
        if p is None:
            continue
        bl.append(field(f"Họ và tên {role}:" if old else f"Họ, chữ đệm, tên người {role}:", p["full_name"], caps=caps))
        bl.append(Row([(0, f"Năm sinh: {p['dob'].year}", "left"), (0.3, f"Dân tộc: {p['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
        bl.append(P(f"Nơi cư trú: {p['address']}"))
    informant = father or mother
    bl.append(P(f"Người đi khai sinh: {informant['full_name']}"))
    if reg_date < dt.date(2016, 6, 1):
        bl.append(P(f"Giấy tờ tùy thân: Chứng minh nhân dân số {informant.get('old_id') or ctx.people.old_id()}"))
    elif not old:
        bl.append(P(f"Giấy tờ tùy thân: {gt_line(informant)}" if r.random() < 0.5 else f"Giấy tờ tùy thân: CCCD số {informant['id_number']}"))
    reg_place = c["birth_reg_place"]
    bl.append(P(f"Nơi đăng ký khai sinh: {reg_place}"))
    bl.append(P(f"Ngày, tháng, năm đăng ký: {D.ddmmyyyy(reg_date)}"))
    signer = official(ctx)
    sealtxt = D.upper_vi(f"ỦY BAN NHÂN DÂN {w}") + " * " + D.upper_vi(d.split(" ", 1)[1])
    if v in ("gks_copy", "trich_luc"):
        bl.append(P(f"Sao từ Sổ đăng ký khai sinh{'' if r.random() < 0.5 else ' số ' + str(r.randint(1, 30)) + '/' + str(reg_date.year)}", italic=True))
        copy_d = c["copy_date"]
        bl.append(Cols([(0.42, 1.0, [Sig([r.choice(["NGƯỜI KÝ TRÍCH LỤC", "NGƯỜI KÝ BẢN SAO", "TM. ỦY BAN NHÂN DÂN"]), r.choice(["CÔNG CHỨC TƯ PHÁP - HỘ TỊCH", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"])],
                                          "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", signer,
                                          pre=[date_line(c["birth_reg_town"], copy_d, r)], seal=sealtxt, gap_mm=r.uniform(18, 26))])]))
    else:
        bl.append(Cols([(0.42, 1.0, [Sig("NGƯỜI KÝ GIẤY KHAI SINH", "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", signer,
                                          seal=sealtxt, gap_mm=r.uniform(18, 26))])]))
    persons = [{"role": "mother", "full_name": mother["full_name"], "birth_year": str(mother["dob"].year)}]
    if father:
        persons.append({"role": "father", "full_name": father["full_name"], "birth_year": str(father["dob"].year)})
    kf = {"full_name": child["full_name"], "date_of_birth": dob, "sex": child["sex"], "persons": persons}
    if printed_id:
        kf["id_number"] = child["id_number"]
    return Doc("birth_certificate", v, ttl, bl, st, kf, src)


# ---------------------------------------------------------------- marital status


def make_marital(ctx):
    r = ctx.r
    c = ctx.case
    p = c["marital_subject"]
    st = pick_style(r)
    w, dname, pv = c["ward"], c["dist"], c["prov"]
    left = ubnd_lines(r, w, dname, pv)
    issue = c["marital_issue"]
    no = f"Số: {r.randint(1, 500)}/UBND-XNTTHN"
    bl = header(r, left=left + [no], right_extra=[date_line(c["place"], issue, r)], layout="two")
    tb, ttl = title(r, break_title(r, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", ["TÌNH TRẠNG"], p=0.3))
    bl += tb
    ub = f"ỦY BAN NHÂN DÂN {D.upper_vi(w)}"
    bl.append(P(ub, align="center", bold=True, before=0))
    hon = D.ohonorific(p).lower()
    bl.append(P(f"Xét đề nghị của {hon}: {p['full_name']} về việc cấp Giấy xác nhận tình trạng hôn nhân cho {hon} {p['full_name']}", first=8))
    bl.append(P("XÁC NHẬN:", bold=True, align=r.choice(["center", "left"])))
    bl.append(field("Họ, chữ đệm, tên:", p["full_name"], caps=r.random() < 0.7, bold_value=True))
    bl.append(P(f"Ngày, tháng, năm sinh: {D.ddmmyyyy(p['dob'])}"))
    bl.append(Row([(0, f"Giới tính: {p['sex']}", "left"), (0.3, f"Dân tộc: {p['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
    if r.random() < 0.5:
        bl.append(P(f"Giấy tờ tùy thân: {gt_line(p)}"))
    else:
        bl.append(P(f"Số định danh cá nhân: {p['id_number']}"))
    bl.append(P(f"Nơi cư trú: {p['address']}"))
    since = p["dob"].replace(year=p["dob"].year + 18) if p["dob"].month != 2 or p["dob"].day != 29 else p["dob"] + dt.timedelta(days=18 * 365)
    bl.append(P(f"Trong thời gian cư trú tại {w}, {dname} từ ngày {D.ddmmyyyy(since)} đến ngày {D.ddmmyyyy(issue)}"))
    bl.append(P(f"Tình trạng hôn nhân: {r.choice(['Chưa đăng ký kết hôn với ai', 'Không đăng ký kết hôn với ai', 'Đã đăng ký kết hôn nhưng đã ly hôn theo Bản án số ' + str(r.randint(10, 300)) + '/2019/HNGĐ-ST'])}"))
    bl.append(P(f"Giấy này có giá trị sử dụng trong thời hạn 6 tháng kể từ ngày cấp, được sử dụng để: {c['marital_purpose']}"))
    signer = official(ctx)
    bl.append(Cols([(0.42, 1.0, [Sig([r.choice(["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]), r.choice(["CHỦ TỊCH", "PHÓ CHỦ TỊCH"])],
                                      "(Ký, ghi rõ họ, chữ đệm, tên, đóng dấu)" if r.random() < 0.6 else None, signer,
                                      seal=f"ỦY BAN NHÂN DÂN {D.upper_vi(w)} * {D.upper_vi(dname.split(' ', 1)[1])}", gap_mm=r.uniform(18, 26))])]))
    kf = {"full_name": p["full_name"], "id_number": p["id_number"], "date_of_birth": D.ddmmyyyy(p["dob"]), "issue_date": D.ddmmyyyy(issue)}
    return Doc("marital_status", None, ttl, bl, st, kf,
               "TT 04/2020/TT-BTP giấy xác nhận tình trạng hôn nhân (checked against luatvietnam.vn/bieu-mau/mau-to-khai-cap-giay-xac-nhan-tinh-trang-hon-nhan-571-19644-article.html)")


# ---------------------------------------------------------------- power of attorney


def make_poa(ctx):
    r = ctx.r
    c = ctx.case
    a, b = c["applicant"], c["attorney"]
    st = pick_style(r)
    v = r.choices(["giay", "hopdong"], weights=[80, 20])[0]
    bl = header(r, layout=r.choice(["center", "center", "left"]))
    if v == "giay":
        tb, ttl = title(r, ["GIẤY ỦY QUYỀN"], size=(15, 19))
        src = "giấy ủy quyền: section structure as in the BHXH form in github windymv025/KLTN-DocFilling-For-PublicSector-2025 (Forms/.../38_giay_uy_quyen.txt); civil wording own approximation"
    else:
        tb, ttl = title(r, ["HỢP ĐỒNG ỦY QUYỀN"], size=(15, 18))
        src = "own approximation of a notarised hợp đồng ủy quyền (Bộ luật Dân sự 2015 Điều 562)"
    bl += tb
    if r.random() < 0.6:
        bl.append(P("Căn cứ Bộ luật Dân sự năm 2015;", italic=True, before=0))
    if v == "giay":
        bl.append(P(r.choice(["Hôm nay, ngày " + f"{c['form_date'].day:02d}/{c['form_date'].month:02d}/{c['form_date'].year}" + f", tại {c['place']}, chúng tôi gồm:", "Chúng tôi gồm có:"])))
        secs = (("I. NGƯỜI ỦY QUYỀN", a), ("II. NGƯỜI ĐƯỢC ỦY QUYỀN", b)) if r.random() < 0.5 else \
            (("BÊN ỦY QUYỀN (Bên A):", a), ("BÊN ĐƯỢC ỦY QUYỀN (Bên B):", b))
    else:
        bl.append(P(f"Hôm nay, ngày {c['form_date'].day:02d} tháng {c['form_date'].month:02d} năm {c['form_date'].year}, tại Văn phòng công chứng {c['notary']}, chúng tôi gồm có:"))
        secs = (("BÊN ỦY QUYỀN (sau đây gọi là Bên A):", a), ("BÊN ĐƯỢC ỦY QUYỀN (sau đây gọi là Bên B):", b))
    for head, p in secs:
        bl.append(P(head, bold=True))
        if r.random() < 0.5:
            bl.append(P([(f"Họ và tên: ", False), (D.upper_vi(p["full_name"]) if r.random() < 0.5 else p["full_name"], True)]))
            bl.append(P(f"Sinh ngày: {D.ddmmyyyy(p['dob'])}"))
        else:
            bl.append(Row([(0, [(D.ohonorific(p) + ": ", False), (D.upper_vi(p["full_name"]), True)], "left"),
                           (0.6, f"Sinh ngày: {D.ddmmyyyy(p['dob'])}", "left")]))
        lab = r.choice(["Số định danh cá nhân:", "Căn cước công dân số:", "CCCD số:"])
        bl.append(P(f"{lab} {p['id_number']} cấp ngày {D.ddmmyyyy(p['id_issued'])} tại {D.ISSUERS_CCCD[0]}" if r.random() < 0.5 else f"{lab} {p['id_number']}"))
        bl.append(P(f"{r.choice(['Nơi cư trú:', 'Địa chỉ thường trú:', 'Thường trú tại:'])} {p['address']}"))
    bl.append(P(r.choice(["III. NỘI DUNG ỦY QUYỀN", "NỘI DUNG ỦY QUYỀN:", "Điều 1. Nội dung ủy quyền"]), bold=True))
    bl.append(P(f"Bên A ủy quyền cho Bên B thay mặt Bên A liên hệ với cơ quan nhà nước có thẩm quyền để thực hiện thủ tục {c['procedure'].lower()}, "
                "nộp hồ sơ, nhận kết quả, ký các giấy tờ có liên quan và thực hiện các nghĩa vụ tài chính theo quy định.", first=8))
    bl.append(P(r.choice(["IV. THỜI HẠN ỦY QUYỀN", "THỜI HẠN ỦY QUYỀN:", "Điều 2. Thời hạn ủy quyền"]), bold=True))
    bl.append(P(f"Kể từ ngày ký cho đến khi hoàn thành công việc được ủy quyền hoặc đến hết ngày {D.ddmmyyyy(c['form_date'] + dt.timedelta(days=365))}.", first=8))
    bl.append(P("Bên B cam kết thực hiện đúng nội dung ủy quyền, không ủy quyền lại cho người khác. Bên A chịu trách nhiệm về các công việc do Bên B thực hiện trong phạm vi ủy quyền.", first=8))
    bl.append(P(date_line(c["place"], c["form_date"], r), align="right", italic=True))
    bl.append(Cols([(0.0, 0.5, [Sig(r.choice(["NGƯỜI ỦY QUYỀN", "BÊN ỦY QUYỀN"]), "(Ký, ghi rõ họ tên)", a["full_name"], gap_mm=18)]),
                    (0.5, 1.0, [Sig(r.choice(["NGƯỜI ĐƯỢC ỦY QUYỀN", "BÊN ĐƯỢC ỦY QUYỀN"]), "(Ký, ghi rõ họ tên)", b["full_name"], gap_mm=18)])]))
    if r.random() < 0.55:
        w, dname = c["ward"], c["dist"]
        bl.append(P(r.choice(["LỜI CHỨNG THỰC", "CHỨNG THỰC CHỮ KÝ"]), bold=True, align="center", before=8))
        bl.append(P(f"Ngày {c['form_date'].day:02d}/{c['form_date'].month:02d}/{c['form_date'].year}, tại Ủy ban nhân dân {w[0].lower() + w[1:]}, "
                    f"tôi {official(ctx)}, Phó Chủ tịch Ủy ban nhân dân {w[0].lower() + w[1:]} chứng thực: {D.ohonorific(a).lower()} {a['full_name']} "
                    "đã ký vào giấy ủy quyền này trước mặt tôi.", first=8))
        bl.append(P(f"Số chứng thực: {r.randint(1, 999)}, quyển số {r.randint(1, 9):02d}/{c['form_date'].year}-SCT/CK,CD"))
        bl.append(Cols([(0.45, 1.0, [Sig(["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"], None, official(ctx),
                                          seal=f"ỦY BAN NHÂN DÂN {D.upper_vi(w)} * {D.upper_vi(dname.split(' ', 1)[1])}", gap_mm=18)])]))
    kf = {"full_name": a["full_name"], "id_number": a["id_number"], "date_of_birth": D.ddmmyyyy(a["dob"]),
          "persons": [{"role": "principal", "full_name": a["full_name"], "id_number": a["id_number"], "date_of_birth": D.ddmmyyyy(a["dob"])},
                      {"role": "attorney", "full_name": b["full_name"], "id_number": b["id_number"], "date_of_birth": D.ddmmyyyy(b["dob"])}]}
    return Doc("power_of_attorney", v, ttl, bl, st, kf, src)


# ---------------------------------------------------------------- land


def land_holder_lines(r, p, with_id=True, with_year=True, caps=True, prefix=None):
    """'Ông: NGUYỄN VĂN A, Năm sinh: 1980' style lines for land documents."""
    hon = prefix or D.ohonorific(p)
    name = D.upper_vi(p["full_name"]) if caps else p["full_name"]
    out = []
    if with_year:
        out.append(Row([(0, [(hon + ": ", False), (name, True)], "left"), (0.62, f"Sinh năm: {p['dob'].year}", "left")])
                   if r.random() < 0.5 else P([(hon + ": ", False), (name, True), (f", Năm sinh: {p['dob'].year}", False)]))
    else:
        out.append(P([(hon + ": ", False), (name, True)]))
    if with_id:
        out.append(P(f"{r.choice(['CCCD số:', 'Số định danh cá nhân:', 'Căn cước công dân số:'])} {p['id_number']}"))
    out.append(P(f"{r.choice(['Địa chỉ thường trú:', 'Địa chỉ:', 'Thường trú tại:'])} {p['address']}"))
    return out


def land_kf(p, land, persons=(), with_id=True):
    kf = {"full_name": p["full_name"], "birth_year": str(p["dob"].year)}
    if with_id:
        kf["id_number"] = p["id_number"]
    kf["gcn_serial"] = land["serial"]
    kf["parcel_number"] = land["parcel"]
    kf["map_sheet"] = land["sheet"]
    if persons:
        kf["persons"] = list(persons)
    return kf


def make_app_land(ctx, kind):
    r = ctx.r
    c = ctx.case
    p = c["land_applicant"]
    land = c["land"]
    st = pick_style(r, size=(11.5, 13.5))
    after2024 = c["received"] >= dt.date(2024, 8, 1)
    if kind == "land_first":
        if after2024:
            t = "ĐƠN ĐĂNG KÝ ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT"
            code = "Mẫu số 04/ĐK"
            src = "NĐ 101/2024/NĐ-CP Mẫu số 04/ĐK (title as published; body labels from memory)"
        else:
            t = "ĐƠN ĐĂNG KÝ, CẤP GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"
            code = "Mẫu số 04a/ĐK"
            src = "TT 24/2014/TT-BTNMT Mẫu số 04a/ĐK (from memory)"
        splits = ["TÀI SẢN GẮN", "QUYỀN SỬ DỤNG", "QUYỀN SỞ HỮU"]
    elif kind == "land_change":
        t = "ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT"
        code = "Mẫu số 11/ĐK" if after2024 else "Mẫu số 09/ĐK"
        src = ("NĐ 101/2024/NĐ-CP Mẫu số 11/ĐK" if after2024 else "TT 24/2014/TT-BTNMT Mẫu số 09/ĐK") + " (title as published; body from memory)"
        splits = ["TÀI SẢN GẮN", "ĐẤT ĐAI"]
    else:
        t = ("ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT" if after2024 else
             "ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT")
        code = "Mẫu số 11/ĐK" if after2024 else "Mẫu số 10/ĐK"
        src = ("NĐ 101/2024/NĐ-CP" if after2024 else "TT 24/2014/TT-BTNMT Mẫu số 10/ĐK") + " đơn đề nghị cấp đổi, cấp lại GCN (from memory)"
        splits = ["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG", "QUYỀN SỞ HỮU"]
    bl = []
    if r.random() < 0.5:
        recv = [P("PHẦN GHI CỦA NGƯỜI NHẬN HỒ SƠ", bold=True, align="center", size=0.85, before=0),
                P("Vào sổ tiếp nhận hồ sơ số: ....... Quyển .......", size=0.85, before=0),
                P("Ngày ...../...../.......", size=0.85, before=0),
                P("Người nhận hồ sơ", italic=True, align="center", size=0.85, before=0)]
        nat, motto = nat_lines(r)
        bl.append(Cols([(0.0, 0.6, [P(nat, bold=True, align="center", size=0.9, before=0, fit=True), P(motto, bold=True, align="center", before=0, fit=True), Rule(0.5)]),
                        (0.63, 1.0, [P(code, italic=True, align="right", size=0.85, before=0)] + recv)], after=4))
    else:
        bl += header(r, layout="center", form_code=code if r.random() < 0.7 else None)
    lines = break_title(r, t, splits, p=1.0 if len(t) > 60 else 0.3)
    tb, ttl = title(r, lines, size=(13, 15.5))
    bl += tb
    office = c["land_office"]
    bl.append(P(f"Kính gửi: {office}", align=r.choice(["left", "center"])))
    if r.random() < 0.6:
        bl.append(P("I. PHẦN KÊ KHAI CỦA NGƯỜI ĐĂNG KÝ", bold=True))
        if r.random() < 0.5:
            bl.append(P("(Xem kỹ hướng dẫn viết đơn trước khi kê khai; không tẩy xoá, sửa chữa trên đơn)", italic=True, align="center", size=0.9, before=0))
    caps = r.random() < 0.8
    bl.append(P("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất" + (":" if r.random() < 0.5 else ""), bold=True))
    hon = D.ohonorific(p)
    bl.append(P([("1.1. Tên (viết chữ in hoa): ", False), (f"{D.upper_vi(hon)} {D.upper_vi(p['full_name'])}" if caps else f"{hon} {p['full_name']}", True)]))
    bl.append(P(f"Năm sinh: {p['dob'].year}; Số định danh cá nhân: {p['id_number']}" if r.random() < 0.5 else
                f"1.2. Giấy tờ nhân thân: Căn cước công dân số {p['id_number']}, năm sinh {p['dob'].year}"))
    spouse = c.get("land_spouse")
    if spouse and r.random() < 0.7:
        bl.append(P(f"Vợ/chồng: {D.ohonorific(spouse)} {D.upper_vi(spouse['full_name'])}, năm sinh {spouse['dob'].year}, CCCD số {spouse['id_number']}"))
    bl.append(P(f"1.3. Địa chỉ thường trú: {p['address']}"))
    if kind == "land_change":
        bl.append(P("2. Giấy chứng nhận đã cấp:", bold=True))
        bl.append(P(f"2.1. Số vào sổ cấp GCN: {land['book']}; 2.2. Số phát hành GCN: {land['serial']};"))
        bl.append(P(f"2.3. Ngày cấp GCN: {D.ddmmyyyy(land['issued'])}"))
        bl.append(P("3. Nội dung biến động về:", bold=True))
        bl.append(P(f"Chuyển nhượng toàn bộ quyền sử dụng thửa đất số {land['parcel']}, tờ bản đồ số {land['sheet']} cho "
                    f"{D.ohonorific(c['transferee']).lower()} {c['transferee']['full_name']} theo hợp đồng chuyển nhượng quyền sử dụng đất "
                    f"được công chứng ngày {D.ddmmyyyy(c['contract_date'])}."))
        bl.append(P("4. Lý do biến động:", bold=True))
        bl.append(P("Nhận chuyển nhượng quyền sử dụng đất."))
    elif kind == "gcn_renew":
        bl.append(P("2. Giấy chứng nhận đã cấp đề nghị được cấp đổi, cấp lại", bold=True))
        bl.append(P(f"2.1. Số vào sổ cấp GCN: {land['book']}; 2.2. Số phát hành GCN: {land['serial']}"))
        bl.append(P(f"2.3. Ngày cấp GCN: {D.ddmmyyyy(land['issued'])}"))
        bl.append(P(f"3. Lý do đề nghị cấp đổi, cấp lại Giấy chứng nhận: {r.choice(['Giấy chứng nhận bị ố, nhòe, rách, hư hỏng', 'Đo đạc lại thửa đất', 'Cấp đổi sang mẫu Giấy chứng nhận mới'])}", bold=False))
    else:
        bl.append(P("2. Đề nghị: Đăng ký quyền sử dụng đất và cấp Giấy chứng nhận đối với thửa đất", bold=False))
    bl.append(P(("4" if kind != "land_first" else "3") + ". Thông tin thửa đất:" if r.random() < 0.5 else "Thửa đất đăng ký:", bold=True))
    if r.random() < 0.5:
        bl.append(Row([(0, f"Thửa đất số: {land['parcel']};", "left"), (0.45, f"Tờ bản đồ số: {land['sheet']};", "left")]))
    else:
        bl.append(P(f"a) Thửa đất số: {land['parcel']}; b) Tờ bản đồ số: {land['sheet']};"))
    bl.append(P(f"Địa chỉ thửa đất: {land['address']}"))
    bl.append(P(f"Diện tích: {land['area_s']} m²; sử dụng riêng: {land['area_s']} m²; sử dụng chung: không"))
    bl.append(P(f"Sử dụng vào mục đích: {land['purpose']}; Thời hạn sử dụng: {land['term']}"))
    bl.append(P(f"Nguồn gốc sử dụng: {land['origin']}"))
    if r.random() < 0.5:
        bl.append(P("5. Giấy tờ kèm theo:" if kind != "land_first" else "4. Giấy tờ nộp kèm theo đơn:", bold=True))
        for k, (name, form, n) in enumerate(c["receipt_items"][:4], 1):
            bl.append(P(f"- {name}", indent=5, first=5, before=0))
    bl.append(P("Tôi xin cam đoan nội dung kê khai trên đơn là đúng sự thật, nếu sai tôi hoàn toàn chịu trách nhiệm trước pháp luật.", first=8))
    bl.append(Cols([(0.42, 1.0, [Sig("Người viết đơn", "(Ký và ghi rõ họ tên, đóng dấu nếu có)", p["full_name"],
                                      pre=[date_line(c["place"], c["form_date"], r)], gap_mm=r.uniform(14, 20))])]))
    if r.random() < 0.4:
        bl.append(P("II. XÁC NHẬN CỦA ỦY BAN NHÂN DÂN CẤP XÃ", bold=True, before=10))
        bl.append(P("(Xác nhận đối với trường hợp hộ gia đình, cá nhân, cộng đồng dân cư, người Việt Nam định cư ở nước ngoài sở hữu nhà ở)", italic=True, size=0.9, before=0))
        bl.append(P("Nội dung kê khai so với hiện trạng: Đúng với hiện trạng sử dụng đất.", first=0))
        bl.append(P("Nguồn gốc sử dụng đất: " + land["origin"]))
        bl.append(P("Tình trạng tranh chấp đất đai, tài sản gắn liền với đất: Không tranh chấp."))
        bl.append(Cols([(0.0, 0.5, [Sig("Công chức địa chính", "(Ký, ghi rõ họ, tên)", official(ctx), gap_mm=16)]),
                        (0.5, 1.0, [Sig(["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "(Ký tên, đóng dấu)", official(ctx), gap_mm=16,
                                        seal=f"ỦY BAN NHÂN DÂN {D.upper_vi(land['ward'])} * {D.upper_vi(land['dist'].split(' ', 1)[1])}")])]))
    persons = []
    if spouse:
        persons.append({"role": "spouse", "full_name": spouse["full_name"], "id_number": spouse["id_number"], "birth_year": str(spouse["dob"].year)})
    kf = {"full_name": p["full_name"], "id_number": p["id_number"], "birth_year": str(p["dob"].year)}
    if kind != "land_first":
        kf["gcn_serial"] = land["serial"]
    kf["parcel_number"] = land["parcel"]
    kf["map_sheet"] = land["sheet"]
    if persons:
        kf["persons"] = persons
    return Doc("application_form", kind, ttl, bl, st, kf, src, max_pages=3)


def sketch(land, r):
    """Parcel sketch: a polygon with its edge lengths and the parcel label (lengths are printed text)."""
    n = r.choice([4, 4, 5])
    rot = r.uniform(0, 2 * math.pi)
    ang = [rot + 2 * math.pi * k / n + r.uniform(-0.25, 0.25) for k in range(n)]
    rad = [r.uniform(0.75, 1.0) for _ in range(n)]

    def fn(pg, x, y, w, h):
        cx, cy = x + w / 2, y + h / 2
        pts = [(cx + rd * w * 0.42 * math.cos(a), cy + rd * h * 0.42 * math.sin(a)) for a, rd in zip(ang, rad)]
        pg.draw.polygon(pts, outline=pg.color((30, 30, 30)), width=max(1, int(pg.pt(1.0))))
        f = font("DejaVu Sans", pg.pt(8))
        for i in range(n):
            (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
            length = math.hypot(x1 - x0, y1 - y0) / pg.mm(1) * r.uniform(0.25, 0.35)
            s = f"{length:.2f}".replace(".", ",")
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            ox, oy = (mx - cx) * 0.12, (my - cy) * 0.12
            pg.text(mx + ox - f.getlength(s) / 2, my + oy + pg.pt(3), s, f, (30, 30, 30))
        s = f"({land['parcel']}) {land['area_s']} m²"
        f2 = font("DejaVu Sans", pg.pt(9))
        pg.text(cx - f2.getlength(s) / 2, cy, s, f2, (30, 30, 30))
    return fn


def gcn_background(pg, k):
    """Faint 'trống đồng' rings (graphic) on certificate pages."""
    cx, cy = pg.w / 2, pg.h / 2
    col = pg.color((248, 222, 228))
    for i in range(6, 40, 3):
        r = pg.mm(i * 2.2)
        pg.draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=col, width=max(1, int(pg.pt(0.5))))


def make_gcn(ctx):
    r = ctx.r
    c = ctx.case
    land = c["land"]
    p = land["holder"]
    sp = land.get("co_owner")
    st = pick_style(r, serif_p=0.9, size=(11.5, 13.5))
    st.ink = (30, 30, 30)
    v = land["gcn_kind"]
    red = (190, 30, 40)
    bl = []
    nat, motto = nat_lines(r)
    issued = land["issued"]
    signer = official(ctx)
    sealtxt = land["seal"]
    persons = []
    if sp:
        persons.append({"role": "co_owner", "full_name": sp["full_name"], "id_number": sp["id_number"], "birth_year": str(sp["dob"].year)})
    if v == "gcn2024":
        src = "TT 10/2024/TT-BTNMT certificate: page structure per afamily.vn/giay-chung-nhan-quyen-su-dung-dat-co-nhung-thay-doi-quan-trong-tu-1-8-2024-20240810135929659.chn; field wording from memory"
        bl.append(Pic(16, 16, lambda pg, x, y, w, h: emblem(pg, x + w / 2, y + h / 2, w / 2), before=0, after=1))
        bl.append(P(nat, bold=True, align="center", before=0))
        bl.append(P(motto, bold=True, align="center", before=0))
        bl.append(Rule(0.35))
        t = "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT"
        lines = break_title(r, t, ["QUYỀN SỞ HỮU", "TÀI SẢN"], p=1.0)
        tb, ttl = title(r, lines, size=(13, 16), sentence_p=0.15)
        for b in tb:
            if isinstance(b, P):
                b.ink = red
        qsize = r.uniform(20, 26)
        code = f"{c['prov'][1][1:]}{r.randint(100, 999)}-{issued.year}-{r.randint(0, 99999):05d}"
        bl += tb
        bl.append(Cols([(0.0, 0.7, [P(f"Mã Giấy chứng nhận: {code}", before=0, size=0.95)]),
                        (0.75, 1.0, [Pic(qsize, qsize, lambda pg, x, y, w, h: draw_qr(pg, x, y, w, f"GCN|{code}|{land['serial']}"), align="right", before=0)])]))
        bl.append(P("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", bold=True))
        bl += land_holder_lines(r, p, with_id=True, with_year=True)
        if sp:
            bl += land_holder_lines(r, sp, with_id=True, with_year=True)
        bl.append(P("2. Thông tin thửa đất:", bold=True))
        bl.append(P(f"a) Thửa đất số: {land['parcel']}; Tờ bản đồ số: {land['sheet']};", indent=5, first=5))
        bl.append(P(f"b) Diện tích: {land['area_s']} m² (Bằng chữ: {D.area_words(land['area'])});", indent=5, first=5))
        bl.append(P(f"c) Loại đất: {land['purpose']};", indent=5, first=5))
        bl.append(P(f"d) Hình thức sử dụng: Sử dụng riêng;", indent=5, first=5))
        bl.append(P(f"đ) Thời hạn sử dụng: {land['term']};", indent=5, first=5))
        bl.append(P(f"e) Nguồn gốc sử dụng: {land['origin']};", indent=5, first=5))
        bl.append(P(f"g) Địa chỉ: {land['address']}.", indent=5, first=5))
        bl.append(P("3. Thông tin tài sản gắn liền với đất: -/-", bold=True))
        bl.append(Cols([(0.4, 1.0, [Sig(land["signer_title"], None, signer, pre=[date_line(land["town"], issued, r)], seal=sealtxt, gap_mm=20)])]))
        bl.append(Row([(0, [(land["serial"], True)], "left"), (0.45, "Thông tin chi tiết được thể hiện tại mã QR", "left")], size=0.9))
        bl.append("PAGEBREAK")
        bl.append(P("4. Sơ đồ thửa đất, tài sản gắn liền với đất:", bold=True))
        bl.append(Pic(110, 75, sketch(land, r)))
        bl.append(P("5. Ghi chú: -/-", bold=True))
        bl.append(P("6. Những thay đổi sau khi cấp Giấy chứng nhận:", bold=True))
        bl.append(Table([0.6, 0.4], [["Nội dung thay đổi và cơ sở pháp lý", "Xác nhận của cơ quan có thẩm quyền"], ["", ""], ["", ""]]))
        bl.append(P(f"Số vào sổ cấp Giấy chứng nhận: {land['book']}", before=8))
        bl.append(P("Người được cấp Giấy chứng nhận không được sửa chữa, tẩy xóa hoặc bổ sung bất kỳ nội dung nào trong Giấy chứng nhận; khi bị mất hoặc hư hỏng Giấy chứng nhận phải khai báo ngay với cơ quan cấp Giấy.", italic=True, size=0.85))
        kf = land_kf(p, land, persons, with_id=True)
    elif v == "gcn2014":
        src = "TT 23/2014/TT-BTNMT certificate (as in the shared samples; section titles from memory)"
        bl.append(Space(r.uniform(0, 25)))
        bl.append(P(nat, bold=True, align="center", before=0))
        bl.append(P(motto, bold=True, align="center", before=0))
        bl.append(Rule(0.35))
        lines = ["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", "QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"]
        if r.random() < 0.3:
            lines = ["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở", "VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"]
        tb, ttl = title(r, lines, size=(13, 17), after=(8, 20))
        for b in tb:
            if isinstance(b, P):
                b.ink = red
        bl += tb
        bl.append(P("I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất", bold=True))
        bl += land_holder_lines(r, p, with_id=True, with_year=True)
        if sp:
            bl += land_holder_lines(r, sp, with_id=True, with_year=True)
        bl.append(Space(r.uniform(20, 60)))
        bl.append(P(land["serial"], bold=True, align="center", size=1.6, ink=red))
        bl.append("PAGEBREAK")
        bl.append(P("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất", bold=True))
        bl.append(P("1. Thửa đất:"))
        bl.append(P(f"a) Thửa đất số: {land['parcel']}; Tờ bản đồ số: {land['sheet']};", indent=5, first=5))
        bl.append(P(f"b) Địa chỉ: {land['address']};", indent=5, first=5))
        bl.append(P(f"c) Diện tích: {land['area_s']} m², (bằng chữ: {D.area_words(land['area'])});", indent=5, first=5))
        bl.append(P(f"d) Hình thức sử dụng: Sử dụng riêng {land['area_s']} m², sử dụng chung: không m²;", indent=5, first=5))
        bl.append(P(f"đ) Mục đích sử dụng: {land['purpose']};", indent=5, first=5))
        bl.append(P(f"e) Thời hạn sử dụng: {land['term']};", indent=5, first=5))
        bl.append(P(f"g) Nguồn gốc sử dụng: {land['origin']}.", indent=5, first=5))
        for k, t in enumerate(["2. Nhà ở: -/-", "3. Công trình xây dựng khác: -/-", "4. Rừng sản xuất là rừng trồng: -/-", "5. Cây lâu năm: -/-", "6. Ghi chú: -/-"]):
            bl.append(P(t, before=0))
        bl.append(Cols([(0.4, 1.0, [Sig(land["signer_title"], None, signer, pre=[date_line(land["town"], issued, r)], seal=sealtxt, gap_mm=20)])]))
        bl.append(P(f"Số vào sổ cấp GCN: {land['book']}", before=6))
        if r.random() < 0.7:
            bl.append("PAGEBREAK")
            bl.append(P("III. Sơ đồ thửa đất, nhà ở và tài sản khác gắn liền với đất", bold=True))
            bl.append(Pic(100, 70, sketch(land, r)))
            bl.append(P("IV. Những thay đổi sau khi cấp Giấy chứng nhận", bold=True))
            bl.append(Table([0.6, 0.4], [["Nội dung thay đổi và cơ sở pháp lý", "Xác nhận của cơ quan có thẩm quyền"], ["", ""]]))
        kf = land_kf(p, land, persons, with_id=True)
    else:  # pre-2009 'red book' with the parcel table
        src = "own approximation of the pre-2009 giấy chứng nhận quyền sử dụng đất ('sổ đỏ', QĐ 24/2004/QĐ-BTNMT era) with its parcel table"
        bl.append(P(nat, bold=True, align="center", before=0))
        bl.append(P(motto, bold=True, align="center", before=0))
        bl.append(Rule(0.35))
        tb, ttl = title(r, ["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT"], size=(15, 19), after=(6, 12))
        for b in tb:
            if isinstance(b, P):
                b.ink = red
        bl += tb
        bl.append(P(f"{land['issuer_upper']} chứng nhận", align="center", before=0))
        bl.append(P("I. TÊN NGƯỜI SỬ DỤNG ĐẤT", bold=True))
        bl.append(P([(D.ohonorific(p) + ": ", False), (D.upper_vi(p["full_name"]), True), (f", năm sinh: {p['dob'].year}", False)]))
        bl.append(P(f"CMND số: {p.get('old_id') or ctx.people.old_id()}"))
        bl.append(P(f"Địa chỉ thường trú: {p['address']}"))
        if sp:
            bl.append(P([("Và " + D.ohonorific(sp).lower() + ": ", False), (D.upper_vi(sp["full_name"]), True), (f", năm sinh: {sp['dob'].year}", False)]))
        bl.append(P("II. THỬA ĐẤT ĐƯỢC QUYỀN SỬ DỤNG", bold=True))
        bl.append(Table([0.11, 0.11, 0.14, 0.16, 0.18, 0.14, 0.16],
                        [["Thửa đất số", "Tờ bản đồ số", "Diện tích (m²)", "Hình thức sử dụng riêng/chung", "Mục đích sử dụng", "Thời hạn sử dụng", "Nguồn gốc sử dụng"],
                         [land["parcel"], land["sheet"], land["area_s"], "Riêng", land["purpose_code"], land["term"], "Nhà nước giao"]],
                        aligns=["center"] * 7, size=0.8))
        bl.append(P(f"Địa chỉ thửa đất: {land['address']}"))
        bl.append(Cols([(0.4, 1.0, [Sig(land["signer_title"], None, signer, pre=[date_line(land["town"], issued, r)], seal=sealtxt, gap_mm=20)])]))
        bl.append(P(f"Số vào sổ cấp giấy chứng nhận quyền sử dụng đất: {land['book']}", before=6))
        bl.append(P(f"Số phát hành: {land['serial']}", bold=True))
        kf = land_kf(p, land, persons, with_id=False)
    d = Doc("land_use_certificate", v, ttl, bl, st, kf, src, decorate=gcn_background if r.random() < 0.6 else None, max_pages=4)
    return d


def make_contract(ctx):
    r = ctx.r
    c = ctx.case
    land = c["land"]
    a, asp, b = c["transferor"], c.get("transferor_spouse"), c["transferee"]
    st = pick_style(r, size=(11.5, 13.5))
    v = r.choices(["notary", "simple"], weights=[60, 40])[0]
    bl = header(r, layout="center")
    t = r.choice(["HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT"] * 3 + ["HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT VÀ TÀI SẢN GẮN LIỀN VỚI ĐẤT"])
    lines = break_title(r, t, ["QUYỀN SỬ DỤNG", "VÀ TÀI SẢN"], p=0.35)
    tb, ttl = title(r, lines, size=(14, 17))
    bl += tb
    cd = c["contract_date"]
    if v == "notary":
        src = ("notarised contract as commonly used (heading and 'BÊN CHUYỂN NHƯỢNG (sau đây gọi là Bên A)' as in scribd.com/document/616345716 and "
               "minhbachland.com/mau-hop-dong-chuyen-nhuong-quyen-su-dung-dat; article wording from memory)")
        bl.append(P(f"Hôm nay, ngày {cd.day:02d} tháng {cd.month:02d} năm {cd.year}, tại Văn phòng công chứng {c['notary']}, chúng tôi gồm có:", first=8))
        heads = ("BÊN CHUYỂN NHƯỢNG (sau đây gọi là Bên A):", "BÊN NHẬN CHUYỂN NHƯỢNG (sau đây gọi là Bên B):")
    else:
        src = "own approximation of a hand-made contract using the labels 'Bên chuyển nhượng (Bên A)', 'Bên nhận chuyển nhượng (Bên B)'"
        bl.append(P("Căn cứ Bộ luật Dân sự năm 2015;", italic=True, before=0))
        bl.append(P("Căn cứ Luật Đất đai năm 2024;" if cd >= dt.date(2024, 8, 1) else "Căn cứ Luật Đất đai năm 2013;", italic=True, before=0))
        bl.append(P("Hai bên chúng tôi gồm:"))
        heads = ("Bên chuyển nhượng (Bên A):", "Bên nhận chuyển nhượng (Bên B):")
    for head, people_ in ((heads[0], [a] + ([asp] if asp else [])), (heads[1], [b])):
        bl.append(P(head, bold=True))
        for k, p in enumerate(people_):
            pre = D.ohonorific(p) if k == 0 else ("Cùng vợ là bà" if p["sex"] == "Nữ" else "Cùng chồng là ông")
            bl.append(Row([(0, [(pre + ": ", False), (D.upper_vi(p["full_name"]), True)], "left"), (0.62, f"Sinh ngày: {D.ddmmyyyy(p['dob'])}", "left")]))
            bl.append(P(f"{r.choice(['Căn cước công dân số:', 'CCCD số:', 'Số định danh cá nhân:'])} {p['id_number']} do {D.ISSUERS_CCCD[r.randint(0, 1)]} cấp ngày {D.ddmmyyyy(p['id_issued'])}"))
        bl.append(P(f"{'Cả hai cùng thường trú tại' if len(people_) > 1 else 'Thường trú tại'}: {people_[0]['address']}"))
    bl.append(P("Hai bên đồng ý thực hiện việc chuyển nhượng quyền sử dụng đất với các thỏa thuận sau đây:", first=8))
    art = (lambda n, t: P(f"ĐIỀU {n}. {t}", bold=True)) if r.random() < 0.6 else (lambda n, t: P(f"Điều {n}. {t[0] + t[1:].lower()}", bold=True))
    bl.append(art(1, "QUYỀN SỬ DỤNG ĐẤT CHUYỂN NHƯỢNG"))
    bl.append(P(f"1. Quyền sử dụng đất của Bên A đối với thửa đất theo Giấy chứng nhận quyền sử dụng đất số phát hành {land['serial']}, "
                f"số vào sổ cấp GCN {land['book']} do {land['issuer']} cấp ngày {D.ddmmyyyy(land['issued'])}, cụ thể như sau:", first=8))
    for t in (f"- Thửa đất số: {land['parcel']}", f"- Tờ bản đồ số: {land['sheet']}", f"- Địa chỉ thửa đất: {land['address']}",
              f"- Diện tích: {land['area_s']} m² (Bằng chữ: {D.area_words(land['area'])})", "- Hình thức sử dụng: Sử dụng riêng",
              f"- Mục đích sử dụng: {land['purpose']}", f"- Thời hạn sử dụng: {land['term']}", f"- Nguồn gốc sử dụng: {land['origin']}"):
        bl.append(P(t, indent=8, first=8, before=0))
    bl.append(P("2. Bên A chuyển nhượng cho Bên B toàn bộ quyền sử dụng thửa đất nêu trên.", first=8))
    price = c["price"]
    bl.append(art(2, "GIÁ CHUYỂN NHƯỢNG VÀ PHƯƠNG THỨC THANH TOÁN"))
    bl.append(P(f"1. Giá chuyển nhượng quyền sử dụng đất nêu tại Điều 1 của Hợp đồng này là: {D.money(price)} đồng "
                f"(Bằng chữ: {D.number_words(price)[0].upper() + D.number_words(price)[1:]} đồng).", first=8))
    bl.append(P(f"2. Phương thức thanh toán: {r.choice(['Tiền mặt', 'Chuyển khoản', 'Tiền mặt hoặc chuyển khoản'])}.", first=8))
    bl.append(P("3. Việc thanh toán số tiền nêu tại khoản 1 Điều này do hai bên tự thực hiện và chịu trách nhiệm trước pháp luật.", first=8))
    bl.append(art(3, "VIỆC GIAO VÀ ĐĂNG KÝ QUYỀN SỬ DỤNG ĐẤT"))
    bl.append(P("1. Bên A có nghĩa vụ giao thửa đất nêu tại Điều 1 cùng với giấy tờ về quyền sử dụng đất cho Bên B.", first=8))
    bl.append(P("2. Bên B có nghĩa vụ thực hiện đăng ký quyền sử dụng đất tại cơ quan có thẩm quyền theo quy định của pháp luật.", first=8))
    bl.append(art(4, "TRÁCH NHIỆM NỘP THUẾ, LỆ PHÍ"))
    bl.append(P(f"Thuế, lệ phí liên quan đến việc chuyển nhượng quyền sử dụng đất theo Hợp đồng này do {r.choice(['Bên A', 'Bên B', 'hai bên'])} chịu trách nhiệm nộp.", first=8))
    bl.append(art(5, "PHƯƠNG THỨC GIẢI QUYẾT TRANH CHẤP HỢP ĐỒNG"))
    bl.append(P("Trong quá trình thực hiện Hợp đồng này, nếu phát sinh tranh chấp, các bên cùng nhau thương lượng giải quyết trên nguyên tắc tôn trọng quyền lợi của nhau; "
                "trong trường hợp không thương lượng được thì một trong hai bên có quyền khởi kiện để yêu cầu tòa án có thẩm quyền giải quyết theo quy định của pháp luật.", first=8))
    bl.append(art(6, "CAM ĐOAN CỦA CÁC BÊN"))
    bl.append(P("Bên A cam đoan: thông tin về nhân thân, về thửa đất đã ghi trong Hợp đồng này là đúng sự thật; thửa đất không có tranh chấp, "
                "không bị kê biên để bảo đảm thi hành án. Bên B cam đoan đã xem xét kỹ, biết rõ về thửa đất nêu tại Điều 1 và các giấy tờ về quyền sử dụng đất.", first=8))
    bl.append(art(7, "ĐIỀU KHOẢN CUỐI CÙNG"))
    bl.append(P("Hai bên công nhận đã hiểu rõ quyền, nghĩa vụ và lợi ích hợp pháp của mình, ý nghĩa và hậu quả pháp lý của việc giao kết Hợp đồng này. "
                "Hợp đồng có hiệu lực kể từ ngày được công chứng.", first=8))
    sa = [Sig("BÊN A", "(Ký, ghi rõ họ tên)", None, gap_mm=14)] + [P(x["full_name"], align="center", bold=True, before=4) for x in [a] + ([asp] if asp else [])]
    sb = [Sig("BÊN B", "(Ký, ghi rõ họ tên)", None, gap_mm=14), P(b["full_name"], align="center", bold=True, before=4)]
    bl.append(Cols([(0.0, 0.5, sa), (0.5, 1.0, sb)], gap_before=6))
    if v == "notary":
        bl.append("PAGEBREAK" if r.random() < 0.6 else Space(10))
        bl.append(P("LỜI CHỨNG CỦA CÔNG CHỨNG VIÊN", bold=True, align="center"))
        bl.append(P(f"Ngày {cd.day:02d}/{cd.month:02d}/{cd.year} (Bằng chữ: {D.date_words(cd).split(', ', 1)[0].replace('Ngày ', 'ngày ')} tháng {cd.month} năm {cd.year}), "
                    f"tại Văn phòng công chứng {c['notary']}, tôi, {official(ctx)}, công chứng viên, chứng nhận:", first=8))
        bl.append(P("- Hợp đồng chuyển nhượng quyền sử dụng đất được giao kết giữa Bên A và Bên B; các bên đã tự nguyện thỏa thuận giao kết hợp đồng;", first=8))
        bl.append(P("- Tại thời điểm công chứng, các bên đã giao kết hợp đồng có năng lực hành vi dân sự phù hợp theo quy định của pháp luật;", first=8))
        bl.append(P("- Nội dung thỏa thuận của các bên trong hợp đồng không vi phạm điều cấm của luật, không trái đạo đức xã hội.", first=8))
        bl.append(P(f"Số công chứng {r.randint(100, 9999)}, quyển số {r.randint(1, 12):02d}/{cd.year} TP/CC-SCC/HĐGD.", first=8))
        bl.append(Cols([(0.45, 1.0, [Sig("CÔNG CHỨNG VIÊN", None, official(ctx), seal=f"VĂN PHÒNG CÔNG CHỨNG {D.upper_vi(c['notary'])} * {D.upper_vi(c['prov'][2])}", gap_mm=20)])]))
    persons = [{"role": "transferor", "full_name": a["full_name"], "id_number": a["id_number"], "date_of_birth": D.ddmmyyyy(a["dob"])}]
    if asp:
        persons.append({"role": "transferor_spouse", "full_name": asp["full_name"], "id_number": asp["id_number"], "date_of_birth": D.ddmmyyyy(asp["dob"])})
    persons.append({"role": "transferee", "full_name": b["full_name"], "id_number": b["id_number"], "date_of_birth": D.ddmmyyyy(b["dob"])})
    kf = {"full_name": a["full_name"], "id_number": a["id_number"], "date_of_birth": D.ddmmyyyy(a["dob"]), "persons": persons,
          "gcn_serial": land["serial"], "parcel_number": land["parcel"], "map_sheet": land["sheet"], "price_vnd": price, "contract_date": D.ddmmyyyy(cd)}
    return Doc("transfer_contract", v, ttl, bl, st, kf, src, max_pages=4)


# ---------------------------------------------------------------- id cards


def ascii_upper(s):
    s = nfc(s).replace("Đ", "D").replace("đ", "d")
    import unicodedata
    s = "".join(ch for ch in unicodedata.normalize("NFD", s) if unicodedata.category(ch) != "Mn")
    return s.upper()


def _ck(s):
    w = (7, 3, 1)
    val = 0
    for i, ch in enumerate(s):
        if ch.isdigit():
            v = int(ch)
        elif ch.isalpha():
            v = ord(ch) - 55
        else:
            v = 0
        val += v * w[i % 3]
    return str(val % 10)


def mrz(p, expiry):
    idn = p["id_number"]
    l1 = "IDVNM" + idn[3:] + _ck(idn[3:]) + idn + "<<"
    l1 = (l1 + _ck(l1))[:30].ljust(30, "<")
    dob = p["dob"].strftime("%y%m%d")
    exp = expiry.strftime("%y%m%d") if expiry else "<<<<<<"
    l2 = dob + _ck(dob) + ("M" if p["sex"] == "Nam" else "F") + exp + _ck(exp) + "VNM"
    l2 = l2.ljust(29, "<")
    l2 = l2 + _ck(l1[5:30] + l2[:7] + l2[8:15])
    parts = ascii_upper(p["full_name"]).split()
    l3 = (parts[0] + "<<" + "<".join(parts[1:]))[:30].ljust(30, "<")
    return [l1, l2, l3]


def card_expiry(p):
    issue = p["id_issued"]
    for age in (25, 40, 60):
        try:
            bd = p["dob"].replace(year=p["dob"].year + age)
        except ValueError:
            bd = p["dob"].replace(year=p["dob"].year + age, day=28)
        if bd > issue + dt.timedelta(days=730):
            return bd
    return None


def wrap_text(s, f, width):
    out, cur = [], ""
    for w in s.split():
        t = (cur + " " + w).strip()
        if cur and f.getlength(t) > width:
            out.append(cur)
            cur = w
        else:
            cur = t
    if cur:
        out.append(cur)
    return out


def draw_card(gen, side, p, hometown, birth_place, rng, signer=None):
    """The id card as a picture; its printed text is recorded as page lines."""
    expiry = card_expiry(p)
    exp_s = D.ddmmyyyy(expiry) if expiry else "Không thời hạn"

    def fn(pg, x, y, w, h):
        dark = (25, 25, 35)
        blue = (30, 50, 140) if pg.mode == "RGB" else (60, 60, 60)
        redc = (180, 30, 40) if pg.mode == "RGB" else dark
        bg = (236, 240, 236) if pg.mode == "RGB" else (238, 238, 238)
        pg.draw.rounded_rectangle([x, y, x + w, y + h], radius=h * 0.06, fill=pg.color(bg), outline=pg.color((90, 90, 90)), width=max(1, int(pg.pt(0.6))))
        guilloche(pg, x + w * 0.02, y + h * 0.05, w * 0.96, h * 0.9, ink=(205, 215, 210) if pg.mode == "RGB" else (218, 218, 218), n=16)
        fs = h * 0.048

        def F(k=1.0, bold=False):
            return font("DejaVu Sans", fs * k, bold=bold)

        f, fb, fsm, fxs = F(), F(bold=True), F(0.85), F(0.72)

        def T(xf, yf, s, ff=f, ink=dark, center=None):
            xx = x + xf * w
            if center is not None:
                a, b = center
                xx = x + (a + b) / 2 * w - ff.getlength(s) / 2
            pg.text(xx, y + yf * h, s, ff, ink)

        def Row2(yf, pieces, ff=f):
            # pieces on one baseline at given x, recorded as one line joined by one space
            asc, desc = ff.getmetrics()
            x_first = x + pieces[0][0] * w
            x_end = x_first
            for xf, s in pieces:
                pg.text(x + xf * w, y + yf * h, s, ff, dark, record=False)
                x_end = x + xf * w + ff.getlength(s)
            pg.record(" ".join(s for _, s in pieces), [x_first, y + yf * h - asc * 0.82, x_end, y + yf * h + desc * 0.6])

        def wrapped(xf, yf, s, width_f, max_lines, pitch, k=0.85):
            # shrink the font until the text fits in max_lines lines
            while True:
                ff = F(k)
                lines = wrap_text(s, ff, w * width_f)
                if len(lines) <= max_lines or k < 0.5:
                    break
                k *= 0.9
            for ln in lines:
                T(xf, yf, ln, ff)
                yf += pitch
            return yf

        if side == "front":
            emblem(pg, x + w * 0.12, y + h * 0.2, h * 0.11)
            silhouette(pg, x + w * 0.04, y + h * 0.36, w * 0.2, h * 0.4)
            xt = 0.27
            if gen == "cccd2016":
                c = (0.2, 0.98)
                T(0, 0.11, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", F(0.9, True), center=c)
                T(0, 0.18, "Độc lập - Tự do - Hạnh phúc", F(0.9, True), center=c)
                T(0, 0.30, "CĂN CƯỚC CÔNG DÂN", F(1.4, True), ink=redc, center=c)
                T(xt, 0.40, f"Số: {p['id_number']}", F(1.15, True))
                T(xt, 0.48, "Họ và tên:")
                T(xt, 0.55, D.upper_vi(p["full_name"]), fb)
                T(xt, 0.62, f"Ngày, tháng, năm sinh: {D.ddmmyyyy(p['dob'])}")
                Row2(0.69, [(xt, f"Giới tính: {p['sex']}"), (xt + 0.3, "Quốc tịch: Việt Nam")])
                yy = wrapped(xt, 0.76, f"Quê quán: {hometown}", 0.7, 1, 0.06, k=0.9)
                wrapped(xt, yy, f"Nơi thường trú: {p['address']}", 0.7, 2, 0.06, k=0.9)
                T(0.03, 0.85, "Có giá trị đến:", fxs)
                T(0.03, 0.92, exp_s, fxs)
            elif gen == "cccd2021":
                q = h * 0.27
                draw_qr(pg, x + w * 0.97 - q, y + h * 0.04, q,
                        f"{p['id_number']}|{p.get('old_id', '')}|{p['full_name']}|{p['dob'].strftime('%d%m%Y')}|{p['sex']}|{p['address']}|{p['id_issued'].strftime('%d%m%Y')}",
                        ec="L", quiet=1)
                c = (0.2, 0.74)
                T(0, 0.09, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", F(0.8, True), center=c)
                T(0, 0.135, "SOCIALIST REPUBLIC OF VIET NAM", F(0.68), center=c)
                T(0, 0.185, "Độc lập - Tự do - Hạnh phúc", F(0.8, True), center=c)
                T(0, 0.225, "Independence - Freedom - Happiness", F(0.68), center=c)
                T(0, 0.31, "CĂN CƯỚC CÔNG DÂN", F(1.3, True), ink=blue, center=c)
                T(0, 0.355, "Citizen Identity Card", fxs, center=c)
                T(xt, 0.43, f"Số / No.: {p['id_number']}", F(1.1, True))
                T(xt, 0.49, "Họ và tên / Full name:", fxs)
                T(xt, 0.545, D.upper_vi(p["full_name"]), fb)
                T(xt, 0.60, f"Ngày sinh / Date of birth: {D.ddmmyyyy(p['dob'])}", fxs)
                Row2(0.65, [(xt, f"Giới tính / Sex: {p['sex']}"), (xt + 0.3, "Quốc tịch / Nationality: Việt Nam")], fxs)
                T(xt, 0.70, "Quê quán / Place of origin:", fxs)
                yy = wrapped(xt, 0.75, hometown, 0.7, 1, 0.05, k=0.78)
                wrapped(xt, yy, f"Nơi thường trú / Place of residence: {p['address']}", 0.7, 3, 0.05, k=0.72)
                T(0.03, 0.84, "Có giá trị đến:", fxs)
                T(0.03, 0.89, "Date of expiry", F(0.65))
                T(0.03, 0.94, exp_s, fxs)
            else:  # căn cước 2024
                pg.draw.rectangle([x + w * 0.05, y + h * 0.8, x + w * 0.17, y + h * 0.94], fill=pg.color((200, 170, 80)))
                c = (0.2, 0.98)
                T(0, 0.10, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", F(0.85, True), center=c)
                T(0, 0.15, "SOCIALIST REPUBLIC OF VIET NAM", F(0.7), center=c)
                T(0, 0.25, "CĂN CƯỚC", F(1.6, True), ink=redc, center=c)
                T(0, 0.30, "IDENTITY CARD", fxs, center=c)
                T(xt, 0.39, "Số định danh cá nhân/Personal identification number:", F(0.68))
                T(xt, 0.46, p["id_number"], F(1.3, True))
                T(xt, 0.53, "Họ, chữ đệm và tên khai sinh/Full name:", F(0.68))
                T(xt, 0.60, D.upper_vi(p["full_name"]), fb)
                T(xt, 0.67, f"Ngày, tháng, năm sinh/Date of birth: {D.ddmmyyyy(p['dob'])}", F(0.68))
                Row2(0.74, [(xt, f"Giới tính/Sex: {p['sex']}"), (xt + 0.3, "Quốc tịch/Nationality: Việt Nam")], F(0.68))
        else:
            mono = font("DejaVu Sans Mono", fs * 1.0)
            if gen == "cancuoc2024":
                q = h * 0.3
                draw_qr(pg, x + w * 0.97 - q, y + h * 0.05, q,
                        f"{p['id_number']}||{p['full_name']}|{p['dob'].strftime('%d%m%Y')}|{p['sex']}|{p['address']}|{p['id_issued'].strftime('%d%m%Y')}",
                        ec="L", quiet=1)
                T(0.05, 0.12, "Nơi cư trú/Place of residence:", F(0.68))
                yy = wrapped(0.05, 0.18, p["address"], 0.58, 2, 0.06, k=0.8)
                T(0.05, 0.33, "Nơi đăng ký khai sinh/Place of birth:", F(0.68))
                wrapped(0.05, 0.39, birth_place, 0.58, 1, 0.06, k=0.8)
                T(0.05, 0.47, f"Ngày, tháng, năm cấp/Date of issue: {D.ddmmyyyy(p['id_issued'])}", F(0.68))
                T(0.05, 0.53, f"Ngày, tháng, năm hết hạn/Date of expiry: {exp_s}", F(0.68))
                T(0.62, 0.47, "BỘ CÔNG AN", F(0.85, True))
                scribble(pg, x + w * 0.75, y + h * 0.6, w * 0.16, h * 0.07, (30, 30, 60), rng)
            elif gen == "cccd2021":
                pg.draw.rectangle([x + w * 0.05, y + h * 0.08, x + w * 0.19, y + h * 0.28], fill=pg.color((200, 170, 80)))
                for bx in (0.58, 0.79):
                    pg.draw.rectangle([x + w * bx, y + h * 0.05, x + w * (bx + 0.18), y + h * 0.33], outline=pg.color((120, 120, 120)), width=1)
                Row2(0.38, [(0.58, "Ngón trỏ trái"), (0.79, "Ngón trỏ phải")], F(0.62))
                Row2(0.43, [(0.58, "Left index finger"), (0.79, "Right index finger")], F(0.58))
                T(0.04, 0.50, "Đặc điểm nhận dạng / Personal identification:", fxs)
                T(0.04, 0.55, p.get("mark", "Nốt ruồi C:1cm trên trước đuôi mắt trái"), fxs)
                T(0.04, 0.60, f"Ngày, tháng, năm / Date, month, year: {D.ddmmyyyy(p['id_issued'])}", fxs)
                T(0.04, 0.655, "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", F(0.68, True))
                T(0.04, 0.70, "DIRECTOR GENERAL OF THE POLICE DEPARTMENT", F(0.6))
                T(0.04, 0.735, "FOR ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER", F(0.6))
                scribble(pg, x + w * 0.72, y + h * 0.68, w * 0.16, h * 0.07, (30, 30, 60), rng)
            else:
                for bx in (0.58, 0.79):
                    pg.draw.rectangle([x + w * bx, y + h * 0.08, x + w * (bx + 0.18), y + h * 0.5], outline=pg.color((120, 120, 120)), width=1)
                Row2(0.56, [(0.58, "Ngón trỏ trái"), (0.79, "Ngón trỏ phải")], F(0.62))
                T(0.04, 0.15, "Đặc điểm nhận dạng:", fsm)
                wrapped(0.04, 0.22, p.get("mark", "Sẹo chấm C:2cm dưới sau cánh mũi phải"), 0.5, 2, 0.06, k=0.8)
                T(0.04, 0.40, f"Ngày {p['id_issued'].day:02d} tháng {p['id_issued'].month:02d} năm {p['id_issued'].year}", fsm)
                T(0, 0.48, "CỤC TRƯỞNG CỤC CẢNH SÁT", F(0.75, True), center=(0.02, 0.55))
                T(0, 0.54, "ĐKQL CƯ TRÚ VÀ DLQG VỀ DÂN CƯ", F(0.75, True), center=(0.02, 0.55))
                scribble(pg, x + w * 0.28, y + h * 0.68, w * 0.16, h * 0.08, (30, 30, 60), rng)
                if signer:
                    T(0, 0.84, signer, F(0.8, True), center=(0.02, 0.55))
            if gen != "cccd2016":
                for k, ln in enumerate(mrz(p, expiry)):
                    T(0.05, 0.81 + 0.065 * k, ln, mono)
    return fn, expiry


def make_id_card(ctx, p):
    r = ctx.r
    c = ctx.case
    st = pick_style(r, size=(11.5, 13.0))
    gen = p["card_gen"]
    hometown = p.get("hometown") or ctx.people.address(street=False)[0].split(", ", 1)[1]
    p["hometown"] = hometown
    birth_place = p.get("birth_place_name") or p["birth_prov"][0]
    layout = r.choices(["stack", "side", "two_pages", "big"], weights=[45, 25, 15, 15])[0]
    scale = r.uniform(1.0, 1.25) if layout != "big" else r.uniform(1.35, 1.6)
    cw, chh = 85.6 * scale, 53.98 * scale
    front, expiry = draw_card(gen, "front", p, hometown, birth_place, ctx.nr)
    back, _ = draw_card(gen, "back", p, hometown, birth_place, ctx.nr, signer=official(ctx) if r.random() < 0.7 else None)
    align = r.choice(["center", "left", "center"])
    bl = []
    size = (210, 297)
    if layout == "side":
        size = (297, 210)
        st.margins = (r.uniform(12, 30), 12, r.uniform(12, 25), 12)
        bl.append(Cols([(0.0, 0.5, [Pic(cw, chh, front, align="center")]), (0.5, 1.0, [Pic(cw, chh, back, align="center")])]))
    elif layout == "two_pages":
        bl.append(Space(r.uniform(5, 60)))
        bl.append(Pic(cw, chh, front, align=align))
        bl.append("PAGEBREAK")
        bl.append(Space(r.uniform(5, 60)))
        bl.append(Pic(cw, chh, back, align=align))
    else:
        bl.append(Space(r.uniform(5, 50) if layout == "stack" else r.uniform(0, 15)))
        bl.append(Pic(cw, chh, front, align=align))
        bl.append(Space(r.uniform(4, 25) if layout == "stack" else r.uniform(2, 8)))
        bl.append(Pic(cw, chh, back, align=align))
    certified = r.random() < 0.6
    if certified:
        cd = c["received"] - dt.timedelta(days=r.randint(0, 120))
        bl += cert_blocks(ctx, c["place"], cd)
    title_ = {"cccd2016": "CĂN CƯỚC CÔNG DÂN", "cccd2021": "CĂN CƯỚC CÔNG DÂN", "cancuoc2024": "CĂN CƯỚC"}[gen]
    kf = {"full_name": p["full_name"], "id_number": p["id_number"], "date_of_birth": D.ddmmyyyy(p["dob"]), "sex": p["sex"],
          "certified_copy": certified}
    if expiry:
        kf["date_of_expiry"] = D.ddmmyyyy(expiry)
    src = {"cccd2016": "CCCD (2016 card, TT 07/2016/TT-BCA), wording from memory",
           "cccd2021": "CCCD gắn chip (TT 06/2021/TT-BCA): bilingual labels as in the shared samples and hoahoctro.tienphong.vn (back side)",
           "cancuoc2024": "thẻ căn cước 2024 (Luật Căn cước 2023): field list per afamily.vn/cong-an-ha-noi-trien-khai-cap-the-can-cuoc-cho-tre-em-20240701104536005.chn; 'BỘ CÔNG AN' line own approximation"}[gen]
    d = Doc("id_card", f"{gen}/{layout}", title_, bl, st, kf, src, size_mm=size)
    d.landscape = layout == "side"
    return d


# ---------------------------------------------------------------- business registration


def make_hkd(ctx):
    r = ctx.r
    c = ctx.case
    p = c["applicant"]
    biz = c["business"]
    st = pick_style(r, size=(11.5, 13.5))
    v = r.choices(["request", "certificate"], weights=[75, 25])[0]
    caps = True
    if v == "request":
        src = "TT 02/2023/TT-BKHĐT Phụ lục III-1 (same title in TT 01/2021/TT-BKHĐT); body labels from memory"
        bl = header(r, layout=r.choice(["center", "left"]), form_code="Phụ lục III-1" if r.random() < 0.6 else None)
        bl.append(P(date_line(c["place"], c["form_date"], r, prefix=""), align="right", italic=True, before=0))
        lines = ["GIẤY ĐỀ NGHỊ", "ĐĂNG KÝ HỘ KINH DOANH"] if r.random() < 0.6 else ["GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH"]
        tb, ttl = title(r, lines, sentence_p=0.05)
        bl += tb
        bl.append(P(f"Kính gửi: Phòng Tài chính - Kế hoạch {c['dist'] if c['received'] < dt.date(2025, 7, 1) else c['ward']}", align="center"))
        bl.append(P([("Tôi là (ghi họ tên bằng chữ in hoa): ", False), (D.upper_vi(p["full_name"]), True)]))
        bl.append(Row([(0, f"Giới tính: {p['sex']}", "left"), (0.45, f"Sinh ngày: {D.ddmmyyyy(p['dob'])}", "left")]))
        bl.append(Row([(0, f"Dân tộc: {p['ethnic']}", "left"), (0.45, "Quốc tịch: Việt Nam", "left")]))
        bl.append(P(f"Số định danh cá nhân: {p['id_number']}"))
        bl.append(P(f"Địa chỉ thường trú: {p['address']}"))
        bl.append(P(f"Địa chỉ liên lạc: {p['address']}"))
        bl.append(Row([(0, f"Điện thoại: {p['phone']}", "left"), (0.45, "Email:", "left")]))
        bl.append(P("Đăng ký hộ kinh doanh do tôi là chủ hộ với các thông tin sau đây:", bold=True))
        bl.append(P([("1. Tên hộ kinh doanh (ghi bằng chữ in hoa): ", False), (biz["name"], True)]))
        bl.append(P(f"2. Địa chỉ trụ sở hộ kinh doanh: {biz['address']}"))
        bl.append(Row([(0, f"Điện thoại (nếu có): {p['phone']}", "left"), (0.5, "Fax (nếu có):", "left")]))
        bl.append(P("3. Ngành, nghề kinh doanh:"))
        rows = [["STT", "Tên ngành", "Mã ngành"]] + [[str(k), n, code] for k, (n, code) in enumerate(biz["lines"], 1)]
        bl.append(Table([0.1, 0.68, 0.22], rows, aligns=["center", "left", "center"]))
        bl.append(P("4. Vốn kinh doanh:"))
        bl.append(P(f"Tổng số (bằng số; VNĐ): {D.money(biz['capital'])}", indent=5, first=5, before=0))
        bl.append(P(f"5. Số lượng lao động (dự kiến): {biz['workers']:02d}"))
        bl.append(P("6. Chủ thể thành lập hộ kinh doanh: Cá nhân"))
        bl.append(P("Tôi cam kết:", bold=True))
        for t in ("- Bản thân không thuộc diện quy định tại khoản 2 Điều 80 Nghị định số 01/2021/NĐ-CP;",
                  "- Trụ sở hộ kinh doanh thuộc quyền sở hữu/quyền sử dụng hợp pháp của tôi và được sử dụng đúng mục đích theo quy định của pháp luật;",
                  "- Chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác và trung thực của nội dung đăng ký trên."):
            bl.append(P(t, indent=5, first=5, before=0))
        bl.append(Cols([(0.45, 1.0, [Sig("CHỦ HỘ KINH DOANH", "(Ký và ghi họ tên)", p["full_name"], gap_mm=18)])]))
    else:
        src = "own approximation of the giấy chứng nhận đăng ký hộ kinh doanh (TT 02/2023/TT-BKHĐT annex), from memory"
        unit = "PHÒNG TÀI CHÍNH - KẾ HOẠCH"
        left = [f"UBND {D.upper_vi(c['dist'])}", unit]
        bl = header(r, left=left, layout="two")
        lines = ["GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"] if r.random() < 0.5 else ["GIẤY CHỨNG NHẬN", "ĐĂNG KÝ HỘ KINH DOANH"]
        tb, ttl = title(r, lines)
        bl += tb
        bl.append(P(f"Mã số hộ kinh doanh: {biz['code']}", bold=True, align="center", before=0))
        bl.append(P(f"Đăng ký lần đầu: ngày {c['form_date'].day:02d} tháng {c['form_date'].month:02d} năm {c['form_date'].year}", align="center", italic=True, before=0))
        bl.append(P([("1. Tên hộ kinh doanh: ", False), (biz["name"], True)]))
        bl.append(P(f"2. Địa chỉ trụ sở hộ kinh doanh: {biz['address']}"))
        bl.append(P(f"Điện thoại: {p['phone']}", indent=5, first=5, before=0))
        bl.append(P("3. Ngành, nghề kinh doanh: " + "; ".join(n for n, _ in biz["lines"])))
        bl.append(P(f"4. Vốn kinh doanh: {D.money(biz['capital'])} đồng"))
        bl.append(P("5. Chủ thể thành lập hộ kinh doanh: Cá nhân"))
        bl.append(P("6. Thông tin về chủ hộ kinh doanh:"))
        bl.append(Row([(0, [("Họ và tên: ", False), (D.upper_vi(p["full_name"]), True)], "left"), (0.62, f"Giới tính: {p['sex']}", "left")]))
        bl.append(Row([(0, f"Sinh ngày: {D.ddmmyyyy(p['dob'])}", "left"), (0.38, f"Dân tộc: {p['ethnic']}", "left"), (0.62, "Quốc tịch: Việt Nam", "left")]))
        bl.append(P(f"Số định danh cá nhân: {p['id_number']}"))
        bl.append(P(f"Địa chỉ thường trú: {p['address']}"))
        bl.append(Cols([(0.45, 1.0, [Sig("TRƯỞNG PHÒNG", None, official(ctx), seal=f"PHÒNG TÀI CHÍNH - KẾ HOẠCH * {D.upper_vi(c['dist'])}", gap_mm=20)])]))
    kf = {"full_name": p["full_name"], "id_number": p["id_number"], "date_of_birth": D.ddmmyyyy(p["dob"]), "business_name": biz["name"]}
    return Doc("business_registration", v, ttl, bl, st, kf, src)


# ---------------------------------------------------------------- construction permit application


def make_gpxd(ctx):
    r = ctx.r
    c = ctx.case
    p = c["applicant"]
    land = c["land"]
    cons = c["construction"]
    st = pick_style(r, size=(11.5, 13.5))
    v = r.choices(["new", "old", "renew"], weights=[55, 30, 15])[0]
    bl = header(r, layout=r.choice(["center", "center", "left"]), form_code="Mẫu số 01" if r.random() < 0.4 else None)
    if v == "renew":
        lines = break_title(r, "ĐƠN ĐỀ NGHỊ GIA HẠN GIẤY PHÉP XÂY DỰNG", ["GIA HẠN"], p=0.3)
        src = "NĐ 15/2021/NĐ-CP Phụ lục II Mẫu số 02 (gia hạn), from memory"
    else:
        lines = break_title(r, "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG", ["GIẤY PHÉP"], p=0.3)
        src = ("NĐ 15/2021/NĐ-CP Phụ lục II Mẫu số 01, from memory" if v == "new" else
               "TT 15/2016/TT-BXD Phụ lục 1 (nhà ở riêng lẻ), from memory")
    tb, ttl = title(r, lines)
    bl += tb
    if v != "renew":
        bl.append(P("(Sử dụng cho nhà ở riêng lẻ)", italic=True, align="center", before=0))
    bl.append(P(f"Kính gửi: Ủy ban nhân dân {c['dist'] if c['received'] < dt.date(2025, 7, 1) else c['ward']}", align=r.choice(["center", "left"])))
    bl.append(P("1. Thông tin về chủ đầu tư:", bold=True))
    bl.append(P([("- Tên chủ đầu tư (tên chủ hộ): ", False), (D.upper_vi(p["full_name"]) if r.random() < 0.6 else p["full_name"], True)]))
    printed_id = v == "new" and r.random() < 0.7
    if printed_id:
        bl.append(P(f"- Số định danh cá nhân: {p['id_number']}"))
    bl.append(P(f"- Địa chỉ liên hệ: {p['address']}"))
    bl.append(P(f"- Số điện thoại: {p['phone']}"))
    bl.append(P("2. Thông tin công trình:", bold=True))
    bl.append(P("- Địa điểm xây dựng:"))
    bl.append(Row([(0.03, f"Lô đất số: {land['parcel']}", "left"), (0.4, f"Diện tích: {land['area_s']} m².", "left")]))
    bl.append(P(f"Tại: {land['address']}", indent=3, first=3))
    bl.append(P(f"Tờ bản đồ số: {land['sheet']}", indent=3, first=3, before=0))
    if v == "renew":
        bl.append(P("3. Giấy phép xây dựng đã được cấp:", bold=True))
        bl.append(P(f"- Giấy phép xây dựng số: {r.randint(10, 900)}/GPXD, ngày cấp: {D.ddmmyyyy(c['received'] - dt.timedelta(days=r.randint(300, 420)))}"))
        bl.append(P("4. Lý do đề nghị gia hạn giấy phép xây dựng:", bold=True))
        bl.append(P("Chưa khởi công xây dựng trong thời hạn 12 tháng kể từ ngày được cấp giấy phép do điều kiện kinh tế gia đình."))
    else:
        bl.append(P("3. Tổ chức/cá nhân lập, thẩm tra thiết kế xây dựng:", bold=True))
        bl.append(P(f"- Tên tổ chức/cá nhân: {cons['designer']}"))
        bl.append(P(f"- Mã số chứng chỉ năng lực/hành nghề: {cons['cert']}"))
        bl.append(P("4. Nội dung đề nghị cấp phép:", bold=True))
        if v == "new":
            bl.append(P("4.5. Đối với công trình nhà ở riêng lẻ:"))
        bl.append(P(f"- Cấp công trình: {cons['grade']}"))
        bl.append(P(f"- Diện tích xây dựng tầng 1 (tầng trệt): {cons['footprint']} m²"))
        bl.append(P(f"- Tổng diện tích sàn: {cons['floor_area']} m²"))
        bl.append(P(f"- Chiều cao công trình: {cons['height']} m"))
        bl.append(P(f"- Số tầng: {cons['floors']}"))
        bl.append(P(f"5. Dự kiến thời gian hoàn thành công trình: {cons['months']} tháng.", bold=False))
    bl.append(P("6. Cam kết: Tôi xin cam đoan làm theo đúng giấy phép được cấp, nếu sai tôi xin hoàn toàn chịu trách nhiệm và bị xử lý theo quy định của pháp luật."))
    bl.append(P("Gửi kèm theo Đơn này các tài liệu:"))
    for k, t in enumerate(["Bản sao giấy tờ chứng minh quyền sử dụng đất", "Hai bộ bản vẽ thiết kế xây dựng"], 1):
        bl.append(P(f"{k} - {t}", indent=5, first=5, before=0))
    bl.append(Cols([(0.4, 1.0, [Sig(["NGƯỜI LÀM ĐƠN", "ĐẠI DIỆN CHỦ ĐẦU TƯ"] if r.random() < 0.5 else "NGƯỜI LÀM ĐƠN/ĐẠI DIỆN CHỦ ĐẦU TƯ",
                                      "(Ký ghi rõ họ tên, đóng dấu (nếu có))", p["full_name"], pre=[date_line(c["place"], c["form_date"], r)], gap_mm=18)])]))
    kf = {"full_name": p["full_name"], "phone": p["phone"], "parcel_number": land["parcel"]}
    if v != "renew":
        kf["floors"] = cons["floors"]
    if printed_id:
        kf["id_number"] = p["id_number"]
    return Doc("construction_permit_application", v, ttl, bl, st, kf, src)
