"""`edgesr report` end to end on a small synthetic store, plus the join and input readers it rests on."""

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from edgesr.cli import main
from edgesr.models import get_config
from edgesr.report import provenance
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.store import ResultStore

SWEEP = "edgesr sweep --models 'eSR-*_s2_*' --device rpi5 --store sweep.db"
RPI = "rpi5"
# model -> (onnxruntime fp32 fps, PSNR) and (litert int8 fps, PSNR): a hand-checked front on rpi5, ×2.
POINTS = {
    "Bicubic_s2": ((200.0, 30.29), (300.0, 30.20)),
    "eSR-MAX_s2_K3_C1": ((180.0, 30.16), (270.0, 30.10)),  # both dominated by Bicubic
    "eSR-TR_s2_K5_C2": ((120.0, 31.40), (180.0, 31.10)),
    "eSR-TM_s2_K7_C16": ((60.0, 31.90), (90.0, 31.60)),
    "eSR-CNN_s2_C2_D1_S12": ((25.0, 32.30), (37.5, 32.00)),
    "FSRCNN_s2_D6_S3_M4": ((10.0, 32.20), (15.0, 31.90)),  # int8: tie in PSNR with TM fp32, slower → dominated
}
COMBOS = (("onnxruntime", "fp32"), ("litert", "int8"))
EXPECTED_FRONT = {(m, rt) for m in POINTS for rt, _ in COMBOS} - {
    ("eSR-MAX_s2_K3_C1", "onnxruntime"), ("eSR-MAX_s2_K3_C1", "litert"),
    ("FSRCNN_s2_D6_S3_M4", "onnxruntime"), ("FSRCNN_s2_D6_S3_M4", "litert"),
}
LAPTOP = {"eSR-TM_s3_K3_C2": 410.0, "ESPCN_s3_D0_S9": 95.0}  # bench JSON lines, ×3, no quality rows


def python_block(board):
    """The board's rows carry today's python block; the laptop's the one older results have (with the path)."""
    if board:
        return {"version": "3.11.2", "implementation": "CPython", "venv": True}
    return {"version": "3.11.2", "implementation": "CPython", "executable": "/usr/bin/python3"}


