"""Shared test fixtures: paths to the shared data beside the checkout."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATASETS = SHARED / "datasets"
WEIGHTS = SHARED / "esr" / "weights"


@pytest.fixture(scope="session")
def shared_weights():
    if not WEIGHTS.is_dir():
        pytest.skip("../shared/esr/weights is not beside the checkout")
    return WEIGHTS


@pytest.fixture(scope="session")
def butterfly_luma():
    """A real luma plane (float32 in [0,1]) from Set5 butterfly."""
    rgb = np.asarray(Image.open(DATASETS / "Set5" / "butterfly.png").convert("RGB"), dtype=np.float64)
    return ((rgb @ np.array([0.299, 0.587, 0.114])) / 255.0).astype(np.float32)
