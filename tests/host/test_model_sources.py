"""Model specs: every form resolves through ``edgesr.models.source``, broken contracts are one line, trained
runs are verified before they load, and a user model goes through export, bench, eval and the report."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from edgesr.models.source import expand, resolve, resolve_all
from float32_bounds import float32_atol, psnr_shift
from edgesr_runtime.errors import EdgesrError

REPO = Path(__file__).resolve().parents[2]
FACTORIES = REPO / "tests" / "host" / "user_models" / "tiny_factories.py"
TINY = "%s:tiny" % FACTORIES


def one_line_error(spec, *expected, **kwargs):
    """The EdgesrError of resolving ``spec``: one line that holds every ``expected`` fragment."""
    with pytest.raises(EdgesrError) as caught:
        resolve(spec, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message, message
    return message


# -- the spec forms ----------------------------------------------------------------------------------


def test_a_zoo_id_resolves_as_before():
    from edgesr.exporting import describe

    source = resolve("eSR-MAX_s2_K3_C2")
    assert (source.model_id, source.scale, source.kind, source.family) == ("eSR-MAX_s2_K3_C2", 2, "zoo", "eSR-MAX")
    assert source.description() == describe("eSR-MAX_s2_K3_C2")  # same bundles, same resume key


def test_a_file_factory_with_arguments_resolves_and_builds():
    source = resolve(TINY + "?scale=3&seed=1")
    assert (source.model_id, source.scale, source.kind, source.family) == ("tiny_s3_seed1", 3, "user", "user")
    assert source.parameters == 9 * 9 + 9
    module = source.build()
    assert not module.training and module(torch.rand(1, 1, 5, 7)).shape == (1, 1, 15, 21)
    description = source.description()
    assert (description.model_id, description.scale, description.metadata["source"]) == ("tiny_s3_seed1", 3, "user")
    assert description.producer_version.startswith("0.") and "+" in description.producer_version


def test_the_same_weights_give_the_same_resume_key_and_other_weights_another():
    first, again, other = resolve(TINY), resolve(TINY), resolve(TINY + "?seed=5")
    assert first.producer_version == again.producer_version != other.producer_version


def test_an_importable_module_factory_resolves(tmp_path, monkeypatch):
    (tmp_path / "my_nets.py").write_text(
        "from torch import nn\n"
        "def net(scale=2):\n"
        "    module = nn.Sequential(nn.Conv2d(1, scale * scale, 3, padding=1), nn.PixelShuffle(scale))\n"
        "    module.scale, module.model_id, module.family = scale, 'my-net_s%d' % scale, 'MyNet'\n"
        "    return module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    source = resolve("my_nets:net?scale=4")
    assert (source.model_id, source.scale, source.family, source.spec) == ("my-net_s4", 4, "MyNet", "my_nets:net?scale=4")


def test_the_scale_comes_from_the_spec_when_the_module_has_none():
    assert resolve("%s:no_scale?scale=2" % FACTORIES).scale == 2
    one_line_error("%s:no_scale" % FACTORIES, "no integer scale", "scale")


def test_models_lists_mix_zoo_globs_and_specs(tmp_path):
    specs = expand("Bicubic_s*,%s,Bicubic_s2" % TINY)
    assert specs == ["Bicubic_s2", "Bicubic_s3", "Bicubic_s4", TINY]
    shutil.copy(FACTORIES, tmp_path / "copy.py")
    with pytest.raises(EdgesrError, match="both have the model id 'tiny_s2'"):
        resolve_all("%s,%s:tiny" % (TINY, tmp_path / "copy.py"))


# -- contract errors: one line naming what was expected and what came out -----------------------------------


def test_contract_errors_are_one_clear_line():
    one_line_error("%s:rgb_output" % FACTORIES, "maps a 2×1×16×12 input to 2×3×32×24", "expected 2×1×32×24")
    one_line_error("%s:wrong_scale" % FACTORIES, "to 2×1×32×24", "expected 2×1×48×36 (scale 3")
    one_line_error("%s:not_a_module" % FACTORIES, "returned str, expected a torch.nn.Module")
    one_line_error("%s:missing" % FACTORIES, "has no callable 'missing'", "tiny")
    one_line_error("%s:tiny?colour=1" % FACTORIES, "the factory raised TypeError")
    one_line_error("no/such/file.py:net", "no such file")
    one_line_error("no_such_package_here:net", "cannot import no_such_package_here")
    one_line_error("%s:labelled_like_the_zoo" % FACTORIES, "has the form of a zoo id")
    one_line_error("eSR-MAX_s2_K3_C2x", "did you mean")


def test_an_untrained_architecture_asks_for_training():
    message = one_line_error("%s:tiny_untrained" % FACTORIES, "untrained architecture", "edgesr train --model")
    assert resolve("%s:tiny_untrained" % FACTORIES, pretrained=False).scale == 2, message


def test_pretrained_false_gives_fresh_weights():
    trained, fresh = resolve(TINY).build(), resolve(TINY, pretrained=False).build()
    assert not torch.equal(trained.conv.weight, fresh.conv.weight)


# -- trained runs --------------------------------------------------------------------------------------------


def make_run(folder, architecture, state, model_id="tiny-t91_s2", scale=2, weights="tiny-t91_s2.model"):
    """A run folder in the `edgesr train` format: model.json, the weights, weights.sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state, folder / weights)
    digest = hashlib.sha256((folder / weights).read_bytes()).hexdigest()
    (folder / "weights.sha256").write_text("%s  %s\n" % (digest, weights))
    record = {"format": "edgesr-trained/1", "model_id": model_id, "architecture": architecture, "scale": scale,
              "weights": weights, "sha256": digest, "trained": {"steps": 1}}
    (folder / "model.json").write_text(json.dumps(record))
    return folder


