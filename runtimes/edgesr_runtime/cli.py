"""The device command line: ``edgesr-device`` = ``python -m edgesr_runtime`` (numpy + one runtime, no torch).

    python3 -m edgesr_runtime check BUNDLE           # sha256 + golden-data parity of every artifact
    python3 -m edgesr_runtime build-engine BUNDLE    # TensorRT engine on the Jetson, then its check
    python3 -m edgesr_runtime bench ...              # latency/power (edgesr_runtime.bench), when installed
    python3 -m edgesr_runtime sweep ...              # every bundle of a folder (edgesr_runtime.sweep), likewise
"""

import argparse
import importlib
import sys

from . import __version__
from .errors import EdgesrError, run_reporting_errors

# (command, module in this package, one-line help); each module has add_arguments(parser) and run(args).
COMMANDS = (
    ("check", "check", "verify a bundle's sha256 and re-run its golden-data parity check on this machine"),
    ("build-engine", "build_engine", "build the TensorRT engine of a jetson bundle on this device, then check it"),
)
# Commands handed whole to another module's main(argv), when this install has that module.
PASS_THROUGH = (
    ("bench", "latency and power of a bundle or model file (python -m edgesr_runtime bench --help)"),
    ("sweep", "benchmark every bundle of a folder into a results store (python -m edgesr_runtime sweep --help)"),
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
    for name, help_text in PASS_THROUGH:
        subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def _pass_through(name, argv):
    """Hand the arguments to edgesr_runtime.<name>.main when this install has that module."""
    module_name = "%s.%s" % (__package__, name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        if getattr(err, "name", None) != module_name:
            raise
        raise EdgesrError("this edgesr_runtime has no %s module" % name, "install the full edgesr-runtime package")
    return module.main(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    return run_reporting_errors("edgesr-device", lambda: _dispatch(argv))


def _dispatch(argv):
    if argv and argv[0] in dict(PASS_THROUGH):
        return _pass_through(argv[0], argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args)
