"""write_filterbank: the artifact facts the manifest records, and a file the device runner reads back."""

import numpy as np
import pytest

from edgesr_export.filterbank_export import write_filterbank
from edgesr_runtime import filterbank
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.filterbank import FilterBank


def bank():
    kernels = np.arange(2 * 2 * 2 * 9, dtype=np.float32).reshape(8, 3, 3) / 100
    return FilterBank(kernels, (1, 1), scale=2, groups=2, reduction="max")


def test_static_facts_and_round_trip(tmp_path):
    path = tmp_path / "model.filters.npz"
    facts = write_filterbank(bank(), path, 36, 48)
    assert facts["input_shape"] == [1, 1, 36, 48] and facts["output_shape"] == [1, 1, 72, 96]
    assert facts["layout"] == "NCHW" and facts["dynamic"] is False
    assert facts["filter_bank"] == {"filters": 8, "kernel": [3, 3], "scale": 2, "groups": 2, "reduction": "max"}
    loaded, shape = filterbank.load(path)
    assert shape == [1, 1, 36, 48]
    assert np.array_equal(loaded.kernels, bank().kernels) and loaded.anchor == (1, 1)
    assert (loaded.scale, loaded.groups, loaded.reduction) == (2, 2, "max")


def test_dynamic_facts(tmp_path):
    facts = write_filterbank(bank(), tmp_path / "model.filters.npz", 36, 48, dynamic=True)
    assert facts["input_shape"] == [1, 1, None, None] and facts["output_shape"] == [1, 1, None, None]
    assert filterbank.load(tmp_path / "model.filters.npz")[1] == [1, 1, -1, -1]


def test_unwritable_path_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(EdgesrError, match="cannot write"):
        write_filterbank(bank(), blocker / "model.filters.npz", 4, 4)