def tiny_state(seed=7):
    from tiny_factories import tiny

    return tiny(2, seed).state_dict()


@pytest.fixture
def factories_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(FACTORIES.parent))


def test_a_trained_run_resolves_from_its_folder_json_or_weights(tmp_path, factories_on_path):
    run = make_run(tmp_path / "run", TINY, tiny_state())
    expected = tiny_state()["conv.weight"]
    for spec in (run, run / "model.json", run / "tiny-t91_s2.model"):
        source = resolve(str(spec))
        assert (source.model_id, source.scale, source.kind) == ("tiny-t91_s2", 2, "trained")
        assert torch.equal(source.build().conv.weight, expected)
    assert resolve(str(run)).producer_version.endswith(json.loads((run / "model.json").read_text())["sha256"][:12])


def test_a_trained_run_finds_its_architecture_file_relative_to_the_run(tmp_path, factories_on_path):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(FACTORIES, run / "net.py")
    make_run(run, "net.py:tiny", tiny_state())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    assert resolve(str(run)).model_id == "tiny-t91_s2"


def test_a_trained_zoo_architecture_needs_no_zoo_weights(tmp_path):
    from edgesr.models import create_model

    state = create_model("eSR-MAX_s2_K3_C2", pretrained=False).state_dict()
    run = make_run(tmp_path / "run", "eSR-MAX_s2_K3_C2", state, model_id="eSR-MAX_s2_K3_C2@t91",
                   weights="eSR-MAX_s2_K3_C2.model")  # the label and file names `edgesr train` gives
    source = resolve(str(run), weights_dir=str(tmp_path / "no-weights-here"))
    assert (source.model_id, source.family, source.kind) == ("eSR-MAX_s2_K3_C2@t91", "eSR-MAX", "trained")


def test_a_changed_weights_file_is_refused(tmp_path, factories_on_path):
    run = make_run(tmp_path / "run", TINY, tiny_state())
    (run / "tiny-t91_s2.model").write_bytes((run / "tiny-t91_s2.model").read_bytes() + b"\0")
    one_line_error(str(run), "does not match the sha256")


