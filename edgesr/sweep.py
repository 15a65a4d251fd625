"""``edgesr sweep``: export, check, benchmark and evaluate many models into one results store.

``--target cpu`` does everything on this host in two phases, each resumable: (1) latency — for every
model, the bundle is exported (or reused; each artifact parity-checked), the runtime chosen
(``auto`` by default) and the harness run; (2) quality — PSNR/SSIM of the PyTorch model on the
chosen datasets over a process pool. ``--target jetson|rpi`` exports the bundles for the device and
evaluates quality here; the device then runs ``python -m edgesr_runtime sweep`` on the bundles and
its store is merged back with ``edgesr results merge``. ``--executor ray`` runs both phases as tasks on
a Ray cluster, timings included on the device nodes of any target (``edgesr.sweep_ray``, docs/ray.md).
"""

import sys

from edgesr_runtime.commands.options import select_shard
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.harness import latency_done, record_failure, write_latency
from edgesr_runtime.harness.latency_rows import device_label, planned_setting_key
from edgesr_runtime.progress import Progress
from edgesr_runtime.store import ResultStore

from edgesr.bench import BenchRequest, measure
from edgesr.bench.host import lr_size
from edgesr.exporting import export_sources
from edgesr.models.source import resolve
from edgesr.sweep_plan import DEVICE_TARGETS, SweepPlan

__all__ = ["SweepPlan", "run_sweep"]


def run_sweep(plan, shard=None, log=None):
    """Run (or resume) a sweep; returns {"latency": counts, "quality": counts}, counts = {ok, failed, skipped}."""
    log = log or (lambda message: print(message, file=sys.stderr))
    specs = select_shard(plan.models, shard)
    if not specs:
        raise EdgesrError("this shard holds no models", "use fewer shards than models")
    models = [resolve(spec, plan.weights_dir) for spec in specs]  # a broken spec stops here, before any work
    with ResultStore(plan.store) as store:
        store.set_meta("sweep_command", plan.command)
        if plan.executor == "ray":
            return _on_ray(plan, models, store)
        if plan.target in DEVICE_TARGETS:
            latency = _export_for_device(plan, models, store, log)
        else:
            latency = _latency_phase(plan, models, store, log)
        quality = _quality_phase(plan, models, store, log)
    return {"latency": latency, "quality": quality}


def _on_ray(plan, models, store):
    # ray is an optional extra: loaded only for --executor ray
    try:
        from edgesr.sweep_ray import run_on_ray
    except ImportError as err:
        if err.name != "ray":
            raise
        raise EdgesrError("--executor ray needs Ray (%s)" % err, "pip install 'edgesr[ray]'")
    outside = [m.spec for m in models if m.kind != "zoo"]
    if outside:
        raise EdgesrError("--executor ray runs zoo models only; %s is not one" % outside[0],
                          "sweep your own models with --executor local")
    return run_on_ray(plan, [m.model_id for m in models], store)


def _setting_key(plan, source):
    height, width = lr_size(source, plan.resolution)
    return planned_setting_key(height, width, plan.threads)


def _latency_phase(plan, models, store, log):
    """Bench every model not yet stored for this device and setting; failures stored, not fatal."""
    device = device_label(plan.device)  # the host name unless given: the board model is not asked for here
    counts = {"ok": 0, "failed": 0, "skipped": 0}
    progress = Progress(len(models), "latency")
    for source in models:
        model_id = source.model_id
        if latency_done(store, model_id, device, _setting_key(plan, source)):
            counts["skipped"] += 1
            progress.step(model_id, "already in the store")
            continue
        request = BenchRequest(model_id, runtime=plan.runtime, target=plan.target, bundles_dir=plan.bundles_dir,
                               resolution=plan.resolution, threads=plan.threads, warmup_ms=plan.warmup_ms,
                               duration_s=plan.duration_s, iterations=plan.iterations, power=plan.power,
                               weights_dir=plan.weights_dir, graph=plan.graph)
        try:
            result = measure(request, source=source)
        except EdgesrError as err:
            record_failure(store, model_id, device, "latency", err)
            counts["failed"] += 1
            progress.step(model_id, "FAILED: %s" % err, always=True)
            continue
        result.extra["sweep_command"] = plan.command
        write_latency(store, result, device)
        counts["ok"] += 1
        progress.step(model_id, "%s %.2f fps (median %.1f ms)" % (result.runtime, result.fps,
                                                                 result.latency_ms["median"]))
    return counts


def _export_for_device(plan, models, store, log):
    """Export (or reuse) the device bundles; their latency is measured on the device."""
    report = export_sources(models, plan.target, plan.bundles_dir, {"resolution": plan.resolution, "graph": plan.graph},
                            store=store)
    failed = [b for b in report.bundles if b.status == "failed"]
    log("bundles for %s in %s: %d ready, %d failed. On the device run:\n"
        "  python -m edgesr_runtime sweep %s --store device.db\n"
        "then here: edgesr results merge %s device.db && edgesr report %s --out edgesr-report"
        % (plan.target, plan.bundles_dir, len(report.bundles) - len(failed), len(failed), plan.bundles_dir,
           plan.store, plan.store))
    return {"ok": 0, "failed": len(failed), "skipped": len(report.bundles) - len(failed)}


def _quality_phase(plan, models, store, log):
    """PSNR/SSIM of every (model, dataset) not yet stored, over a process pool."""
    from edgesr.eval.datasets import resolve_dataset
    from edgesr.eval.jobs import FAILURE, plan as plan_tasks, run_tasks

    datasets = [resolve_dataset(name) for name in plan.datasets]
    tasks, done = plan_tasks(models, datasets, "torch", store, weights_dir=plan.weights_dir)
    counts = {"ok": 0, "failed": 0, "skipped": done}
    progress = Progress(len(tasks), "quality")
    for task, kind, payload in run_tasks(tasks, store, workers=plan.workers):
        counts["failed" if kind == FAILURE else "ok"] += 1
        progress.step("%s on %s" % (task.model, task.dataset_key),
                      payload.get("reason") if kind == FAILURE else "PSNR %.3f dB" % payload["psnr"])
    return counts
