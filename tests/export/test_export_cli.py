"""``edgesr export`` / ``edgesr check`` on the command line: bad input, missing converter, next steps."""

import os

import pytest

from blocked_imports import run_without

from edgesr.cli import main

RESOLUTION = "96x72"


def edgesr(*args):
    return main([str(a) for a in args])


@pytest.mark.parametrize("args, message", [
    (["--target", "rpii", "--model", "eSR-MAX_s2_K3_C1"], "unknown export target 'rpii'; did you mean 'rpi'"),
    (["--target", "onnx", "--model", "eSR-MAX_s4_K3_C1", "--resolution", "1366x768"],
     "output 1366x768 is not divisible by the scale 4"),
    (["--target", "onnx", "--models", "eSR-MAX_s2_K3_C1,eSR-MAX_s3_K3_C1", "--resolution", "1280x720"],
     "not divisible by the scale 3"),
    (["--target", "jetson", "--model", "eSR-MAX_s2_K3_C1", "--dynamic"], "target jetson does not take option"),
    (["--target", "jetson", "--model", "eSR-MAX_s2_K3_C1", "--precision", "int8"], "has no int8 precision"),
    (["--target", "onnx", "--model", "eSR-MAX_s2_K3_C99"], "unknown model id 'eSR-MAX_s2_K3_C99'"),
])
def test_bad_input_fails_before_any_work(args, message, tmp_path, capsys):
    assert edgesr("export", *args, "--out", tmp_path) == 2
    assert message in capsys.readouterr().err
    assert not os.listdir(tmp_path)


def test_missing_converter_gives_the_install_command(tmp_path):
    result = run_without({"litert_torch"}, "edgesr", ["export", "--target", "rpi", "--model", "eSR-MAX_s2_K3_C1",
                                                      "--resolution", RESOLUTION, "--out", tmp_path])
    assert result.returncode == 2, result.stderr
    assert "litert-torch (needed for target rpi) is not installed" in result.stderr
    assert "pip install 'edgesr-export[tflite]'" in result.stderr
    assert not os.listdir(tmp_path)


def test_onnx_target_does_not_need_the_tflite_converter(tmp_path, shared_weights):
    result = run_without({"litert_torch", "ai_edge_quantizer"}, "edgesr", [
        "export", "--target", "onnx", "--model", "eSR-MAX_s2_K3_C1", "--resolution", RESOLUTION, "--out", tmp_path,
        "--weights-dir", shared_weights])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 exported" in result.stdout


def test_jetson_export_prints_next_steps_and_host_check_needs_no_torch(tmp_path, capsys, shared_weights):
    assert edgesr("export", "--target", "jetson", "--model", "eSR-TM_s2_K7_C16", "--resolution", RESOLUTION,
                  "--out", tmp_path, "--weights-dir", shared_weights) == 0
    out = capsys.readouterr().out
    bundle = tmp_path / "eSR-TM_s2_K7_C16-jetson"
    assert "Next steps" in out and "edgesr check %s" % bundle in out
    assert "python3 -m edgesr_runtime build-engine ~/edgesr-bundles/eSR-TM_s2_K7_C16-jetson --fp16" in out
    result = run_without({"torch"}, "edgesr", ["check", bundle])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BLOCKED-IMPORT torch" not in result.stderr
    assert "onnx-fp32" in result.stdout and "PASS" in result.stdout


def test_build_engine_without_tensorrt_says_how_to_install_it(tmp_path, capsys, shared_weights):
    assert edgesr("export", "--target", "jetson", "--model", "Bicubic_s3", "--resolution", RESOLUTION,
                  "--out", tmp_path, "--weights-dir", shared_weights) == 0
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        assert edgesr("build-engine", tmp_path / "Bicubic_s3-jetson") == 2
        assert "python3-libnvinfer" in capsys.readouterr().err
    else:
        pytest.skip("TensorRT is installed here; tests/test_trt_build.py covers the real build")
