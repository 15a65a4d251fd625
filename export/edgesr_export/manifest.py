"""The parts of manifest.json the exporter writes (schema in docs/bundle-format.md)."""

import platform
from importlib import metadata

from edgesr_runtime import bundle as bundle_io

TOOLS = ("edgesr", "edgesr-export", "edgesr-runtime", "torch", "onnx", "onnxruntime", "litert-torch",
         "ai-edge-litert", "ai-edge-quantizer", "numpy", "pillow")


def tool_versions():
    """{distribution: version} of the tools that shaped the bundle (absent ones left out)."""
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def options_record(options):
    """The resolved export options as JSON (the resume key together with the producer version)."""
    record = dict(options)
    width, height = record.pop("resolution")
    record["resolution"] = "%dx%d" % (width, height)
    record["precision"] = list(record["precision"])
    return record


def new_manifest(description, target, options, parameters, lr_height, lr_width):
    """A manifest skeleton: everything but artifacts, golden data and file hashes."""
    scale = description.scale
    return {
        "schema": bundle_io.SCHEMA,
        "status": "partial",
        "valid": None,
        "model": {"id": description.model_id, "family": description.family, "scale": scale,
                  "hyperparameters": description.hyperparameters, "parameters": parameters},
        "target": target.name,
        "profile": target.profile.name,
        "device": {"name": target.profile.device, "software": target.profile.software,
                   "python": target.profile.python},
        "edgesr_version": description.producer_version,
        "created_at": bundle_io.utc_now(),
        "options": options_record(options),
        "input": {"lr_height": lr_height, "lr_width": lr_width, "hr_height": lr_height * scale,
                  "hr_width": lr_width * scale, "dynamic": bool(options.get("dynamic")), "channels": "Y",
                  "value_range": [0.0, 1.0], "dtype": "float32"},
        "artifacts": [],
        "warnings": [],
        "tools": tool_versions(),
        "files": {},
    }
