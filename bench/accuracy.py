#!/usr/bin/env python3
"""Score `sohoa process` against ground truth (standard library only).

    accuracy.py [--sohoa BIN] [--json OUT] [--verbose] BATCH_DIR...

Each BATCH_DIR holds scans and a truth.json (format: ../shared/samples/README.md).
Each batch is processed into its own temporary store (a batch without a receipt
with the truth's case code, as a station gives it); the record is compared with
the truth and one summary is printed:

  content pages dropped   truth content pages of accepted batches that are in no document
  content pages in refused batches   truth content pages of batches refused as a whole (no record)
  blank pages kept        truth blank pages that ended up in a document
  case codes              found right, wrong, missing (by source)
  page sets exact         truth documents whose pages are exactly one document's
  types right             of truth documents matched to a document (most shared pages)
  wrong without review    typed wrong and not flagged for review
  sent to review          documents flagged needs_review
  key fields right        full_name, id_number, date_of_birth where the truth has them
  turned pages upright    truth content pages by the angle they were scanned at (0:
                          upright pages, counted where placed, left upright)

--verbose prints every document typed wrong (with the reason sohoa gave), every
page set not exact, and every key field read wrong or missed, to standard error. Use it on the tune
set only: the held-out set is scored, never looked at.
"""
import argparse
import collections
import json
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

FIELDS = ("full_name", "id_number", "date_of_birth")


def norm(s):
    return " ".join(unicodedata.normalize("NFC", str(s)).split()).casefold()


def process(sohoa, batch, truth):
    # A batch without a receipt comes with its case code from the station.
    case = ["--case", truth["case_code"]] if truth.get("receipt_position") == "none" else []
    with tempfile.TemporaryDirectory() as store:
        p = subprocess.run(
            [sohoa, "process", str(batch), "--store", store, "--json", *case],
            capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:] or ["exit %d" % p.returncode]
    return json.loads(p.stdout), None


VERBOSE = False


def say(msg):
    print(msg, file=sys.stderr)


def score(batch, truth, record, error, c):
    c["batches"] += 1
    pages = {(p["file"], p["file_page"]): p for p in truth["pages"]}
    content = {k for k, p in pages.items() if p["kind"] == "content"}
    blank = {k for k, p in pages.items() if p["kind"] == "blank"}
    c["content pages"] += len(content)
    c["truth documents"] += len(truth["documents"])
    if record is None:
        c["batches refused"] += 1
        c["content pages in refused batches"] += len(content)
        if truth.get("receipt_position") != "none":
            c["case code missing"] += 1
        print(f"{batch.name}: refused: {error[0] if error else '?'}", file=sys.stderr)
        return
    # Case code.
    if record["case_code"] == truth["case_code"]:
        c["case code right (%s)" % record["case_code_source"]] += 1
    else:
        c["case code wrong"] += 1
        print(
            f"{batch.name}: case code {record['case_code']} (from {record['case_code_source']}), truth {truth['case_code']}",
            file=sys.stderr,
        )
    # Pages.
    docs = []
    placed = {}
    for d in record["documents"]:
        ks = [(p["source"], p["page"]) for p in d["pages"]]
        docs.append((d, set(ks)))
        for p in d["pages"]:
            placed[(p["source"], p["page"])] = p
    dropped = content - placed.keys()
    c["content pages dropped"] += len(dropped)
    for k in sorted(dropped):
        print(f"{batch.name}: content page dropped: {k}", file=sys.stderr)
    if VERBOSE:
        # Every page left out as blank after it was read, with its truth and
        # measurements: how far content and blank pages lie apart.
        for s in record.get("skipped_pages", []):
            k = (s["source"], s["page"])
            if s["reason"] == "blank" and "faint marks only" in s.get("detail", ""):
                pr = s.get("prepare", {})
                say(f"{batch.name}: read and left out {k} (truth: {pages[k]['kind']}): "
                    f"ink {pr.get('ink_ratio')} faint {pr.get('faint_ratio')} "
                    f"paper {pr.get('paper')} noise {pr.get('noise')}")
    c["blank pages kept"] += len(blank & placed.keys())
    # Orientation.
    for k, p in pages.items():
        deg = p.get("rotation", {}).get("orientation_deg", 0)
        # A turned page not in a document counts as left turned; an
        # upright one counts only where it was placed.
        if p["kind"] != "content" or (not deg and k not in placed):
            continue
        c[f"turned {deg} pages"] += 1
        got = placed.get(k, {}).get("prepare", {}).get("rotated_deg", 0)
        if got == deg:
            c[f"turned {deg} pages upright"] += 1
        else:
            pr = placed.get(k, {}).get("prepare", {})
            say(f"{batch.name}: page {k} turned {deg} left at {got}: "
                f"by {pr.get('orientation_by')} conf {pr.get('orientation_conf')}")
    # Documents.
    c["documents"] += len(record["documents"])
    c["sent to review"] += sum(d["needs_review"] for d in record["documents"])
    for t in truth["documents"]:
        want = {(pages_by_no(truth, n)["file"], pages_by_no(truth, n)["file_page"]) for n in t["pages"]}
        best = max(docs, key=lambda dk: len(dk[1] & want), default=None)
        if best is None or not best[1] & want:
            c["documents not found"] += 1
            continue
        d, got = best
        c["page sets exact"] += got == want
        if VERBOSE and got != want:
            say(f"{batch.name}: {t['type']} pages {sorted(want)} came out as {d['type']} "
                f"pages {sorted(got)}")
        right = d["type"] == t["type"]
        c["types right"] += right
        if not right and not d["needs_review"]:
            c["wrong without review"] += 1
            print(f"{batch.name}: {t['type']} typed {d['type']} without review", file=sys.stderr)
        if right and not d["needs_review"]:
            c["types right without review"] += 1
        if VERBOSE and not right:
            say(f"{batch.name}: {t['type']} ({t.get('title')!r}) typed {d['type']}"
                f"{' for review' if d['needs_review'] else ''}: {d.get('reason')}")
        for f in FIELDS:
            if t["key_fields"].get(f):
                c[f"{f} present"] += 1
                got = d["fields"].get(f, "")
                c[f"{f} right"] += norm(got) == norm(t["key_fields"][f])
                c[f"{f} wrong"] += bool(got) and norm(got) != norm(t["key_fields"][f])
                if VERBOSE and norm(got) != norm(t["key_fields"][f]):
                    src = d.get("field_sources", {}).get(f)
                    say(f"{batch.name}: {t['type']} {f}: want {t['key_fields'][f]!r}, got {got!r} {src or ''}")


def pages_by_no(truth, n):
    return truth["pages"][n - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sohoa", default="target/release/sohoa")
    ap.add_argument("--json")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("batches", nargs="+", type=Path)
    a = ap.parse_args()
    global VERBOSE
    VERBOSE = a.verbose
    c = collections.Counter()
    for b in a.batches:
        truth = json.loads((b / "truth.json").read_text())
        record, error = process(a.sohoa, b, truth)
        score(b, truth, record, error, c)
    width = max(map(len, c))
    for k in sorted(c):
        print(f"{k:<{width}}  {c[k]}")
    if a.json:
        Path(a.json).write_text(json.dumps(c, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
