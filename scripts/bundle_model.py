"""Copy a run's model file into resources/models under a bundled name, with its card completed.

Usage: .venv/bin/python scripts/bundle_model.py RUN_DIR NAME [--title TITLE] [--recipe CMD]
       [--previous-stage MODEL]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chroma_desk.models.checkpoint import load_model, read_card, save_model
from chroma_desk.models.library import bundled_dir

DATA_RIGHTS = (
    "Trained on ../shared/datasets/train: 1,000 ImageNet validation photos (one per class; "
    "rights belong to their owners, distributed for research) and the 300 BSDS500 train+val "
    "photos (UC Berkeley, for research). Model weights: MIT, like the code; the data's "
    "research-only terms may limit commercial use."
)
MORE_RIGHTS = (
    " Also trained on ../shared/datasets/more: 5,879 photos (ImageNet samples, COCO scenes, "
    "houses and rooms, people and close-up faces, CamVid street scenes (CC BY-NC 4.0), "
    "Urban100 and Sun-Hays city photos, cars (Stanford Cars), clothing (CC0 1.0)); most "
    "belong to their owners and are distributed for research; see that folder's README."
)


def data_rights(card: dict) -> str:
    """The licence note for the folders the card says the model was trained on."""
    trained_on = card.get("trained_on") or {}
    folders = trained_on.get("folders") or [trained_on.get("folder", "")]
    more = any(Path(str(f)).name == "more" for f in folders)
    return DATA_RIGHTS + (MORE_RIGHTS if more else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("name")
    parser.add_argument("--title", default="")
    parser.add_argument("--recipe", default="", help="command that reproduces the model")
    parser.add_argument(
        "--previous-stage",
        type=Path,
        help="the model this run fine-tuned (--init): its training is kept in the card",
    )
    args = parser.parse_args()
    model = load_model(args.run_dir / "model.safetensors")
    card = dict(model.card)
    card["name"] = args.name
    card["title"] = args.title or card.get("title") or args.name
    card["licence"] = data_rights(card)
    card.pop("placeholder", None)  # a field of the first, removed, placeholder model
    if args.previous_stage:
        before = read_card(args.previous_stage)
        earlier = before["training"].get("previous_stages", [])
        stage = {**before["training"], "recipe_command": before.get("recipe_command", "")}
        stage.pop("previous_stages", None)
        card["training"] = {**card["training"], "previous_stages": [*earlier, stage]}
    if args.recipe:
        card["recipe_command"] = args.recipe
    dest = save_model(bundled_dir() / f"{args.name}.safetensors", model.module, card, half=True)
    print(f"{dest} ({dest.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
