"""The ``edgesr`` command line: one subcommand per module in this package.

Each ``*_cmd`` module exposes ``add_parser(subparsers)`` which registers its subcommand and sets
``func``. Modules are listed here so ``edgesr --help`` shows them in a sensible order. They import
torch and other heavy libraries inside the functions that run a command, so ``--help`` stays fast.
"""

import argparse
import importlib
import sys

from edgesr import __version__
from edgesr_runtime.errors import run_reporting_errors

COMMAND_MODULES = (
    "models_cmd",
    "weights_cmd",
    "upscale_cmd",
    "eval_cmd",
    "export_cmd",
    "device_cmd",
    "bench_cmd",
    "sweep_cmd",
    "train_cmd",
    "report_cmd",
    "results_cmd",
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="edgesr",
        description="The edge-SR model zoo (1185 super-resolution architectures) on edge devices: "
        "upscale images, evaluate quality, export ONNX/TensorRT/TFLite bundles, benchmark speed "
        "and power, and report the speed-quality Pareto front.",
    )
    parser.add_argument("--version", action="version", version="edgesr " + __version__)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module("edgesr.cli." + name).add_parser(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return run_reporting_errors("edgesr", lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
