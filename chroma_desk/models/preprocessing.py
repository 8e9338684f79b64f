"""How a photo is prepared for a model and how its colour is read out: the two ways there are.

- ``as-published`` (imported official models, by default): what the authors' demo does. The
  photo is resized to a square of the working size (PIL bicubic, aspect not kept), with no
  border; ECCV16 at T = 1, which is its released network's own softmax ("as released");
  SIGGRAPH17's hint inputs as the official forward takes them (ab / 110 and a 0/1 mask, both 0
  with no hints).
- ``keep-aspect`` (our own models; an option for official ones): the aspect ratio is kept, a
  16-px mirrored border keeps the network's edge effects off the photo, and ECCV16 colour is
  the annealed mean at T = 0.38 (the paper's choice, more vivid).

A card that says ``"preprocessing": "as-published"`` offers both; any other card only
``keep-aspect``. The temperature slider stays free in both.
"""

from __future__ import annotations

from typing import Any

from chroma_desk.color.scaling import PAPER_TEMPERATURE

AS_PUBLISHED = "as-published"
KEEP_ASPECT = "keep-aspect"
MODES = (AS_PUBLISHED, KEEP_ASPECT)
ANNEALED_TEMPERATURE = PAPER_TEMPERATURE  # the app's own choice for ECCV16

DESCRIPTIONS = {
    AS_PUBLISHED: "as published: the photo squashed to a square at the working size "
    "(bicubic), no border; ECCV16 at T 1 as released; the authors' demo result",
    KEEP_ASPECT: "keep aspect: aspect ratio kept, 16-px mirrored border, ECCV16 annealed at "
    "T 0.38; Chroma Desk's own processing",
}


def card_preprocessing(card: dict[str, Any]) -> str:
    """The model's own (default) way: ``as-published`` when its card says so."""
    return AS_PUBLISHED if card.get("preprocessing") == AS_PUBLISHED else KEEP_ASPECT


def available(card: dict[str, Any]) -> tuple[str, ...]:
    """The ways this model can be run: both for a model with a published pipeline."""
    return MODES if card_preprocessing(card) == AS_PUBLISHED else (KEEP_ASPECT,)


def check_mode(card: dict[str, Any], mode: str | None) -> str:
    """``mode`` (the card's own when None), or ValueError saying which ways the model has."""
    if mode is None:
        return card_preprocessing(card)
    if mode not in available(card):
        raise ValueError(
            f"preprocessing {mode!r} is not available for {card.get('name', 'this model')!r} "
            f"(it has: {', '.join(available(card))})"
        )
    return mode


def default_temperature(card: dict[str, Any], mode: str | None = None) -> float:
    """The starting temperature for ``mode``: the card's own in its own mode; the annealing
    temperature when an as-published model is run the app's own way."""
    mode = check_mode(card, mode)
    if mode == card_preprocessing(card):
        return float(card.get("default_temperature", ANNEALED_TEMPERATURE))
    return ANNEALED_TEMPERATURE
