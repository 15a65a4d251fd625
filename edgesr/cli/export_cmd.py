"""``edgesr export --target T --model ID | --models GLOB``: bundles proven against PyTorch (edgesr-export)."""

import argparse
import os
import sys

from edgesr_export.int8_recipes import DEFAULT_MAX_DROP_DB, DEFAULT_RECIPES
from edgesr_export.readme import device_commands
from edgesr_export.targets import TARGETS
from edgesr_runtime.bundle import load_manifest
from edgesr_runtime.store import ResultStore

OPTION_FLAGS = ("resolution", "graph", "dynamic", "opset", "precision", "layout", "golden", "calibration", "validation",
                "int8_recipes", "int8_max_drop")


def _targets_epilog():
    lines = ["targets:"]
    for t in TARGETS.values():
        lines.append("  %-7s %s" % (t.name, t.description))
        lines.append("          artifacts: %s; options: %s" % (", ".join(a.name for a in t.artifacts),
                                                              ", ".join("--" + o for o in t.options)))
    lines += ["", "examples:", "  edgesr export --target jetson --model eSR-TM_s2_K7_C16",
              "  edgesr export --target rpi --models 'eSR-MAX_s2_*' --resolution 1280x720 --store results.db",
              "  edgesr export --target onnx --models '*' --dynamic",
              "  edgesr export --target cpu --model eSR-TM_s2_K7_C16 --graph reference   # the literal graph",
              "  edgesr export --target cpu --model 'my_models.py:tiny_net?scale=2'     # your own module",
              "  edgesr export --target rpi --model runs/m                               # an `edgesr train` run",
              "", "model specs (README: Your own models): a factory returns an nn.Module mapping N×1×H×W luma in",
              "[0, 1] to N×1×sH×sW, with an integer `scale` attribute or a ?scale= argument in the spec."]
    return "\n".join(lines)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "export", help="export ONNX / TensorRT / TFLite bundles, each checked against PyTorch",
        description="Write one bundle folder per (model, target): artifacts, manifest.json, golden data and a "
                    "README with the device commands. Every artifact runs on the golden inputs and is marked "
                    "valid only when it matches PyTorch within its precision's tolerance.",
        epilog=_targets_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", "-t", required=True, help="jetson, rpi, cpu or onnx (see below)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="one model: a zoo id (eSR-TM_s2_K7_C16), a factory (my_pkg.my_mod:factory, "
                       "path/to/file.py:factory, optionally ?scale=3) or a trained run folder")
    which.add_argument("--models", help="ids, fnmatch globs or model specs, comma-separated, e.g. 'eSR-TM_s2_*'")
    p.add_argument("--resolution", help="output size WxH (default 1920x1080); the input is WxH / scale")
    p.add_argument("--graph", choices=("optimised", "reference"),
                   help="optimised (default): convert each model's exact deployment form (faster, same parity "
                        "gate); reference: the literal module, to measure the gain")
    p.add_argument("--dynamic", action="store_true", default=None, help="dynamic input H/W (target onnx)")
    p.add_argument("--opset", type=int, help="ONNX opset, 11-17 (default 17)")
    p.add_argument("--precision", help="subset of the target's precisions, e.g. fp32,int8")
    p.add_argument("--layout", help="TFLite I/O layout: NHWC (default) or NCHW")
    p.add_argument("--golden", type=int, help="golden Set5+Set14 mosaics (default 1; one random input is added)")
    p.add_argument("--calibration", type=int,
                   help="T91 mosaics: INT8 calibration (default 8); jetson: extra FP16 range-check inputs (default 2)")
    p.add_argument("--validation", type=int, help="Set5+Set14 mosaics for the INT8 PSNR drop (default 4)")
    p.add_argument("--int8-recipes", help="INT8 recipes tried in order, the first within --int8-max-drop kept "
                   "(default %s)" % DEFAULT_RECIPES)
    p.add_argument("--int8-max-drop", type=float, help="largest INT8 PSNR drop against FP32 in dB (default %s); "
                   "above it with every recipe the artifact is refused" % DEFAULT_MAX_DROP_DB)
    p.add_argument("--out", default="./edgesr-bundles", help="output folder (default ./edgesr-bundles)")
    p.add_argument("--store", help="SQLite results store: export and failure rows")
    p.add_argument("--force", action="store_true", help="re-export bundles that are already complete and valid")
    p.add_argument("--weights-dir", help="folder with the .model weight files")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress lines")
    p.set_defaults(func=run)


def _artifact_line(artifact):
    if artifact.get("status") == "pending":
        return "%s pending (built on the device)" % artifact["name"]
    if artifact.get("status") == "failed":
        return "%s FAILED (%s)" % (artifact["name"], artifact.get("error"))
    parity = artifact.get("parity") or {}
    if artifact.get("valid"):
        psnr = parity.get("psnr_db")
        return "%s ok (max |err| %.1e, %s)" % (artifact["name"], parity.get("max_abs_err", 0.0),
                                              "identical" if psnr is None else "%.1f dB" % psnr)
    return "%s INVALID (%s)" % (artifact["name"], parity.get("reason"))


def _print_report(report, verbose):
    counts = (len(report.having("exported")), len(report.having("skipped")), len(report.having("failed")))
    print("edgesr export: %d bundle(s) for target %s in %s: %d exported, %d skipped (complete and valid), "
          "%d failed, in %.1f s" % ((len(report.bundles), report.target, report.out_dir) + counts + (report.seconds,)))
    for bundle in report.bundles:
        if bundle.status == "exported" and (verbose or not bundle.valid):
            print("  %s: %s" % (os.path.basename(bundle.path), "; ".join(_artifact_line(a) for a in bundle.artifacts)))
        for warning in bundle.warnings:
            sys.stdout.flush()
            print("WARNING %s: %s" % (bundle.model_id, warning), file=sys.stderr)
            sys.stderr.flush()
    failed = report.having("failed")
    if failed:
        print("failed (%d):" % len(failed))
        for bundle in failed:
            print("  %s: %s" % (bundle.model_id, bundle.error))
    if report.invalid:
        print("bundles with an artifact that failed its parity gate (%d): %s" % (
            len(report.invalid), ", ".join(b.model_id for b in report.invalid[:10])))


def _print_next_steps(report):
    done = [b for b in report.bundles if b.status != "failed"]
    if not done:
        return
    path = done[0].path
    print("\nNext steps%s:" % (" (for %s; the others alike)" % os.path.basename(path) if len(done) > 1 else ""))
    print("  check here:  edgesr check %s" % path)
    for what, command in device_commands(load_manifest(path), os.path.basename(path), local=path):
        print("  %s:\n      %s" % (what, command))


def run(args):
    # torch loads here, not when the CLI starts
    from edgesr.exporting import export_sources
    from edgesr.models.source import resolve_all

    sources = resolve_all(args.model or args.models, args.weights_dir)
    options = {name: getattr(args, name) for name in OPTION_FLAGS if getattr(args, name) is not None}
    store = ResultStore(args.store) if args.store else None
    try:
        report = export_sources(sources, args.target, args.out, options, force=args.force, store=store,
                                progress=args.progress)
    finally:
        if store is not None:
            store.close()
    _print_report(report, verbose=len(sources) <= 5)
    _print_next_steps(report)
    return 0 if report.ok else 1
