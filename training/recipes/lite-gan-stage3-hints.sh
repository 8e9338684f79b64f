#!/usr/bin/env bash
# Stage 3, second part, of the bundled `lite-gan`: a hint adapter on today's stage-2 weights.
# The first part (lite-gan-stage3.sh, stopped by hand at step 326) fine-tuned every weight with
# hints: hints worked (+2.0 dB PSNR at 10 hints on 30 val photos at step 200) but with no hints
# the colour went dull (colourfulness 0.36 of the truth against 0.75), partly because the
# BatchNorm statistics moved. So only its hint inputs are kept: grafted onto the unchanged
# stage-2 weights (scripts/graft_hint_weights.py), then trained on alone (--train-only-hints:
# every other weight and statistic frozen, so with no hints the model is exactly stage 2),
# L1 only (no discriminator needed for the hint inputs). CPU, 1 thread, nice 5; stopped by
# SIGINT at about 17:00 UTC. Then:
#   scripts/bundle_model.py runs/lite-gan-3h lite-gan --previous-stage resources/models/lite-gan.safetensors
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
BASE="${BASE:-resources/models/lite-gan.safetensors}"  # stage 2, as bundled before stage 3
HINTED="${HINTED:-runs/lite-gan-3/model.safetensors}"  # the first part's result
"$PY" scripts/graft_hint_weights.py "$BASE" "$HINTED" runs/lite-gan-3-graft.safetensors
exec nice -n 5 "$PY" -m training --data ../shared/datasets/train --data ../shared/datasets/more \
  --out runs/lite-gan-3h --name lite-gan --arch lite-unet --kind regression \
  --init runs/lite-gan-3-graft.safetensors --hints --train-only-hints --hint-lr-scale 20 \
  --size 160 --batch 16 --lr 1e-4 --steps 3000 --threads 1 --workers 1 --seed 3 \
  --checkpoint-every 50 --sample-every 250 --eval-every 250 \
  --data-note "ImageNet validation photos (one per class) and BSDS500 train+val (research use), plus ../shared/datasets/more: COCO, ImageNet, street scenes, houses and rooms, people and faces, cars, clothes, cities (rights belong to their owners; see its README)" \
  "$@"
