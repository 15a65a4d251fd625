"""One host benchmark: the model's bundle (exported now or reused), then the device harness on it.

The host adds only what the host has: exporting the bundle (``bundles.ensure_bundle``) and the
PyTorch eager runner (``runtime torch``). Choosing the runtime, timing, power and the result are
``edgesr_runtime.harness``'s.
"""

import dataclasses
import os
from dataclasses import dataclass
from typing import Optional

from edgesr_runtime.errors import EdgesrError
from edgesr_export import resolution as resolutions
from edgesr_runtime.harness import AUTO, MeasureRequest, measure_bundle, measure_runner

from edgesr.bench.bundles import ensure_bundle
from edgesr.bench.runners import TORCH, TORCH_ARTIFACT, open_torch_runner, require_installed


@dataclass
class BenchRequest(MeasureRequest):
    """A MeasureRequest for a zoo model on this host: its bundle target and folder, the output size."""

    runtime: Optional[str] = AUTO  # auto | torch | onnxruntime | litert | tensorrt
    target: str = "cpu"
    bundles_dir: str = "edgesr-bundles"
    resolution: str = "1920x1080"  # output WxH
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


def measure(request, log=None):
    """Benchmark ``request`` and return the BenchResult; its ``extra`` holds ``target``, ``bundle``,
    ``export`` and ``auto`` (the runtime choice of runtime auto, else None)."""
    log = log or (lambda message: None)
    request = dataclasses.replace(request.validate(), input_size=lr_size(request.model_id, request.resolution))
    require_installed(request.runtime)
    if request.runtime == TORCH:
        with open_torch_runner(request.model_id, request.threads, request.weights_dir) as runner:
            result = measure_runner(runner, request, artifact=TORCH_ARTIFACT)
        result.extra.update(target=None, bundle=None, export=None, auto=None)
        return result
    report, manifest = ensure_bundle(request.model_id, request.target, request.bundles_dir, request.resolution,
                                     request.weights_dir, log)
    log("bundle %s: %s" % (report.path, "reused (complete and valid)" if report.status == "skipped"
                           else "exported in %.1f s" % report.seconds))
    result = measure_bundle(report.path, request)
    export = {"status": "reused" if report.status == "skipped" else report.status, "seconds": report.seconds}
    result.extra.update(target=manifest["target"], bundle=report.path, export=export)
    if result.auto is None:
        result.extra["auto"] = None
    return result


def default_output(result, folder="edgesr-bench"):
    """``edgesr-bench/<model>_<runtime>_<precision>_<mode>_<HxW>.json`` (the latest run of that setup)."""
    shape = result["output_shape"]
    name = "%s_%s_%s_%s_%dx%d.json" % (result["model"], result["runtime"], result["precision"], result["mode"],
                                       shape[-1], shape[-2])
    return os.path.join(folder, name)
