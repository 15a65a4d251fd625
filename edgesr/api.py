"""Python API for any model: export, bench and evaluate a model spec, a ModelSource or a plain module.

    from edgesr import api
    net = api.source(my_module, scale=2, model_id="my-net_s2")       # or api.source("my_pkg.my_mod:factory")
    bundle = api.export(net, "cpu", "bundles", {"resolution": "640x360"})   # a BundleReport (.valid, .path)
    result = api.bench(net, runtime="onnxruntime", resolution="640x360")   # a BenchResult (.fps, .to_dict())
    quality = api.evaluate(net, ["Set5", "Set14"])                          # {dataset: payload with psnr, ssim}

Each function takes a ``store`` (a path) to write the same rows the CLI writes, labelled with the
model's source, so ``edgesr report`` places the model beside the zoo. Specs are those of
``edgesr.models.source`` (README: Your own models).
"""

import torch

from edgesr.bench import BenchRequest
from edgesr.bench import measure as measure_bench
from edgesr.eval.datasets import resolve_dataset
from edgesr.eval.evaluate import evaluate as score
from edgesr.eval.jobs import QUALITY, dataset_key
from edgesr.eval.predictors import PRECISION, TorchPredictor
from edgesr.eval.prepare import prepared
from edgesr.exporting import export_sources
from edgesr.models.source import ModelSource, from_module, resolve
from edgesr_runtime.harness import write_latency
from edgesr_runtime.store import ResultStore


def source(model, scale=None, model_id=None, weights_dir=None, pretrained=True):
    """The ModelSource of ``model``: a ModelSource as is, a spec resolved, an ``nn.Module`` checked and labelled."""
    if isinstance(model, ModelSource):
        return model
    if isinstance(model, torch.nn.Module):
        return from_module(model, scale, model_id)
    return resolve(model, weights_dir, pretrained)


def export(model, target, out_dir, options=None, force=False, store=None, scale=None, log=None):
    """Export one bundle (parity-gated like the zoo's); returns its BundleReport."""
    chosen = source(model, scale)
    with _store(store) as results:
        report = export_sources([chosen], target, out_dir, options, force=force, store=results, progress=False,
                                log=log or (lambda message: None))
    return report.bundles[0]


def bench(model, runtime="auto", target="cpu", bundles_dir="edgesr-bundles", resolution="1920x1080", store=None,
          scale=None, log=None, **timing):
    """Benchmark like ``edgesr bench`` (``timing``: MeasureRequest fields such as threads, duration_s,
    iterations, power); returns the BenchResult."""
    chosen = source(model, scale)
    request = BenchRequest(chosen.model_id, runtime=runtime, target=target, bundles_dir=bundles_dir,
                           resolution=resolution, **timing)
    result = measure_bench(request, log=log, source=chosen)
    with _store(store) as results:
        if results is not None:
            write_latency(results, result)
    return result


def evaluate(model, datasets=("Set14",), store=None, scale=None):
    """PSNR/SSIM with the paper's protocol, in this process with PyTorch; returns {dataset key: payload}."""
    chosen = source(model, scale)
    predictor = TorchPredictor(chosen)
    out = {}
    with _store(store) as results:
        for name in datasets:
            dataset = resolve_dataset(name)
            payload = score(predictor, prepared(dataset, chosen.scale))
            payload["dataset_path"] = str(dataset.root)
            if chosen.kind != "zoo":
                payload["model_source"] = chosen.record()
            key = dataset_key(dataset.key)
            if results is not None:
                results.put(QUALITY, chosen.model_id, "torch", PRECISION, payload, dataset=key)
            out[key] = payload
    return out


class _NoStore:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _store(path):
    return ResultStore(path) if path else _NoStore()
