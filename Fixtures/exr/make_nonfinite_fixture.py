#!/usr/bin/env python3
"""Writes nonfinite.exr with the OpenEXR project's own Python bindings (PyPI: openexr), like the
project's TestImages/BrightRingsNanInf.exr: a half-float RGB image, 16x4, whose rows hold
  0: NaN, +inf, -inf, the largest half (65504), the smallest subnormal half, -0, then ramps
  1-3: finite values (x + 1) / 4 * (y + 1), with a NaN in G at (5, 2) and +inf in B at (9, 3).
`rackfocus compare` of the file with itself must pass (NaN equals NaN, inf equals inf).
Run: pip install openexr numpy && python3 Fixtures/exr/make_nonfinite_fixture.py
"""
import os

import numpy as np
import OpenEXR

W, H = 16, 4
rgb = np.zeros((H, W, 3), dtype=np.float16)
for y in range(H):
    for x in range(W):
        rgb[y, x] = (x + 1) / 4 * (y + 1)
special = [np.nan, np.inf, -np.inf, 65504.0, 2.0 ** -24, -0.0]
for x, v in enumerate(special):
    rgb[0, x] = v
rgb[2, 5, 1] = np.nan
rgb[3, 9, 2] = np.inf
header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
channels = {"R": rgb[:, :, 0].copy(), "G": rgb[:, :, 1].copy(), "B": rgb[:, :, 2].copy()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nonfinite.exr")
with OpenEXR.File(header, channels) as f:
    f.write(path)
print("wrote", path)
