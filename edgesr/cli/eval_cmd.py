"""``edgesr eval``: evaluate PSNR/SSIM on image datasets into the results store, or compare it with the paper."""

import json
import os
import sys

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.progress import Progress
from edgesr_runtime.store import ResultStore

STORE_ENV_VAR = "EDGESR_STORE"
DEFAULT_STORE = "edgesr-results.db"
DEFAULT_DATASETS = "Set5,Set14,BSDS100"
PROGRESS_INTERVAL_S = 2.0  # thousands of short tasks: a progress line every 2 s at most


def add_parser(subparsers):
    p = subparsers.add_parser(
        "eval",
        help="measure PSNR/SSIM (paper protocol) into the results store; --compare-paper reports deltas",
        description="Evaluate models on image-folder datasets with the paper's protocol (luma, MATLAB bicubic "
        "downscale, shave, limited range; see docs/evaluation.md). Each (model, dataset, runtime) result is "
        "written to the store at once; stored results are skipped unless --force, so a killed run resumes.",
    )
    p.add_argument("--models", "--model", dest="models",
                   help="comma-separated ids, fnmatch globs or model specs (module:factory, file.py:factory, a "
                   "trained run folder; README: Your own models), e.g. 'eSR-TM_s2_*' (required to evaluate)")
    p.add_argument("--datasets",
                   help="comma-separated dataset names (../shared/datasets/<Name>, $EDGESR_DATASETS) or folder "
                   "paths (default: %s)" % DEFAULT_DATASETS)
    p.add_argument("--runtime", choices=("torch", "onnxruntime", "litert"),
                   help="run the models with PyTorch (default), as a dynamic-shape ONNX file in onnxruntime, or "
                   "as FP32 TFLite files (one per LR size, converted on first use) in LiteRT")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes, one thread each (default: all %(default)s cores)")
    p.add_argument("--store", default=None,
                   help="results store (SQLite); default $%s or ./%s" % (STORE_ENV_VAR, DEFAULT_STORE))
    p.add_argument("--force", action="store_true", help="re-evaluate results already in the store")
    p.add_argument("--luma", default="paper", choices=("paper", "standard"),
                   help="colour-to-luma weights: the paper's B/R-swapped BT.601 (default, reproduces the paper) "
                   "or the standard 0.299R+0.587G+0.114B (stored under '<dataset>@standard-luma')")
    p.add_argument("--weights-dir", help="folder holding the .model weight files")
    p.add_argument("--onnx-dir", metavar="CACHE_DIR",
                   help="cache folder for the exports of --runtime onnxruntime (.onnx per model) and --runtime "
                   "litert (.tflite per model and LR size); default $TMPDIR/edgesr-eval-onnx or -litert")
    p.add_argument("--compare-paper", action="store_true",
                   help="evaluate nothing: compare the stored results (filtered by --models/--datasets/--runtime "
                   "when given) with the paper's table")
    p.add_argument("--csv", metavar="PATH", help="with --compare-paper: write the family × dataset summary as CSV")
    p.add_argument("--rows-csv", metavar="PATH", help="with --compare-paper: write the per-model deltas as CSV")
    p.add_argument("--worst", type=int, default=10, help="with --compare-paper: how many worst rows to list")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per line per (model, dataset, runtime) instead of tables")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def store_path(args):
    """--store, else $EDGESR_STORE, else ./edgesr-results.db."""
    return args.store or os.environ.get(STORE_ENV_VAR) or DEFAULT_STORE


def run(args):
    if args.workers < 1:
        raise EdgesrError("--workers must be at least 1, got %d" % args.workers, "pass --workers 1 or more")
    if args.compare_paper:
        return _compare(args)
    if args.csv or args.rows_csv:
        raise EdgesrError("--csv and --rows-csv go with --compare-paper", "add --compare-paper")
    return _evaluate(args)


def _datasets(spec):
    from edgesr.eval.datasets import image_files, resolve_dataset

    datasets = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            dataset = resolve_dataset(part)
            image_files(dataset)  # an empty folder is an error before any work starts
            if dataset not in datasets:
                datasets.append(dataset)
    if not datasets:
        raise EdgesrError("no dataset given", "pass --datasets Set5,Set14,BSDS100 or a folder path")
    return datasets