def environment(cpu, board=None, runtime="onnxruntime"):
    """Shaped like edgesr_runtime.environment.capture_environment()."""
    return {
        "captured_at_utc": "2026-11-21T09:13:41Z", "edgesr_runtime_version": "0.1.0", "board_model": board,
        "cpu": {"model": cpu, "cores_logical": 4, "cores_physical": 4, "governor": "performance", "max_mhz": 2400},
        "os": {"system": "Linux", "kernel": "6.6.51+rpt-rpi-2712", "machine": "aarch64",
               "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
        "python": python_block(board),
        "runtimes": {"numpy": "1.26.4", runtime: "1.0.0", "tensorrt": None},
        "gpu": None, "jetson": None, "git": {"commit": "07577b0ff79269ade35500fb37361b7240102b6c", "dirty": False},
    }


def bench_payload(model, fps, runtime, precision="fp32", power_w=None, cpu="Cortex-A76", board=None,
                  hw=(540, 960)):
    """Shaped like the ``edgesr-bench/1`` object of edgesr_runtime.harness (trace shortened)."""
    mean = 1000.0 / fps
    return {
        "schema": "edgesr-bench/1", "model": model, "runtime": runtime, "precision": precision,
        "artifact": "model.onnx", "mode": "model", "input_shape": [1, 1, hw[0], hw[1]],
        "output_shape": [1, 1, 1080, 1920], "threads": 4,
        "latency_ms": {"min": mean * 0.9, "mean": mean, "median": mean * 0.98, "p90": mean * 1.1, "p95": mean * 1.15,
                       "p99": mean * 1.3, "std": mean * 0.05, "max": mean * 1.5},
        "fps": fps, "iterations": 300, "duration_s": 3.0, "cpu_usage_pct": 390.0, "peak_rss_mb": 80.0,
        "power_w": power_w, "energy_mj_per_frame": None if power_w is None else 1000.0 * power_w / fps,
        "trace_ms": [mean] * 10,
        "environment": environment(cpu, board, runtime),
        "sweep_command": SWEEP,
    }


def make_store(path):
    with ResultStore(path) as store:
        for model, per_combo in POINTS.items():
            for (runtime, precision), (fps, psnr) in zip(COMBOS, per_combo):
                power = 6.0 if runtime == "onnxruntime" else None
                store.put("latency", model, runtime, precision, bench_payload(model, fps, runtime, precision, power),
                          dataset="model:540x960/t4", device=RPI)
                store.put("quality", model, runtime, precision, {"psnr": psnr, "ssim": 0.9, "images": 14},
                          dataset="Set14")
        store.put("quality", "Bicubic_s2", "onnxruntime", "fp32", {"psnr": 33.7, "ssim": 0.93, "images": 5},
                  dataset="Set5")
        # as the harness and the evaluator write failures; the second one succeeded later (resolved)
        store.put("failure", "ESPCN_s2_D0_S3", "litert", "int8", {"stage": "latency", "error": "INT8 calibration "
                  "diverged"}, dataset="latency", device=RPI, status="failed")
        store.put("failure", "Bicubic_s2", "litert", "int8", {"stage": "eval", "reason": "out of memory",
                  "error": "RuntimeError"}, dataset="Set14", status="failed")
        store.put("quality", "Bicubic_s2", "litert", "int8", {"psnr": 30.20, "ssim": 0.9, "images": 14},
                  dataset="Set14")
    return path


def make_bench_jsonl(path):
    """Two ``python -m edgesr_runtime bench --json`` results of a laptop (no device field: the board names it)."""
    with open(path, "w") as handle:
        for model, fps in LAPTOP.items():
            payload = bench_payload(model, fps, "torch", power_w=25.0, cpu="Intel i7-1185G7", board="laptop",
                                    hw=(360, 640))
            handle.write(json.dumps(payload) + "\n")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Run `edgesr report` once in a subprocess on the store and the JSON lines."""
    root = tmp_path_factory.mktemp("report")
    store = make_store(str(root / "sweep.db"))
    bench = make_bench_jsonl(str(root / "laptop.jsonl"))
    out = root / "out"
    cmd = [sys.executable, "-m", "edgesr", "report", store, bench, "--out", str(out),
           "--formats", "html,md,csv,png,svg,parquet"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    return out, done.stdout


FIGURES = ("pareto_x2_rpi5", "pareto_x3_laptop", "pareto_x4_paper-only")


def test_report_writes_every_file(report):
    out, stdout = report
    for name in FIGURES:
        assert (out / (name + ".png")).stat().st_size > 20000
        assert (out / (name + ".svg")).read_text().lstrip().startswith("<?xml")
    for name in ("report.html", "report.md", "report.csv", "paper.csv"):
        assert (out / name).stat().st_size > 0
    assert "report: " in stdout and "report.html" in stdout
    if importlib.util.find_spec("pyarrow") is None:
        assert not (out / "report.parquet").exists()
        assert "Parquet skipped: pyarrow is not installed" in (out / "report.md").read_text()
    else:
        import pandas as pd

        assert len(pd.read_parquet(out / "report.parquet")) == 14


def _csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_has_one_row_per_measured_configuration(report):
    out, _ = report
    rows = _csv(out / "report.csv")
    keys = {(r["model"], r["runtime"], r["precision"], r["device"]) for r in rows}
    expected = {(m, rt, p, RPI) for m in POINTS for rt, p in COMBOS}
    expected |= {(m, "torch", "fp32", "laptop") for m in LAPTOP}
    assert len(rows) == len(expected) == 14 and keys == expected
    rpi = [r for r in rows if r["device"] == RPI]
    assert {(r["model"], r["runtime"]) for r in rpi if r["on_front"] == "True"} == EXPECTED_FRONT
    assert all(r["psnr_source"] == "measured" and r["dataset"] == "Set14" for r in rpi)
    laptop = [r for r in rows if r["device"] == "laptop"]
    assert all(r["psnr_source"] == "paper" and r["psnr_used_db"] == r["paper_psnr_db"] for r in laptop)
    tm = next(r for r in rpi if r["model"] == "eSR-TM_s2_K7_C16" and r["runtime"] == "onnxruntime")
    assert float(tm["energy_mj_per_frame"]) == pytest.approx(100.0)  # 6 W at 60 fps
    assert len(_csv(out / "paper.csv")) == 1185


def _section(markdown, heading):
    """The text under a Markdown heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = markdown.index(heading + "\n")
    rest = markdown[start + len(heading):]
    match = re.search(r"^#{1,%d} " % len(level), rest, flags=re.M)
    return rest[: match.start()] if match else rest


def _table_rows(text):
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in line.strip("|").split("|")))) for line in lines[1:]]


