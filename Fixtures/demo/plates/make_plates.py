#!/usr/bin/env python3
"""Makes the layered-comp demo from demo frame 1001: ball.png (RGBA, the rolling ball cut out by its
depth) and backdrop.png (the rest, with the ball painted out by row-wise interpolation).
Needs numpy and Pillow; the PNGs are committed, so this only documents how they were made."""
import os
import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
demo = os.path.dirname(here)
rgb = np.asarray(Image.open(os.path.join(demo, "rgb.1001.png")).convert("RGB")).astype(np.float64)
code = np.asarray(Image.open(os.path.join(demo, "depth.1001.png"))).astype(np.float64)
z = 0.9 + 7.2 * code / 65535.0
# The ball: centre (95.8, 196.8), radius about 41 px (meta.json); the floor under it is nearer than 1.45 m too.
yy, xx = np.mgrid[0:z.shape[0], 0:z.shape[1]]
ball = ((xx - 95.8) ** 2 + (yy - 196.8) ** 2 < 44 ** 2) & (z < 1.36)
# Grow the cut by one pixel so anti-aliased edge pixels travel with the ball.
grown = ball.copy()
grown[1:, :] |= ball[:-1, :]; grown[:-1, :] |= ball[1:, :]; grown[:, 1:] |= ball[:, :-1]; grown[:, :-1] |= ball[:, 1:]
alpha = (grown * 255).astype(np.uint8)
Image.fromarray(np.dstack([rgb.astype(np.uint8), alpha]), "RGBA").save(os.path.join(here, "ball.png"))
back = rgb.copy()
for y in range(back.shape[0]):
    row = grown[y]
    if not row.any() or row.all():
        continue
    xs = np.arange(row.size)
    for c in range(3):
        back[y, row, c] = np.interp(xs[row], xs[~row], back[y, ~row, c])
Image.fromarray(back.astype(np.uint8), "RGB").save(os.path.join(here, "backdrop.png"))
