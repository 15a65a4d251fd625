"""``edgesr sweep --executor ray``: the sweep's work as Ray tasks; this process stays the only store writer.

One task per (model, step). Export tasks (1 CPU each) run on any node with CPUs, pack the bundle
folder into bytes and hand it to the model's timing task through Ray's object store (no shared
filesystem); the timing task needs the device's custom resource (``plan.device_resource``, 1 unit per
task, so a board times one model at a time), unpacks the bundle, verifies its sha256 and measures it
(``edgesr.remote_timing``: device runtime only). Quality tasks (1 CPU each) evaluate PyTorch on the
datasets. Outcomes stream back with ``ray.wait`` and are committed at once, so a rerun skips them as
with the local executor; a task whose node dies is retried elsewhere (``max_retries``).
"""

import dataclasses
import os

import ray

from edgesr_runtime.errors import EdgesrError, first_line
from edgesr_runtime.harness import MeasureRequest, latency_done, record_failure, write_latency
from edgesr_runtime.harness.latency_rows import device_label, planned_setting_key
from edgesr_runtime.progress import Progress

from edgesr import remote_timing
from edgesr.bench.bundles import ensure_bundle
from edgesr.bench.host import lr_size
from edgesr.eval import jobs
from edgesr.eval.datasets import resolve_dataset
from edgesr.sweep_plan import DEVICE_TARGETS

HOST_TIMING_RESOURCE = "edgesr_timing"  # the timing resource of --target cpu unless --device-resource names one
LATENCY, QUALITY = "latency", "quality"


def export_packed(model_id, target, bundles_dir, resolution, weights_dir, graph="optimised"):
    """The export task: the bundle (exported or reused under ``bundles_dir`` on this node) as tar bytes,
    or the one-line reason it failed."""
    try:
        report, manifest = ensure_bundle(model_id, target, bundles_dir, resolution, weights_dir, graph=graph)
    except EdgesrError as err:
        return {"model": model_id, "error": str(err).splitlines()[0]}
    export = {"status": "reused" if report.status == "skipped" else report.status, "seconds": report.seconds}
    return {"model": model_id, "data": remote_timing.pack_bundle(report.path), "bundle": report.path,
            "export": export, "target": manifest["target"]}


def evaluate_quality(task):
    """The quality task: ``jobs.run_task`` with one torch thread (the cluster provides the parallelism)."""
    jobs.init_worker()
    return jobs.run_task(task)


def timing_resource(plan):
    """The custom resource a timing task asks for."""
    return plan.device_resource or HOST_TIMING_RESOURCE


def connect(plan):
    """Join the cluster at ``plan.ray_address`` (None: start a local one carrying the timing resource)."""
    if not ray.is_initialized():
        if plan.ray_address:
            ray.init(address=plan.ray_address, logging_level="WARNING")
        else:
            ray.init(resources={timing_resource(plan): 1}, logging_level="WARNING")
    # Shipped by value: a timing node needs edgesr_runtime and ray, not edgesr.
    ray.cloudpickle.register_pickle_by_value(remote_timing)


def require_timing_node(plan):
    """EdgesrError unless a node carries the timing resource (else every timing task would wait forever)."""
    resource = timing_resource(plan)
    if ray.cluster_resources().get(resource, 0) < 1:
        raise EdgesrError("no node of the Ray cluster carries the timing resource %r" % resource,
                          "join the device as a worker: ray start --address HEAD:6379 --num-cpus 0 "
                          "--resources '{\"%s\": 1}'" % resource)


