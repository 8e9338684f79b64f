#!/usr/bin/env bash
# Stage 3 of the bundled `lite-cls`: today's bundled file (stage 2) made a hint model (three
# zero-initialised hint inputs, so with no hints it starts as exactly today's model) and trained
# on with simulated hints (--hints, as lite-gan-stage3.sh) on ../shared/datasets/train and all
# of ../shared/datasets/more (never val), same bins, prior and rebalancing as the file (--init
# keeps them), at stage 2's learning rate. CPU, 1 thread, nice 5, beside lite-gan's stage 3;
# stopped by SIGINT (it saves) at about 17:00 UTC. Add --resume to continue. Then:
#   scripts/bundle_model.py runs/lite-cls-3 lite-cls --previous-stage resources/models/lite-cls.safetensors
set -euo pipefail
cd "$(dirname "$0")/../.."
INIT="${INIT:-resources/models/lite-cls.safetensors}"  # stage 2, as bundled before stage 3
PY="${PY:-.venv/bin/python}"
exec nice -n 5 "$PY" -m training --data ../shared/datasets/train --data ../shared/datasets/more \
  --out runs/lite-cls-3 --name lite-cls --arch lite-unet --kind classification --init "$INIT" \
  --hints --hint-lr-scale 20 --size 160 --batch 16 --lr 1e-4 --steps 3000 --threads 1 --workers 1 --seed 2 \
  --checkpoint-every 100 --sample-every 250 --eval-every 250 \
  --data-note "ImageNet validation photos (one per class) and BSDS500 train+val (research use), plus ../shared/datasets/more: COCO, ImageNet, street scenes, houses and rooms, people and faces, cars, clothes, cities (rights belong to their owners; see its README)" \
  "$@"
