"""``python -m edgesr_runtime bench|sweep`` as on a device: a subprocess where torch and edgesr cannot be imported."""

import json
import shutil

import pytest

from edgesr_runtime.store import ResultStore

FAST = ["--warmup-ms", "20", "--duration-s", "0.2", "--iterations", "5", "--frames", "3"]
MAX_CPU, MAX_DYNAMIC, TM_RPI = "eSR-MAX_s2_K3_C1-cpu", "eSR-MAX_s2_K3_C1-onnx", "eSR-TM_s2_K3_C2-rpi"


def test_the_device_subprocess_really_blocks_torch_and_edgesr(device_python):
    for module in ("torch", "PIL", "edgesr", "edgesr_export"):
        proc = device_python("import %s" % module)
        assert proc.returncode != 0 and "blocked on the device: %s" % module in proc.stderr


def test_bench_json_of_a_model_file(device_cli, fixture_bundles, need):
    need("onnxruntime")
    proc = device_cli("bench", fixture_bundles / MAX_CPU / "model.onnx", "--json", "--threads", "1", "--power",
                      "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["schema"] == "edgesr-bench/1"
    # a generic file name takes the bundle folder's name
    assert result["model"] == MAX_CPU and result["runtime"] == "onnxruntime" and result["precision"] == "fp32"
    assert result["artifact"] == "model.onnx" and result["input_shape"] == [1, 1, 12, 16]
    assert result["output_shape"] == [1, 1, 24, 32] and result["threads"] == 1
    assert result["iterations"] >= 5 and len(result["trace_ms"]) == result["iterations"]
    assert result["duration_s"] >= 0.2
    assert set(result["latency_ms"]) == {"min", "mean", "median", "p90", "p95", "p99", "std", "max"}
    assert result["power_w"] is None and result["energy_mj_per_frame"] is None
    assert result["power"]["status"] == "unavailable"
    assert result["cpu_usage_pct"] > 0 and result["peak_rss_mb"] > 0
    assert result["environment"]["edgesr_runtime_version"] and result["settings"]["frames"] == 3
    assert "auto" not in result
    assert "=== Performance summary ===" in proc.stderr and "Power: unavailable" in proc.stderr


def test_bench_dynamic_model_end_to_end_and_store(device_cli, fixture_bundles, need, tmp_path):
    need("onnxruntime")
    db = tmp_path / "results.db"
    proc = device_cli("bench", fixture_bundles / MAX_DYNAMIC / "model.onnx", "--model-id", "Tiny_s2", "--input-size",
                      "30x40", "--end-to-end", "--chroma", "numpy", "--power", "auto", "--store", db, "--device",
                      "testbox", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "=== Performance summary ===" in proc.stdout and "percentile(90%)" in proc.stdout
    with ResultStore(str(db)) as store:
        (row,) = store.rows(kind="latency")
    assert (row["model"], row["runtime"], row["precision"], row["device"]) == ("Tiny_s2", "onnxruntime", "fp32",
                                                                                "testbox")
    assert row["dataset"] == "end-to-end:30x40"
    assert row["payload"]["mode"] == "end-to-end" and row["payload"]["input_shape"] == [1, 1, 30, 40]
    assert row["payload"]["output_shape"] == [1, 1, 60, 80]


def test_a_dynamic_file_takes_its_scale_from_the_bundle_manifest(device_cli, fixture_bundles, need, tmp_path):
    need("onnxruntime")
    proc = device_cli("bench", fixture_bundles / MAX_DYNAMIC / "model.onnx", "--json", "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["input_shape"] == [1, 1, 540, 960]  # Full HD / the manifest's scale 2
    bare = tmp_path / "eSR-MAX_s2_K3_C1.onnx"  # outside a bundle an id is only a name: the scale must be given
    shutil.copy(str(fixture_bundles / MAX_DYNAMIC / "model.onnx"), str(bare))
    proc = device_cli("bench", bare, "--power", "none", *FAST)
    assert proc.returncode == 2 and "error:" in proc.stderr and "--scale" in proc.stderr
    proc = device_cli("bench", bare, "--scale", "4", "--json", "--power", "none", *FAST)
    assert proc.returncode == 0 and json.loads(proc.stdout)["input_shape"] == [1, 1, 270, 480]


def test_bench_truncated_file_fails_cleanly(device_cli, fixture_bundles, need, tmp_path):
    need("onnxruntime")
    bad = tmp_path / "model.onnx"
    data = (fixture_bundles / MAX_CPU / "model.onnx").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    db = tmp_path / "results.db"
    proc = device_cli("bench", bad, "--power", "none", "--store", db, *FAST)
    assert proc.returncode == 2
    assert "model.onnx is not a valid ONNX file (truncated or corrupt?)" in proc.stderr
    assert "Traceback" not in proc.stderr
    with ResultStore(str(db)) as store:
        (row,) = store.rows(kind="failure")
    assert row["status"] == "failed" and row["runtime"] == "onnxruntime" and row["dataset"] == "latency"


def test_bench_help(device_cli):
    proc = device_cli("bench", "--help")
    assert proc.returncode == 0
    for flag in ("--runtime", "--threads", "--warmup-ms", "--duration-s", "--iterations", "--frames", "--power",
                 "--json", "--store", "--end-to-end", "--idle-s", "--scale"):
        assert flag in proc.stdout


def test_bench_auto_on_a_bundle_races_what_is_installed(device_cli, fixture_bundles, installed):
    proc = device_cli("bench", fixture_bundles / TM_RPI, "--json", "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    record = result["auto"]
    here = {runtime for runtime in ("onnxruntime", "litert") if installed[runtime][0]}
    here |= {"litert/int8"} & {"%s/int8" % runtime for runtime in here}  # the bundle's INT8 passed its gates
    assert set(record["candidates"]) == here and record["chosen"] == result["runtime"]
    assert record["chosen_precision"] == result["precision"]  # fp32, or the INT8 file when it raced fastest
    assert record["candidates"][record["candidate"]]["precision"] == result["precision"]
    assert "tensorrt" in record["excluded"] and "auto: brief runs" in proc.stderr
    for entry in record["candidates"].values():
        assert entry["iterations"] >= 3 and entry["median_ms"] > 0


def test_runtime_specific_options_go_to_their_runtime(device_cli, fixture_bundles, installed, need):
    need("onnxruntime")
    # auto races every installed runtime: --provider and --no-xnnpack reach only the runner that takes them
    proc = device_cli("bench", fixture_bundles / TM_RPI, "--provider", "cpu", "--no-xnnpack", "--json", "--power",
                      "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["auto"]["chosen"] in ("onnxruntime", "litert")
    # the manifest's recorded ORT level is used, and --ort-optimization overrides it
    for flags, level in (((), "extended"), (("--ort-optimization", "all"), "all")):
        proc = device_cli("bench", fixture_bundles / TM_RPI, "--runtime", "onnxruntime", "--json", "--power", "none",
                          *(flags + tuple(FAST)))
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["runner"]["optimization"] == level
    # a named runtime with another runtime's option: one clear line, no traceback
    proc = device_cli("bench", fixture_bundles / TM_RPI, "--runtime", "onnxruntime", "--no-xnnpack", "--power",
                      "none", *FAST)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "xnnpack (litert) does not apply to onnxruntime" in proc.stderr


def test_bench_named_precision_of_a_bundle(device_cli, fixture_bundles, need):
    need("litert")
    proc = device_cli("bench", fixture_bundles / TM_RPI, "--runtime", "litert", "--precision", "int8", "--json",
                      "--power", "none", *FAST)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["model"], result["runtime"], result["precision"], result["artifact"]) == (
        "eSR-TM_s2_K3_C2", "litert", "int8", "model_int8.tflite")


def test_bench_auto_never_times_an_unchecked_artifact(device_cli, bundle_copy, need):
    need("onnxruntime")
    folder = bundle_copy(MAX_DYNAMIC)
    manifest = json.loads((folder / "manifest.json").read_text())
    for artifact in manifest["artifacts"]:
        artifact.pop("valid", None)
        artifact.pop("parity", None)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = device_cli("bench", folder, "--power", "none", *FAST)
    assert proc.returncode == 2
    assert "onnx-fp32: never checked against PyTorch" in proc.stderr


def test_device_sweep_stores_each_bundle_once_and_resumes(device_cli, fixture_bundles, installed, tmp_path):
    if not any(installed[runtime][0] for runtime in ("onnxruntime", "litert")):
        pytest.skip("neither onnxruntime nor litert is installed")
    folder = tmp_path / "bundles"
    shutil.copytree(str(fixture_bundles), str(folder))
    db = tmp_path / "device.db"
    args = ("sweep", folder, "--store", db, "--power", "none", "--device", "pi", "--duration-s", "0.05",
            "--iterations", "3", "--warmup-ms", "5")
    first = device_cli(*args)
    assert first.returncode == 0, first.stderr
    with ResultStore(str(db)) as store:
        rows = store.rows(kind="latency")
        # the cpu and the dynamic onnx bundle of eSR-MAX measure the same model at the same size: one row
        assert sorted(r["model"] for r in rows) == ["eSR-MAX_s2_K3_C1", "eSR-TM_s2_K3_C2"]
        assert {r["dataset"] for r in rows} == {"model:12x16"}
        assert {r["device"] for r in rows} == {"pi"} and all(r["payload"]["auto"] for r in rows)
        # the stored row's precision is the artifact auto chose; the rpi bundle's valid INT8 file raced too
        assert all(r["precision"] == r["payload"]["auto"]["chosen_precision"] for r in rows)
        tm = next(r for r in rows if r["model"] == "eSR-TM_s2_K3_C2")
        assert ("litert/int8" in tm["payload"]["auto"]["candidates"]) == installed["litert"][0]
        assert "python -m edgesr_runtime sweep" in store.get_meta("device_sweep_command")
    second = device_cli(*args)
    assert first.stderr.count("already in the store") == 1
    assert second.returncode == 0 and second.stderr.count("already in the store") == 3
