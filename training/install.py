"""Installing the model a run leaves into the user's models folder."""

from __future__ import annotations

from pathlib import Path

from training.rundir import MODEL_FILE, slug


def install_model(run_dir: Path, models_dir: Path, name: str | None = None) -> Path:
    """Copy the run's latest model file into ``models_dir`` under the run's name.

    The card is renamed and records the run; the copy of an earlier checkpoint of the same run
    is replaced, a different model of the same name is never overwritten.
    """
    from chroma_desk.models.checkpoint import ModelFileError, copy_with_card, read_card

    run_dir = Path(run_dir)
    source = run_dir / MODEL_FILE
    if not source.is_file():
        raise FileNotFoundError(
            f"{run_dir}: no model file yet (it appears at the first checkpoint)"
        )
    card = read_card(source)
    name = name or card.name or run_dir.name
    card = card.updated(name=name, source_run=str(run_dir.resolve()))
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    base = slug(name)
    target, n = models_dir / f"{base}.safetensors", 2
    while target.exists():
        try:
            same_run = read_card(target).get("source_run") == card["source_run"]
        except ModelFileError:
            same_run = False
        if same_run:
            break
        target, n = models_dir / f"{base}-{n}.safetensors", n + 1
    return copy_with_card(source, target, card)
