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
from edgesr.models.registry import get_config
from edgesr.models.source import resolve


@dataclass
class BenchRequest(MeasureRequest):
    """A MeasureRequest for a model on this host: its bundle target and folder, the output size.

    ``model_id`` may be any model spec (zoo id, module or file factory, trained run; see
    ``edgesr.models.source``); the result names the model by its label."""

    runtime: Optional[str] = AUTO  # auto | torch | onnxruntime | litert | tensorrt
    target: str = "cpu"
    bundles_dir: str = "edgesr-bundles"
    resolution: str = "1920x1080"  # output WxH
    weights_dir: Optional[str] = None
    graph: str = "optimised"  # the bundle's graph: optimised (deployment forms) | reference (literal module)


def lr_size(model, resolution):
    """(h, w) of the LR input of ``model`` (a zoo id or a ModelSource) for an output of ``resolution`` (WxH);
    EdgesrError when the scale does not divide it."""
    scale = model.scale if hasattr(model, "scale") else get_config(model).scale  # did-you-mean for an unknown id
    try:
        size = resolutions.parse_resolution(resolution)
    except ValueError as err:
        raise EdgesrError("bad --resolution %r: %s" % (resolution, err), "use WIDTHxHEIGHT, e.g. 1920x1080")
    return resolutions.input_size(size, scale)


def measure(request, log=None, source=None):
    """Benchmark ``request`` and return the BenchResult; its ``extra`` holds ``target``, ``bundle``,
    ``export`` and ``auto`` (the runtime choice of runtime auto, else None), and for a model outside the
    zoo ``model_source`` (its kind, spec, family, scale). ``source``: the ModelSource when the caller
    has resolved it (else ``request.model_id`` is resolved here)."""
    log = log or (lambda message: None)
    request = request.validate()
    source = source or resolve(request.model_id, request.weights_dir)
    request = dataclasses.replace(request, model_id=source.model_id, input_size=lr_size(source, request.resolution))
    require_installed(request.runtime)
    result = _measure(request, source, log)
    if source.kind != "zoo":
        result.extra["model_source"] = source.record()
    return result


def _measure(request, source, log):
    if request.runtime == TORCH:
        with open_torch_runner(source, request.threads) as runner:
            result = measure_runner(runner, request, artifact=TORCH_ARTIFACT)
        result.extra.update(target=None, bundle=None, export=None, auto=None)
        return result
    report, manifest = ensure_bundle(source, request.target, request.bundles_dir, request.resolution,
                                     request.weights_dir, log, graph=request.graph)
    log("bundle %s: %s" % (report.path, "reused (complete and valid)" if report.status == "skipped"
                           else "exported in %.1f s" % report.seconds))
    result = measure_bundle(report.path, request)
    export = {"status": "reused" if report.status == "skipped" else report.status, "seconds": report.seconds}
    result.extra.update(target=manifest["target"], bundle=report.path, export=export, graph=request.graph)
    if result.auto is None:
        result.extra["auto"] = None
    return result


def default_output(result, folder="edgesr-bench"):
    """``edgesr-bench/<model>_<runtime>_<precision>_<mode>_<HxW>.json`` (the latest run of that setup)."""
    shape = result["output_shape"]
    name = "%s_%s_%s_%s_%dx%d.json" % (result["model"], result["runtime"], result["precision"], result["mode"],
                                       shape[-1], shape[-2])
    return os.path.join(folder, name)
