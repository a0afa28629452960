#!/usr/bin/env python3
"""Writes one-channel pictures with the OpenEXR project's Python bindings (PyPI: openexr), as
renderers and compositors write grey passes: green_only.exr (half G), luma_only.exr (half Y).
16x12, value (x + 1) / 16 * (y + 1) / 12 (exact in half). Given as --rgb they are grey pictures.
Run: pip install openexr numpy && python3 Fixtures/exr/make_single_channel_fixtures.py
"""
import os

import numpy as np
import OpenEXR

W, H = 16, 12
plane = np.array([[(x + 1) / 16 * (y + 1) / 12 for x in range(W)] for y in range(H)], dtype=np.float16)
here = os.path.dirname(os.path.abspath(__file__))
for name, channel in [("green_only.exr", "G"), ("luma_only.exr", "Y")]:
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {channel: plane.copy()}) as f:
        f.write(os.path.join(here, name))
    print("wrote", name)
