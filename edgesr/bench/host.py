"""One host benchmark: the model's bundle, the runtime (chosen by ``auto`` or given), the full harness run."""

import os
from dataclasses import dataclass
from typing import Optional

from edgesr_runtime import bench
from edgesr_runtime.errors import EdgesrError
from edgesr_export import resolution as resolutions

from edgesr_runtime import autoselect as auto
from edgesr_runtime.autoselect import artifact_for, runtime_artifacts
from edgesr.bench.bundles import ensure_bundle
from edgesr.bench.runners import TORCH, artifact_label, installed_runtimes, open_host_runner, require_installed

AUTO = "auto"


@dataclass
class BenchRequest:
    """What to benchmark and how; the timing defaults are trtexec's (see ``edgesr_runtime.bench``)."""

    model_id: str
    runtime: str = AUTO  # auto | torch | onnxruntime | litert | tensorrt
    target: str = "cpu"
    bundles_dir: str = "edgesr-bundles"
    resolution: str = "1920x1080"  # output WxH
    threads: Optional[int] = None
    warmup_ms: float = bench.DEFAULT_WARMUP_MS
    duration_s: float = bench.DEFAULT_DURATION_S
    iterations: int = bench.DEFAULT_MIN_ITERATIONS
    frames: int = bench.DEFAULT_FRAMES
    power: str = "auto"
    end_to_end: bool = False
    weights_dir: Optional[str] = None


def lr_size(model_id, resolution):
    """(h, w) of the LR input for an output of ``resolution`` (WxH); EdgesrError when the scale does not divide it."""
    from edgesr.models import get_config

    config = get_config(model_id)  # did-you-mean error for an unknown id
    try:
        size = resolutions.parse_resolution(resolution)
    except ValueError as err:
        raise EdgesrError("bad --resolution %r: %s" % (resolution, err), "use WIDTHxHEIGHT, e.g. 1920x1080")
    return resolutions.input_size(size, config.scale)


def _run(request, runtime, size, artifact=None, bundle_dir=None, settings=None, meter=None):
    """One harness run of ``runtime``; ``settings`` = (warm-up ms, duration s, min iterations)."""
    warmup_ms, duration_s, iterations = settings or (request.warmup_ms, request.duration_s, request.iterations)
    runner = open_host_runner(runtime, request.model_id, request.threads, bundle_dir, artifact, request.weights_dir)
    with runner:
        return bench.benchmark(runner, model_id=request.model_id, artifact=artifact_label(artifact),
                               frames=request.frames, warmup_ms=warmup_ms, duration_s=duration_s,
                               min_iterations=iterations, meter=meter, end_to_end=request.end_to_end,
                               input_size=size)


def _full_run(request, runtime, size, artifact=None, bundle_dir=None):
    """The measured run, bracketed by the power meter (``request.power``)."""
    from edgesr_runtime.power import open_meter

    meter = open_meter(request.power)
    try:
        return _run(request, runtime, size, artifact, bundle_dir, meter=meter)
    finally:
        meter.close()


def measure(request, log=None):
    """Benchmark ``request`` and return the edgesr-bench/1 result, plus ``target``, ``bundle``,
    ``export`` and (for auto) the ``auto`` record: chosen runtime, brief medians, exclusions."""
    log = log or (lambda message: None)
    size = lr_size(request.model_id, request.resolution)
    installed = installed_runtimes()
    if request.runtime != AUTO:
        require_installed(request.runtime, installed)
    if request.runtime == TORCH:
        return dict(_full_run(request, TORCH, size), target=None, bundle=None, export=None, auto=None)
    report, manifest = ensure_bundle(request.model_id, request.target, request.bundles_dir, request.resolution,
                                     request.weights_dir, log)
    log("bundle %s: %s" % (report.path, "reused (complete and valid)" if report.status == "skipped"
                           else "exported in %.1f s" % report.seconds))
    candidates, excluded = runtime_artifacts(manifest, report.path, installed)
    record = None
    if request.runtime == AUTO:
        settings = auto.probe_settings(request.warmup_ms, request.duration_s)
        record = auto.choose(candidates, excluded, lambda runtime: _run(
            request, runtime, size, candidates[runtime], report.path, settings), settings)
        runtime = record["chosen"]
    else:
        runtime = request.runtime
        artifact_for(runtime, candidates, excluded, report.path)
    result = _full_run(request, runtime, size, candidates[runtime], report.path)
    export = {"status": "reused" if report.status == "skipped" else report.status, "seconds": report.seconds}
    return dict(result, target=manifest["target"], bundle=report.path, export=export, auto=record)


def store_result(path, result, device=None):
    """Write one kind=latency row, keyed exactly as ``python -m edgesr_runtime.bench --store`` keys it."""
    from edgesr_runtime.store import ResultStore

    with ResultStore(path) as store:
        store.put("latency", result["model"], result["runtime"], result["precision"], result,
                  dataset=bench.store_setting_key(result), device=bench.device_label(device, result))


def default_output(result, folder="edgesr-bench"):
    """``edgesr-bench/<model>_<runtime>_<precision>_<mode>_<HxW>.json`` (the latest run of that setup)."""
    shape = result["output_shape"]
    name = "%s_%s_%s_%s_%dx%d.json" % (result["model"], result["runtime"], result["precision"], result["mode"],
                                       shape[-1], shape[-2])
    return os.path.join(folder, name)