def test_a_weights_path_escaping_the_run_is_refused(tmp_path, factories_on_path):
    make_run(tmp_path, TINY, tiny_state(), weights="outside.model")
    run = tmp_path / "run"
    run.mkdir()
    record = json.loads((tmp_path / "model.json").read_text())
    (run / "model.json").write_text(json.dumps(dict(record, weights="../outside.model")))
    one_line_error(str(run), "outside")


def test_broken_run_records_are_refused(tmp_path, factories_on_path):
    run = make_run(tmp_path / "run", TINY, tiny_state())
    record = json.loads((run / "model.json").read_text())
    for change, fragment in (({"format": "other/1"}, "is not a trained run"), ({"scale": 3}, "scale 3"),
                             ({"model_id": "eSR-MAX_s2_K3_C2"}, "form of a zoo id"),
                             ({"scale": "2"}, "field 'scale'")):
        (run / "model.json").write_text(json.dumps(dict(record, **change)))
        one_line_error(str(run), fragment)
    one_line_error(str(tmp_path / "missing-run.json"), "not found")
    one_line_error(str(tmp_path / "no-such-run"), "not found", "edgesr train")


# -- the reference architectures -----------------------------------------------------------------------------


def conv(inputs, outputs, k=3):
    return inputs * outputs * k * k + outputs


def test_edsr_baseline_has_the_papers_structure():
    source = resolve("edgesr.baselines:edsr_baseline?scale=2", pretrained=False)
    # head, 16 blocks of two 64→64 convolutions, the body's closing convolution, one ×2 sub-pixel stage, output.
    expected = conv(1, 64) + 16 * 2 * conv(64, 64) + conv(64, 64) + conv(64, 256) + conv(64, 1)
    assert (source.model_id, source.family, source.parameters) == ("EDSR-baseline_s2", "EDSR-baseline", expected)
    x4 = resolve("edgesr.baselines:edsr_baseline?scale=4", pretrained=False)
    assert x4.parameters == expected + conv(64, 256)  # two ×2 stages
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in x4.build().modules())


def test_the_window_attention_network_takes_any_size():
    source = resolve("edgesr.baselines:window_attention_sr?scale=3", pretrained=False)
    assert (source.model_id, source.family) == ("WinAttn-SR_s3", "WinAttn-SR")
    with torch.inference_mode():
        assert source.build()(torch.rand(1, 1, 13, 9)).shape == (1, 1, 39, 27)


def test_the_window_partition_is_inverted_exactly():
    from edgesr.baselines.window_attention import from_windows, to_windows

    x = torch.rand(2, 5, 16, 24)
    windows = to_windows(x, 8)
    assert windows.shape == (2 * 2 * 3, 64, 5)
    assert torch.equal(windows[0, :, 0], x[0, 0, :8, :8].reshape(-1))
    assert torch.equal(from_windows(windows, 8, 2, 5, 16, 24), x)


