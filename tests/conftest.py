"""Shared test fixtures: where the shared data beside the checkout lives. Needs only numpy and pytest.

The datasets and weights are found as edgesr finds them: $EDGESR_DATASETS / $EDGESR_WEIGHTS, else
``../shared`` beside the checkout. Tests that need them take a fixture and skip when they are absent.
PIL is imported inside the fixtures that read images, so device tests run without it.
"""

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATASETS = Path(os.environ.get("EDGESR_DATASETS") or SHARED / "datasets")
WEIGHTS = Path(os.environ.get("EDGESR_WEIGHTS") or SHARED / "esr" / "weights")


@pytest.fixture(scope="session")
def repo_root():
    """The checkout's root folder."""
    return REPO


@pytest.fixture(scope="session")
def datasets_dir():
    """The folder holding Set5/, Set14/, BSDS100/, T91/."""
    if not (DATASETS / "Set5").is_dir():
        pytest.skip("no datasets: set EDGESR_DATASETS or put them in ../shared/datasets")
    return DATASETS


@pytest.fixture(scope="session")
def shared_weights():
    """The folder of the authors' .model files."""
    if not WEIGHTS.is_dir():
        pytest.skip("no weights: set EDGESR_WEIGHTS or put them in ../shared/esr/weights")
    return WEIGHTS


@pytest.fixture(scope="session")
def butterfly_rgb(datasets_dir):
    """Set5 butterfly as uint8 H×W×3."""
    from PIL import Image

    with Image.open(datasets_dir / "Set5" / "butterfly.png") as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="session")
def butterfly_luma(butterfly_rgb):
    """A real luma plane (float32 in [0,1]) from Set5 butterfly."""
    rgb = butterfly_rgb.astype(np.float64)
    return ((rgb @ np.array([0.299, 0.587, 0.114])) / 255.0).astype(np.float32)
