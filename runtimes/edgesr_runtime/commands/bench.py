"""``python -m edgesr_runtime bench MODEL_OR_BUNDLE``: latency (and power) of one model on this device.

The arguments become one MeasureRequest for the harness (``edgesr_runtime.harness``); this module
only parses, prints and stores.
"""

import argparse
import os
import re
import sys

from ..errors import EdgesrError
from ..files import write_text
from ..harness import AUTO, MeasureRequest, format_summary, measure, to_json, write_latency
from ..harness.latency_rows import device_label
from ..harness.measure import id_from_path
from ..runners import runtime_for_path
from ..runners.onnxruntime_runner import OPTIMIZATION_LEVELS
from ..store import ResultStore, check_store_file
from .options import add_device_option, add_power_options, add_store_option, add_timing_options, request_fields


def _input_size(text):
    match = re.match(r"^(\d+)[xX](\d+)$", text)
    if not match:
        raise argparse.ArgumentTypeError("expected HxW, e.g. 540x960")
    return int(match.group(1)), int(match.group(2))


def add_arguments(parser):
    """The ``bench`` arguments."""
    parser.description = ("Measure latency (and power when a meter exists) of one exported edge-SR model on this "
                          "device. Input frames are at the model's LR size for a Full-HD (1920x1080) output. "
                          "fps = 1000 / mean latency (one frame in flight).")
    parser.epilog = ("Examples:\n"
                     "  python -m edgesr_runtime bench model.onnx --threads 4 --scale 2\n"
                     "  python -m edgesr_runtime bench eSR-TM_s2_K7_C16-rpi --power auto --store results.db\n"
                     "  python -m edgesr_runtime bench model.engine --power tegrastats --idle-s 5 --json > run.json")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("model", help="model file (.onnx, .tflite, .engine) or a bundle folder")
    parser.add_argument("--runtime", choices=[AUTO, "onnxruntime", "litert", "tensorrt", "opencv"],
                        help="runtime (default: from the file suffix; for a bundle folder 'auto': time every "
                             "artifact that passed parity briefly and keep the fastest by median)")
    parser.add_argument("--model-id", help="model id for the result (default: bundle id or file name)")
    parser.add_argument("--precision", choices=["fp32", "fp16", "int8"],
                        help="precision label (default: from the file name / I/O types, else fp32)")
    parser.add_argument("--layout", choices=["NCHW", "NHWC"], help="I/O layout of the file (default: detected)")
    add_timing_options(parser)
    parser.add_argument("--input-size", type=_input_size, metavar="HxW",
                        help="LR input size (default: the file's static size, else 1080x1920 / scale)")
    parser.add_argument("--scale", type=int, help="upscaling factor of a dynamic-shape file outside a bundle "
                                                  "(a bundle's manifest gives it)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic frames (default 0)")
    parser.add_argument("--end-to-end", action="store_true",
                        help="time RGB->YCbCr, the model on Y, bicubic chroma upscaling and YCbCr->RGB per frame")
    parser.add_argument("--chroma", choices=["auto", "numpy", "cv2"], default="auto",
                        help="chroma upscaler for --end-to-end (auto: cv2 when importable)")
    add_power_options(parser, idle=True)
    parser.add_argument("--provider", action="append",
                        help="onnxruntime execution provider (cpu, cuda, tensorrt or a full name); repeatable")
    parser.add_argument("--ort-optimization", choices=sorted(OPTIMIZATION_LEVELS),
                        help="onnxruntime graph optimisation level (default: what the bundle's manifest records, "
                             "else all; extended = without the CPU layout transform)")
    parser.add_argument("--no-xnnpack", action="store_true", help="LiteRT: disable the default XNNPACK delegate")
    parser.add_argument("--trt-api", choices=["bindings", "tensors"],
                        help="TensorRT: force an API (default: bindings before 10.x, tensors from 10.x)")
    parser.add_argument("--json", action="store_true", help="print the JSON result on stdout (summary on stderr)")
    parser.add_argument("--output", help="also write the JSON result to this file")
    add_store_option(parser, default=None)
    add_device_option(parser)


def runner_options(args):
    """Runtime-specific runner options from the arguments."""
    options = {}
    if args.provider:
        options["providers"] = args.provider
    if args.ort_optimization:
        options["optimization"] = args.ort_optimization
    if args.no_xnnpack:
        options["xnnpack"] = False
    if args.trt_api:
        options["api"] = args.trt_api
    return options


def request_from(args):
    """The MeasureRequest the arguments describe."""
    return MeasureRequest(model_id=args.model_id, runtime=args.runtime, precision=args.precision,
                          layout=args.layout, end_to_end=args.end_to_end, chroma=args.chroma,
                          input_size=args.input_size, scale=args.scale, seed=args.seed,
                          runner_options=runner_options(args), **request_fields(args)).validate()


def run(args):
    """Measure, print the summary (and JSON), write the file and the store row; returns the exit code."""
    if args.store:
        check_store_file(args.store)  # another program's database is refused before measuring, never written
    try:
        result = measure(args.model, request_from(args)).to_dict()
    except EdgesrError:
        if args.store:
            _store_failure(args, sys.exc_info()[1])
        raise
    summary = format_summary(result)
    if args.json:
        print(summary, file=sys.stderr)
        print(to_json(result))
    else:
        print(summary)
    if args.output:
        write_text(args.output, to_json(result) + "\n")
    if args.store:
        with ResultStore(args.store) as store:
            write_latency(store, result, args.device)
    return 0


def _store_failure(args, error):
    """One kind=failure row for a run that could not be measured."""
    runtime = args.runtime
    if not runtime and not os.path.isdir(args.model):
        try:
            runtime = runtime_for_path(args.model)
        except EdgesrError:
            runtime = ""
    with ResultStore(args.store) as store:
        store.put("failure", args.model_id or id_from_path(args.model), runtime or "", args.precision or "",
                  {"stage": "latency", "error": str(error)}, dataset="latency", device=device_label(args.device),
                  status="failed")
