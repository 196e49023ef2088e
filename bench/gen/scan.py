"""What the scanner and the paper do to a printed page.

`scan()` takes an upright printed page (PIL image, L or RGB) and gives back the
image as the scanner stores it, after: the paper's condition (faded ink, bold
strokes), skew, turning (orientation), blur, photocopy contrast, speckle and
dark borders, sensor noise, dust, and the colour mode (rgb, gray, bilevel).
JPEG artefacts come from the writer's quality. Blur and noise are given at 200
dpi and scaled with the dpi.
"""
import numpy as np
from PIL import Image, ImageFilter

# look -> quality tier of the samples' truth (clean/medium/rough)
TIERS = {"clean": "clean", "medium": "medium", "noisy": "rough", "photocopy": "rough",
         "faded": "medium", "blurred": "rough", "bold": "medium", "jpeg": "medium"}


def look_params(look, dpi, rng):
    """Random parameters of one look (page-level scan condition)."""
    s = dpi / 200.0
    p = {"look": look, "blur": 0.0, "noise": 0.0, "fade": None, "bold": 0, "photocopy": False,
         "speckle": 0.0, "borders": False, "contrast": 1.0, "jpeg_q": None, "dust": int(rng.integers(0, 12))}
    if look == "clean":
        p["blur"] = rng.uniform(0.25, 0.7)
        p["noise"] = rng.uniform(0.8, 2.5)
    elif look == "medium":
        p["blur"] = rng.uniform(0.6, 1.1)
        p["noise"] = rng.uniform(2.5, 5.0)
        p["contrast"] = rng.uniform(0.85, 1.0)
    elif look == "noisy":
        p["blur"] = rng.uniform(0.8, 1.4)
        p["noise"] = rng.uniform(7.0, 14.0)
        p["contrast"] = rng.uniform(0.8, 0.95)
        p["dust"] = int(rng.integers(10, 80))
    elif look == "photocopy":
        p["blur"] = rng.uniform(0.5, 1.1)
        p["noise"] = rng.uniform(2.0, 5.0)
        p["photocopy"] = True
        p["speckle"] = rng.uniform(0.00015, 0.0012)
        p["borders"] = rng.random() < 0.8
        p["bold"] = int(rng.integers(0, 2))
    elif look == "faded":
        p["blur"] = rng.uniform(0.4, 1.0)
        p["noise"] = rng.uniform(1.5, 4.0)
        # ink printed light grey: the page's darkest strokes end up between 140 and 190
        p["fade"] = float(rng.uniform(140, 188))
    elif look == "blurred":
        p["blur"] = rng.uniform(1.6, 2.6)
        p["noise"] = rng.uniform(1.5, 4.0)
    elif look == "bold":
        p["blur"] = rng.uniform(0.4, 0.9)
        p["noise"] = rng.uniform(1.5, 4.0)
        p["bold"] = 1
    elif look == "jpeg":
        p["blur"] = rng.uniform(0.4, 0.9)
        p["noise"] = rng.uniform(1.0, 3.0)
        p["jpeg_q"] = int(rng.integers(18, 35))
    p["blur"] *= s
    return p


