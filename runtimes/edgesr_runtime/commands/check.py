"""``python -m edgesr_runtime check BUNDLE`` (also ``edgesr check``): sha256 + golden-data parity of a bundle."""

import json
import os

from ..check import check_bundle, exit_code, format_table


def _csv(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser):
    """The ``check`` arguments (shared by ``edgesr check`` and ``python -m edgesr_runtime check``)."""
    parser.add_argument("bundle", help="bundle folder written by `edgesr export` (holds manifest.json)")
    parser.add_argument("--artifact", type=_csv, help="only these artifacts, e.g. tflite-fp32,onnx-fp32")
    parser.add_argument("--runtime", type=_csv, help="only these runtimes (onnxruntime, litert, tensorrt)")
    parser.add_argument("--precision", type=_csv, help="only these precisions (fp32, fp16, int8)")
    parser.add_argument("--threads", type=int, help="runtime threads (default: the runtime's choice)")
    parser.add_argument("--all", dest="include_invalid", action="store_true",
                        help="also run artifacts that failed their parity gate at export")
    parser.add_argument("--strict", action="store_true",
                        help="fail when an artifact is skipped (runtime missing, engine not built)")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the sha256 check of the bundle files (not recommended)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")


def run(args):
    """Run ``check`` from parsed arguments; returns the exit code."""
    manifest, results = check_bundle(args.bundle, names=args.artifact, runtimes=args.runtime,
                                     precisions=args.precision, threads=args.threads, verify=args.verify,
                                     include_invalid=args.include_invalid)
    if args.json:
        print(json.dumps({"bundle": os.path.abspath(args.bundle), "results": results}, indent=1))
    else:
        print(format_table(manifest, results, verified=args.verify))
    return exit_code(results, strict=args.strict)
