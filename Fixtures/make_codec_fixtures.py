#!/usr/bin/env python3
"""Writes the PNG/PFM interoperability fixtures in Fixtures/codecs/ with an independent,
pure-Python encoder (zlib only), so RackFocus's decoders are tested against files it did not write.

Every image holds the pattern v(x, y, c) = (7x + 13y + 50c) mod (max + 1), which the tests
recompute. Run from anywhere: python3 Fixtures/make_codec_fixtures.py
"""
import os, struct, zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "codecs")
W, H = 13, 9  # odd sizes exercise Adam7 passes and sub-byte packing


def value(x, y, c, maxval):
    return (7 * x + 13 * y + 50 * c) % (maxval + 1)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    if bit_depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if bit_depth == 8:
        return bytes(samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << bit_depth) | s
        nbits += bit_depth
        if nbits == 8:
            out.append(acc); acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(name, color_type, bit_depth, channels, pixel, interlace=False, extra=b"", size=(W, H), ihdr_size=None):
    w, h = size
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, w, dx)); ys = list(range(y0, h, dy))
        if not xs or not ys:
            continue
        for y in ys:
            samples = []
            for x in xs:
                samples.extend(pixel(x, y))
            raw += b"\x00" + pack_row(samples, bit_depth)
    iw, ih = ihdr_size or (w, h)
    ihdr = struct.pack(">IIBBBBB", iw, ih, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(HERE, exist_ok=True)
    for bits in (1, 2, 4, 8, 16):
        m = (1 << bits) - 1
        png(f"gray{bits}.png", 0, bits, 1, lambda x, y, m=m: [value(x, y, 0, m)])
    png("gray_alpha8.png", 4, 8, 2, lambda x, y: [value(x, y, c, 255) for c in range(2)])
    png("gray_alpha16.png", 4, 16, 2, lambda x, y: [value(x, y, c, 65535) for c in range(2)])
    png("rgb8.png", 2, 8, 3, lambda x, y: [value(x, y, c, 255) for c in range(3)])
    png("rgb16.png", 2, 16, 3, lambda x, y: [value(x, y, c, 65535) for c in range(3)])
    png("rgba8.png", 6, 8, 4, lambda x, y: [value(x, y, c, 255) for c in range(4)])
    png("rgba16.png", 6, 16, 4, lambda x, y: [value(x, y, c, 65535) for c in range(4)])
    png("rgb8_interlaced.png", 2, 8, 3, lambda x, y: [value(x, y, c, 255) for c in range(3)], interlace=True)
    png("gray16_interlaced.png", 0, 16, 1, lambda x, y: [value(x, y, 0, 65535)], interlace=True)
    # Palette: 16 entries, entry i = (16i, 255 - 16i, (i * 37) % 256); index = value(x, y, 0, 15).
    plte = b"".join(bytes([16 * i, 255 - 16 * i, (i * 37) % 256]) for i in range(16))
    png("palette4.png", 3, 4, 1, lambda x, y: [value(x, y, 0, 15)], extra=chunk(b"PLTE", plte))
    png("palette8.png", 3, 8, 1, lambda x, y: [value(x, y, 0, 15)], extra=chunk(b"PLTE", plte))
    # A 16-bit depth map carrying gAMA 0.45455 and sRGB: values must come back untouched.
    tagged = chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"sRGB", b"\x00")
    png("gray16_gamma_tagged.png", 0, 16, 1, lambda x, y: [value(x, y, 0, 65535)], extra=tagged)
    # Declares 100000 x 100000 pixels but holds a tiny image: must be refused before allocation.
    png("huge_declared.png", 0, 8, 1, lambda x, y: [0], size=(1, 1), ihdr_size=(100000, 100000))
    # PFM, both byte orders (rows stored bottom to top): gray and RGB, values value(x, y, c, 255) / 10 - 3.
    for kind, channels in (("Pf", 1), ("PF", 3)):
        for order, scale, fmt in (("le", "-1.0", "<f"), ("be", "1.0", ">f")):
            body = bytearray()
            for y in reversed(range(H)):
                for x in range(W):
                    for c in range(channels):
                        body += struct.pack(fmt, value(x, y, c, 255) / 10 - 3)
            name = f"{'gray' if channels == 1 else 'rgb'}_{order}.pfm"
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(f"{kind}\n{W} {H}\n{scale}\n".encode() + bytes(body))


def jpeg_fixtures():
    """Smooth 48x32 test picture -> reference PNG + JPEGs written by libjpeg-turbo's cjpeg
    (Debian package libjpeg-turbo-progs): baseline, progressive, grayscale."""
    import shutil, subprocess, tempfile
    w, h = 48, 32

    def rgb(x, y):
        r = int(255 * x / (w - 1))
        g = int(255 * y / (h - 1))
        b = 200 if (x - 30) ** 2 + (y - 14) ** 2 < 64 else 40
        return [r, g, b]

    png("jpeg_source.png", 2, 8, 3, rgb, size=(w, h))
    if shutil.which("cjpeg") is None:
        print("cjpeg not found: JPEG fixtures not regenerated (apt-get install libjpeg-turbo-progs)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        ppm = os.path.join(tmp, "src.ppm")
        with open(ppm, "wb") as f:
            f.write(f"P6\n{w} {h}\n255\n".encode() + bytes(v for y in range(h) for x in range(w) for v in rgb(x, y)))
        for name, args in (("baseline.jpg", []), ("progressive.jpg", ["-progressive"]), ("gray.jpg", ["-grayscale"])):
            subprocess.run(["cjpeg", "-quality", "95", *args, "-outfile", os.path.join(HERE, name), ppm], check=True)


if __name__ == "__main__":
    main()
    jpeg_fixtures()
