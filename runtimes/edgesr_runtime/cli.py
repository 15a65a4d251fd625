"""The device command line: ``edgesr-device`` = ``python -m edgesr_runtime`` (numpy + one runtime, no torch).

    python3 -m edgesr_runtime check BUNDLE           # sha256 + golden-data parity of every artifact
    python3 -m edgesr_runtime build-engine BUNDLE    # TensorRT engine on the Jetson, then its check
    python3 -m edgesr_runtime bench BUNDLE_OR_FILE   # latency / power of one model
    python3 -m edgesr_runtime sweep BUNDLES_DIR      # every bundle of a folder into a results store
"""

import argparse
import importlib
import sys

from . import __version__
from .errors import run_reporting_errors

# (command, module in this package, one-line help); each module has add_arguments(parser) and run(args).
COMMANDS = (
    ("check", "commands.check", "verify a bundle's sha256 and re-run its golden-data parity check on this machine"),
    ("build-engine", "build_engine", "build the TensorRT engine of a jetson bundle on this device, then check it"),
    ("bench", "commands.bench", "latency and power of a bundle or model file"),
    ("sweep", "commands.sweep", "benchmark every bundle of a folder into a results store (resumable)"),
)


def build_parser():
    parser = argparse.ArgumentParser(prog="edgesr-device", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version="edgesr-runtime " + __version__)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module_name, help_text in COMMANDS:
        module = importlib.import_module("%s.%s" % (__package__, module_name))
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(func=module.run, command=name)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    return run_reporting_errors("edgesr-device", lambda: _dispatch(argv))


def _dispatch(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args)