def _evaluate(args):
    from edgesr.eval import jobs
    from edgesr.eval.predictors import check_runtime
    from edgesr.models.source import resolve_all

    if not args.models:
        raise EdgesrError("no models to evaluate", "pass --models GLOB (e.g. 'eSR-TM_s2_*'), or --compare-paper")
    runtime = args.runtime or "torch"
    check_runtime(runtime)
    sources = resolve_all(args.models, args.weights_dir)
    datasets = _datasets(args.datasets or DEFAULT_DATASETS)
    path = store_path(args)
    with ResultStore(path) as store:
        tasks, done = jobs.plan(sources, datasets, runtime, store, force=args.force, luma=args.luma,
                                weights_dir=args.weights_dir, onnx_dir=args.onnx_dir)
        total = len(sources) * len(datasets)
        _note("%d of %d (model, dataset) results to evaluate, %d already in %s"
              % (len(tasks), total, done, path))
        failures, warned = [], set()
        progress = Progress(len(tasks), "eval", min_interval_s=PROGRESS_INTERVAL_S, enabled=not args.no_progress)
        for task, kind, payload in jobs.run_tasks(tasks, store, workers=min(args.workers, max(len(tasks), 1))):
            item = "%s on %s" % (task.model, task.dataset_key)
            if kind == jobs.FAILURE:
                failures.append((task, payload))
                _note("%s failed: %s" % (item, payload["reason"]))
            elif args.json:
                print(json.dumps(_json_record(task, payload)), flush=True)
            progress.step(item, "failed" if kind == jobs.FAILURE else "PSNR %.2f dB" % payload["psnr"])
            if payload.get("skipped") and (task.dataset_key, task.scale) not in warned:
                warned.add((task.dataset_key, task.scale))
                _warn_skipped(task, payload)
    _note("%d evaluated, %d failed; results in %s" % (len(tasks) - len(failures), len(failures), path))
    return 1 if failures else 0


def _json_record(task, payload):
    from edgesr.eval.compare import delta_record
    from edgesr.eval.predictors import PRECISION

    return delta_record(task.model, task.dataset_key, task.runtime, PRECISION, payload)


def _warn_skipped(task, payload):
    """Report the files a dataset skipped, with the reasons."""
    for item in payload["skipped_files"]:
        _note("warning: skipped %s in %s: %s" % (item["file"], task.dataset_key, item["reason"]))


def _note(text):
    print("edgesr: " + text, file=sys.stderr)


def _compare(args):
    from edgesr.eval import compare
    from edgesr.eval.datasets import resolve_dataset
    from edgesr.models import resolve_models
    from edgesr.models.source import is_zoo_spec

    others = [m.strip() for m in (args.models or "").split(",") if m.strip() and not is_zoo_spec(m.strip())]
    if others:
        raise EdgesrError("--compare-paper compares zoo models with the paper's numbers; %s is not a zoo model"
                          % others[0], "compare your own models in `edgesr report` (same axes as the zoo)")
    store = ResultStore(store_path(args))
    with store:
        models = resolve_models(args.models) if args.models else None
        datasets = None
        if args.datasets:
            datasets = [resolve_dataset(d).key for d in args.datasets.split(",") if d.strip()]
        rows = compare.paper_rows(store, models=models, datasets=datasets, runtime=args.runtime)
    if not rows:
        raise EdgesrError("no stored quality results to compare in %s" % store.path,
                          "run `edgesr eval --models GLOB` first, or point --store at the results")
    summary = compare.summarize(rows)
    if args.csv:
        compare.write_csv(args.csv, summary, compare.SUMMARY_FIELDS)
    if args.rows_csv:
        compare.write_csv(args.rows_csv, rows, compare.ROW_FIELDS)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(compare.format_table(summary, compare.SUMMARY_COLUMNS))
    print()
    print("worst %d by |dPSNR| (dB; ours - paper):" % args.worst)
    print(compare.format_table(compare.worst(rows, args.worst), compare.ROW_COLUMNS))
    return 0