@pytest.mark.parametrize("spec", ["edgesr.baselines:edsr_baseline?scale=2", "edgesr.baselines:window_attention_sr"])
def test_the_reference_architectures_export_for_cpu_with_parity(spec, tmp_path):
    """As a trained run (its weights here: a fresh initialisation), through `edgesr export --target cpu`."""
    for module in ("litert_torch", "ai_edge_litert"):
        pytest.importorskip(module, reason="the cpu target needs %s" % module)
    from edgesr_runtime import bundle as bundle_io

    torch.manual_seed(0)
    fresh = resolve(spec, pretrained=False)
    make_run(tmp_path / "run", spec, fresh.build().state_dict(), model_id=fresh.model_id + "-init")
    proc = edgesr("export", "--target", "cpu", "--model", tmp_path / "run", "--out", tmp_path / "b",
                  "--resolution", "48x32", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    manifest = bundle_io.verify_bundle(tmp_path / "b" / (fresh.model_id + "-init-cpu"))
    assert manifest["valid"] and manifest["model"]["family"] == fresh.family
    artifacts = {a["name"]: a for a in manifest["artifacts"]}
    assert {"onnx-fp32", "tflite-fp32"} <= set(artifacts)
    assert artifacts["onnx-fp32"]["parity"]["passed"] and artifacts["tflite-fp32"]["parity"]["passed"]


# -- end to end through the CLI ---------------------------------------------------------------------------


def edgesr(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "runtimes"), str(REPO / "export")]
                                                      + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    return subprocess.run([sys.executable, "-m", "edgesr"] + [str(a) for a in args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=600)


def test_export_cpu_of_a_file_factory(tmp_path):
    for module in ("litert_torch", "ai_edge_litert"):
        pytest.importorskip(module, reason="the cpu target needs %s" % module)
    from edgesr_runtime import bundle as bundle_io

    proc = edgesr("export", "--target", "cpu", "--model", TINY, "--out", tmp_path / "b", "--resolution", "48x36",
                  "--store", tmp_path / "r.db", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = bundle_io.verify_bundle(tmp_path / "b" / "tiny_s2-cpu")
    assert manifest["valid"] and manifest["model"]["id"] == "tiny_s2" and manifest["model"]["family"] == "user"
    assert "tiny_s2-cpu" in proc.stdout
    again = edgesr("export", "--target", "cpu", "--model", TINY, "--out", tmp_path / "b", "--resolution", "48x36",
                   cwd=tmp_path)
    assert "1 skipped" in again.stdout  # same weights: the bundle is reused


def test_a_bad_spec_is_one_line_and_exit_1(tmp_path):
    proc = edgesr("bench", "%s:rgb_output" % FACTORIES, cwd=tmp_path)
    assert proc.returncode != 0 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "expected 2×1×32×24" in lines[0], proc.stderr


@pytest.fixture(scope="module")
def swept(tmp_path_factory, datasets_dir, shared_weights):
    """A tiny sweep of the user model beside a zoo model: export, bench (latency) and eval (quality)."""
    for module in ("onnxruntime", "litert_torch", "ai_edge_litert"):
        pytest.importorskip(module, reason="the cpu sweep needs %s" % module)
    tmp = tmp_path_factory.mktemp("user-sweep")
    proc = edgesr("sweep", "--models", "Bicubic_s2,%s" % TINY, "--store", tmp / "r.db", "--bundles", tmp / "b",
                  "--resolution", "48x36", "--duration-s", "0.05", "--warmup-ms", "10", "--iterations", "3",
                  "--datasets", "Set5", "--workers", "1", "--power", "none", "--device", "test-host",
                  "--weights-dir", shared_weights, cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    return tmp


def test_a_user_model_is_benched_and_evaluated_with_its_source(swept):
    from edgesr_runtime.store import ResultStore

    with ResultStore(swept / "r.db") as store:
        rows = {(r["kind"], r["model"]): r for r in store.rows(status="ok")}
    latency, quality = rows["latency", "tiny_s2"], rows["quality", "tiny_s2"]
    assert latency["payload"]["model_source"] == {"kind": "user", "spec": TINY, "family": "user", "scale": 2,
                                                  "parameters": 40}
    assert latency["payload"]["fps"] > 0 and latency["payload"]["output_shape"][-2:] in ([36, 48], [48, 36])
    assert quality["payload"]["model_source"]["kind"] == "user"
    from edgesr import api

    same = api.evaluate(TINY, ["Set5"])["Set5"]  # the API scores the same module with the same protocol
    # the sweep's pool may run other torch thread counts than this process: float32 re-ordering per pixel
    bound = psnr_shift(same["psnr"], float32_atol(resolve(TINY).build()))
    assert abs(quality["payload"]["psnr"] - same["psnr"]) <= bound and same["images"] == 5
    assert "model_source" not in rows["latency", "Bicubic_s2"]["payload"]  # zoo rows as before


def test_bench_and_eval_commands_take_a_spec(swept, tmp_path, datasets_dir):
    proc = edgesr("bench", TINY, "--runtime", "torch", "--resolution", "48x36", "--duration-s", "0.05",
                  "--warmup-ms", "10", "--iterations", "3", "--power", "none", "--no-store", "--json",
                  "--output", tmp_path / "b.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["model"] == "tiny_s2" and result["model_source"]["kind"] == "user"
    proc = edgesr("eval", "--models", TINY, "--datasets", "Set5", "--workers", "1", "--store", tmp_path / "e.db",
                  "--json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["model"] == "tiny_s2"


def test_the_report_places_a_user_model_beside_the_zoo(swept, tmp_path):
    import pandas as pd

    from edgesr.report.build import build_report

    written = build_report([str(swept / "r.db")], str(tmp_path), dataset="Set5", formats=("md", "csv"))
    table = pd.read_csv(tmp_path / "report.csv")
    mine = table[table["model"] == "tiny_s2"].iloc[0]
    assert (mine["source"], mine["scale"], mine["family"], mine["psnr_source"]) == ("user", 2, "user", "measured")
    assert set(table.loc[table["model"] == "Bicubic_s2", "source"]) == {"zoo"}
    text = (tmp_path / "report.md").read_text()
    assert "## Your models — measured here" in text and "| tiny_s2 | user |" in text
    yours = text.split("## Your models")[1].split("\n## ")[0]
    assert yours.count("| tiny_s2 |") == 1  # its timed row; the quality-only row is folded into it
    assert any(p.endswith("pareto_x2_test-host.png") for p in written)


def test_upscale_takes_a_spec_and_tiles_a_convolutional_one_exactly(tmp_path):
    import numpy as np
    from PIL import Image

    from edgesr.upscale import upscale_files

    image = tmp_path / "in.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 22), dtype=np.uint8)).save(image)
    tiled = upscale_files([str(image)], TINY, str(tmp_path / "tiled"), tile=8, progress=False)
    whole = upscale_files([str(image)], TINY, str(tmp_path / "whole"), tile=0, progress=False)
    assert tiled.written[0].name == "in_tiny_s2.png" and not tiled.failed
    assert Image.open(tiled.written[0]).size == (44, 60)
    assert np.array_equal(np.asarray(Image.open(tiled.written[0])), np.asarray(Image.open(whole.written[0])))


def test_the_python_api_takes_an_in_memory_module(tmp_path, datasets_dir, factories_on_path):
    from edgesr import api
    from edgesr_runtime.store import ResultStore
    from tiny_factories import tiny

    with pytest.raises(EdgesrError, match="maps a 2×1×16×12 input to 2×1×32×24, expected 2×1×48×36"):
        api.source(tiny(2), scale=3)
    net = api.source(tiny(2), model_id="mine-net_s2")
    assert (net.model_id, net.scale, net.kind, net.spec) == ("mine-net_s2", 2, "user", "<module TinyShuffle>")
    bundle = api.export(net, "onnx", tmp_path / "b", {"resolution": "48x36"}, store=tmp_path / "r.db")
    assert bundle.status == "exported" and bundle.valid
    result = api.bench(net, runtime="onnxruntime", target="onnx", bundles_dir=tmp_path / "b", resolution="48x36",
                       store=tmp_path / "r.db", duration_s=0.05, warmup_ms=10, iterations=3, power="none")
    assert result.extra["export"]["status"] == "reused" and result.fps > 0
    quality = api.evaluate(net, ["Set5"], store=tmp_path / "r.db")
    with ResultStore(tmp_path / "r.db") as store:
        kinds = sorted((r["kind"], r["model"]) for r in store.rows(status="ok"))
        stored = store.rows(kind="quality")[0]["payload"]
    assert kinds == [("export", "mine-net_s2"), ("latency", "mine-net_s2"), ("quality", "mine-net_s2")]
    assert stored["psnr"] == quality["Set5"]["psnr"] and stored["model_source"]["kind"] == "user"


def test_compare_paper_refuses_a_user_spec_in_one_line(tmp_path):
    cmd = [sys.executable, "-m", "edgesr", "eval", "--compare-paper", "--models", "eSR-MAX_s2_*,my.py:net",
           "--store", str(tmp_path / "r.db")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "my.py:net is not a zoo model" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "r.db").exists()
