#!/usr/bin/env python3
"""Generate varied scan batches with ground truth, in the format of
/work/shared/samples (see README.md beside this file).

    python3 bench/gen/generate.py --out DIR --seed N --batches K [--jobs J] [--start I]

Writes DIR/batch_001 ... DIR/batch_K (scanner files + truth.json) and
DIR/manifest.json. The output depends only on --seed (and the generator
version): batch i is made from its own seed derived from (seed, i).
Split: seed 1 = "tune" set, seed 2 = "held-out" set (never tuned on).
"""
import argparse
import collections
import datetime as dt
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gen import data as D  # noqa: E402
from gen import docs as X  # noqa: E402
from gen import render as R  # noqa: E402
from gen import scan as S  # noqa: E402
from gen import writers as W  # noqa: E402

VERSION = "1.0"

LOOKS = {"clean": 28, "medium": 20, "noisy": 10, "photocopy": 12, "faded": 10, "blurred": 7, "bold": 5, "jpeg": 8}


# ---------------------------------------------------------------- the case


def rand_date(r, a, b):
    return a + dt.timedelta(days=r.randint(0, (b - a).days))


def workdays_after(d, n):
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def short_place(name):
    for pre in ("Thành phố ", "Quận ", "Huyện ", "Thị xã ", "Tỉnh "):
        if name.startswith(pre):
            rest = name[len(pre):]
            return rest if not rest.isdigit() else name
    return name


def case_code(r, received):
    m = r.choices(["H", "G", "A", "X"], weights=[85, 10, 3, 2])[0]
    x = r.randint(1, 63) if m == "H" else r.randint(1, 30)
    v = 0 if r.random() < 0.7 else r.randint(1, 999)
    return f"{v:03d}.{r.randint(0, 40):02d}.{r.randint(0, 60):02d}.{m}{x:02d}-{received.strftime('%y%m%d')}-{r.randint(1, 2999):04d}"


def assign_card(p, received, r):
    """Which id card the person holds, and when it was issued (before the case)."""
    lo = max(p["dob"] + dt.timedelta(days=14 * 366), dt.date(2016, 6, 1))
    hi = received - dt.timedelta(days=7)
    if lo >= hi:
        lo = hi - dt.timedelta(days=30)
    p["id_issued"] = rand_date(r, lo, hi)
    if received >= dt.date(2024, 8, 1) and r.random() < 0.45:
        p["id_issued"] = rand_date(r, max(lo, dt.date(2024, 7, 1)), hi)
    if p["id_issued"] >= dt.date(2024, 7, 1):
        p["card_gen"] = "cancuoc2024"
    elif p["id_issued"] >= dt.date(2021, 1, 1):
        p["card_gen"] = "cccd2021"
    else:
        p["card_gen"] = "cccd2016"
    if r.random() < 0.5:
        p["old_id"] = f"{r.randint(10, 38)}{r.randint(0, 9999999):07d}"


def reborn(people, p, dob):
    """Change a person's date of birth (and so the year digits of the ID number)."""
    p["dob"] = dob
    p["id_number"] = people.id_number(p["birth_prov"][1], p["sex"], dob)


