"""Export -> ``python -m edgesr_runtime check`` in a subprocess where torch cannot be imported.

Also: tampered and truncated files, a corrupt model whose hash was recomputed, resume, the store.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.store import ResultStore

from blocked_imports import run_without

from edgesr.exporting import export_sources
from edgesr.models.source import resolve_all

REPO = Path(__file__).resolve().parents[2]
RESOLUTION = "96x72"


def device_check(bundle, *extra):
    """``python -m edgesr_runtime check BUNDLE`` with torch blocked and PYTHONPATH=runtimes."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "runtimes"))
    result = run_without({"torch"}, "edgesr_runtime", ["check", bundle] + list(extra), env=env)
    assert "BLOCKED-IMPORT torch" not in result.stderr, "the device check tried to import torch"
    return result


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, shared_weights):
    pytest.importorskip("litert_torch", reason="the rpi bundle needs litert-torch (edgesr-export[tflite])")
    out = tmp_path_factory.mktemp("bundles")
    store = ResultStore(str(out / "results.db"))
    common = dict(store=store, progress=False, log=lambda m: None)
    # full static INT8 of the literal graph breaks the softmax attention: an artifact refused at export
    # (PSNR drop over the limit) that also fails the device check
    rpi = export_sources(resolve_all("eSR-TM_s2_K7_C16", shared_weights), "rpi", out,
                         {"resolution": RESOLUTION, "graph": "reference", "int8_recipes": "static"}, **common)
    jetson = export_sources(resolve_all("eSR-TM_s2_K7_C16,Bicubic_s2", shared_weights), "jetson", out,
                            {"resolution": RESOLUTION}, **common)
    store.close()
    return {"out": out, "rpi": rpi.bundles[0].path, "jetson": jetson.bundles[0].path, "jetson_report": jetson}


def copy_of(bundle, tmp_path):
    target = tmp_path / os.path.basename(bundle)
    shutil.copytree(bundle, target)
    return target


def test_rpi_bundle_passes_the_device_check_without_torch(bundles):
    result = device_check(bundles["rpi"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all files match their sha256" in result.stdout
    for name in ("onnx-fp32", "tflite-fp32", "tflite-fp16"):
        line = next(l for l in result.stdout.splitlines() if l.startswith(name + " "))
        assert line.rstrip().endswith("PASS"), line
    # the INT8 artifact failed its gate at export: reported, skipped, not silently "valid"
    assert "SKIP tflite-int8: invalid at export" in result.stdout


def test_jetson_bundle_checks_onnx_and_waits_for_the_engine(bundles):
    result = device_check(bundles["jetson"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIP tensorrt-fp16: not built yet" in result.stdout
    manifest = bundle_io.load_manifest(bundles["jetson"])
    assert manifest["fp16_check"]["passed"] and manifest["fp16_check"]["max_abs"] < 65504
    assert device_check(bundles["jetson"], "--strict").returncode == 1


def test_json_output_and_all_flag(bundles):
    result = device_check(bundles["rpi"], "--json", "--all")
    data = json.loads(result.stdout)
    statuses = {r["artifact"]: r["status"] for r in data["results"]}
    assert statuses["tflite-int8"] == "FAIL" and statuses["onnx-fp32"] == "PASS"
    assert result.returncode == 1


def test_tampered_file_is_refused_before_anything_runs(bundles, tmp_path):
    bundle = copy_of(bundles["rpi"], tmp_path)
    model = bundle / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    result = device_check(bundle)
    assert result.returncode == 3
    assert "model.onnx was modified (sha256 mismatch)" in result.stderr


@pytest.mark.parametrize("name", ["model.onnx", "model_fp32.tflite", "golden.npz"])
def test_truncated_file_is_named(bundles, tmp_path, name):
    bundle = copy_of(bundles["rpi"], tmp_path)
    path = bundle / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    result = device_check(bundle)
    assert result.returncode == 3
    assert "%s is truncated" % name in result.stderr


@pytest.mark.parametrize("name, artifact", [("model.onnx", "onnx-fp32"), ("model_fp32.tflite", "tflite-fp32")])
def test_corrupt_model_with_matching_hash_is_a_clear_error(bundles, tmp_path, name, artifact):
    """A model broken before hashing (bad export, bad converter) fails in the runtime with a clear message."""
    bundle = copy_of(bundles["rpi"], tmp_path)
    path = bundle / name
    path.write_bytes(path.read_bytes()[:200])
    manifest = bundle_io.load_manifest(bundle)
    bundle_io.refresh_files(bundle, manifest, [name])
    bundle_io.save_manifest(bundle, manifest)
    result = device_check(bundle, "--artifact", artifact)
    assert result.returncode == 1
    assert "ERROR %s: %s is not a valid" % (artifact, name) in result.stdout


def test_not_a_bundle(tmp_path):
    result = device_check(tmp_path)
    assert result.returncode == 2 and "has no manifest.json" in result.stderr


def test_resume_skips_complete_valid_bundles_and_redoes_the_rest(bundles, shared_weights):
    common = dict(progress=False, log=lambda m: None)
    again = export_sources(resolve_all("eSR-TM_s2_K7_C16,Bicubic_s2", shared_weights), "jetson", bundles["out"],
                           {"resolution": RESOLUTION}, **common)
    assert [b.status for b in again.bundles] == ["skipped", "skipped"]
    other = export_sources(resolve_all("Bicubic_s2", shared_weights), "jetson", bundles["out"], {"resolution": "48x36"},
                           **common)
    assert other.bundles[0].status == "exported"  # new options: not the same bundle any more


def test_store_records_exports_and_invalid_artifacts(bundles):
    with ResultStore(str(bundles["out"] / "results.db")) as store:
        exports = {(r["model"], r["runtime"], r["precision"]) for r in store.rows(kind="export")}
        failures = {(r["model"], r["runtime"], r["precision"]) for r in store.rows(kind="failure")}
    assert ("eSR-TM_s2_K7_C16", "onnxruntime", "fp32") in exports
    assert ("Bicubic_s2", "tensorrt", "fp16") in exports  # pending engine, recorded as planned
    assert ("eSR-TM_s2_K7_C16", "litert", "int8") in failures


def test_readme_holds_the_device_commands(bundles):
    readme = (Path(bundles["jetson"]) / "README.md").read_text()
    assert "python3 -m edgesr_runtime build-engine ~/edgesr-bundles/eSR-TM_s2_K7_C16-jetson --fp16" in readme
    assert "python3 -m edgesr_runtime check ~/edgesr-bundles/eSR-TM_s2_K7_C16-jetson" in readme


def test_device_cli_lists_its_commands_and_hands_bench_on(capsys):
    from edgesr_runtime import cli

    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("check", "build-engine", "bench"))
    with pytest.raises(SystemExit) as done:
        cli.main(["bench", "--help"])  # parsed by the device bench command itself
    assert done.value.code == 0 and "--runtime" in capsys.readouterr().out