def test_markdown_lists_the_expected_pareto_models(report):
    out, _ = report
    text = (out / "report.md").read_text()
    rows = _table_rows(_section(text, "### ×2 on rpi5"))
    assert {(r["model"], r["runtime"]) for r in rows} == EXPECTED_FRONT
    assert [float(r["fps"]) for r in rows] == sorted((float(r["fps"]) for r in rows), reverse=True)
    laptop = _table_rows(_section(text, "### ×3 on laptop"))
    assert {r["model"] for r in laptop} == set(LAPTOP)  # the faster one is not sharper: both optimal
    for name in FIGURES:
        assert "](%s.png)" % name in text


def test_the_folder_a_report_ran_in_names_no_machine_folder(tmp_path):
    checkout = tmp_path / "clone"
    (checkout / "sub").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    home = tmp_path / "home"
    words = lambda path: provenance.folder_words(str(path), checkout=str(checkout), home=str(home))  # noqa: E731
    assert words(checkout) == "the edgesr checkout's root folder"
    assert words(checkout / "sub") == "`sub` of the edgesr checkout"
    assert words(home / "runs") == "`~/runs`"
    assert words("/srv/x") == "`/srv/x`"


def test_markdown_states_provenance_correlation_energy_failures(report):
    out, _ = report
    text = (out / "report.md").read_text()
    assert "Measured here: 14 configurations with a speed (8 models; devices: laptop, rpi5); " \
           "6 models with PSNR measured here." in text  # models, not joined rows
    reproduce = _section(text, "## Reproduce")
    assert "edgesr report " in reproduce and "--formats html,md,csv,png,svg,parquet" in reproduce
    assert "This report (run in %s):" % provenance.folder_words(os.getcwd()) in reproduce
    assert SWEEP in reproduce
    environment = _section(text, "## Environment")
    assert "Cortex-A76" in environment and "Intel i7-1185G7" in environment
    assert "| runtimes.onnxruntime | 1.0.0 |" in environment and "runtimes.tensorrt" not in environment  # nulls go
    assert "| python.venv | true |" in environment and "| python.executable | /usr/bin/python3 |" in environment
    rho = _table_rows(_section(text, "## Rank correlation of our speed with the paper's"))
    rpi = [r for r in rho if r["device"] == RPI]
    assert {r["runtime"] for r in rpi} == {"onnxruntime", "litert", "fastest per model"}
    assert all(r["n"] == "6" for r in rpi)
    assert all(-1.0 <= float(r["ρ vs RPI"]) <= 1.0 for r in rpi)
    energy = _table_rows(_section(text, "## Energy per frame"))
    assert {(r["device"], r["runtime"]) for r in energy} == {(RPI, "onnxruntime"), ("laptop", "torch")}
    failures = _section(text, "## Failures (1)")
    assert "latency: INT8 calibration diverged" in failures and "ESPCN_s2_D0_S3" in failures
    assert "1 more failed once and succeeded in a later run" in failures and "out of memory" not in failures


