"""`edgesr train`: patch degradation, the trained-run format, exact resume, validation = `edgesr eval`, bad input."""

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from edgesr.cli import main
from edgesr.eval import protocol
from edgesr.models import create_model
from edgesr.train.patches import degrade_window
from edgesr.weights import find_weights
from edgesr_runtime.errors import EdgesrError

MODEL = "eSR-MAX_s2_K3_C2"
REPO = Path(__file__).resolve().parents[2]


def _image(rng, height, width):
    """A smooth RGB image with some texture (so a trained model beats a random one)."""
    y, x = np.mgrid[0:height, 0:width]
    base = 128 + 60 * np.sin(x / 5.0 + rng.uniform(0, 6)) * np.cos(y / 7.0 + rng.uniform(0, 6))
    rgb = np.stack([base + rng.normal(0, 8, base.shape) for _ in range(3)], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """(training folder of 4 images, validation folder of 2 images)."""
    root = tmp_path_factory.mktemp("train-data")
    rng = np.random.default_rng(7)
    train, val = root / "train", root / "val"
    train.mkdir()
    val.mkdir()
    for n in range(4):
        Image.fromarray(_image(rng, 40 + 3 * n, 44)).save(train / ("t%d.png" % n))
    for n in range(2):
        Image.fromarray(_image(rng, 34, 30 + 2 * n)).save(val / ("v%d.png" % n))
    return train, val


@pytest.fixture(autouse=True)
def keep_torch_threads():
    """`--threads 1` sets the process's torch threads; restore them for the other tests."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def train_args(folders, out, *extra, steps=12):
    train, val = folders
    return ["train", "--model", MODEL, "--data", str(train), "--out", str(out), "--steps", str(steps),
            "--batch", "3", "--patch", "6", "--val", str(val), "--val-every", "4", "--log-every", "2",
            "--checkpoint-every", "4", "--threads", "1", "--seed", "3", "--lr", "0.01", "--no-progress", *extra]


def state_of(out):
    record = json.loads((Path(out) / "model.json").read_text())
    return torch.load(Path(out) / record["weights"], weights_only=True)


def log_rows(out):
    """log.csv without the wall-time column."""
    with open(Path(out) / "log.csv") as handle:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(handle)]


def error_line(capsys):
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return lines[-1]


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_a_patch_is_the_whole_images_downscale(scale):
    """The windowed LR patch equals the protocol's downscale of the whole image (float64 rounding only)."""
    rng = np.random.default_rng(scale)
    pixels = protocol.mod_crop(_image(rng, 61, 67), scale)
    hr = protocol.to_luma(pixels)
    lr = protocol.downscale(hr, scale)
    p = 5
    corners = [(0, 0), (lr.shape[0] - p, lr.shape[1] - p), (1, lr.shape[1] - p - 1), (6, 4), (2, 0)]
    for top, left in corners:
        lr_patch, hr_patch = degrade_window(pixels, top, left, p, scale)
        # Values are ≤ 255 and each is a sum of ≤ ~100 float64 products: rounding stays far below 1e-9.
        np.testing.assert_allclose(lr_patch, lr[top:top + p, left:left + p], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(hr_patch, hr[top * scale:(top + p) * scale, left * scale:(left + p) * scale])


def test_a_run_writes_a_trained_model_other_commands_load(folders, tmp_path):
    out = tmp_path / "run"
    assert main(train_args(folders, out)) == 0
    record = json.loads((out / "model.json").read_text())
    assert record["format"] == "edgesr-trained/1"
    assert record["model_id"] == MODEL + "@run" and record["architecture"] == MODEL and record["scale"] == 2
    assert record["weights"] == MODEL + ".model"
    weights = out / record["weights"]
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert record["sha256"] == digest
    assert (out / "weights.sha256").read_text() == "%s  %s\n" % (digest, record["weights"])
    state = torch.load(weights, weights_only=True)
    module = create_model(MODEL, pretrained=False)
    module.load_state_dict(state, strict=True)
    assert all(v.dtype == torch.float32 for v in state.values())
    assert record["trained"]["steps"] == 12 and set(record["trained"]["val_psnr_final"]) == {str(folders[1])}
    best = json.loads((out / "best" / "model.json").read_text())
    assert best["trained"]["checkpoint_step"] in (4, 8, 12)
    assert [r["step"] for r in log_rows(out)] == [str(s) for s in range(2, 13, 2)]
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the zoo's own loader takes the run folder as --weights-dir (checked against the run's manifest)
    assert find_weights(MODEL, out) == weights
    loaded = create_model(MODEL, pretrained=True, weights_dir=out)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in state.items())
    damaged = bytearray(weights.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # one byte changed: the file no longer matches the run's manifest
    weights.write_bytes(bytes(damaged))
    with pytest.raises(EdgesrError, match="does not match"):
        create_model(MODEL, pretrained=True, weights_dir=out)


def test_a_stopped_run_resumes_to_the_same_weights(folders, tmp_path, capsys):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert main(train_args(folders, whole)) == 0
    assert main(train_args(folders, split, "--stop-after", "5")) == 0
    assert not (split / "model.json").exists()
    assert main(train_args(folders, split, "--stop-after", "2")) == 0  # steps 6-7: resumed from the step-5 checkpoint
    assert "resuming" in capsys.readouterr().err
    assert main(train_args(folders, split)) == 0
    expected, got = state_of(whole), state_of(split)
    assert expected.keys() == got.keys() and all(torch.equal(expected[k], got[k]) for k in expected)
    assert log_rows(split) == log_rows(whole)
    # a finished run is not retrained
    assert main(train_args(folders, split)) == 0
    assert "already trained" in capsys.readouterr().err


def test_a_killed_run_resumes_to_the_same_weights(folders, tmp_path, capsys):
    """A real SIGKILL of the command mid-run, then the same command again."""
    steps = 300  # the kill lands within a few steps of the first checkpoint (step 10), long before the end
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    options = ["--val-every", "100000", "--checkpoint-every", "10", "--log-every", "10"]
    args = train_args(folders, killed, steps=steps) + options
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "runtimes"), str(REPO / "export")]))
    process = subprocess.Popen([sys.executable, "-m", "edgesr", *args], env=env, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (killed / "checkpoint.pt").exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, process.stderr.read().decode()[-2000:]
    process.stderr.close()
    assert not (killed / "model.json").exists()
    assert main(args) == 0
    assert "resuming %s at step" % killed in capsys.readouterr().err
    assert main(train_args(folders, whole, steps=steps) + options) == 0
    expected, got = state_of(whole), state_of(killed)
    assert all(torch.equal(expected[k], got[k]) for k in expected)


def test_validation_psnr_is_what_edgesr_eval_measures(folders, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(folders, out)) == 0
    capsys.readouterr()
    record = json.loads((out / "model.json").read_text())
    assert main(["eval", "--models", MODEL, "--weights-dir", str(out), "--datasets", str(folders[1]),
                 "--store", str(tmp_path / "eval.db"), "--workers", "1", "--json", "--no-progress"]) == 0
    evaluated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # Same weights and code; only a float32 rounding difference between two conv calls could differ:
    # ~1e-7 relative on outputs of ~255, against an error RMS of several units, is < 1e-4 dB.
    assert evaluated["psnr"] == pytest.approx(record["trained"]["val_psnr_final"][str(folders[1])], abs=1e-4)


def test_fine_tuning_starts_from_the_authors_weights(folders, tmp_path):
    try:
        authors = create_model(MODEL, pretrained=True).state_dict()
    except Exception as err:  # noqa: BLE001 - the weights are data outside the repository
        pytest.skip("the authors' weights are not available here: %s" % err)
    out = tmp_path / "run"
    assert main(train_args(folders, out, "--init", "pretrained", "--lr", "1e-6", steps=1)) == 0
    tuned = state_of(out)
    # one Adam step moves each weight by at most about lr (here 1e-6)
    assert all(torch.allclose(tuned[k], authors[k], rtol=0, atol=2e-6) for k in authors)


def test_a_different_command_on_a_run_folder_is_refused(folders, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(folders, out, "--stop-after", "2")) == 0
    assert main(train_args(folders, out, "--loss", "l2")) == 2
    line = error_line(capsys)
    assert "holds a different training run" in line and "--loss l1 there, l2 here" in line


def test_bad_input_is_one_clear_line(folders, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "--model", MODEL, "--data", str(empty), "--out", str(tmp_path / "a")]) == 2
    assert "holds no images" in error_line(capsys)

    assert main(train_args(folders, tmp_path / "b2", "--patch", "40")) == 2  # (40 + 2 x radius 1) x scale 2
    line = error_line(capsys)
    assert "no usable training image" in line and "smaller than the 84×84 HR patch" in line

    assert main(train_args(folders, tmp_path / "c") + ["--model", "eSR-MAX_s2_K3_C9x"]) == 2
    assert "model id" in error_line(capsys)

    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(train_args(folders, blocker / "out")) == 2
    assert "cannot write" in error_line(capsys)

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(train_args(folders, other)) == 2
    assert "not empty and holds no training run" in error_line(capsys)

    assert main(train_args(folders, tmp_path / "d", "--name", MODEL)) == 2
    assert "is a zoo id" in error_line(capsys)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b2").exists()
