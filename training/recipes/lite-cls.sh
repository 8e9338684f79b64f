#!/usr/bin/env bash
# The bundled `lite-cls` model: EfficientNet-Lite0 U-Net (ImageNet encoder) classifying ab into
# the gamut bins computed by chroma_desk.color (262 on the 8-bit sRGB cube), soft-encoded targets
# (5 nearest, sigma 5), rebalanced with lambda 0.5 from the smoothed prior of this folder; the
# default temperature is calibrated on the held-out 5% of the training folder.
# Add --resume to continue a stopped run. Then: scripts/bundle_model.py runs/lite-cls lite-cls
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m training --data ../shared/datasets/train --out runs/lite-cls \
  --name lite-cls --arch lite-unet --kind classification --size 160 --batch 16 --lr 2e-4 \
  --minutes 100 --threads 1 --workers 1 \
  --checkpoint-every 250 --sample-every 250 --eval-every 500 \
  --data-note "ImageNet validation photos (one per class; rights belong to their owners, research use) and BSDS500 train+val (UC Berkeley, research use)" \
  "$@"
