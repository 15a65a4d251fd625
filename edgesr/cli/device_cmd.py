"""``edgesr check BUNDLE`` and ``edgesr build-engine BUNDLE``: the device commands, run from the host CLI.

Both delegate to ``edgesr_runtime`` (numpy + one runtime), exactly what
``python -m edgesr_runtime check|build-engine`` runs on the device; neither imports torch.
"""

import importlib

COMMANDS = (
    ("check", "commands.check", "verify a bundle's sha256 and re-run its parity check against the golden PyTorch outputs"),
    ("build-engine", "build_engine", "build the TensorRT engine of a jetson bundle (on the Jetson), then check it"),
)


def add_parser(subparsers):
    for name, module_name, help_text in COMMANDS:
        module = importlib.import_module("edgesr_runtime." + module_name)
        p = subparsers.add_parser(name, help=help_text, description=help_text + ". Same as `python -m "
                                  "edgesr_runtime %s` on the device." % name)
        module.add_arguments(p)
        p.set_defaults(func=module.run)
