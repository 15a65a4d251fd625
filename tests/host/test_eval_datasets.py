"""Dataset folders: lookup by name or path, reading images, preparing LR/HR pairs."""

import shutil

import numpy as np
import pytest
from PIL import Image

from edgesr.eval import protocol
from edgesr.eval.datasets import image_files, known_datasets, read_image, resolve_dataset
from edgesr.eval.prepare import make_pair, prepare_dataset, prepared
from edgesr_runtime.errors import EdgesrError
from runtime.float32_error import UNIT_ROUNDOFF  # tests/runtime/float32_error.py


def test_shared_datasets_are_found_by_name_case_insensitively():
    assert {"Set5", "Set14", "BSDS100"} <= set(known_datasets())
    dataset = resolve_dataset("set14")
    assert dataset.key == "Set14"
    files = image_files(dataset)
    assert len(files) == 14 and files == sorted(files)


def test_a_known_folder_given_by_path_keeps_its_name(tmp_path):
    set5 = resolve_dataset("Set5")
    assert resolve_dataset(str(set5.root)).key == "Set5"
    own = tmp_path / "mine"
    own.mkdir()
    assert resolve_dataset(str(own)).key == str(own.resolve())


def test_unknown_dataset_name_suggests_close_names():
    with pytest.raises(EdgesrError) as err:
        resolve_dataset("Set15")
    assert "unknown dataset 'Set15'" in str(err.value) and "did you mean" in str(err.value)
    assert "'Set5'" in str(err.value) or "'Set14'" in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_path_and_empty_folder_are_errors(tmp_path):
    with pytest.raises(EdgesrError, match="does not exist"):
        resolve_dataset(str(tmp_path / "nope"))
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(EdgesrError, match="holds no images"):
        image_files(resolve_dataset(str(tmp_path)))


def test_read_image_gray_rgb_and_palette(tmp_path):
    set14 = resolve_dataset("Set14").root
    assert read_image(set14 / "bridge.png").ndim == 2  # stored as 8-bit gray: used as is
    assert read_image(set14 / "baboon.png").shape[2] == 3
    Image.new("P", (12, 12), 3).save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").shape == (12, 12, 3)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ValueError, match="cannot read image"):
        read_image(tmp_path / "broken.png")


def test_unreadable_and_tiny_images_are_skipped_with_reasons(tmp_path):
    for name in ("baby.png", "bird.png"):
        shutil.copy(resolve_dataset("Set5").root / name, tmp_path / name)
    (tmp_path / "broken.png").write_bytes(b"garbage")
    Image.new("RGB", (16, 16)).save(tmp_path / "tiny.png")  # 8 px after shave
    data = prepare_dataset(resolve_dataset(str(tmp_path)), 4)
    assert [p.name for p in data.pairs] == ["baby.png", "bird.png"]
    reasons = dict(data.skipped)
    assert set(reasons) == {"broken.png", "tiny.png"}
    assert "cannot read image" in reasons["broken.png"] and "too small" in reasons["tiny.png"]


def test_make_pair_follows_the_protocol():
    image = read_image(resolve_dataset("Set5").root / "baby.png")  # 512×512
    pair = make_pair("baby.png", image, 3)
    hr = protocol.mod_crop(protocol.to_luma(image), 3)
    assert hr.shape == (510, 510)
    assert pair.lr.dtype == np.float32 and pair.lr.shape == (170, 170)
    # the float64 protocol rounded once to float32: within u = 2^-24 relative
    np.testing.assert_allclose(pair.lr, protocol.downscale(hr, 3) / 255, rtol=UNIT_ROUNDOFF, atol=0)
    assert pair.lr.min() < 0 and pair.lr.max() > 1  # bicubic overshoot is kept: no rounding or clipping
    np.testing.assert_array_equal(pair.hr, protocol.to_limited_range(protocol.shave(hr, 3)))


def test_prepared_pairs_are_cached_per_process():
    dataset = resolve_dataset("Set5")
    assert prepared(dataset, 4) is prepared(dataset, 4)
    assert prepared(dataset, 4, protocol.LUMA_STANDARD) is not prepared(dataset, 4)
