"""``edgesr bench MODEL_ID``: export (or reuse) the bundle, pick or take a runtime, run the latency harness."""

import argparse
import os
import sys

RUNTIME_CHOICES = ("auto", "torch", "onnxruntime", "litert", "tensorrt", "opencv")
RUNTIME_ALIASES = {"pytorch": "torch", "ort": "onnxruntime", "onnx": "onnxruntime", "tflite": "litert",
                   "trt": "tensorrt", "cv2": "opencv"}
DEFAULT_STORE = "edgesr-results.db"
STORE_ENV = "EDGESR_STORE"


def _runtime(text):
    name = RUNTIME_ALIASES.get(text.lower(), text.lower())
    if name not in RUNTIME_CHOICES:
        import difflib

        close = difflib.get_close_matches(name, RUNTIME_CHOICES + tuple(RUNTIME_ALIASES), n=1)
        raise argparse.ArgumentTypeError("unknown runtime %r%s (use one of %s)" % (
            text, "; did you mean %r?" % close[0] if close else "", ", ".join(RUNTIME_CHOICES)))
    return name


def add_parser(subparsers):
    from edgesr_runtime import bench

    p = subparsers.add_parser(
        "bench", help="benchmark one model here: latency percentiles, fps, power (trtexec-like)",
        description="Export (or reuse) the model's bundle for --target, then time it with the device harness "
                    "(edgesr_runtime.bench): time-based warm-up, a timed window of at least --duration-s and "
                    "--iterations, percentiles of every iteration, power when a meter is readable. "
                    "--runtime auto races every runtime whose artifact passed its parity check (brief runs, "
                    "median) and benchmarks the fastest; torch is the PyTorch eager reference.",
        epilog="examples:\n"
               "  edgesr bench eSR-TM_s2_K7_C16                        # auto: fastest parity-checked runtime\n"
               "  edgesr bench eSR-TM_s2_K7_C16 --runtime torch        # the paper's framework, eager\n"
               "  edgesr bench FSRCNN_s2_D56_S12_M4 --runtime onnxruntime --threads 2 --json > run.json\n"
               "  edgesr bench eSR-MAX_s2_K3_C1 --resolution 1280x720 --end-to-end --power rapl",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_id", metavar="MODEL_ID", help="zoo id, e.g. eSR-TM_s2_K7_C16 (see `edgesr models`)")
    p.add_argument("--runtime", "-r", type=_runtime, default="auto", metavar="{%s}" % ",".join(RUNTIME_CHOICES),
                   help="auto (default: the fastest parity-checked artifact), torch (PyTorch eager), onnxruntime, "
                        "litert or tensorrt")
    p.add_argument("--target", "-t", default="cpu", help="bundle target to export and time (default cpu: this host)")
    p.add_argument("--bundles", default="edgesr-bundles", help="bundle folder (default ./edgesr-bundles)")
    p.add_argument("--resolution", default="1920x1080", help="output size WxH (default 1920x1080; input = WxH / scale)")
    p.add_argument("--threads", type=int, help="CPU threads of the runtime (default: the runtime's own)")
    p.add_argument("--warmup-ms", type=float, default=bench.DEFAULT_WARMUP_MS,
                   help="time-based warm-up, not timed (default %(default)s)")
    p.add_argument("--duration-s", type=float, default=bench.DEFAULT_DURATION_S,
                   help="minimum timed duration (default %(default)s)")
    p.add_argument("--iterations", type=int, default=bench.DEFAULT_MIN_ITERATIONS,
                   help="minimum timed iterations; both minimums must be met (default %(default)s)")
    p.add_argument("--frames", type=int, default=bench.DEFAULT_FRAMES,
                   help="distinct input frames, cycled (default %(default)s, the paper's 14 Full-HD outputs)")
    p.add_argument("--power", default="auto",
                   help="power meter: auto|none|rapl|ina3221|tegrastats|nvml|external:PATH (default auto)")
    p.add_argument("--end-to-end", action="store_true",
                   help="time RGB->YCbCr, the model on Y, bicubic chroma and YCbCr->RGB per frame")
    p.add_argument("--weights-dir", help="folder with the .model weight files")
    p.add_argument("--json", action="store_true", help="print the JSON result on stdout (the rest on stderr)")
    p.add_argument("--output", "-o", help="JSON result file (default edgesr-bench/<model>_<runtime>_..._<WxH>.json)")
    p.add_argument("--store", default=os.environ.get(STORE_ENV) or DEFAULT_STORE,
                   help="SQLite results store for the kind=latency row (default $%s, else ./%s)"
                   % (STORE_ENV, DEFAULT_STORE))
    p.add_argument("--no-store", dest="store", action="store_const", const=None, help="write no store row")
    p.set_defaults(func=run)


def _check(args):
    from edgesr_runtime.errors import EdgesrError

    if args.frames < 1 or args.iterations < 1 or args.duration_s < 0 or args.warmup_ms < 0:
        raise EdgesrError("bad timing options", "--frames and --iterations must be >= 1, --duration-s and "
                                                "--warmup-ms >= 0")
    if args.threads is not None and args.threads < 1:
        raise EdgesrError("--threads must be >= 1", "leave it out to use the runtime's default")


def _request(args):
    from edgesr.bench import BenchRequest

    return BenchRequest(args.model_id, runtime=args.runtime, target=args.target, bundles_dir=args.bundles,
                        resolution=args.resolution, threads=args.threads, warmup_ms=args.warmup_ms,
                        duration_s=args.duration_s, iterations=args.iterations, frames=args.frames,
                        power=args.power, end_to_end=args.end_to_end, weights_dir=args.weights_dir)


def _write(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text + "\n")


def run(args):
    from edgesr.bench import measure, store_result
    from edgesr.bench.host import default_output
    from edgesr_runtime.bench import format_summary, to_json

    _check(args)
    out = sys.stderr if args.json else sys.stdout

    def say(message):
        print(message, file=out)
        out.flush()

    result = measure(_request(args), log=say)
    say(format_summary(result))
    path = args.output or default_output(result)
    text = to_json(result)
    _write(path, text)
    say("result: %s" % path)
    if args.store:
        store_result(args.store, result)
        say("store: %s (kind=latency)" % args.store)
    if args.json:
        print(text)
    return 0
