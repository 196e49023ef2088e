#!/usr/bin/env python3
"""Helper of bench/compare.sh (standard library only).

    compare.py pages  WORK BATCH_DIR...   page lists (truth order) and --case codes
    compare.py sample PID OUT_FILE        peak summed PSS (KiB) of PID's process tree
    compare.py report WORK OPTIONS...     score the outputs, print and write the report
    compare.py selftest                   check the Levenshtein implementation

CER = Levenshtein distance / reference length, on text normalised by NFC with all
whitespace collapsed to single spaces (truth lines joined with a space), summed
over the content pages of the set (sum of distances / sum of reference lengths).
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path


# ---------------------------------------------------------------- Levenshtein

def levenshtein_dp(a, b):
    """Plain O(n*m) dynamic programme over two rows (reference implementation)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def levenshtein(a, b):
    """Same result as levenshtein_dp, bit-parallel (Myers 1999 / Hyyro 2001) with
    Python's unbounded ints: O(n) big-int steps of m bits; ~100x faster on pages."""
    # common prefix and suffix do not change the distance
    i = 0
    n = min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq = {}
    for k, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << k)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def selftest():
    rnd = random.Random(7)
    alphabet = "aăâbcdđeêoôơuư ĐỀỆ\u0301"
    for _ in range(3000):
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        if rnd.random() < 0.3:
            b = a[: rnd.randint(0, len(a))] + b[:5] + a[rnd.randint(0, len(a)):]
        assert levenshtein(a, b) == levenshtein_dp(a, b), (a, b)
    a = "".join(rnd.choice(alphabet) for _ in range(2000))
    b = "".join(c for c in a if rnd.random() > 0.05)
    t = time.time()
    d = levenshtein(a, b)
    t1 = time.time() - t
    assert d == levenshtein_dp(a, b)
    print(f"levenshtein ok ({t1 * 1000:.1f} ms for 2000 chars)")


