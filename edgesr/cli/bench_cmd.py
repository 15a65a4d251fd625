"""``edgesr bench MODEL_ID``: export (or reuse) the bundle, pick or take a runtime, run the latency harness."""

import argparse
import difflib
import os
import sys

from edgesr_runtime.commands.options import (STORE_ENV, add_power_options, add_store_option, add_timing_options,
                                             request_fields)
from edgesr_runtime.files import ensure_folder, write_text
from edgesr_runtime.harness import format_summary, to_json, write_latency
from edgesr_runtime.store import ResultStore, check_store_file

RUNTIME_CHOICES = ("auto", "torch", "onnxruntime", "litert", "tensorrt", "opencv")
RUNTIME_ALIASES = {"pytorch": "torch", "ort": "onnxruntime", "onnx": "onnxruntime", "tflite": "litert",
                   "trt": "tensorrt", "cv2": "opencv"}


def _runtime(text):
    name = RUNTIME_ALIASES.get(text.lower(), text.lower())
    if name not in RUNTIME_CHOICES:
        close = difflib.get_close_matches(name, RUNTIME_CHOICES + tuple(RUNTIME_ALIASES), n=1)
        raise argparse.ArgumentTypeError("unknown runtime %r%s (use one of %s)" % (
            text, "; did you mean %r?" % close[0] if close else "", ", ".join(RUNTIME_CHOICES)))
    return name


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench", help="benchmark one model here: latency percentiles, fps, power (trtexec-like)",
        description="Export (or reuse) the model's bundle for --target, then time it with the device harness "
                    "(edgesr_runtime.harness): time-based warm-up, a timed window of at least --duration-s and "
                    "--iterations, percentiles of every iteration, power when a meter is readable. "
                    "--runtime auto races every runtime whose artifact passed its parity check, and the bundle's "
                    "INT8 file where it passed its gates (brief runs, median), and benchmarks the fastest; torch is the PyTorch eager reference.",
        epilog="examples:\n"
               "  edgesr bench eSR-TM_s2_K7_C16                        # auto: fastest parity-checked runtime\n"
               "  edgesr bench eSR-TM_s2_K7_C16 --runtime torch        # the paper's framework, eager\n"
               "  edgesr bench FSRCNN_s2_D56_S12_M4 --runtime onnxruntime --threads 2 --json > run.json\n"
               "  edgesr bench eSR-MAX_s2_K3_C1 --resolution 1280x720 --end-to-end --power rapl\n"
               "  edgesr bench 'my_models.py:tiny_net?scale=2' --runtime onnxruntime   # your own module\n"
               "  edgesr bench runs/m                                  # a run of `edgesr train`",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_id", metavar="MODEL", help="zoo id, e.g. eSR-TM_s2_K7_C16 (see `edgesr models`), or a "
                   "model spec: module:factory, path/to/file.py:factory[?scale=3], a trained run folder "
                   "(README: Your own models)")
    p.add_argument("--runtime", "-r", type=_runtime, default="auto", metavar="{%s}" % ",".join(RUNTIME_CHOICES),
                   help="auto (default: the fastest parity-checked artifact), torch (PyTorch eager), onnxruntime, "
                        "litert or tensorrt")
    p.add_argument("--target", "-t", default="cpu", help="bundle target to export and time (default cpu: this host)")
    p.add_argument("--bundles", default="edgesr-bundles", help="bundle folder (default ./edgesr-bundles)")
    p.add_argument("--graph", choices=("optimised", "reference"), default="optimised",
                   help="optimised (default): each model's exact deployment form; reference: the literal module, to measure "
                   "the gain (use its own --bundles and --store: the store does not key rows by graph)")
    p.add_argument("--resolution", default="1920x1080", help="output size WxH (default 1920x1080; input = WxH / scale)")
    add_timing_options(p)
    add_power_options(p)
    p.add_argument("--end-to-end", action="store_true",
                   help="time RGB->YCbCr, the model on Y, bicubic chroma and YCbCr->RGB per frame")
    p.add_argument("--weights-dir", help="folder with the .model weight files")
    p.add_argument("--json", action="store_true", help="print the JSON result on stdout (the rest on stderr)")
    p.add_argument("--output", "-o", help="JSON result file (default edgesr-bench/<model>_<runtime>_..._<WxH>.json)")
    add_store_option(p, env=STORE_ENV, can_skip=True)
    p.set_defaults(func=run)


def run(args):
    # torch and the converters load here, not when the CLI starts (`edgesr --help`, `edgesr check` stay light)
    from edgesr.bench import BenchRequest, measure
    from edgesr.bench.host import default_output

    out = sys.stderr if args.json else sys.stdout
    if args.store:
        check_store_file(args.store)  # another program's database is refused before measuring, never written

    def say(message):
        print(message, file=out)
        out.flush()

    request = BenchRequest(args.model_id, runtime=args.runtime, target=args.target, bundles_dir=args.bundles,
                           resolution=args.resolution, end_to_end=args.end_to_end, weights_dir=args.weights_dir,
                           graph=args.graph, **request_fields(args))
    result = measure(request, log=say).to_dict()
    say(format_summary(result))
    path = args.output or default_output(result)
    text = to_json(result)
    ensure_folder(os.path.dirname(os.path.abspath(path)))
    write_text(path, text + "\n")
    say("result: %s" % path)
    if args.store:
        with ResultStore(args.store) as store:
            write_latency(store, result)
        say("store: %s (kind=latency)" % args.store)
    if args.json:
        print(text)
    return 0