def run_on_ray(plan, models, store):
    """Both phases of ``models`` on the Ray cluster; returns {"latency": counts, "quality": counts}."""
    if plan.runtime == "torch":
        raise EdgesrError("--executor ray times bundles; --runtime torch is not a bundle runtime",
                          "use --runtime auto|onnxruntime|litert|tensorrt, or --executor local")
    device = plan.device or (device_label() if plan.target not in DEVICE_TARGETS else None)
    if device is None:
        raise EdgesrError("--executor ray --target %s needs --device LABEL (the store's name of the board)"
                          % plan.target, "pass e.g. --device rpi400")
    if plan.weights_dir:  # a task's working folder is not the driver's
        plan = dataclasses.replace(plan, weights_dir=os.path.abspath(plan.weights_dir))
    connect(plan)
    counts = {LATENCY: {"ok": 0, "failed": 0, "skipped": 0}, QUALITY: {"ok": 0, "failed": 0, "skipped": 0}}
    pending = {}
    pending.update(_submit_latency(plan, models, store, device, counts[LATENCY]))
    pending.update(_submit_quality(plan, models, store, counts[QUALITY]))
    progress = {LATENCY: Progress(sum(1 for p in pending.values() if p[0] == LATENCY), LATENCY),
                QUALITY: Progress(sum(1 for p in pending.values() if p[0] == QUALITY), QUALITY)}
    while pending:
        [ref], _ = ray.wait(list(pending), num_returns=1)
        phase, item = pending.pop(ref)
        commit = _commit_latency if phase == LATENCY else _commit_quality
        outcome, note = commit(plan, store, device, item, ref)
        counts[phase][outcome] += 1
        progress[phase].step(item if phase == LATENCY else "%s on %s" % (item.model, item.dataset_key), note,
                             always=outcome == "failed")
    return counts


def _submit_latency(plan, models, store, device, counts):
    """{timing ref: ("latency", model)} of every model not yet stored; the export ref feeds the timing task."""
    export = ray.remote(export_packed).options(num_cpus=1, max_retries=plan.ray_retries)
    timing = ray.remote(remote_timing.time_exported).options(num_cpus=0, resources={timing_resource(plan): 1},
                                                             max_retries=plan.ray_retries)
    bundles_dir = os.path.abspath(plan.bundles_dir)  # the same folder as the local executor's on this host
    refs = {}
    for model_id in models:
        height, width = lr_size(model_id, plan.resolution)
        request = MeasureRequest(model_id=model_id, runtime=plan.runtime, threads=plan.threads,
                                 warmup_ms=plan.warmup_ms, duration_s=plan.duration_s, iterations=plan.iterations,
                                 power=plan.power, input_size=(height, width)).validate()
        if latency_done(store, model_id, device, _setting(request)):
            counts["skipped"] += 1
            continue
        if not refs:
            require_timing_node(plan)
        exported = export.remote(model_id, plan.target, bundles_dir, plan.resolution, plan.weights_dir, plan.graph)
        refs[timing.remote(exported, request)] = (LATENCY, model_id)
    return refs


def _setting(request):
    return planned_setting_key(request.input_size[0], request.input_size[1], request.threads)


def _submit_quality(plan, models, store, counts):
    """{quality ref: ("quality", task)} of every (model, dataset) not yet stored."""
    tasks, counts["skipped"] = jobs.plan(models, [resolve_dataset(n) for n in plan.datasets], "torch", store,
                                         weights_dir=plan.weights_dir)
    evaluate = ray.remote(evaluate_quality).options(num_cpus=1, max_retries=plan.ray_retries)
    return {evaluate.remote(task): (QUALITY, task) for task in tasks}


def _commit_latency(plan, store, device, model_id, ref):
    """Store one timing outcome; ("ok"|"failed", progress note)."""
    try:
        outcome = ray.get(ref)
    except (ray.exceptions.RayError, EdgesrError) as err:  # retries spent, or an error the task did not expect
        outcome = {"model": model_id, "status": "failed", "stage": "latency", "reason": first_line(err)}
    if outcome["status"] != "ok":
        record_failure(store, model_id, device, outcome["stage"], outcome["reason"])
        return "failed", "FAILED (%s): %s" % (outcome["stage"], outcome["reason"])
    result = outcome["result"]
    result["sweep_command"] = plan.command
    write_latency(store, result, device)
    return "ok", "%s %.2f fps (median %.1f ms)" % (result["runtime"], result["fps"], result["latency_ms"]["median"])


def _commit_quality(plan, store, device, task, ref):
    """Store one quality outcome; ("ok"|"failed", progress note)."""
    try:
        task, kind, payload = ray.get(ref)
    except ray.exceptions.RayError as err:
        kind, payload = jobs.FAILURE, {"stage": "eval", "reason": first_line(err), "error": type(err).__name__}
    jobs.record(store, task, kind, payload)
    if kind == jobs.FAILURE:
        return "failed", payload["reason"]
    return "ok", "PSNR %.3f dB" % payload["psnr"]
