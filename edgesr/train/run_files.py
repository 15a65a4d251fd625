"""The trained-run format that every command reads a trained model from (``edgesr-trained/1``).

A run folder (and its ``best/`` sub-folder) holds::

    model.json      {"format", "model_id", "architecture", "scale", "weights", "sha256", "trained": {...}}
    <file>.model    torch.save of the state dict (float32), the zoo's weights format
    weights.sha256  "<sha256>  <file>.model", sha256sum format

``model_id`` is the trained model's label (never a zoo id); ``architecture`` is the spec it was built
from: a zoo id, a module spec, or a file path (relative to the folder when inside it). A zoo
architecture's weights are named ``<zoo id>.model`` so ``--model <zoo id> --weights-dir RUN`` loads them.
"""

import io
import json
import os
from pathlib import Path

import torch

from edgesr.models.registry import parse_model_id
from edgesr_runtime import files
from edgesr_runtime.bundle import sha256_file
from edgesr_runtime.errors import EdgesrError

FORMAT = "edgesr-trained/1"
MODEL_FILE = "model.json"
MANIFEST_FILE = "weights.sha256"
WEIGHTS_SUFFIX = ".model"


def default_label(architecture_id, out):
    """'<architecture>@<run folder name>'."""
    return "%s@%s" % (architecture_id, Path(out).resolve().name)


def check_label(label):
    """EdgesrError when ``label`` could be mistaken for a zoo id or a file name."""
    if parse_model_id(label) is not None:
        raise EdgesrError("--name %s is a zoo id; a trained model needs its own label" % label,
                          "pass another --name, e.g. %s-ft" % label)
    if not label or "/" in label or os.sep in label:
        raise EdgesrError("--name %r is not a usable label" % label, "pass a name without slashes")
    return label


def architecture_spec(spec, folder):
    """The spec as stored in ``folder``'s model.json: a file path relative to the folder when inside it,
    otherwise absolute; zoo ids and importable module specs unchanged."""
    path_part, sep, attribute = str(spec).rpartition(":") if ".py:" in str(spec) else (str(spec), "", "")
    path = Path(path_part)
    if not (path.suffix == ".py" or path.is_file() or path.is_dir()):
        return str(spec)
    path, root = path.resolve(), Path(folder).resolve()
    text = os.path.relpath(path, root) if path.is_relative_to(root) else str(path)
    return text + sep + attribute


def weights_name(architecture, label):
    """``<zoo id>.model`` for a zoo architecture (so --weights-dir finds it), else ``<label>.model``."""
    return (architecture if parse_model_id(architecture) else label.replace("@", "_")) + WEIGHTS_SUFFIX


def write_run(folder, state_dict, label, architecture, scale, weights_file, trained):
    """Write the weights, their sha256 manifest and model.json (last, atomically) into ``folder``."""
    files.ensure_folder(folder)
    buffer = io.BytesIO()
    torch.save({k: v.detach().to("cpu", torch.float32).clone() for k, v in state_dict.items()}, buffer)
    files.write_bytes(os.path.join(folder, weights_file), buffer.getvalue())
    digest = sha256_file(os.path.join(folder, weights_file))
    files.write_text(os.path.join(folder, MANIFEST_FILE), "%s  %s\n" % (digest, weights_file))
    record = {"format": FORMAT, "model_id": label, "architecture": architecture, "scale": int(scale),
              "weights": weights_file, "sha256": digest, "trained": trained}
    files.write_json(os.path.join(folder, MODEL_FILE), record)
    return record


def run_folder(path):
    """The run folder of a trained-run spec: the folder itself, or the folder of its model.json / .model file."""
    return Path(path).parent if Path(path).is_file() else Path(path)


def read_run(folder):
    """model.json of a trained run (its folder, model.json or .model file), weights checked against the sha256."""
    folder = run_folder(folder)
    path = folder / MODEL_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise EdgesrError("cannot read %s: %s" % (path, err), "point at a folder written by `edgesr train`")
    if record.get("format") != FORMAT:
        raise EdgesrError("%s is not a trained run (format %r)" % (path, record.get("format")),
                          "point at a folder written by `edgesr train`")
    weights = Path(folder) / record["weights"]
    if not weights.is_file() or sha256_file(weights) != record["sha256"]:
        raise EdgesrError("%s is missing or does not match the sha256 in %s" % (weights, path),
                          "retrain, or restore the run folder")
    return record


def run_architecture(folder):
    """The architecture spec of a trained run, a relative file path made absolute."""
    folder = run_folder(folder)
    architecture = read_run(folder)["architecture"]
    path_part, sep, attribute = architecture.rpartition(":") if ".py:" in architecture else (architecture, "", "")
    candidate = Path(folder) / path_part
    if path_part and not os.path.isabs(path_part) and candidate.exists():
        return str(candidate.resolve()) + sep + attribute
    return architecture
