"""The OpenCV filter-bank runner against a direct numpy reference (correlation, zero border, reduction,
depth-to-space), plus the format's file handling. numpy + cv2 only.

Tolerance: each runner output is a float32 sum of ``taps`` products of float32 kernels and inputs
in [0, 1], followed by an exact max and exact copies. Whatever the summation order, a float32 dot
product of n terms is within n·u·Σ|k·x| of the exact value (u = 2^-24), so
|runner - float64 reference| <= (taps + 1)·u·max_f Σ|k_f| (+1 for rounding the stored result).
"""

import numpy as np
import pytest

from edgesr_runtime import filterbank
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.filterbank import FilterBank
from edgesr_runtime.runners import open_runner, runtime_for_path

from .float32_error import conv_error

pytest.importorskip("cv2", reason="OpenCV (opencv-python-headless) is not installed")


def reference(bank, x):
    """float64 N×1×sH×sW output of ``bank`` on N×1×H×W input, computed literally from the format's definition."""
    kernels = bank.kernels.astype(np.float64)
    _, kh, kw = kernels.shape
    ay, ax = bank.anchor
    count, _, height, width = x.shape
    s = bank.scale
    out = np.empty((count, 1, height * s, width * s))
    for n in range(count):
        padded = np.zeros((height + kh - 1, width + kw - 1))
        padded[ay:ay + height, ax:ax + width] = x[n, 0]
        filtered = np.zeros((len(kernels), height, width))
        for k, kernel in enumerate(kernels):
            for u in range(kh):
                for v in range(kw):
                    filtered[k] += kernel[u, v] * padded[u:u + height, v:v + width]
        reduced = filtered.reshape(s * s, bank.groups, height, width).max(axis=1)  # phase-major order
        out[n, 0] = reduced.reshape(s, s, height, width).transpose(2, 0, 3, 1).reshape(height * s, width * s)
    return out


def bound(bank):
    """float32 against the exact (float64) reference: γ_(taps+1)·max Σ|k| on inputs in [0, 1]; max is exact."""
    return conv_error(bank.kernels, evaluations=1)


def random_bank(scale, groups, size, anchor, reduction, seed=0, zero_border=False):
    kernels = np.random.default_rng(seed).normal(size=(scale * scale * groups, size, size)).astype(np.float32)
    if zero_border:  # polyphase filters: zero rows/columns the runner drops
        kernels[:, 0, :] = 0
        kernels[:, :, -1] = 0
    return FilterBank(kernels, anchor, scale, groups, reduction)


def save(tmp_path, bank, shape, name="model.filters.npz"):
    path = tmp_path / name
    filterbank.save(bank, path, shape)
    return path


BANKS = {
    "x2 max over 3, 3x3 centred": (random_bank(2, 3, 3, (1, 1), "max"), (1, 1, 17, 23)),
    "x3 one per phase, 5x5 off-centre anchor, zero borders": (
        random_bank(3, 1, 5, (3, 1), "none", seed=1, zero_border=True), (1, 1, 12, 9)),
    "x4 max over 2, 7x7": (random_bank(4, 2, 7, (3, 3), "max", seed=2), (1, 1, 8, 11)),
    "x2 anchor in the corner": (random_bank(2, 1, 4, (0, 3), "none", seed=3), (1, 1, 6, 7)),
}


# 2, 3: one band of rows per thread, each read with its kernels' margin (3 on the 8-row x4 case: bands of 3
# rows, thinner than the 7x7 kernels' reach of 3 rows above and below)
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("case", list(BANKS))
def test_runner_matches_reference_including_borders(tmp_path, case, threads):
    bank, shape = BANKS[case]
    x = np.random.default_rng(7).random(shape, dtype=np.float32)
    with open_runner(None, save(tmp_path, bank, shape), threads=threads) as runner:
        y = runner.infer(x)
        assert runner.describe()["runtime"] == "opencv"
    assert y.dtype == np.float32 and y.shape == (1, 1, shape[2] * bank.scale, shape[3] * bank.scale)
    err = np.abs(y - reference(bank, x))
    assert err.max() <= bound(bank), (err.max(), bound(bank))


def test_zero_taps_are_dropped_exactly():
    kernel = np.zeros((6, 6), np.float32)
    kernel[2:4, 1:5] = 1.5
    piece, anchor = filterbank.trimmed(kernel, (3, 2))
    assert piece.shape == (2, 4) and anchor == (1, 1) and np.array_equal(piece, kernel[2:4, 1:5])
    piece, anchor = filterbank.trimmed(kernel, (0, 0))  # the anchor tap stays inside the kernel
    assert piece.shape == (4, 5) and anchor == (0, 0)


def test_dynamic_bank_takes_any_size(tmp_path):
    bank, _ = BANKS["x2 max over 3, 3x3 centred"]
    path = save(tmp_path, bank, [1, 1, -1, -1])
    with open_runner("opencv", path) as runner:
        assert runner.input_metadata().shape == (1, 1, None, None)
        for shape in ((1, 1, 5, 9), (1, 1, 31, 4)):
            x = np.random.default_rng(1).random(shape, dtype=np.float32)
            assert np.abs(runner.infer(x) - reference(bank, x)).max() <= bound(bank)


def test_static_bank_refuses_another_size(tmp_path):
    bank, shape = BANKS["x2 max over 3, 3x3 centred"]
    with open_runner("opencv", save(tmp_path, bank, shape)) as runner:
        assert runner.output_metadata().shape == (1, 1, 34, 46)
        with pytest.raises(EdgesrError, match="expects input 1x1x17x23"):
            runner.infer(np.zeros((1, 1, 16, 23), np.float32))


def test_suffix_names_the_runtime_and_golden_data_is_not_a_model():
    assert runtime_for_path("bundle/model.filters.npz") == "opencv"
    with pytest.raises(EdgesrError, match="cannot tell the runtime"):
        runtime_for_path("bundle/golden.npz")


@pytest.mark.parametrize("fields, message", [
    (dict(kernels=np.zeros((3, 3, 3), np.float32), anchor=(1, 1), scale=2), "3 kernels, expected"),
    (dict(kernels=np.zeros((4, 3, 3), np.float64), anchor=(1, 1), scale=2), "float32"),
    (dict(kernels=np.zeros((8, 3, 3), np.float32), anchor=(1, 1), scale=2, groups=2), "needs groups = 1"),
    (dict(kernels=np.zeros((4, 3, 3), np.float32), anchor=(1, 3), scale=2), "outside"),
    (dict(kernels=np.zeros((4, 3, 3), np.float32), anchor=(1, 1), scale=2, reduction="sum"), "not one of"),
])
def test_invalid_bank_is_refused(fields, message):
    with pytest.raises(EdgesrError, match=message):
        FilterBank(**fields)


def test_corrupt_or_foreign_file_is_one_clear_error(tmp_path):
    truncated = tmp_path / "cut.filters.npz"
    data = save(tmp_path, BANKS["x2 max over 3, 3x3 centred"][0], [1, 1, 4, 4]).read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(EdgesrError, match="not a valid filter-bank file"):
        open_runner("opencv", truncated)
    foreign = tmp_path / "other.filters.npz"
    np.savez(foreign, weights=np.zeros(3))
    with pytest.raises(EdgesrError, match="not a filter bank: no format"):
        open_runner("opencv", foreign)
