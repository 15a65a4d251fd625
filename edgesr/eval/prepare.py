"""Turn a dataset folder into (LR input, HR comparison view) pairs for one scale, cached per process.

Every model of a scale sees the same pairs, so they are built once per (dataset, scale, luma order)
and process; the SSIM statistics of each HR view are cached with them.
"""

import functools
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from edgesr.eval import protocol
from edgesr.eval.datasets import Dataset, image_files, read_image
from edgesr.eval.metrics import SSIM_WINDOW, SsimReference


@dataclass
class Pair:
    """One test image: ``lr`` is the model input (float32, [0, 1] scale, unclipped), ``hr`` the metric view."""

    name: str
    lr: np.ndarray
    hr: np.ndarray
    ssim_ref: SsimReference


@dataclass
class PreparedDataset:
    """The pairs of a dataset at one scale, and the files skipped with their reasons."""

    key: str
    scale: int
    luma: str
    pairs: List[Pair]
    skipped: List[Tuple[str, str]]


def make_pair(name, image, scale, luma=protocol.LUMA_PAPER):
    """Degrade one 8-bit image per the protocol; ValueError when it is too small for the metrics."""
    hr = protocol.mod_crop(protocol.to_luma(image, luma), scale)
    side = min(hr.shape) - 2 * scale
    if side < SSIM_WINDOW:
        raise ValueError("too small: %s pixels after mod-crop and shave, SSIM needs %d" % (side, SSIM_WINDOW))
    lr = (protocol.downscale(hr, scale) / 255.0).astype(np.float32)
    view = protocol.comparison_view(hr, scale)
    return Pair(name, lr, view, SsimReference(view))


def prepare_dataset(dataset: Dataset, scale, luma=protocol.LUMA_PAPER):
    """Read and degrade every image of ``dataset`` (uncached)."""
    pairs, skipped = [], []
    for path in image_files(dataset):
        try:
            pairs.append(make_pair(path.name, read_image(path), scale, luma))
        except ValueError as err:
            skipped.append((path.name, str(err)))
    return PreparedDataset(dataset.key, scale, luma, pairs, skipped)


@functools.lru_cache(maxsize=4)
def prepared(dataset: Dataset, scale, luma=protocol.LUMA_PAPER):
    """``prepare_dataset`` cached per process (tasks run dataset by dataset: 3 scales fit in 4 entries)."""
    return prepare_dataset(dataset, scale, luma)