def test_html_is_self_contained(report):
    out, _ = report
    page = (out / "report.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == len(FIGURES)
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    assert "paper (published)" in (out / "report.md").read_text()


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_html_renders_in_headless_chromium(report, tmp_path):
    from PIL import Image

    out, _ = report
    url = (out / "report.html").resolve().as_uri()
    shot = tmp_path / "shot.png"

    def chromium(*extra):
        profile = tempfile.mkdtemp(dir=tmp_path)
        cmd = [_chromium()] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + list(extra) + [url]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    shown = chromium("--enable-logging=stderr", "--v=0", "--screenshot=%s" % shot, "--window-size=1200,2000")
    assert shot.exists(), shown.stderr[-2000:]
    console = [line for line in shown.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    assert "Failed to load resource" not in shown.stderr
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (2000, 1200)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500  # figures, not a blank or text-only page
    dom = chromium("--dump-dom").stdout
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', dom)
    assert len(images) == len(FIGURES) and "×2, rpi5" in images


def test_report_from_paper_only(tmp_path):
    assert main(["report", "--out", str(tmp_path), "--formats", "md", "--dataset", "BSDS100"]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "Nothing measured yet" in text and "PSNR on **BSDS100**" in text
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["pareto_x%d_paper-only.png" % s for s in (2, 3, 4)]
    for scale in (2, 3, 4):
        assert len(_table_rows(_section(text, "### ×%d" % scale))) > 10  # the paper's fronts, three devices


@pytest.mark.parametrize("extra, message", [
    (["--dataset", "DIV2K"], "unknown dataset 'DIV2K'"),
    (["--formats", "html,pdf"], "unknown report format 'pdf'"),
    (["--device", "jetson"], "no latency rows with device 'jetson'"),
    (["--runtime", "tensorrt"], "no latency rows with runtime 'tensorrt'"),
])
def test_report_rejects_bad_options(tmp_path, capsys, extra, message):
    store = make_store(str(tmp_path / "s.db"))
    assert main(["report", store, "--out", str(tmp_path / "out")] + extra) == 2
    assert message in capsys.readouterr().err


def test_report_filters_device_and_runtime(tmp_path):
    store = make_store(str(tmp_path / "s.db"))
    out = tmp_path / "out"
    assert main(["report", store, "--out", str(out), "--device", RPI, "--runtime", "litert", "--formats", "csv"]) == 0
    rows = _csv(out / "report.csv")
    assert {(r["runtime"], r["device"]) for r in rows} == {("litert", RPI)} and len(rows) == len(POINTS)
    assert sorted(p.name for p in out.iterdir()) == ["paper.csv", "report.csv"]


def test_report_on_an_evaluator_tagged_dataset(tmp_path):
    store = make_store(str(tmp_path / "s.db"))
    with ResultStore(store) as db:
        db.put("quality", "Bicubic_s2", "onnxruntime", "fp32", {"psnr": 30.5, "images": 14},
               dataset="Set14@standard-luma")
    out = tmp_path / "out"
    assert main(["report", store, "--out", str(out), "--dataset", "Set14@standard-luma", "--formats", "csv"]) == 0
    rows = {(r["model"], r["runtime"]): r for r in _csv(out / "report.csv")}
    assert rows[("Bicubic_s2", "onnxruntime")]["psnr_db"] == "30.5"
    assert rows[("Bicubic_s2", "litert")]["quality_from"] == "onnxruntime/fp32"  # the closest tagged row
    assert rows[("eSR-TM_s2_K7_C16", "litert")]["psnr_source"] == "paper"
    # the paper's Set14 value for the tagged Set14@standard-luma, written in full (repr round-trips exactly)
    paper = get_config("eSR-TM_s2_K7_C16").paper.psnr_db["Set14"]
    assert float(rows[("eSR-TM_s2_K7_C16", "litert")]["paper_psnr_db"]) == paper


# -- the pieces under the command ----------------------------------------------------------------------


def test_inputs_read_json_object_array_and_lines(tmp_path):
    from edgesr.report.inputs import load_inputs

    one = bench_payload("Bicubic_s2", 100.0, "onnxruntime")
    (tmp_path / "one.json").write_text(json.dumps(one, indent=1))
    (tmp_path / "array.json").write_text(json.dumps([dict(one, model="Bicubic_s3")]))
    store_row = {"kind": "quality", "model": "Bicubic_s4", "runtime": "torch", "precision": "fp32",
                 "dataset": "Set14", "payload": {"psnr": 25.0}}
    (tmp_path / "rows.jsonl").write_text(json.dumps(store_row) + "\n\n" + json.dumps(dict(one, fps=50.0)) + "\n")
    rows, metas = load_inputs([str(tmp_path / n) for n in ("one.json", "array.json", "rows.jsonl")])
    assert metas == {}
    by_model = {(r["kind"], r["model"]): r for r in rows}
    assert set(by_model) == {("latency", "Bicubic_s2"), ("latency", "Bicubic_s3"), ("quality", "Bicubic_s4")}
    assert by_model[("latency", "Bicubic_s2")]["payload"]["fps"] == 50.0  # the later input wins
    assert by_model[("latency", "Bicubic_s2")]["device"] == ""  # no device field, no board model
    assert by_model[("quality", "Bicubic_s4")]["dataset"] == "Set14"


def test_a_bench_json_and_the_harness_store_row_are_one_configuration(tmp_path):
    from edgesr.report.inputs import load_inputs

    result = bench_payload("eSR-TM_s2_K7_C16", 60.0, "onnxruntime", board="Raspberry Pi 5 Model B Rev 1.0")
    with ResultStore(tmp_path / "s.db") as store:  # the key the device bench stores it under
        store.put("latency", result["model"], "onnxruntime", "fp32", dict(result, fps=1.0), dataset="model:540x960/t4",
                  device="Raspberry Pi 5 Model B Rev 1.0")
    (tmp_path / "r.json").write_text(json.dumps(result))
    rows, _ = load_inputs([str(tmp_path / "s.db"), str(tmp_path / "r.json")])
    assert len(rows) == 1 and rows[0]["payload"]["fps"] == 60.0 and rows[0]["source"].endswith("r.json")


def test_fronts_and_figures_are_per_bench_mode():
    from edgesr.report.figures import figure_name, figure_plan
    from edgesr.report.table import joined_table

    def latency(model, fps, mode):
        payload = dict(bench_payload(model, fps, "onnxruntime"), mode=mode)
        return {"kind": "latency", "model": model, "runtime": "onnxruntime", "precision": "fp32",
                "dataset": "%s:540x960/t4" % mode, "device": RPI, "status": "ok", "payload": payload}

    rows = [latency("Bicubic_s2", 100.0, "model"), latency("eSR-TM_s2_K7_C16", 50.0, "model"),
            latency("Bicubic_s2", 20.0, "end-to-end"), latency("eSR-TM_s2_K7_C16", 10.0, "end-to-end")]
    table = joined_table(rows, "Set14")
    assert table["on_front"].all()  # end-to-end rows are slower, but on a front of their own
    plan = figure_plan(table)
    assert plan == [(2, RPI, "end-to-end"), (2, RPI, "model"), (3, None, None), (4, None, None)]
    assert [figure_name(*p) for p in plan] == ["pareto_x2_rpi5_end-to-end", "pareto_x2_rpi5", "pareto_x3_paper-only",
                                               "pareto_x4_paper-only"]


@pytest.mark.parametrize("content, message", [
    ('{"fps": 3}', "a bench result without a model id"),
    ('{"model": "Bicubic_s2"}\nnot json\n', "line 2 is not JSON"),
    ("[1, 2]", "item 1 is int, not a JSON object"),
])
def test_inputs_reject_bad_json(tmp_path, content, message):
    from edgesr.report.inputs import load_inputs

    (tmp_path / "bad.json").write_text(content)
    with pytest.raises(EdgesrError, match=message):
        load_inputs([str(tmp_path / "bad.json")])


def test_inputs_reject_missing_files_and_foreign_sqlite(tmp_path):
    import sqlite3

    from edgesr.report.inputs import load_inputs

    with pytest.raises(EdgesrError, match="no such file"):
        load_inputs([str(tmp_path / "nope.db")])
    db = sqlite3.connect(str(tmp_path / "other.db"))
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(EdgesrError, match="not an edgesr results store"):
        load_inputs([str(tmp_path / "other.db")])


def test_join_prefers_quality_of_the_same_runtime_then_falls_back():
    from edgesr.report.table import joined_table

    def row(kind, runtime, precision, payload, dataset="", device=""):
        return {"kind": kind, "model": "eSR-TM_s2_K7_C16", "runtime": runtime, "precision": precision,
                "dataset": dataset, "device": device, "status": "ok", "payload": payload}

    rows = [
        row("latency", "onnxruntime", "fp32", {"latency_ms": {"mean": 20.0}, "power_w": 2.0}, device="pi"),
        row("latency", "tensorrt", "fp16", {"fps": 80.0}, device="agx"),
        row("quality", "torch", "fp32", {"psnr": 31.5, "images": 14}, dataset="Set14"),
        row("quality", "onnxruntime", "fp32", {"psnr": 31.6, "n_images": 14}, dataset="Set14"),
        row("quality", "onnxruntime", "fp32", {"psnr": 99.0}, dataset="Set5"),
    ]
    table = joined_table(rows, "Set14").set_index("runtime")
    assert table.loc["onnxruntime", "psnr_db"] == 31.6
    assert table.loc["onnxruntime", "quality_from"] == "onnxruntime/fp32"
    assert table.loc["onnxruntime", "fps"] == 50.0  # from the mean latency
    assert table.loc["onnxruntime", "energy_mj_per_frame"] == pytest.approx(40.0)  # 2 W × 20 ms
    assert table.loc["tensorrt", "quality_from"] == "onnxruntime/fp32"  # no quality of its own: the closest
    assert table.loc["torch", "device"] == "" and np.isnan(table.loc["torch", "fps"])  # quality-only row
    assert table.loc["torch", "n_images"] == 14


def test_rank_correlation_pools_each_models_fastest_configuration():
    """The "fastest per model" series takes each model's fastest runtime, as --runtime auto deploys it."""
    import pandas as pd
    from scipy.stats import spearmanr

    from edgesr.report.analysis import FASTEST_PER_MODEL, rank_correlation

    paper = {"a": 40.0, "b": 30.0, "c": 20.0, "d": 10.0}
    ours = {  # (runtime, fps): the fastest runtime differs per model
        "a": [("onnxruntime", 50.0), ("litert", 5.0)], "b": [("onnxruntime", 1.0), ("litert", 60.0)],
        "c": [("onnxruntime", 30.0), ("litert", 2.0)], "d": [("onnxruntime", 3.0), ("litert", 40.0)],
    }
    rows = [{"model": m, "scale": 2, "device": "vm", "mode": "model", "runtime": rt, "precision": "fp32", "fps": fps,
             "paper_fps_agx": paper[m], "paper_fps_rpi": paper[m], "paper_fps_maxq": np.nan}
            for m, configs in ours.items() for rt, fps in configs]
    rows.append(dict(rows[0], model="mine", fps=99.0, paper_fps_agx=np.nan, paper_fps_rpi=np.nan))  # no paper speed
    result = rank_correlation(pd.DataFrame(rows))
    pooled = result[result["runtime"] == FASTEST_PER_MODEL].iloc[0]
    fastest = [50.0, 60.0, 30.0, 40.0]  # a, b, c, d
    assert pooled["n"] == 4 and pooled["precision"] == "any"  # "mine" has no paper speed: not counted
    assert pooled["rho_agx"] == pytest.approx(spearmanr(fastest, list(paper.values())).statistic)  # 0.4
    assert np.isnan(pooled["rho_maxq"])  # no paper numbers: said as such, not 0
    per_runtime = result[result["runtime"] == "onnxruntime"].iloc[0]
    assert per_runtime["rho_agx"] == pytest.approx(spearmanr([50.0, 1.0, 30.0, 3.0], [40, 30, 20, 10]).statistic)

    single = pd.DataFrame([r for r in rows if r["runtime"] == "litert"])
    assert FASTEST_PER_MODEL not in set(rank_correlation(single)["runtime"])  # one series: nothing to pool


def test_a_model_outside_the_zoo_is_set_beside_the_fastest_zoo_model_as_sharp():
    import pandas as pd

    from edgesr.report.analysis import outside_zoo

    def row(model, source, fps, psnr, device="vm", scale=2):
        return {"model": model, "source": source, "scale": scale, "device": device, "mode": "model" if device else "",
                "runtime": "onnxruntime" if device else "torch", "fps": fps, "psnr_used_db": psnr}

    table = pd.DataFrame([
        row("zoo-fast-blurry", "zoo", 500.0, 30.0), row("zoo-sharp", "zoo", 20.0, 31.5),
        row("zoo-sharper-slower", "zoo", 10.0, 32.0), row("zoo-other-scale", "zoo", 900.0, 33.0, scale=3),
        row("mine", "trained", 1.0, 31.4), row("mine", "trained", np.nan, 31.4, device=""),  # + its quality-only row
        row("untimed", "user", np.nan, 30.5, device=""), row("best", "user", 2.0, 40.0),
    ])
    yours = outside_zoo(table).set_index("model")
    assert list(yours.index) == ["mine", "untimed", "best"]  # mine's quality-only row folded into its timed one
    assert (yours.loc["mine", "zoo_match"], yours.loc["mine", "zoo_match_fps"]) == ("zoo-sharp", 20.0)
    assert yours.loc["best", "zoo_match"] == "" and np.isnan(yours.loc["best", "zoo_match_fps"])
    assert yours.loc["untimed", "zoo_match"] == ""  # no device/mode: nothing measured beside it
