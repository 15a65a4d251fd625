"""Reference graph vs deployment form on ONNX Runtime and LiteRT, beside PyTorch eager and cv2.resize.

For one model: the literal (reference) module and ``edgesr.models.deploy.deployment_form`` for each
runtime are converted with the low-level converters (``export_onnx``, ``convert_fp32``) at the
benchmark's static LR size; a model that is a bank of filters (``module.filter_bank()``: eSR-MAX,
Bicubic, eSR-TM / TR with C = 1) also gets its OpenCV filter-bank artifact (``opencv/optimised``, the
file the exporter writes). Each is checked against PyTorch on one frame (max |diff| is recorded), then
all variants are timed in interleaved rounds (A B C ... A B C ...) so that load drifting over the
run hits every variant alike. A variant's median is taken over the pooled iterations of its rounds.
"""

import os
import tempfile

import numpy as np

from edgesr_runtime.harness.frames import make_frames
from edgesr_runtime.harness.timing import time_loop

GRAPHS = ("reference", "optimised")
RUNTIMES = ("onnxruntime", "litert")


def x2_extremes():
    """{family: (model with the fewest parameters, model with the most)} over the ×2 configs."""
    from edgesr.models import build_module, count_parameters, get_config, list_models

    by_family = {}
    for model_id in list_models():
        config = get_config(model_id)
        if config.scale == 2:
            by_family.setdefault(config.family, []).append((count_parameters(build_module(config)), model_id))
    return {family: (min(sizes)[1], max(sizes)[1]) for family, sizes in sorted(by_family.items())}


def smallest_and_largest_x2():
    """Per family, the smallest and the largest ×2 config (once when they are the same: Bicubic)."""
    models = []
    for smallest, largest in x2_extremes().values():
        models += [smallest] + ([largest] if largest != smallest else [])
    return models


def role(model_id, extremes):
    """"only", "smallest", "largest" or "other": where the model sits among its family's ×2 configs."""
    for smallest, largest in extremes.values():
        if model_id in (smallest, largest):
            return "only" if smallest == largest else "smallest" if model_id == smallest else "largest"
    return "other"


def convert(module, runtime, path, lr_height, lr_width, scale):
    """Write ``module`` as an FP32 ONNX (onnxruntime) or TFLite (litert) file for LR frames of the given size."""
    from edgesr_export.onnx_export import export_onnx
    from edgesr_export.tflite_export import convert_fp32

    if runtime == "onnxruntime":
        export_onnx(module, path, lr_height, lr_width, scale, {})
    else:
        convert_fp32(module, path, lr_height, lr_width, scale)


def graph_runner(runtime, path, threads, **options):
    """An unloaded ONNX Runtime or LiteRT runner of ``path``; an ONNX file runs with the session options the
    exporter would record for it (``onnx_export.ort_runner_options``) unless ``options`` say otherwise."""
    from edgesr_runtime.runners.litert_runner import LiteRTRunner
    from edgesr_runtime.runners.onnxruntime_runner import OnnxRuntimeRunner

    if runtime != "onnxruntime":
        return LiteRTRunner(path, threads=threads, **options)
    return OnnxRuntimeRunner(path, threads=threads, **dict(recorded_ort_options(path), **options))


def recorded_ort_options(path):
    """The ONNX Runtime runner options the exporter would record for the ONNX file at ``path``."""
    import onnx
    from edgesr_export.onnx_export import ort_runner_options

    return ort_runner_options(onnx.load(path))


def build_runners(model_id, lr_height, lr_width, threads, folder):
    """{variant: loaded Runner} and {variant: rewrites} for the model's artifacts and peers."""
    from edgesr.models import create_model
    from edgesr.models.deploy import deployment_form
    from edgesr.torch_runner import TorchRunner
    from edgesr_export.deployment import filter_bank_of
    from edgesr_export.filterbank_export import write_filterbank
    from edgesr_runtime.runners.opencv_runner import OpenCVRunner

    from opencv_peer import Cv2BicubicRunner, cv2_version

    reference = create_model(model_id)
    scale = reference.config.scale
    runners, rewrites = {}, {}
    for runtime in RUNTIMES:
        for graph in GRAPHS:
            module = reference if graph == "reference" else deployment_form(reference, runtime)
            path = os.path.join(folder, "%s-%s-%s.%s" % (model_id, runtime, graph,
                                                         "onnx" if runtime == "onnxruntime" else "tflite"))
            convert(module, runtime, path, lr_height, lr_width, scale)
            name = "%s/%s" % (runtime, graph)
            runners[name] = graph_runner(runtime, path, threads)
            rewrites[name] = list(getattr(module, "rewrites", ()))
    bank = filter_bank_of(reference)
    if bank is not None and cv2_version():
        path = os.path.join(folder, "%s-opencv.filters.npz" % model_id)
        write_filterbank(bank, path, lr_height, lr_width)
        runners["opencv/optimised"], rewrites["opencv/optimised"] = OpenCVRunner(path, threads=threads), ["filter-bank"]
    runners["torch"] = TorchRunner(reference, threads=threads)
    if cv2_version():
        runners["cv2"] = Cv2BicubicRunner(scale, threads)
    for runner in runners.values():
        runner.load()
    return runners, rewrites


def max_difference(runners, frame):
    """max |artifact - torch| on one frame, per artifact variant."""
    expected = runners["torch"].infer(frame)
    return {name: float(np.abs(runner.infer(frame) - expected).max())
            for name, runner in runners.items() if name not in ("torch", "cv2")}


def time_interleaved(runners, frames, rounds, warmup_ms, duration_s, iterations):
    """{variant: [ms, ...]}: ``rounds`` rounds over all variants, each a harness time_loop window."""
    traces = {name: [] for name in runners}
    for _ in range(rounds):
        for name, runner in runners.items():
            timing = time_loop(runner.infer, frames, warmup_ms, duration_s, iterations)
            traces[name] += list(timing.trace_ms)
    return traces


def measure_graphs(model_id, settings, log):
    """The raw measurements of one model: medians, iterations, max differences, rewrites."""
    lr_height, lr_width = settings["lr_height"], settings["lr_width"]
    frames = make_frames((1, 1, lr_height, lr_width), settings["frames"])
    with tempfile.TemporaryDirectory(prefix="edgesr-graphs-") as folder:
        log("%s: converting reference and optimised graphs" % model_id)
        runners, rewrites = build_runners(model_id, lr_height, lr_width, settings["threads"], folder)
        try:
            differences = max_difference(runners, frames[0])
            log("%s: timing %d rounds of %s" % (model_id, settings["rounds"], ", ".join(runners)))
            traces = time_interleaved(runners, frames, settings["rounds"], settings["warmup_ms"],
                                      settings["duration_s"], settings["iterations"])
        finally:
            for runner in runners.values():
                runner.close()
    return {"medians_ms": {name: float(np.median(trace)) for name, trace in traces.items()},
            "iterations": {name: len(trace) for name, trace in traces.items()},
            "max_abs_diff_vs_torch": differences, "rewrites": rewrites}
