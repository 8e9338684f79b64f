#!/usr/bin/env bash
# Stage 2 of the bundled `lite-cls`: the stage-1 model (training/recipes/lite-cls.sh, 100
# minutes) trained on with the same data, crops, bins and rebalancing, at half the learning
# rate, with a new seed so the photo order differs from stage 1. The bundled run: 1,744 steps
# (stopped by hand after 36 minutes of training, 1 thread beside another job).
# Add --resume to continue a stopped run. Then:
#   scripts/bundle_model.py runs/lite-cls-2 lite-cls --previous-stage runs/lite-cls/model.safetensors
set -euo pipefail
cd "$(dirname "$0")/../.."
INIT="${INIT:-runs/lite-cls/model.safetensors}"  # stage 1's result
exec .venv/bin/python -m training --data ../shared/datasets/train --out runs/lite-cls-2 \
  --name lite-cls --arch lite-unet --kind classification --init "$INIT" --size 160 --batch 16 \
  --lr 1e-4 --steps 1744 --threads 1 --workers 1 --seed 1 \
  --checkpoint-every 250 --sample-every 250 --eval-every 500 \
  --data-note "ImageNet validation photos (one per class; rights belong to their owners, research use) and BSDS500 train+val (UC Berkeley, research use)" \
  "$@"
