#!/usr/bin/env python3
"""Writes the OpenEXR interoperability fixtures with OpenImageIO's oiiotool and OpenEXR's exrmultipart
(Debian: openimageio-tools, openexr), so RackFocus's reader is tested against files another tool wrote.

Every image is 16x12 with values the tests recompute (all exact in half precision):
  R = (x + 1) / 16, G = (y + 1) / 16, B = x * y / 64 (up to 2.58: HDR), R(2,2) = 40 (a highlight)
  A = 0.5 where (x + y) % 5 == 0, else 1;  Z = 1 + x / 2 + y / 4 (metres)
Run from anywhere: python3 Fixtures/exr/make_exr_fixtures.py
"""
import os
import struct
import subprocess
import tempfile

W, H = 16, 12
HERE = os.path.dirname(os.path.abspath(__file__))


def rgb(x, y):
    r = 40.0 if (x, y) == (2, 2) else (x + 1) / 16
    return (r, (y + 1) / 16, x * y / 64)


def alpha(x, y):
    return 0.5 if (x + y) % 5 == 0 else 1.0


def depth(x, y):
    return 1 + x / 2 + y / 4


def write_pfm(path, channels, value):
    """PFM: rows bottom to top, little-endian floats."""
    with open(path, "wb") as f:
        f.write(b"PF\n" if channels == 3 else b"Pf\n")
        f.write(f"{W} {H}\n-1.0\n".encode())
        for y in reversed(range(H)):
            for x in range(W):
                v = value(x, y)
                f.write(struct.pack("<" + "f" * channels, *(v if channels == 3 else (v,))))


def oiio(*args):
    subprocess.run(["oiiotool", *args], check=True)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        colour, a, z = (os.path.join(tmp, n) for n in ("rgb.pfm", "a.pfm", "z.pfm"))
        write_pfm(colour, 3, rgb)
        write_pfm(a, 1, alpha)
        write_pfm(z, 1, depth)
        out = lambda name: os.path.join(HERE, name)
        rgba = [colour, a, "--chappend", "--chnames", "R,G,B,A"]
        # Scanline RGBA half, ZIP.
        oiio(*rgba, "-d", "half", "--compression", "zip", "-o", out("scanline_half_zip.exr"))
        # Scanline RGB float, PIZ.
        oiio(colour, "--chnames", "R,G,B", "-d", "float", "--compression", "piz", "-o", out("scanline_float_piz.exr"))
        # Tiled (8x8, partial edge tiles) RGB half, DWAA (lossy).
        oiio(colour, "--chnames", "R,G,B", "-d", "half", "--tile", "8", "8", "--compression", "dwaa",
             "-o", out("tiled_half_dwaa.exr"))
        # Tiled float RGBA, ZIPS.
        oiio(*rgba, "-d", "float", "--tile", "8", "8", "--compression", "zips", "-o", out("tiled_float_zips.exr"))
        # Data window 10x6 at (3,2) inside a 16x12 display window (pixels of the full image at those places).
        oiio(*rgba, "-d", "half", "--crop", "10x6+3+2", "--compression", "zip",
             "-o", out("datawindow.exr"))
        # RGBA + Z in one file: half colour, float depth (the common renderer output).
        oiio(*rgba, z, "--chappend", "--chnames", "R,G,B,A,Z", "-d", "R=half,G=half,B=half,A=half,Z=float",
             "--compression", "zip", "-o", out("rgbaz.exr"))
        # Layered: beauty.RGBA, a second colour layer, depth.Z (as Nuke writes layers into one part).
        oiio(*rgba, colour, "--chappend", z, "--chappend",
             "--chnames", "beauty.R,beauty.G,beauty.B,beauty.A,diffuse.R,diffuse.G,diffuse.B,depth.Z",
             "-d", "half", "--compression", "piz", "-o", out("layered.exr"))
        # Depth only, as uint (an integer Z pass) and as Blender's multilayer name.
        oiio(z, "--chnames", "ViewLayer.Depth.Z", "-d", "float", "--compression", "rle", "-o", out("blender_depth.exr"))
        # Multi-part: part "beauty" (RGBA half) and part "depth" (Z float).
        beauty, zonly = os.path.join(tmp, "beauty.exr"), os.path.join(tmp, "zonly.exr")
        oiio(*rgba, "-d", "half", "--compression", "zip", "-o", beauty)
        oiio(z, "--chnames", "Z", "-d", "float", "--compression", "zip", "-o", zonly)
        subprocess.run(["exrmultipart", "-combine", "-i", beauty + "::beauty", zonly + "::depth",
                        "-o", out("multipart.exr")], check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