PROCEDURES = [
    # key, name, field, weight (unused: procedures are dealt in turns), working days
    ("birth", "Đăng ký khai sinh", "Hộ tịch", 10, 3),
    ("birth_rereg", "Đăng ký lại khai sinh", "Hộ tịch", 7, 5),
    ("civil_copy", "Cấp bản sao Trích lục hộ tịch", "Hộ tịch", 5, 1),
    ("marital", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", 8, 3),
    ("marriage", "Đăng ký kết hôn", "Hộ tịch", 7, 3),
    ("land_transfer", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng quyền sử dụng đất", "Đất đai", 16, 10),
    ("land_first", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu", "Đất đai", 8, 20),
    ("gcn_renew", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Đất đai", 7, 7),
    ("hkd", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", 9, 3),
    ("gpxd", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng", 9, 15),
]


def make_land(r, people, holder, spouse, received, prov):
    addr, aprov, dist, ward = people.address(prov=prov)
    purpose, pcode = r.choice(D.LAND_PURPOSES)
    area = round(r.uniform(45, 900), 1)
    issued = rand_date(r, dt.date(2003, 1, 1), received - dt.timedelta(days=60))
    if received >= dt.date(2024, 10, 1) and r.random() < 0.4:
        issued = rand_date(r, dt.date(2024, 8, 1), received - dt.timedelta(days=30))
    if issued >= dt.date(2024, 8, 1):
        kind = "gcn2024"
    elif issued >= dt.date(2009, 12, 10):
        kind = "gcn2014"
    else:
        kind = "gcn_old"
    if kind == "gcn2024":
        serial = f"{r.choice(['AA', 'AB', 'AĐ'])} {r.randint(0, 99999999):08d}"
    else:
        serial = f"{r.choice(['CS', 'DG', 'CA', 'BX', 'CH', 'AK', 'BM'])} {r.randint(0, 999999):06d}"
    level = r.random()
    if level < 0.5:
        issuer = f"Ủy ban nhân dân {dist[0].lower() + dist[1:]}"
        issuer_upper = D.upper_vi(f"Ủy ban nhân dân {dist}")
        signer_title = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
        seal_t = f"ỦY BAN NHÂN DÂN * {D.upper_vi(dist)}"
    elif level < 0.8:
        issuer = f"Sở Tài nguyên và Môi trường {prov[0].split(' ', 1)[1] if prov[0].startswith('Tỉnh') else prov[0]}"
        issuer_upper = "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"
        signer_title = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
        seal_t = f"SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG * {D.upper_vi(prov[2])}"
    else:
        issuer = "Văn phòng đăng ký đất đai"
        issuer_upper = "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI"
        signer_title = ["GIÁM ĐỐC"]
        seal_t = f"VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI * {D.upper_vi(prov[2])}"
    if kind == "gcn_old":
        issuer = f"Ủy ban nhân dân {dist[0].lower() + dist[1:]}"
        issuer_upper = D.upper_vi(f"Ủy ban nhân dân {dist}")
        signer_title = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        seal_t = f"ỦY BAN NHÂN DÂN * {D.upper_vi(dist)}"
    return {
        "holder": holder, "co_owner": spouse, "address": addr, "ward": ward, "dist": dist,
        "parcel": str(r.randint(1, 1200)), "sheet": str(r.randint(1, 80)), "area": area,
        "area_s": f"{area:.1f}".replace(".", ","), "purpose": purpose, "purpose_code": pcode,
        "term": r.choice(["Lâu dài", f"Đến ngày {r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(2043, 2070)}"]) if pcode not in ("ONT", "ODT") else "Lâu dài",
        "origin": r.choice(D.LAND_ORIGINS), "issued": issued, "gcn_kind": kind, "serial": serial,
        "book": r.choice(["CH", "CS", "VP", "CN"]) + f"{r.randint(0, 99999):05d}",
        "issuer": issuer, "issuer_upper": issuer_upper, "signer_title": signer_title, "seal": seal_t,
        "town": short_place(dist),
    }


def pick_procedure(seed, batch_no):
    """Procedures are dealt in turns over a set, so every 10 batches cover all of them
    (the order of each turn is shuffled by the set's seed)."""
    turn = (batch_no - 1) // len(PROCEDURES)
    order = list(range(len(PROCEDURES)))
    random.Random(f"sohoa-gen:{VERSION}:{seed}:turn{turn}").shuffle(order)
    return PROCEDURES[order[(batch_no - 1) % len(PROCEDURES)]]


def build_case(r, nr, batch_id, procedure):
    received = rand_date(r, dt.date(2018, 1, 1), dt.date(2026, 11, 30))
    while received.weekday() == 6:
        received += dt.timedelta(days=1)
    people = D.People(r, received)
    key, proc, field, _, days = procedure

    prov = people.province()
    ward, dist, _ = people.ward_place(prov)
    c = {"received": received, "procedure": proc, "procedure_key": key, "field": field, "days": days,
         "prov": prov, "ward": ward, "dist": dist, "code": case_code(r, received)}
    c["due"] = workdays_after(received, days)
    c["recv_time"] = (r.choice([7, 8, 9, 10, 13, 14, 15, 16]), r.randint(0, 59))
    c["form_date"] = received - dt.timedelta(days=r.choice([0, 0, 0, 1, 2, 3, 5, 9]))
    c["place"] = short_place(dist) if r.random() < 0.6 else prov[2]
    after = received >= dt.date(2025, 7, 1)
    land_cat = key in ("land_transfer", "land_first", "gcn_renew")
    # the receiving office
    if after:
        agency = f"Trung tâm Phục vụ hành chính công {ward[0].lower() + ward[1:]}"
        lines = [D.upper_vi(f"UBND {ward}"), "TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG"]
        c["place"] = short_place(ward) if not ward.split()[-1].isdigit() else prov[2]
    elif land_cat and r.random() < 0.5:
        if r.random() < 0.5:
            agency = f"Chi nhánh Văn phòng đăng ký đất đai {dist[0].lower() + dist[1:]}"
            lines = ["VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", D.upper_vi(f"CHI NHÁNH {dist}")]
        else:
            agency = f"Trung tâm Phục vụ hành chính công {prov[0][0].lower() + prov[0][1:]}"
            lines = [D.upper_vi(f"UBND {prov[0]}"), "TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG"]
    elif key in ("hkd", "gpxd") or land_cat:
        agency = f"Bộ phận Một cửa Ủy ban nhân dân {dist[0].lower() + dist[1:]}"
        lines = [r.choice(["ỦY BAN NHÂN DÂN", "UBND"]) + " " + D.upper_vi(dist) if r.random() < 0.5 else D.upper_vi(f"UBND {dist}"), "BỘ PHẬN MỘT CỬA"]
    else:
        agency = f"Bộ phận Một cửa Ủy ban nhân dân {ward[0].lower() + ward[1:]}"
        lines = r.choice([[D.upper_vi(f"UBND {ward}"), "BỘ PHẬN MỘT CỬA"],
                          [D.upper_vi(f"UBND {dist}"), D.upper_vi(f"UBND {ward}"), "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"],
                          ["ỦY BAN NHÂN DÂN", D.upper_vi(ward), "BỘ PHẬN MỘT CỬA"]])
    c["agency"], c["agency_lines"] = agency, lines
    c["notary"] = r.choice(["Nguyễn Văn Trỗi", "Sài Gòn", "Thăng Long", "Hà Thành", "Phú Lợi", "Bến Thành", "Trần Hưng Đạo", "An Phú"])
    P = lambda **kw: people.person(**kw)  # noqa: E731
    docs = []  # (maker, receipt name, form, count)
    applicant = None
    attorney = None

    def idc(p, form=None):
        hon = "ông" if p["sex"] == "Nam" else "bà"
        name = "Căn cước công dân" if p["card_gen"] != "cancuoc2024" else "Thẻ căn cước"
        return (lambda ctx, p=p: X.make_id_card(ctx, p), f"{name} của {hon} {p['full_name']}",
                form or r.choice(["Bản sao có chứng thực", "Bản chụp", "Bản sao"]), 1)

    if key in ("birth", "birth_rereg", "civil_copy"):
        mother = P(sex="Nữ", age=(20, 42))
        father = P(sex="Nam", age=(22, 48)) if r.random() < 0.85 else None
        if father:
            mother["address"] = father["address"]
        if key == "birth":
            child = people.child(mother, father, (3, 58))
            applicant = r.choice([mother, father] if father else [mother])
        else:
            if r.random() < 0.5:
                child = people.child(mother, father, (800, 5500))
                applicant = r.choice([mother, father] if father else [mother])
                reborn(people, mother, child["dob"] - dt.timedelta(days=r.randint(20, 38) * 365 + r.randint(0, 300)))
                if father:
                    reborn(people, father, child["dob"] - dt.timedelta(days=r.randint(22, 42) * 365 + r.randint(0, 300)))
            else:
                child = P(age=(18, 60))
                applicant = child
                reborn(people, mother, child["dob"] - dt.timedelta(days=r.randint(20, 38) * 365))
                if father:
                    reborn(people, father, child["dob"] - dt.timedelta(days=r.randint(22, 42) * 365))
        c.update(child=child, mother=mother, father=father)
        bw, bd, bp = people.ward_place()
        c["birth_reg_ward"] = (bw, bd, bp)
        c["birth_place"] = r.choice([f"Bệnh viện Đa khoa {bp[2]}", f"Trạm Y tế {bw[0].lower() + bw[1:]}", f"Bệnh viện Sản Nhi {bp[2]}", f"{bw}, {bd}, {bp[0]}"])
        c["home_town"] = people.address(street=False)[0].split(", ", 1)[1]
        if key == "birth":
            c["birth_reg_date"] = received
        else:
            c["birth_reg_date"] = child["dob"] + dt.timedelta(days=r.randint(5, 60))
        c["birth_reg_place"] = (f"Ủy ban nhân dân {bw[0].lower() + bw[1:]}, {bd[0].lower() + bd[1:]}, {bp[0][0].lower() + bp[0][1:]}")
        c["birth_reg_town"] = short_place(bd)
        c["copy_date"] = received - dt.timedelta(days=r.randint(3, 400))
        for p in (mother, father, child):
            if p:
                assign_card(p, received, r)
        if key == "birth":
            docs.append((lambda ctx: X.make_app_birth(ctx), "Tờ khai đăng ký khai sinh", "Bản chính", 1))
            docs.append(idc(applicant))
            if father and r.random() < 0.4:
                docs.append(idc(father if applicant is mother else mother))
        elif key == "birth_rereg":
            docs.append((lambda ctx: X.make_app_birth(ctx, rereg=True), "Tờ khai đăng ký lại khai sinh", "Bản chính", 1))
            docs.append((lambda ctx: X.make_birth_cert(ctx), "Bản sao Giấy khai sinh", "Bản sao", 1))
            docs.append(idc(applicant))
        else:
            docs.append((lambda ctx: X.make_app_civil_copy(ctx), "Tờ khai cấp bản sao trích lục hộ tịch", "Bản chính", 1))
            docs.append(idc(applicant))
            if r.random() < 0.6:
                docs.append((lambda ctx: X.make_birth_cert(ctx), "Giấy khai sinh", "Bản chụp", 1))
    elif key == "marital":
        applicant = P(age=(19, 55))
        assign_card(applicant, received, r)
        c["marital_subject"] = applicant
        c["marital_issue"] = received - dt.timedelta(days=r.randint(200, 900))
        c["marital_purpose"] = r.choice(["Đăng ký kết hôn", "Làm thủ tục mua bán nhà đất", "Bổ sung hồ sơ vay vốn ngân hàng", "Làm thủ tục xuất cảnh"])
        docs.append((lambda ctx: X.make_app_marital(ctx), "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Bản chính", 1))
        docs.append(idc(applicant))
        if r.random() < 0.4:
            docs.append((lambda ctx: X.make_marital(ctx), "Giấy xác nhận tình trạng hôn nhân đã cấp trước đây", "Bản chính", 1))
    elif key == "marriage":
        wife = P(sex="Nữ", age=(19, 45))
        husband = P(sex="Nam", age=(21, 50))
        for p in (wife, husband):
            assign_card(p, received, r)
        applicant = r.choice([wife, husband])
        c.update(wife=wife, husband=husband, marital_subject=r.choice([wife, husband]))
        c["marital_issue"] = received - dt.timedelta(days=r.randint(5, 150))
        c["marital_purpose"] = "Đăng ký kết hôn"
        docs.append((lambda ctx: X.make_app_marriage(ctx), "Tờ khai đăng ký kết hôn", "Bản chính", 1))
        docs.append((lambda ctx: X.make_marital(ctx), "Giấy xác nhận tình trạng hôn nhân", "Bản chính", 1))
        docs.append(idc(wife))
        if r.random() < 0.6:
            docs.append(idc(husband))
    elif land_cat or key == "gpxd":
        holder = P(age=(30, 75))
        spouse = P(sex="Nữ" if holder["sex"] == "Nam" else "Nam", age=(28, 72)) if r.random() < 0.5 else None
        if spouse:
            spouse["address"] = holder["address"]
        for p in (holder, spouse):
            if p:
                assign_card(p, received, r)
        land = make_land(r, people, holder, spouse, received, prov)
        c["land"] = land
        c["land_office"] = r.choice([f"Văn phòng đăng ký đất đai {prov[2]}", f"Chi nhánh Văn phòng đăng ký đất đai {dist[0].lower() + dist[1:]}",
                                     f"Ủy ban nhân dân {dist[0].lower() + dist[1:]}"])
        if key == "land_transfer":
            transferee = P(age=(25, 65))
            assign_card(transferee, received, r)
            c.update(transferor=holder, transferor_spouse=spouse, transferee=transferee, land_applicant=transferee, land_spouse=None)
            c["contract_date"] = received - dt.timedelta(days=r.randint(1, 25))
            c["price"] = int(round(land["area"] * r.uniform(3, 60) * 1e6, -7))
            applicant = transferee
            docs.append((lambda ctx: X.make_app_land(ctx, "land_change"), "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất", "Bản chính", 1))
            docs.append((lambda ctx: X.make_contract(ctx), "Hợp đồng chuyển nhượng quyền sử dụng đất đã được công chứng", "Bản chính", 1))
            docs.append((lambda ctx: X.make_gcn(ctx), "Giấy chứng nhận quyền sử dụng đất", "Bản chính", 1))
            docs.append(idc(transferee))
            if r.random() < 0.5:
                docs.append(idc(holder))
            if r.random() < 0.45:
                c["marital_subject"] = r.choice([transferee, holder])
                assign_card(c["marital_subject"], received, r) if "card_gen" not in c["marital_subject"] else None
                c["marital_issue"] = received - dt.timedelta(days=r.randint(5, 150))
                c["marital_purpose"] = "Làm thủ tục chuyển nhượng quyền sử dụng đất"
                docs.append((lambda ctx: X.make_marital(ctx), "Giấy xác nhận tình trạng hôn nhân", "Bản chính", 1))
        else:
            c.update(land_applicant=holder, land_spouse=spouse)
            applicant = holder
            if key == "land_first":
                docs.append((lambda ctx: X.make_app_land(ctx, "land_first"), "Đơn đăng ký đất đai, tài sản gắn liền với đất", "Bản chính", 1))
                docs.append(idc(holder))
            elif key == "gcn_renew":
                docs.append((lambda ctx: X.make_app_land(ctx, "gcn_renew"), "Đơn đề nghị cấp đổi, cấp lại Giấy chứng nhận", "Bản chính", 1))
                docs.append((lambda ctx: X.make_gcn(ctx), "Giấy chứng nhận đã cấp", "Bản chính", 1))
                docs.append(idc(holder))
            else:
                fl = r.randint(1, 5)
                fp = r.randint(40, 160)
                c["construction"] = {"designer": r.choice(["Công ty TNHH Tư vấn thiết kế xây dựng Phú An", "Công ty Cổ phần Kiến trúc Nhà Việt", "Công ty TNHH Xây dựng Thành Đạt"]),
                                     "cert": f"{r.choice(['HCM', 'HAN', 'CAT', 'DAN', 'BID'])}-{r.randint(10000, 99999)}", "grade": r.choice(["III", "IV"]),
                                     "footprint": fp, "floor_area": fp * fl, "height": f"{3.6 * fl + r.uniform(0.5, 2.5):.1f}".replace(".", ","),
                                     "floors": fl, "months": r.randint(4, 14)}
                docs.append((lambda ctx: X.make_gpxd(ctx), "Đơn đề nghị cấp giấy phép xây dựng", "Bản chính", 1))
                docs.append((lambda ctx: X.make_gcn(ctx), "Giấy chứng nhận quyền sử dụng đất", "Bản sao có chứng thực", 1))
                docs.append(idc(holder))
    else:  # hkd
        applicant = P(age=(20, 65))
        assign_card(applicant, received, r)
        baddr = people.address(prov=prov)[0]
        nlines = r.randint(1, 3)
        kind = r.choice(D.BUSINESS_NAMES)
        c["business"] = {"name": f"HỘ KINH DOANH {kind} {D.upper_vi(applicant['full_name'].split()[-1])}", "address": baddr,
                         "lines": r.sample(D.BUSINESS_LINES, nlines), "capital": r.choice([30, 50, 80, 100, 150, 200, 300, 500]) * 1_000_000,
                         "workers": r.randint(1, 9), "code": f"{prov[1][1:]}{r.choice(['A', 'B', 'C', 'D', 'E', 'M', 'N'])}{r.randint(8000000, 8999999)}"}
        docs.append((lambda ctx: X.make_hkd(ctx), "Giấy đề nghị đăng ký hộ kinh doanh", "Bản chính", 1))
        docs.append(idc(applicant))
    # who handed the dossier in
    if r.random() < 0.2:
        attorney = P(age=(22, 65))
        assign_card(attorney, received, r)
        docs.append((lambda ctx: X.make_poa(ctx), "Giấy ủy quyền", "Bản chính", 1))
        if r.random() < 0.3:
            docs.append(idc(attorney))
    c["applicant"] = applicant
    c["attorney"] = attorney
    c["submitter"] = attorney or applicant
    # the physical order: the form first, the rest shuffled a little
    head, rest = docs[0], docs[1:]
    if r.random() < 0.5:
        r.shuffle(rest)
    docs = [head] + rest
    if r.random() < 0.1 and len(docs) > 2:
        docs = docs[1:] + docs[:1]
    # what the receipt lists (in its own order, the documents actually submitted)
    c["receipt_items"] = [(name, form, n if r.random() < 0.8 else 2) for _, name, form, n in docs]
    return c, people, docs


class Ctx:
    def __init__(self, r, nr, people, case):
        self.r, self.nr, self.people, self.case = r, nr, people, case


# ---------------------------------------------------------------- scanning plan


def choose_session(r, duplex):
    dpi = r.choices([150, 200, 300, 400], weights=[12, 43, 33, 12])[0]
    if dpi == 400:
        mode = r.choices(["bilevel", "gray"], weights=[60, 40])[0]
    else:
        mode = r.choices(["rgb", "gray", "bilevel"], weights=[25, 50, 25])[0]
    if mode == "bilevel":
        fmt = r.choices(["tiff", "png"], weights=[70, 30])[0]
    elif mode == "gray":
        fmt = r.choices(["pdf", "tiff", "jpeg", "png"], weights=[40, 25, 25, 10 if dpi <= 200 else 0])[0]
    else:
        fmt = r.choices(["pdf", "jpeg", "png"], weights=[50, 40, 10 if dpi <= 200 else 0])[0]
    q = r.randint(45, 85) if dpi < 300 else r.randint(40, 70)
    if dpi == 400:
        q = r.randint(35, 55)
    return {"levels": fmt == "png" or r.random() < 0.5, "dpi": dpi, "color_mode": mode, "format": fmt, "jpeg_quality": q if mode != "bilevel" else None,
            "compression": ("group4" if mode == "bilevel" else "jpeg") if fmt == "tiff" else None, "duplex": duplex}


def render_doc(doc, ctx, session, nr):
    mode = "RGB" if session["color_mode"] == "rgb" else "L"
    pages = R.layout(doc.blocks, doc.style, session["dpi"], mode, nr, size_mm=doc.size_mm,
                     decorate=doc.decorate, max_pages=doc.max_pages)
    if doc.post:
        doc.post(pages, nr)
    return pages


def separator_page(r, nr, dpi, mode):
    pg = R.Page(dpi, (210, 297), mode)
    size = pg.mm(r.uniform(28, 55))
    x = (pg.w - size) / 2 + pg.mm(r.uniform(-30, 30))
    y = pg.mm(r.uniform(45, 130))
    R.draw_qr(pg, x, y, size, "SEPARATOR", ec=r.choice("MQH"))
    fam = r.choice(R.SANS + R.SERIF)
    f = R.font(fam, pg.pt(r.uniform(26, 44)), bold=True)
    s = "TRANG PHÂN CÁCH"
    ty = y + size + pg.mm(r.uniform(10, 30))
    pg.text((pg.w - f.getlength(s)) / 2, ty, s, f, (15, 15, 15))
    if r.random() < 0.5:
        pg.draw.rectangle([pg.mm(15), pg.mm(15), pg.w - pg.mm(15), pg.h - pg.mm(15)], outline=pg.color((20, 20, 20)), width=int(pg.mm(1.5)))
    return pg


def plan_orientation(r, landscape, doc_flip):
    if landscape:
        return r.choices([0, 90, 270], weights=[30, 35, 35])[0]
    if doc_flip:
        return 180
    return r.choices([0, 180, 90, 270], weights=[90, 5, 2.5, 2.5])[0]


def plan_skew(r):
    s = max(-3.0, min(3.0, r.gauss(0, 0.9)))
    if r.random() < 0.1:
        s = r.choice([-1, 1]) * r.uniform(1.5, 3.0)
    return round(s, 3)


# ---------------------------------------------------------------- one batch


def make_batch(out_dir, batch_no, seed):
    bseed = int(hashlib.sha256(f"sohoa-gen:{VERSION}:{seed}:{batch_no}".encode()).hexdigest()[:12], 16)
    r = random.Random(bseed)
    nr = np.random.default_rng(bseed)
    batch_id = f"batch_{batch_no:03d}"
    bdir = Path(out_dir) / batch_id
    bdir.mkdir(parents=True, exist_ok=True)
    for f in bdir.iterdir():
        f.unlink()
    case, people, docs = build_case(r, nr, batch_id, pick_procedure(seed, batch_no))
    ctx = Ctx(r, nr, people, case)
    receipt_position = r.choices(["first", "last", "none"], weights=[60, 15, 25])[0]
    makers = [d[0] for d in docs]
    if receipt_position == "first":
        makers = [X.make_receipt] + makers
    elif receipt_position == "last":
        makers = makers + [X.make_receipt]
    made = [m(ctx) for m in makers]
    duplex = r.random() < 0.45
    has_sep = r.random() < 0.2
    # scan sessions: contiguous runs of documents with one scanner set-up
    n_sess = min(len(made), r.choices([1, 2, 3, 4], weights=[45, 35, 15, 5])[0])
    cuts = sorted(r.sample(range(1, len(made)), n_sess - 1)) if n_sess > 1 else []
    sessions = []
    for k in range(n_sess):
        s = choose_session(r, duplex if r.random() < 0.85 else not duplex)
        sessions.append(s)
    doc_sess = []
    k = 0
    for i in range(len(made)):
        if k < len(cuts) and i >= cuts[k]:
            k += 1
        doc_sess.append(k)
    # pages in scan order: (session index, kind, doc index, upright Page or None, front Page for blanks, look, orientation)
    seq = []
    for i, doc in enumerate(made):
        s = sessions[doc_sess[i]]
        if has_sep and i > 0 and r.random() < 0.9:
            sp = separator_page(r, nr, s["dpi"], "RGB" if s["color_mode"] == "rgb" else "L")
            seq.append({"sess": doc_sess[i], "kind": "separator", "doc": None, "page": sp, "look": r.choice(["clean", "medium"]), "orient": 0})
            if s["duplex"]:
                seq.append({"sess": doc_sess[i], "kind": "blank", "doc": None, "page": None, "front": sp, "look": "clean", "orient": 0})
        pages = render_doc(doc, ctx, s, nr)
        look = r.choices(list(LOOKS), weights=[LOOKS[k_] + (15 if (k_ == "photocopy" and doc.type == "id_card") else 0) for k_ in LOOKS])[0]
        if look == "jpeg" and s["color_mode"] == "bilevel":
            look = "medium"
        landscape = doc.size_mm[0] > doc.size_mm[1]
        doc_flip = r.random() < 0.06
        printed_duplex = len(pages) > 1 and (r.random() < 0.35 or doc.type == "land_use_certificate" and doc.variant == "gcn2024")
        page_look = look
        for j, pg in enumerate(pages):
            if r.random() < 0.08:
                page_look = r.choices(list(LOOKS), weights=list(LOOKS.values()))[0]
                if page_look == "jpeg" and s["color_mode"] == "bilevel":
                    page_look = "medium"
            o = plan_orientation(r, landscape, doc_flip)
            seq.append({"sess": doc_sess[i], "kind": "content", "doc": i, "page": pg, "look": page_look, "orient": o, "dpage": j + 1})
            if s["duplex"]:
                back_blank = (not printed_duplex) or (j == len(pages) - 1 and len(pages) % 2 == 1)
                if printed_duplex and j % 2 == 0 and j + 1 < len(pages):
                    back_blank = False
                if back_blank:
                    seq.append({"sess": doc_sess[i], "kind": "blank", "doc": i, "page": None, "front": pg, "look": page_look,
                                "orient": o if r.random() < 0.8 else r.choice([0, 180])})
            elif r.random() < 0.04:
                seq.append({"sess": doc_sess[i], "kind": "blank", "doc": i, "page": None, "front": pg, "look": page_look, "orient": o})
    # files: single-page formats get one file per page; multi-page formats one file per session, sometimes split
    files = []  # {fmt, sess, items: [seq index]}
    for si, s in enumerate(sessions):
        idx = [n for n, e in enumerate(seq) if e["sess"] == si]
        if not idx:
            continue
        if s["format"] in ("png", "jpeg"):
            for n in idx:
                files.append({"sess": si, "items": [n]})
        else:
            parts = 1 if len(idx) < 3 or r.random() < 0.7 else r.choice([2, 2, 3])
            bounds = sorted(r.sample(range(1, len(idx)), min(parts - 1, len(idx) - 1))) if parts > 1 else []
            prev = 0
            for b in bounds + [len(idx)]:
                files.append({"sess": si, "items": idx[prev:b]})
                prev = b
    # scan and write
    ext = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}
    truth_pages = []
    truth_files = []
    page_no = 0
    doc_pages = collections.defaultdict(list)
    doc_blanks = collections.defaultdict(list)
    for fi, f in enumerate(files, 1):
        s = sessions[f["sess"]]
        name = f"scan_{fi:03d}.{ext[s['format']]}"
        images = []
        first_page = page_no + 1
        for fp, n in enumerate(f["items"], 1):
            e = seq[n]
            page_no += 1
            lp = S.look_params(e["look"] if e["kind"] == "content" else ("clean" if e["look"] in ("faded",) else e["look"]), s["dpi"], nr)
            lp["levels"] = s["levels"]
            if e["kind"] == "blank":
                front = e["front"]
                up = Image.new(front.img.mode, front.img.size, 255 if front.img.mode == "L" else (255, 255, 255))
                show = front.img if r.random() < 0.6 else None
                lp["dust"] = int(nr.integers(3, 40))
                lp["fade"] = None
                lines, boxes, qrs, seals = [], [], [], []
            else:
                pg = e["page"]
                up = pg.img
                show = None
                lines = [t for t, _ in pg.lines]
                boxes = [b for _, b in pg.lines]
                qrs = pg.qr
                seals = pg.seals
            skew = plan_skew(r)
            img = S.scan(up, lp, e["orient"], skew, s["color_mode"], nr, s["dpi"], show=show)
            images.append(img)
            di = e["doc"]
            if e["kind"] == "content":
                doc_pages[di].append(page_no)
            elif e["kind"] == "blank" and di is not None:
                doc_blanks[di].append(page_no)
            scan_info = {"dpi": s["dpi"], "color_mode": s["color_mode"], "quality_tier": S.TIERS[lp["look"]], "look": lp["look"],
                         "blur_sigma_px": round(lp["blur"], 2), "noise_sigma": round(lp["noise"], 2)}
            if lp["fade"] is not None:
                scan_info["faded_ink_level"] = round(lp["fade"], 1)
            if lp["jpeg_q"]:
                scan_info["jpeg_artefact_quality"] = lp["jpeg_q"]
            if s["jpeg_quality"] and s["format"] != "png":
                scan_info["jpeg_quality"] = s["jpeg_quality"]
            if e["kind"] == "blank" and show is not None:
                scan_info["show_through"] = True
            truth_pages.append({
                "page": page_no, "file": name, "file_page": fp, "kind": e["kind"],
                "blank": e["kind"] == "blank", "separator": e["kind"] == "separator",
                "document_index": di if e["kind"] != "separator" else None,
                "document_type": made[di].type if di is not None and e["kind"] != "separator" else None,
                "document_page": e.get("dpage") if e["kind"] == "content" else None,
                "rotation": {"orientation_deg": e["orient"], "skew_deg": skew},
                "scan": scan_info, "width_px": img.size[0], "height_px": img.size[1],
                "lines": lines, "line_boxes": boxes, "qr_codes": qrs, "seals": seals,
            })
        path = bdir / name
        fmt = s["format"]
        if fmt == "png":
            W.write_png(path, images[0], s["dpi"])
        elif fmt == "jpeg":
            W.write_jpeg(path, images[0], s["dpi"], s["jpeg_quality"])
        elif fmt == "tiff":
            W.write_tiff(path, images, s["dpi"], s["compression"], s["jpeg_quality"] or 75)
        else:
            W.write_pdf(path, images, s["dpi"], s["jpeg_quality"], when=case["received"].strftime("D:%Y%m%d") + f"{case['recv_time'][0]:02d}{case['recv_time'][1]:02d}00Z")
        b = path.read_bytes()
        entry = {"file": name, "format": fmt, "pages": len(images), "first_page": first_page, "bytes": len(b),
                 "sha256": hashlib.sha256(b).hexdigest(), "dpi": s["dpi"], "color_mode": s["color_mode"]}
        if fmt == "tiff":
            entry["compression"] = s["compression"]
        if s["jpeg_quality"] and fmt in ("pdf", "jpeg") or (fmt == "tiff" and s["compression"] == "jpeg"):
            entry["jpeg_quality"] = s["jpeg_quality"]
        truth_files.append(entry)
    documents = []
    for i, d in enumerate(made):
        pages = doc_pages[i]
        documents.append({
            "index": i, "type": d.type, "variant": d.variant, "title": d.title, "pages": pages,
            "page_range": [pages[0], pages[-1]] if pages else None, "blank_pages": doc_blanks[i], "num_pages": len(pages),
            "key_fields": d.key_fields, "source": d.source,
            "layout": {"font": d.style.family, "size_pt": d.style.size, "page_mm": list(d.size_mm)},
        })
    app = case["applicant"]
    truth = {
        "schema_version": 1,
        "batch_id": batch_id,
        "case_code": case["code"],
        "agency": case["agency"],
        "procedure": case["procedure"],
        "procedure_key": case["procedure_key"],
        "received_date": D.ddmmyyyy(case["received"]),
        "receipt_position": receipt_position,
        "applicant": {"role": "applicant", "full_name": app["full_name"], "id_number": app["id_number"], "date_of_birth": D.ddmmyyyy(app["dob"])},
        "submitter": {"role": "attorney" if case["attorney"] else "applicant", "full_name": case["submitter"]["full_name"]},
        "duplex": any(s["duplex"] for s in sessions),
        "has_separators": any(p["kind"] == "separator" for p in truth_pages),
        "num_pages": len(truth_pages),
        "num_documents": len(documents),
        "files": truth_files,
        "documents": documents,
        "pages": truth_pages,
        "generator": {"name": "bench/gen", "version": VERSION, "seed": seed, "batch": batch_no, "batch_seed": bseed},
    }
    if receipt_position != "none":
        rd = made[0] if receipt_position == "first" else made[-1]
        truth["receipt"] = {"variant": rd.variant, "code_label": rd.code_label, "qr": rd.qr_pos, "qr_damage": rd.qr_damage, "qr_data": rd.qr_data}
    (bdir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=str))
    return truth


def manifest(out, truths, seed, elapsed):
    by_type = collections.Counter()
    by_kind = collections.Counter()
    by_fmt = collections.Counter()
    by_look = collections.Counter()
    by_orient = collections.Counter()
    by_dpi = collections.Counter()
    by_variant = collections.Counter()
    total = 0
    batches = []
    for t in truths:
        for d in t["documents"]:
            by_type[d["type"]] += 1
            by_variant[f"{d['type']}/{d['variant']}"] += 1
        for p in t["pages"]:
            by_kind[p["kind"]] += 1
            if p["kind"] == "content":
                by_look[p["scan"]["look"]] += 1
                by_orient[str(p["rotation"]["orientation_deg"])] += 1
            by_dpi[str(p["scan"]["dpi"])] += 1
        size = 0
        for f in t["files"]:
            key = f["format"] if f["format"] != "tiff" else f"tiff/{f['color_mode'] if f['color_mode'] != 'rgb' else 'rgb'}"
            by_fmt[key] += 1
            size += f["bytes"]
        total += size
        batches.append({"batch_id": t["batch_id"], "num_pages": t["num_pages"], "num_documents": t["num_documents"], "bytes": size,
                        "files": [f["file"] for f in t["files"]], "receipt_position": t["receipt_position"], "procedure_key": t["procedure_key"]})
    m = {"schema_version": 1, "num_batches": len(truths), "total_bytes": total,
         "generator": {"name": "bench/gen", "version": VERSION, "seed": seed, "seconds": round(elapsed, 1)},
         "documents_by_type": dict(sorted(by_type.items())), "documents_by_variant": dict(sorted(by_variant.items())),
         "pages_by_kind": dict(by_kind), "files_by_format": dict(sorted(by_fmt.items())),
         "content_pages_by_look": dict(sorted(by_look.items())), "content_pages_by_orientation": dict(sorted(by_orient.items())),
         "pages_by_dpi": dict(sorted(by_dpi.items())), "batches": batches}
    (Path(out) / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=1))
    return m


def _one(args):
    out, i, seed = args
    t0 = time.time()
    t = make_batch(out, i, seed)
    return i, t, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--batches", type=int, required=True)
    ap.add_argument("--start", type=int, default=1, help="first batch number (to make a part of a set)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output is the same for any value)")
    a = ap.parse_args()
    Path(a.out).mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    todo = [(a.out, i, a.seed) for i in range(a.start, a.start + a.batches)]
    results = {}
    if a.jobs > 1:
        import multiprocessing as mp
        with mp.Pool(a.jobs) as pool:
            for i, t, sec in pool.imap_unordered(_one, todo):
                results[i] = t
                print(f"batch_{i:03d}: {t['num_pages']} pages, {t['num_documents']} documents, {sec:.1f}s", file=sys.stderr)
    else:
        for job in todo:
            i, t, sec = _one(job)
            results[i] = t
            print(f"batch_{i:03d}: {t['num_pages']} pages, {t['num_documents']} documents, {sec:.1f}s", file=sys.stderr)
    # the manifest covers every batch in the folder
    truths = []
    for d in sorted(Path(a.out).glob("batch_*/truth.json")):
        truths.append(json.loads(d.read_text()))
    m = manifest(a.out, truths, a.seed, time.time() - t0)
    print(f"{m['num_batches']} batches, {m['total_bytes'] / 1e6:.1f} MB, {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
