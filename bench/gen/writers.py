"""Scanner output files: PNG, JPEG, multi-page TIFF (Group 4 or JPEG) and PDF
whose pages are embedded JPEG images (as scan stations write them)."""
import io



def _rgb_or_l(im):
    if im.mode == "1":
        return im.convert("L")
    return im


def write_png(path, im, dpi):
    im.save(path, "PNG", dpi=(dpi, dpi), compress_level=7)


def write_jpeg(path, im, dpi, q):
    _rgb_or_l(im).save(path, "JPEG", quality=q, dpi=(dpi, dpi), optimize=True)


def write_tiff(path, ims, dpi, compression, q=75):
    if compression == "group4":
        ims = [i if i.mode == "1" else i.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1") for i in ims]
        ims[0].save(path, "TIFF", save_all=True, append_images=ims[1:], compression="group4", dpi=(dpi, dpi))
    else:
        ims = [_rgb_or_l(i) for i in ims]
        ims[0].save(path, "TIFF", save_all=True, append_images=ims[1:], compression="jpeg", quality=q, dpi=(dpi, dpi))


def jpeg_bytes(im, q):
    buf = io.BytesIO()
    _rgb_or_l(im).save(buf, "JPEG", quality=q, optimize=True)
    return buf.getvalue()


def write_pdf(path, ims, dpi, q, when="D:20240101000000Z"):
    """A PDF with one DCT (JPEG) image per page, page size = image size at `dpi`."""
    objs = []  # (number, bytes)

    def add(body):
        objs.append(body)
        return len(objs)

    info = add(b"<< /Producer (Scan Station) /Creator (Scan Station) /CreationDate (" + when.encode() + b") >>")
    catalog = add(None)
    pages = add(None)
    kids = []
    for im in ims:
        im = _rgb_or_l(im)
        data = jpeg_bytes(im, q)
        w, h = im.size
        cs = b"/DeviceGray" if im.mode == "L" else b"/DeviceRGB"
        img = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
                  b"/Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, cs, len(data)) + data + b"\nendstream")
        pw, ph = w * 72.0 / dpi, h * 72.0 / dpi
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        c = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        p = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages, pw, ph, img, c))
        kids.append(p)
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    objs[pages - 1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, info, xref))
    with open(path, "wb") as f:
        f.write(out.getvalue())
