#!/usr/bin/env bash
# The bundled `lite-gan` model: EfficientNet-Lite0 U-Net (ImageNet encoder), L1 warm-up then
# cGAN + 100 x L1, on ../shared/datasets/train (a held-out 5% of it picks nothing but is
# watched; ../shared/datasets/val is never trained on). CPU, 2 cores shared with lite-cls.
# Add --resume to continue a stopped run. Then: scripts/bundle_model.py runs/lite-gan lite-gan
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m training --data ../shared/datasets/train --out runs/lite-gan \
  --name lite-gan --arch lite-unet --kind gan --size 160 --batch 16 --lr 2e-4 \
  --warmup-steps 1500 --lambda-l1 100 --minutes 100 --threads 1 --workers 1 \
  --checkpoint-every 250 --sample-every 250 --eval-every 500 \
  --data-note "ImageNet validation photos (one per class; rights belong to their owners, research use) and BSDS500 train+val (UC Berkeley, research use)" \
  "$@"
