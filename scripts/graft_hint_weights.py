"""Make a hint model from a no-hint model file and a hint model's hint inputs.

Usage: .venv/bin/python scripts/graft_hint_weights.py BASE.safetensors HINTED.safetensors OUT

Every weight of BASE (a lite-unet without hints) is kept as it is; the hint inputs (``hint_*``)
come from HINTED (a lite-unet trained with --hints). With no hints the result computes exactly
what BASE computes. The card is BASE's, marked as taking hints.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chroma_desk.models.checkpoint import load_model, save_model
from chroma_desk.models.registry import build
from chroma_desk.models.unet_lite import load_no_hint_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", type=Path)
    parser.add_argument("hinted", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    base, hinted = load_model(args.base), load_model(args.hinted)
    if base.card.takes_hints or not hinted.card.takes_hints:
        raise SystemExit("BASE must be a no-hint model and HINTED a hint model")
    arguments = {**base.card["arguments"], "hints": True}
    module = build(base.card["architecture"], **arguments)
    load_no_hint_weights(module, base.module.state_dict())
    hint_weights = {k: v for k, v in hinted.module.state_dict().items() if k.startswith("hint_")}
    module.load_state_dict(hint_weights, strict=False)
    card = {**base.card.to_dict(), "arguments": arguments, "takes_hints": True}
    card["hint_weights_from"] = str(args.hinted)
    save_model(args.out, module, card, half=False)
    print(args.out)


if __name__ == "__main__":
    main()