def norm(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


# ---------------------------------------------------------------- batches

def batch_pages(batch_dir):
    """(truth, [(png stem, truth page)] in batch page order)."""
    truth = json.loads((Path(batch_dir) / "truth.json").read_text())
    name = Path(batch_dir).name
    out = []
    for p in sorted(truth["pages"], key=lambda p: p["page"]):
        stem = p["file"].rsplit(".", 1)[0]
        out.append((f"{name}__{stem}__p{p['file_page']:03d}", p))
    return truth, out


def cmd_pages(work, batches):
    """Write WORK/in/<batch>.list (PNG stems, batch order), WORK/all.list and
    WORK/case/<batch> (the --case code, empty when the receipt carries it)."""
    work = Path(work)
    (work / "in").mkdir(exist_ok=True)
    (work / "case").mkdir(exist_ok=True)
    have = {p.stem for p in (work / "pages").glob("*.png")}
    wanted = set()
    all_stems = []
    for b in batches:
        truth, pages = batch_pages(b)
        name = Path(b).name
        stems = [s for s, _ in pages]
        missing = [s for s in stems if s not in have]
        if missing:
            sys.exit(f"compare.py: no PNG written for {missing[:3]} ...")
        (work / "in" / f"{name}.list").write_text("".join(s + "\n" for s in stems))
        all_stems += stems
        wanted |= set(stems)
        case = truth["case_code"] if truth.get("receipt_position") == "none" else ""
        (work / "case" / name).write_text(case)
    extra = sorted(have - wanted)
    if extra:
        sys.exit(f"compare.py: PNGs without a truth page: {extra[:3]} ...")
    (work / "all.list").write_text("".join(s + "\n" for s in all_stems))


# ---------------------------------------------------------------- memory sampler

IGNORED = {"time", "env", "sh", "bash", "xargs", "dash"}


def _pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:  # no smaps_rollup: fall back to RSS
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1: s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    return comm, rest[0], int(rest[1])  # comm, state, ppid


def cmd_sample(pid, out, interval=0.1):
    """Poll the process tree under PID; write the peak of the summed PSS (KiB) of
    its processes (wrappers like time/env/sh/xargs left out) when PID ends."""
    pid = int(pid)
    peak = 0
    while True:
        st = _stat(pid)
        if st is None or st[1] in "ZX":
            break
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                s = _stat(d)
                if s:
                    children.setdefault(s[2], []).append((int(d), s[0]))
        total = 0
        stack = [pid]
        while stack:
            p = stack.pop()
            for c, comm in children.get(p, ()):
                stack.append(c)
                if comm not in IGNORED:
                    total += _pss_kib(c)
        peak = max(peak, total)
        time.sleep(interval)
    Path(out).write_text(f"{peak}\n")


# ---------------------------------------------------------------- report

TOOLS = [
    ("sohoa", "sohoa process"),
    ("tesseract", "tesseract CLI loop"),
    ("ocrmypdf", "OCRmyPDF (defaults)"),
    ("ocrmypdf-rd", "OCRmyPDF --rotate-pages --deskew"),
]


def run(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def first_line(s):
    return s.splitlines()[0].strip() if s else "not found"


class Score:
    def __init__(self):
        self.dist = self.ref = self.pages = 0
        self.dist180 = self.ref180 = self.pages180 = 0
        self.missing = 0

    def add(self, ref, hyp, rot):
        r = norm(ref)
        h = norm(hyp) if hyp is not None else ""
        d = levenshtein(r, h)
        self.dist += d
        self.ref += len(r)
        self.pages += 1
        if hyp is None:
            self.missing += 1
        if rot == 180:
            self.dist180 += d
            self.ref180 += len(r)
            self.pages180 += 1

    def cer(self):
        return f"{100 * self.dist / self.ref:.2f} %" if self.ref else "n/a"

    def cer180(self):
        return f"{100 * self.dist180 / self.ref180:.2f} %" if self.ref180 else "n/a"


def texts_tesseract(out, batch, stems):
    res = {}
    for s in stems:
        f = out / f"{s}.txt"
        res[s] = f.read_text() if f.exists() else None
    return res, sum((out / f"{s}.txt").stat().st_size for s in stems if (out / f"{s}.txt").exists())


def texts_ocrmypdf(out, batch, stems, warn):
    side = out / f"{batch}.txt"
    chunks = side.read_text().split("\f") if side.exists() else []
    # the sidecar ends every page with \f, so a trailing empty chunk may follow
    if len(chunks) == len(stems) + 1 and not chunks[-1].strip():
        chunks = chunks[:-1]
    if len(chunks) != len(stems):
        warn.append(f"{out.name}/{batch}: sidecar has {len(chunks)} pages, input {len(stems)}")
    res = {s: (chunks[i] if i < len(chunks) else None) for i, s in enumerate(stems)}
    pdf = out / f"{batch}.pdf"
    return res, (pdf.stat().st_size if pdf.exists() else 0)


def cmd_report(a):
    work = Path(a.work)
    runs = [l.split() for l in (work / "runs.tsv").read_text().splitlines() if l.strip()]
    batches = a.batches
    warn = []

    # timings
    per_tool = {}
    for tool, rep, secs, maxrss, pss in runs:
        t = per_tool.setdefault(tool, {"secs": [], "maxrss": [], "pss": []})
        t["secs"].append(float(secs))
        t["maxrss"].append(int(maxrss))
        t["pss"].append(int(pss))

    total_pages = 0
    kinds = {"content": 0, "blank": 0, "separator": 0}
    scores = {t: Score() for t, _ in TOOLS}
    per_batch = {t: {} for t, _ in TOOLS}
    out_bytes = {t: 0 for t, _ in TOOLS}
    sohoa_doc_pages = 0
    acc = {"case": 0, "case_given": 0, "docs": 0, "exact": 0, "type_first": 0, "pageset": 0,
           "drop_tp": 0, "drop_fp": 0, "drop_fn": 0, "docs_made": 0}
    for b in batches:
        name = Path(b).name
        truth, pages = batch_pages(b)
        stems = [s for s, _ in pages]
        total_pages += len(pages)
        for _, p in pages:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        hyps = {}
        hyps["tesseract"], nb = texts_tesseract(work / "out" / "tesseract", name, stems)
        out_bytes["tesseract"] += nb
        for t in ("ocrmypdf", "ocrmypdf-rd"):
            hyps[t], nb = texts_ocrmypdf(work / "out" / t, name, stems, warn)
            out_bytes[t] += nb

        # sohoa: document pages[i] -> i-th \f chunk of its text file
        sdir = work / "out" / "sohoa"
        rec = json.loads((sdir / f"{name}.json").read_text())
        by_file = {(p["file"], p["file_page"]): p["page"] for _, p in pages}
        stem_of_page = {p["page"]: s for s, p in pages}
        sohoa_text = {s: None for s in stems}
        sdocs = []
        for d in rec.get("documents", []):
            chunks = (sdir / "store" / d["text"]["key"]).read_text().split("\f")
            if len(chunks) == len(d["pages"]) + 1 and not chunks[-1].strip():
                chunks = chunks[:-1]
            if len(chunks) != len(d["pages"]):
                warn.append(f"sohoa/{name}/{d.get('id')}: text has {len(chunks)} chunks for {len(d['pages'])} pages")
            bp = []
            for i, p in enumerate(d["pages"]):
                page = by_file.get((p["source"], p["page"]))
                if page is None:
                    warn.append(f"sohoa/{name}: page {p['source']}#{p['page']} not in truth")
                    continue
                bp.append(page)
                if i < len(chunks):
                    sohoa_text[stem_of_page[page]] = chunks[i]
            sdocs.append((d["type"], set(bp)))
            sohoa_doc_pages += len(d["pages"])
            out_bytes["sohoa"] += d["pdf"]["bytes"]
        hyps["sohoa"] = sohoa_text

        # CER over content pages
        for t, _ in TOOLS:
            bs = per_batch[t].setdefault(name, Score())
            for s, p in pages:
                if p["kind"] != "content":
                    continue
                ref = " ".join(p["lines"])
                rot = p.get("rotation", {}).get("orientation_deg", 0)
                scores[t].add(ref, hyps[t].get(s), rot)
                bs.add(ref, hyps[t].get(s), rot)

        # sohoa accuracy
        acc["case"] += rec.get("case_code") == truth["case_code"]
        acc["case_given"] += truth.get("receipt_position") == "none"
        acc["docs_made"] += len(sdocs)
        first_of = {min(ps): ty for ty, ps in sdocs if ps}
        for d in truth["documents"]:
            tp = set(d["pages"])
            acc["docs"] += 1
            acc["exact"] += any(ty == d["type"] and ps == tp for ty, ps in sdocs)
            acc["pageset"] += any(ps == tp for _, ps in sdocs)
            acc["type_first"] += first_of.get(min(tp)) == d["type"]
        skipped = {by_file.get((p["source"], p["page"])) for p in rec.get("skipped_pages", [])}
        for _, p in pages:
            drop_truth = p["kind"] != "content"
            drop = p["page"] in skipped
            acc["drop_tp"] += drop and drop_truth
            acc["drop_fp"] += drop and not drop_truth
            acc["drop_fn"] += drop_truth and not drop

    # ---- figures
    def med(t, k):
        return statistics.median(per_tool[t][k]) if t in per_tool else float("nan")

    sohoa_pps = total_pages / med("sohoa", "secs")
    rows = []
    for t, label in TOOLS:
        if t not in per_tool:
            continue
        secs = med(t, "secs")
        pps = total_pages / secs
        if t == "sohoa":
            bpp = out_bytes[t] / max(sohoa_doc_pages, 1)
        else:
            bpp = out_bytes[t] / total_pages
        rows.append((label, f"{secs:.1f}", f"{pps:.3f}", f"{pps / sohoa_pps:.2f}",
                     f"{max(per_tool[t]['maxrss']) / 1024:.0f}", f"{max(per_tool[t]['pss']) / 1024:.0f}",
                     f"{bpp / 1024:.1f}", scores[t].cer(), scores[t].cer180()))

    # ---- machine and versions
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    head = run(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"])
    ocrmypdf_logs = sorted((work / "out" / "ocrmypdf").glob("*.log"))
    gs_skipped = sum("skipping Ghostscript" in f.read_text() for f in ocrmypdf_logs)
    pdfa = sum("Output file is a PDF/A" in f.read_text() for f in ocrmypdf_logs)

    L = []
    L.append("# sohoa vs tesseract CLI vs OCRmyPDF")
    L.append("")
    L.append(f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    L.append(f"- Commit: `{head}`" + (" (working tree has uncommitted changes)" if dirty else ""))
    ls = work / "load_start"
    load = (f"1-minute load average {ls.read_text().strip()} at the start, " if ls.exists() else "1-minute load average ") \
        + f"{os.getloadavg()[0]:.2f} at the end"
    L.append(f"- Machine: {os.cpu_count()} cores (nproc {a.jobs}), {mem_kib / 1048576:.1f} GiB memory, {cpu}; {load}")
    L.append(f"- Set: {total_pages} pages ({kinds.get('content', 0)} content, {kinds.get('blank', 0)} blank, "
             f"{kinds.get('separator', 0)} separator) in {len(batches)} batches from `{a.samples}`: "
             + ", ".join(Path(b).name for b in batches))
    L.append(f"- Repeats: {a.repeats}, tools interleaved (start rotated each round); seconds are medians, memory is the maximum over runs")
    L.append(f"- Parallelism: {a.jobs} (sohoa `--threads {a.jobs}`, `xargs -P {a.jobs}` of tesseract with "
             f"OMP_THREAD_LIMIT=1, OCRmyPDF `--jobs {a.jobs}`)")
    L.append("- Versions: " + "; ".join([
        f"sohoa: {first_line(run([a.sohoa, '--version']))}",
        f"tesseract: {first_line(run(['tesseract', '--version']))} "
        f"({first_line(run(['tesseract', '--version']).split(chr(10), 1)[-1])})",
        f"OCRmyPDF: {first_line(run([a.ocrmypdf, '--version']))} ({a.ocrmypdf_source})",
        f"img2pdf: {first_line(run([a.img2pdf, '--version']))}",
        f"Ghostscript: {first_line(run(['gs', '--version']))}",
        f"Python: {platform.python_version()}",
    ]))
    L.append("")
    L.append("| tool | seconds | pages/s | ratio to sohoa | peak RSS one process (MiB) | peak PSS process tree (MiB) "
             "| output KiB / page | CER | CER 180° pages |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        L.append("| " + " | ".join(r) + " |")
    L.append("")
    n180 = scores["sohoa"].pages180
    L.append(f"CER over {scores['sohoa'].pages} content pages ({scores['sohoa'].ref} reference characters; "
             f"{n180} scanned upside down). Pages/s counts all {total_pages} pages, blanks and separators included, "
             f"the same input for every tool.")
    L.append("")
    L.append("### CER per batch")
    L.append("")
    L.append("| batch | content pages | " + " | ".join(label for t, label in TOOLS if t in per_tool) + " |")
    L.append("|---|---:|" + "---:|" * sum(t in per_tool for t, _ in TOOLS))
    for b in batches:
        name = Path(b).name
        L.append(f"| {name} | {per_batch['sohoa'][name].pages} | "
                 + " | ".join(per_batch[t][name].cer() for t, _ in TOOLS if t in per_tool) + " |")
    L.append("")
    L.append("### sohoa: splitting and classification")
    L.append("")
    d = acc["docs"] or 1
    L.append("| figure | value |")
    L.append("|---|---:|")
    refused_file = work / "out" / "sohoa" / "refused"
    refused = refused_file.read_text().split() if refused_file.exists() else []
    L.append(f"| case code correct | {acc['case']}/{len(batches)} ({acc['case_given']} of them given with `--case`, no receipt) |")
    L.append(f"| refused for want of a case code, then given it with `--case` | {len(refused)} |")
    L.append(f"| documents: type and exact page set | {acc['exact']}/{acc['docs']} ({100 * acc['exact'] / d:.1f} %) |")
    L.append(f"| documents: exact page set | {acc['pageset']}/{acc['docs']} ({100 * acc['pageset'] / d:.1f} %) |")
    L.append(f"| documents: type (matched by first page) | {acc['type_first']}/{acc['docs']} ({100 * acc['type_first'] / d:.1f} %) |")
    L.append(f"| documents made / in truth | {acc['docs_made']}/{acc['docs']} |")
    L.append(f"| blank/separator pages dropped | {acc['drop_tp']}/{acc['drop_tp'] + acc['drop_fn']}, "
             f"content pages wrongly dropped {acc['drop_fp']} |")
    L.append(f"| content pages with no sohoa text (scored as all deleted) | {scores['sohoa'].missing} |")
    L.append("")
    L.append("### Notes")
    L.append("")
    L.append("- All tools read the same pages: the tesseract loop and OCRmyPDF get the PNGs that sohoa's own decoder "
             "writes (`examples/pages`), OCRmyPDF as one PDF per batch wrapped losslessly by img2pdf; sohoa reads the "
             "original scan files. sohoa runs once per batch with `OMP_THREAD_LIMIT=1`, a fresh store each repetition, "
             "and `--case` only where the batch has no receipt, or, as its error asks, where it refused a batch for "
             "want of a case code (that batch's two runs both count in its time).")
    L.append("- Seconds: sohoa and OCRmyPDF are the sum over batches of one process each (their start-up included); "
             "the tesseract loop is one `xargs -P` over all pages.")
    L.append("- Peak RSS one process: GNU time `%M`, which for a process tree is the largest single process "
             "(the tree is not summed): for the tesseract loop the largest tesseract process, for OCRmyPDF the largest "
             "of the Python parent and its tesseract/worker children. Peak PSS process tree: the sum of the "
             "proportional set size of every process of the tree (wrappers time/env/sh/xargs left out), sampled every "
             "0.1 s, so short peaks can be missed.")
    L.append(f"- Output per page: sohoa = bytes of its document PDFs / pages in its documents ({sohoa_doc_pages}); "
             f"OCRmyPDF = output PDF bytes / all {total_pages} input pages; tesseract = text bytes / all pages "
             "(text only, no PDF).")
    L.append(f"- OCRmyPDF defaults: output type `auto` (PDF/A when it can): {pdfa}/{len(ocrmypdf_logs)} outputs were "
             f"PDF/A, {gs_skipped}/{len(ocrmypdf_logs)} made without Ghostscript (speculative PDF/A conversion). "
             "Text from `--sidecar` (pages split at form feeds). OCRmyPDF runs tesseract with its own "
             "OMP_THREAD_LIMIT choice.")
    L.append("- CER: Levenshtein distance / reference length, NFC, whitespace collapsed to single spaces, truth `lines` "
             "joined with a space; summed over content pages. A content page a tool gave no text for counts as all "
             "characters deleted. sohoa's page text is the i-th form-feed chunk of its document's text for the "
             "document's i-th page.")
    for w in warn:
        L.append(f"- Warning: {w}")
    text = "\n".join(L) + "\n"
    print(text)
    Path(a.report).parent.mkdir(parents=True, exist_ok=True)
    Path(a.report).write_text(text)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "pages":
        cmd_pages(args[0], args[1:])
    elif cmd == "sample":
        cmd_sample(args[0], args[1])
    elif cmd == "selftest":
        selftest()
    elif cmd == "report":
        p = argparse.ArgumentParser(prog="compare.py report")
        p.add_argument("work")
        p.add_argument("--samples", required=True)
        p.add_argument("--repeats", type=int, required=True)
        p.add_argument("--jobs", type=int, required=True)
        p.add_argument("--report", required=True)
        p.add_argument("--sohoa", required=True)
        p.add_argument("--ocrmypdf", required=True)
        p.add_argument("--ocrmypdf-source", default="")
        p.add_argument("--img2pdf", required=True)
        p.add_argument("batches", nargs="+")
        cmd_report(p.parse_args(args))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