def _paper(shape, rgb, rng, tone):
    """Paper with a slight low-frequency unevenness."""
    h, w = shape[:2]
    small = rng.normal(0, 1.0, (max(2, h // 150), max(2, w // 150))).astype(np.float32)
    im = Image.fromarray(((small - small.min()) / (np.ptp(small) + 1e-6) * 255).astype(np.uint8))
    im = im.resize((w, h), Image.BILINEAR)
    var = (np.asarray(im, dtype=np.float32) / 255.0 - 0.5) * 6.0
    base = np.float32(tone) + var
    if rgb:
        tint = np.array([1.0, 0.995, 0.975], dtype=np.float32)
        return base[..., None] * tint[None, None, :]
    return base


def scan(img, p, orientation, skew, color_mode, rng, dpi, paper_tone=None, show=None):
    """Return (stored PIL image, info dict). `img` is the upright printed page.

    `show`: an upright image of the other side, printed through faintly (blank backsides)."""
    rgb = img.mode == "RGB"
    a = np.asarray(img, dtype=np.float32)
    # ink coverage 0..1 (1 = full ink) per channel
    cov = 1.0 - a / 255.0
    if p["bold"]:
        im = Image.fromarray(np.clip(255 - cov * 255, 0, 255).astype(np.uint8), img.mode)
        im = im.filter(ImageFilter.MinFilter(3 if dpi <= 300 else 5))
        cov = 1.0 - np.asarray(im, dtype=np.float32) / 255.0
    if p["fade"] is not None:
        cov = cov * ((255.0 - p["fade"]) / 255.0)
    if p["contrast"] != 1.0:
        cov = cov * p["contrast"]
    if show is not None:
        sh = np.asarray(show.convert(img.mode), dtype=np.float32)
        scov = 1.0 - sh / 255.0
        scov = scov[:, ::-1]  # seen through the paper: mirrored
        k = rng.uniform(0.02, 0.065)
        scov_im = Image.fromarray(np.clip(scov * 255, 0, 255).astype(np.uint8), img.mode)
        scov_im = scov_im.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.5) * dpi / 200))
        scov = np.asarray(scov_im, dtype=np.float32) / 255.0
        if scov.shape == cov.shape:
            cov = np.maximum(cov, scov * k)
    tone = paper_tone if paper_tone is not None else rng.uniform(238, 252)
    paper = _paper(a.shape, rgb, rng, tone)
    out = paper * (1.0 - cov)
    im = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), img.mode)
    fill = tuple(int(v) for v in paper[0, 0]) if rgb else int(paper[0, 0])
    if skew:
        im = im.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=fill)
    if orientation:
        im = im.rotate(orientation, expand=True)  # counter-clockwise; turn it clockwise to read it
    if p["blur"] > 0.05:
        im = im.filter(ImageFilter.GaussianBlur(p["blur"]))
    a = np.asarray(im, dtype=np.float32)
    h, w = a.shape[:2]
    if p["photocopy"]:
        # toner: steeper tone curve, darker darks, whiter whites
        a = np.clip((a - 70.0) * 1.45, 0, 255)
    if p["speckle"] > 0:
        n = int(h * w * p["speckle"] * 0.02)
        ys = rng.integers(0, h, n)
        xs = rng.integers(0, w, n)
        rad = max(1, int(dpi / 150))
        for yy, xx, rr in zip(ys, xs, rng.integers(1, rad + 2, n)):
            a[max(0, yy - rr // 2):yy + rr, max(0, xx - rr // 2):xx + rr] = rng.uniform(10, 70)
    if p["borders"]:
        m = np.zeros((h, w), dtype=np.float32)
        for side in rng.choice(4, size=int(rng.integers(1, 4)), replace=False):
            bw = max(2, int(rng.uniform(0.004, 0.03) * min(h, w)))
            ramp = np.linspace(1, 0, bw, dtype=np.float32) ** 0.5
            if side == 0:
                m[:bw] = np.maximum(m[:bw], ramp[:, None])
            elif side == 1:
                m[h - bw:] = np.maximum(m[h - bw:], ramp[::-1][:, None])
            elif side == 2:
                m[:, :bw] = np.maximum(m[:, :bw], ramp[None, :])
            else:
                m[:, w - bw:] = np.maximum(m[:, w - bw:], ramp[::-1][None, :])
        val = rng.uniform(15, 60)
        if rgb:
            m = m[..., None]
        a = a * (1 - m) + val * m
    # dust: small dark specks and the odd hair
    for _ in range(p["dust"]):
        yy, xx = int(rng.integers(0, h)), int(rng.integers(0, w))
        rr = int(rng.integers(1, max(2, dpi // 100) + 1))
        a[yy:yy + rr, xx:xx + rr] = np.minimum(a[yy:yy + rr, xx:xx + rr], rng.uniform(40, 140))
    if p["noise"] > 0:
        if rgb:
            a = a + rng.standard_normal(a.shape[:2], dtype=np.float32)[..., None] * p["noise"]
        else:
            a = a + rng.standard_normal(a.shape, dtype=np.float32) * p["noise"]
    if p.get("levels"):
        # the scanner's automatic levels: the paper becomes white
        med = float(np.median(a[::16, ::16]))
        white = max(120.0, med - 1.8 * p["noise"] - 3.0)
        a = a * (255.0 / white)
    a = np.clip(a, 0, 255).astype(np.uint8)
    im = Image.fromarray(a, "RGB" if rgb else "L")
    if color_mode == "gray" and rgb:
        im = im.convert("L")
    elif color_mode == "rgb" and not rgb:
        im = im.convert("RGB")
    elif color_mode == "bilevel":
        g = im.convert("L")
        ga = np.asarray(g)
        if p["fade"] is not None:
            # the scanner's auto threshold: half-way between paper and the faded ink
            thr = (float(np.percentile(ga, 90)) + p["fade"]) / 2.0
        else:
            thr = rng.uniform(115, 160)
        im = Image.fromarray(np.where(ga < thr, 0, 255).astype(np.uint8), "L").convert("1", dither=Image.NONE)
    if p["jpeg_q"] and color_mode != "bilevel":
        import io
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=p["jpeg_q"])
        buf.seek(0)
        im = Image.open(buf)
        im.load()
    return im


def blank_sheet(shape_wh, mode, rng):
    """An unprinted page (a backside), upright."""
    w, h = shape_wh
    return Image.new(mode, (w, h), 255 if mode == "L" else (255, 255, 255))
