"""``runtime auto``: which artifacts of a bundle are candidates, and the race between them."""

import pytest

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.harness import MeasureRequest
from edgesr_runtime.harness.autoselect import choose, runtime_artifacts


def _artifact(tmp_path, name, runtime, file, valid=True, status="ok", precision="fp32"):
    (tmp_path / file).write_bytes(b"x")
    return {"name": name, "runtime": runtime, "file": file, "precision": precision, "status": status,
            "valid": valid, "parity": {"passed": bool(valid), "max_abs_err": 0.0 if valid else 0.5}}


def test_artifacts_that_failed_parity_are_never_candidates(tmp_path):
    manifest = {"target": "cpu", "artifacts": [
        _artifact(tmp_path, "onnx-fp32", "onnxruntime", "model.onnx", valid=False),
        _artifact(tmp_path, "tflite-fp16", "litert", "model_fp16.tflite", precision="fp16"),
        _artifact(tmp_path, "tflite-fp32", "litert", "model_fp32.tflite"),
    ]}
    installed = {"onnxruntime": (True, "1.0"), "litert": (True, "2.0"), "tensorrt": (False, "apt install it")}
    candidates, excluded = runtime_artifacts(manifest, str(tmp_path), installed)
    assert list(candidates) == ["litert"] and candidates["litert"]["file"] == "model_fp32.tflite"
    assert "failed parity" in excluded["onnxruntime"]
    assert "no tensorrt artifact" in excluded["tensorrt"]
    manifest["artifacts"][0]["valid"] = True
    installed["onnxruntime"] = (False, "pip install onnxruntime")
    assert "pip install onnxruntime" in runtime_artifacts(manifest, str(tmp_path), installed)[1]["onnxruntime"]


def test_auto_keeps_the_fastest_median_and_excludes_failures():
    candidates = {rt: {"file": rt + ".bin", "precision": "fp32"} for rt in ("onnxruntime", "litert", "tensorrt")}
    medians = {"onnxruntime": 9.0, "litert": 4.0}

    def brief(runtime):
        if runtime not in medians:
            raise EdgesrError("cannot load")
        return [medians[runtime] - 1, medians[runtime], medians[runtime] + 5, medians[runtime], medians[runtime]]

    record = choose(candidates, {"torch": "x"}, brief, MeasureRequest(warmup_ms=200.0, duration_s=3.0).probe())
    assert record["chosen"] == "litert" and set(record["candidates"]) == {"onnxruntime", "litert"}
    assert "cannot load" in record["excluded"]["tensorrt"]
    assert record["probe"] == {"warmup_ms": 100.0, "duration_s": 0.5, "min_iterations": 3}
    with pytest.raises(EdgesrError):
        choose({"litert": candidates["litert"]}, {}, lambda rt: brief("tensorrt"), MeasureRequest().probe())
    assert record["candidates"]["litert"] == {"median_ms": 4.0, "iterations": 5, "artifact": "litert.bin",
                                              "precision": "fp32"}


def test_valid_int8_artifacts_race_beside_fp32_and_the_record_names_the_precision(tmp_path):
    manifest = {"target": "rpi", "artifacts": [
        _artifact(tmp_path, "onnx-fp32", "onnxruntime", "model.onnx"),
        _artifact(tmp_path, "tflite-fp32", "litert", "model_fp32.tflite"),
        _artifact(tmp_path, "tflite-fp16", "litert", "model_fp16.tflite", precision="fp16"),
        _artifact(tmp_path, "tflite-int8", "litert", "model_int8.tflite", precision="int8"),
    ]}
    installed = {"onnxruntime": (True, "1.0"), "litert": (True, "2.0")}
    candidates, excluded = runtime_artifacts(manifest, str(tmp_path), installed)
    assert {key: a["file"] for key, a in candidates.items()} == {
        "onnxruntime": "model.onnx", "litert": "model_fp32.tflite", "litert/int8": "model_int8.tflite"}
    medians = {"onnxruntime": 9.0, "litert": 6.0, "litert/int8": 3.0}
    record = choose(candidates, excluded, lambda key: [medians[key]] * 3, MeasureRequest().probe())
    assert (record["chosen"], record["chosen_precision"], record["candidate"]) == ("litert", "int8", "litert/int8")
    assert record["candidates"]["litert/int8"]["precision"] == "int8"
    # an INT8 artifact refused by its PSNR-drop gate is no candidate, and the record says why
    manifest["artifacts"][3].update(valid=False, parity={"passed": False, "reason": "INT8 PSNR drop 0.40 dB"})
    candidates, excluded = runtime_artifacts(manifest, str(tmp_path), installed)
    assert "litert/int8" not in candidates and "INT8 PSNR drop 0.40 dB" in excluded["litert/int8"]
