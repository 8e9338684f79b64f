"""Usage: .venv/bin/python scripts/hint_centre_check.py

CIEDE2000 between each simulated hint's colour and the output at its centre (10 hints,
lite-gan, the first 30 val photos): the issue's "within 10 of the hinted colour"."""

import numpy as np
from skimage.color import deltaE_ciede2000

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.media.images import read_image
from training.evaluate import list_photos
from training.hint_sim import photo_rng, sample_photo_hints

c = Colorizer("resources/models/lite-gan.safetensors", device="cpu")
errors, plain_errors = [], []
for path in list_photos("/work/shared/datasets/val", 30):
    rgb = np.ascontiguousarray(read_image(path).rgb, dtype=np.float32)
    lab = rgb_to_lab(rgb)
    hints = sample_photo_hints(lab, 10, photo_rng(path), c.working_size)
    out = rgb_to_lab(c.render(c.predict(rgb, hints)))
    base = rgb_to_lab(c.render(c.predict(rgb)))
    for h in hints:
        want = rgb_to_lab(np.array(h.rgb, np.float32).reshape(1, 1, 3) / 255)[0, 0]
        y, x = int(round(h.y)), int(round(h.x))
        target = np.array([lab[y, x, 0], want[1], want[2]])  # the photo's L, the hint's chroma
        errors.append(deltaE_ciede2000(target, out[y, x]))
        plain_errors.append(deltaE_ciede2000(target, base[y, x]))
e, p = np.array(errors), np.array(plain_errors)
print(
    f"{len(e)} hints: at the centre CIEDE2000 median {np.median(e):.2f}, mean {e.mean():.2f}, "
    f"within 10: {np.mean(e <= 10):.0%} (no hints there: median {np.median(p):.2f}, "
    f"within 10: {np.mean(p <= 10):.0%})"
)
