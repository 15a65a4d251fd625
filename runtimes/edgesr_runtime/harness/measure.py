"""Measuring: a loaded runner, a model file, or a bundle (``runtime auto`` included). Returns BenchResult.

    from edgesr_runtime.harness import MeasureRequest, measure_bundle
    result = measure_bundle("eSR-TM_s2_K7_C16-rpi", MeasureRequest(power="auto"))
    print(result.to_json())
"""

import dataclasses
import os
import re
import time

from .. import bundle as bundle_io
from ..errors import EdgesrError
from ..power import measure_idle, open_meter
from ..runners import artifact_options, available_runtimes, open_runner, options_for, runtime_for_path
from . import autoselect
from .endtoend import EndToEnd
from .frames import input_shape_for, make_frames
from .request import AUTO
from .result import build_result
from .timing import time_loop


def measure_runner(runner, request, artifact=None, meter=None, clock=time.perf_counter):
    """The full run of a loaded Runner: idle baseline (``request.idle_s``), warm-up, the timed window.

    ``meter``: a PowerMeter to bracket the window; None opens (and closes) ``request.power``.
    """
    if meter is None:
        meter = open_meter(request.power)
        try:
            return measure_runner(runner, request, artifact, meter, clock)
        finally:
            meter.close()
    shape = input_shape_for(runner.input_metadata(), request.input_size, request.scale)
    inputs = make_frames(shape, request.frames, request.end_to_end, request.seed)
    pipeline = EndToEnd(runner, request.chroma) if request.end_to_end else None
    output_shape = runner.infer(make_frames(shape, 1)[0]).shape
    idle = measure_idle(meter, request.idle_s) if request.idle_s > 0 else None
    timing = time_loop(pipeline or runner.infer, inputs, request.warmup_ms, request.duration_s, request.iterations,
                       meter, clock)
    return build_result(runner, timing, shape, output_shape, request.model_id, artifact, request.settings(),
                        pipeline, idle)


def probe_runner(runner, request):
    """The per-iteration trace (ms) of a brief run (``request.probe()``): no meter, no environment, no result."""
    probe = request.probe()
    shape = input_shape_for(runner.input_metadata(), probe.input_size, probe.scale)
    inputs = make_frames(shape, probe.frames, probe.end_to_end, probe.seed)
    fn = EndToEnd(runner, probe.chroma) if probe.end_to_end else runner.infer
    return time_loop(fn, inputs, probe.warmup_ms, probe.duration_s, probe.iterations).trace_ms


def _open(path, runtime, request, layout=None, precision=None, recorded=None, strict=True):
    """The loaded runner; ``recorded``: the artifact's manifest runner options (the request's own win).

    The request's runtime-specific options go to the runner that takes them; with ``strict`` (the runtime
    was named or is the file's) an option of another runtime is an error rather than left out."""
    options = dict(recorded or {}, **options_for(runtime, request.runner_options, strict=strict))
    return open_runner(runtime, path, layout=request.layout or layout, threads=request.threads,
                       precision=precision, **options)


def _open_artifact(bundle_dir, artifact, request):
    """The loaded runner of a bundle's artifact, with the layout and runner options its manifest records."""
    return _open(bundle_io.artifact_file(bundle_dir, artifact), artifact["runtime"], request,
                 artifact.get("layout"), artifact.get("precision"), artifact_options(artifact),
                 strict=request.runtime not in (None, AUTO))


def measure_file(path, request):
    """The full run of one model file (.onnx, .tflite, .engine); runtime from ``request`` or the suffix."""
    if request.runtime == AUTO:
        raise EdgesrError("runtime auto needs a bundle folder (it chooses among the bundle's artifacts)",
                          "pass the bundle folder, or name the runtime of the model file")
    request = dataclasses.replace(request, model_id=request.model_id or id_from_path(path),
                                  scale=request.scale or _sibling_scale(path))
    with _open(path, request.runtime or runtime_for_path(path), request, precision=request.precision) as runner:
        return measure_runner(runner, request, artifact=os.path.basename(path))


def measure_bundle(bundle_dir, request):
    """The full run of a bundle's artifact at the bundle's LR size (unless ``request.input_size``);
    ``runtime`` auto (or None without a precision) races the artifacts that passed parity briefly and
    measures the fastest (the result's ``auto`` says how)."""
    manifest = bundle_io.load_manifest(bundle_dir)
    shape = manifest["input"]
    request = dataclasses.replace(request, model_id=request.model_id or manifest["model"]["id"],
                                  scale=request.scale or manifest["model"].get("scale"),
                                  input_size=request.input_size or (shape["lr_height"], shape["lr_width"]))
    record = None
    if request.runtime in (None, AUTO) and not request.precision:
        artifact, record = _choose(bundle_dir, manifest, request)
    else:
        runtime = None if request.runtime == AUTO else request.runtime
        artifact = bundle_io.select_artifact(bundle_dir, manifest, runtime, request.precision)
    with _open_artifact(bundle_dir, artifact, request) as runner:
        result = measure_runner(runner, request, artifact=os.path.basename(artifact["file"]))
    result.auto = record
    return result


def measure(path, request):
    """``measure_bundle`` for a folder, ``measure_file`` for a file."""
    if not os.path.exists(path):
        raise EdgesrError("%s does not exist" % path, "pass a bundle folder or a model file (.onnx, .tflite, .engine)")
    return measure_bundle(path, request) if os.path.isdir(path) else measure_file(path, request)


def _choose(bundle_dir, manifest, request):
    """(artifact, auto record): brief runs of every candidate, fastest median wins."""
    installed = {name: (ok, detail) for name, ok, detail in available_runtimes()}
    candidates, excluded = autoselect.runtime_artifacts(manifest, bundle_dir, installed)

    def time_briefly(key):
        artifact = candidates[key]
        with _open_artifact(bundle_dir, artifact, request) as runner:
            return probe_runner(runner, request)

    record = autoselect.choose(candidates, excluded, time_briefly, request.probe())
    return candidates[record["candidate"]], record


def id_from_path(path):
    """The file stem, or the folder name for generic stems like model / model_fp16."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if re.match(r"^model(_(fp32|fp16|int8))?$", stem):
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        return folder or stem
    return stem


def _sibling_scale(path):
    """The scale in the manifest of the bundle holding ``path``, else None (a bare file)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isfile(bundle_io.manifest_path(folder)):
        return None
    return bundle_io.load_manifest(folder)["model"].get("scale")
