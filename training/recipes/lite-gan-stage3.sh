#!/usr/bin/env bash
# Stage 3 of the bundled `lite-gan`: today's bundled file (stage 2) made a hint model (three
# zero-initialised hint inputs, so with no hints it starts as exactly today's model) and trained
# on with simulated hints (--hints: a geometric number of 1-9 px patches of the truth's mean ab,
# p = 1/8; now and then a dense random sample) on ../shared/datasets/train and all of
# ../shared/datasets/more (never val). GAN lever against the discriminator that won by step 400
# in stage 2: one-sided label smoothing 0.1 and a discriminator at half the learning rate.
# CPU, 1 thread, nice 5, beside lite-cls's stage 3 and 7 other jobs; stopped by SIGINT
# (it saves) at about 17:00 UTC. Add --resume to continue a stopped run. Then:
#   scripts/bundle_model.py runs/lite-gan-3 lite-gan --previous-stage resources/models/lite-gan.safetensors
set -euo pipefail
cd "$(dirname "$0")/../.."
INIT="${INIT:-resources/models/lite-gan.safetensors}"  # stage 2, as bundled before stage 3
PY="${PY:-.venv/bin/python}"
exec nice -n 5 "$PY" -m training --data ../shared/datasets/train --data ../shared/datasets/more \
  --out runs/lite-gan-3 --name lite-gan --arch lite-unet --kind gan --init "$INIT" --hints \
  --size 160 --batch 16 --lr 1e-4 --warmup-steps 0 --disc-width 32 --disc-label-smoothing 0.1 \
  --disc-lr-scale 0.5 --lambda-l1 100 --hint-lr-scale 20 --steps 3000 --threads 1 --workers 1 --seed 2 \
  --checkpoint-every 100 --sample-every 250 --eval-every 250 \
  --data-note "ImageNet validation photos (one per class) and BSDS500 train+val (research use), plus ../shared/datasets/more: COCO, ImageNet, street scenes, houses and rooms, people and faces, cars, clothes, cities (rights belong to their owners; see its README)" \
  "$@"
