#!/usr/bin/env bash
# Stage 2 of the bundled `lite-gan`: the stage-1 model (training/recipes/lite-gan.sh: 1,500 L1
# warm-up steps and ~500 cGAN steps in 100 minutes) trained on in the adversarial phase with a
# fresh, narrower PatchGAN (--disc-width 32: the GAN step at twice the speed on a CPU).
# Same data, crops and loss weights; a new seed so the photo order differs from stage 1.
# The bundled run: 1,500 steps in 59 minutes of training (stopped at 1,250, resumed), 1 thread
# beside other jobs. Its log: the fresh discriminator won by step 400 (loss ~0.001), so the
# stage acted mostly as more L1. Val at step 1,500: CIEDE2000 11.53, colourfulness 0.75; at
# 2,000 it was 11.25 but 0.67 (duller), so the bundled model is step 1,500.
# Add --resume to continue a stopped run. Then: scripts/bundle_model.py runs/lite-gan-2 lite-gan
set -euo pipefail
cd "$(dirname "$0")/../.."
INIT="${INIT:-runs/lite-gan/model.safetensors}"  # stage 1's result
exec .venv/bin/python -m training --data ../shared/datasets/train --out runs/lite-gan-2 \
  --name lite-gan --arch lite-unet --kind gan --init "$INIT" --size 160 --batch 16 --lr 2e-4 \
  --warmup-steps 0 --disc-width 32 --lambda-l1 100 --steps 1500 --threads 1 --workers 1 \
  --seed 1 --checkpoint-every 250 --sample-every 250 --eval-every 500 \
  --data-note "ImageNet validation photos (one per class; rights belong to their owners, research use) and BSDS500 train+val (UC Berkeley, research use)" \
  "$@"
