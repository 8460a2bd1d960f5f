"""Dataset loaders by name, imported only when chosen."""

from __future__ import annotations

from pathlib import Path

from edge.datasets.rows import Samples
from edge.registry import load_entry

DATASETS: dict[str, str] = {
    "casme2": "edge.datasets.casme2:load",
    "samm": "edge.datasets.samm:load",
    "samm_lv": "edge.datasets.samm:load_long_videos",
    "casme_sq": "edge.datasets.casme_sq:load_casme_sq",
    "casme3": "edge.datasets.casme3:load",
    "smic": "edge.datasets.smic:load",
    "megc2019": "edge.datasets.megc2019:load",
}


def load_dataset(name: str, root: Path | str, **options: object) -> Samples:
    """Load the dataset registered as ``name`` from ``root`` (its folder or annotation file).

    Options go to the loader (``cropped=True`` for casme2, ``kind="macro"`` for casme3). Unknown names raise
    :class:`edge.errors.UnknownBackend` listing the registered ones; a file that cannot be read raises
    ``DatasetError``; a bad row is skipped with a warning and listed in ``Samples.skipped``.
    """
    loader = load_entry(DATASETS, name, "dataset")
    samples: Samples = loader(Path(root), **options)
    return samples
