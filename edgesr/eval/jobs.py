"""Plan and run (model, dataset) evaluations over a process pool, writing each result to the store at once.

Work already in the store is skipped (unless ``force``), so a killed run resumes where it stopped.
Tasks run dataset by dataset (each worker keeps that dataset's prepared pairs hot); within a dataset the
models run in a low-discrepancy order (``spread_key``), so every prefix of a run is a spread over all
families and scales and the progress ETA is meaningful from the start.
A task that fails is stored as kind ``failure`` with the reason and retried by the next run.
"""

import functools
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import torch

from edgesr.eval.datasets import Dataset
from edgesr.eval.evaluate import evaluate
from edgesr.eval.prepare import prepared
from edgesr.eval.protocol import LUMA_PAPER
from edgesr.eval.predictors import PRECISION
from edgesr.models.source import ModelSource, resolve
from edgesr_runtime.errors import EdgesrError

QUALITY, FAILURE = "quality", "failure"


@dataclass(frozen=True)
class Task:
    """One unit of work: a model on a dataset with a runtime. ``model`` is the label stored, ``spec`` what
    the worker resolves (the same for a zoo id), ``source`` what the store records of a non-zoo model."""

    model: str
    scale: int
    dataset: Dataset
    runtime: str
    luma: str = LUMA_PAPER
    weights_dir: str = None
    onnx_dir: str = None
    spec: str = None
    source: tuple = ()  # ModelSource.record() items of a non-zoo model, for the quality payload

    @property
    def dataset_key(self):
        return dataset_key(self.dataset.key, self.luma)


def dataset_key(name, luma=LUMA_PAPER):
    """The store's dataset field: the name, tagged when the luma is not the paper's."""
    return name if luma == LUMA_PAPER else "%s@%s-luma" % (name, luma)


def plan(models, datasets, runtime, store, force=False, luma=LUMA_PAPER, weights_dir=None, onnx_dir=None):
    """(tasks to run, number already stored), ordered by dataset, then ``spread_key`` of the models.

    ``models``: model specs (zoo ids included) or resolved ModelSources."""
    sources = [m if isinstance(m, ModelSource) else resolve(m, weights_dir) for m in models]
    tasks, done = [], 0
    for d_index, dataset in enumerate(datasets):
        for m_index, source in enumerate(sources):
            record = () if source.kind == "zoo" else tuple(sorted(source.record().items()))
            task = Task(source.model_id, source.scale, dataset, runtime, luma,
                        None if weights_dir is None else str(weights_dir), onnx_dir, source.spec, record)
            if not force and store.has(QUALITY, source.model_id, runtime, PRECISION, dataset=task.dataset_key):
                done += 1
                continue
            tasks.append((d_index, spread_key(m_index), task))
    return [t for *_, t in sorted(tasks, key=lambda t: t[:2])], done


def spread_key(index):
    """Van der Corput radical inverse of ``index`` in base 2: sorting by it spreads any prefix evenly."""
    key, weight = 0.0, 0.5
    while index:
        if index & 1:
            key += weight
        index >>= 1
        weight /= 2
    return key


def init_worker(parent_pid=None):
    """One intra-op thread per worker (the pool provides the parallelism); exit when the parent dies."""
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already ran in this process
        pass
    if parent_pid is not None:
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid, interval=1.0):
    """A SIGKILLed parent leaves pool workers blocked on their queue: end them within ``interval`` s."""
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)


@functools.lru_cache(maxsize=1)
def _predictor(runtime, spec, weights_dir, onnx_dir):
    from edgesr.eval.predictors import open_predictor

    return open_predictor(runtime, spec, weights_dir, onnx_dir)


def run_task(task):
    """(task, kind, payload): the quality payload, or a failure payload with the reason."""
    started = time.perf_counter()
    try:
        predictor = _predictor(task.runtime, task.spec or task.model, task.weights_dir, task.onnx_dir)
        payload = evaluate(predictor, prepared(task.dataset, task.scale, task.luma))
    except (EdgesrError, ValueError, RuntimeError, OSError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return task, FAILURE, {"stage": "eval", "reason": reason, "error": type(err).__name__}
    payload["seconds_total"] = round(time.perf_counter() - started, 4)
    payload["dataset_path"] = str(task.dataset.root)
    if task.source:
        payload["model_source"] = dict(task.source)
    return task, QUALITY, payload


def record(store, task, kind, payload):
    """Write one task's outcome to the store (committed at once)."""
    status = "ok" if kind == QUALITY else "failed"
    store.put(kind, task.model, task.runtime, PRECISION, payload, dataset=task.dataset_key, status=status)


def run_tasks(tasks, store, workers=1):
    """Run ``tasks``, storing each outcome as it arrives; yields (task, kind, payload).

    ``workers`` > 1 uses a spawn-based process pool; 1 runs in this process.
    """
    if workers <= 1 or len(tasks) <= 1:
        init_worker()
        outcomes = map(run_task, tasks)
        for outcome in outcomes:
            record(store, *outcome)
            yield outcome
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker,
                             initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(run_task, task) for task in tasks]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                record(store, *outcome)
                yield outcome
        finally:
            for future in futures:
                future.cancel()
