"""Where a model comes from: one resolver for every command, ``resolve(spec) -> ModelSource``.

A spec is one of

* a zoo id: ``eSR-TM_s2_K7_C16`` (the authors' verified weights);
* a user factory in an importable module: ``my_pkg.my_mod:factory``;
* a user factory in a Python file: ``path/to/file.py:factory`` (loaded from that file);
* a run of ``edgesr train``: its folder, its ``model.json`` or its ``.model`` weights file.

A factory spec may carry keyword arguments after ``?``: ``file.py:factory?scale=3&blocks=8`` (values
are Python literals, else strings). The factory contract:

* ``factory(**arguments)`` returns a ``torch.nn.Module`` mapping N×1×H×W float32 luma in [0, 1] to
  N×1×sH×sW (luma only, like the zoo);
* the scale s is the module's integer ``scale`` attribute, else the spec's ``scale=`` argument (passed
  to the factory when it takes a ``scale`` parameter, else only declaring the module's scale);
* optional attributes: ``model_id`` (the label in bundles, stores and reports; default
  ``<factory>_s<scale>`` plus the other arguments), ``family`` (default "user"), and
  ``has_weights = False`` for an architecture that comes untrained (such a spec is refused where
  trained weights are needed: train it with ``edgesr train`` and pass the run instead).

Every user module is run once on a small input when resolved; a broken contract is one EdgesrError line.
"""

import ast
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict
from urllib.parse import parse_qsl

import torch

import edgesr
from edgesr import exporting
from edgesr.models.build import count_parameters, create_model
from edgesr.models.registry import get_config, parse_model_id, resolve_models
from edgesr.weights import load_into
from edgesr_export.description import ModelDescription
from edgesr_runtime.bundle import inside_bundle, sha256_file
from edgesr_runtime.errors import EdgesrError, first_line

KINDS = ("zoo", "user", "trained")
TRAINED_FORMAT = "edgesr-trained/1"
RUN_FILE = "model.json"
WEIGHTS_SUFFIX = ".model"
CONTRACT_INPUT = (2, 1, 16, 12)  # N×1×H×W of the contract check: two images, H ≠ W, multiples of 4
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]*")  # e.g. edgesr train's "eSR-MAX_s2_K3_C2@t91"
CONTRACT_HINT = ("a factory returns an nn.Module mapping N×1×H×W float32 luma in [0, 1] to N×1×sH×sW, with an "
                 "integer `scale` attribute or a `?scale=` argument in the spec (README: Your own models)")


@dataclass
class ModelSource:
    """One resolved model: what it is called, its scale, where it came from, and how to build it."""

    spec: str  # as given
    model_id: str  # the label in bundles, stores and reports; a zoo id only for the zoo model itself
    scale: int
    kind: str  # zoo | user | trained
    family: str
    producer_version: str  # the bundles' resume key: edgesr's version, plus a digest of a non-zoo model
    hyperparameters: Dict[str, object] = field(default_factory=dict)
    parameters: int = None  # learned parameters of a non-zoo model
    metadata: Dict[str, str] = field(default_factory=dict)
    _make: Callable[[], torch.nn.Module] = field(default=None, repr=False)
    _first: torch.nn.Module = field(default=None, repr=False)

    def build(self):
        """The module in eval mode, float32 (a new instance per call, but for the one the resolver checked)."""
        module, self._first = (self._make() if self._first is None else self._first), None
        return module.float().eval()

    def description(self):
        """The ``edgesr_export`` ModelDescription the bundles of this model are written from."""
        if self.kind == "zoo":
            return exporting.describe(self.model_id)
        return ModelDescription(self.model_id, self.family, self.scale, producer_version=self.producer_version,
                                hyperparameters=dict(self.hyperparameters), metadata=dict(self.metadata))

    def record(self):
        """What stores and reports keep about a non-zoo model (payload field ``model_source``)."""
        return {"kind": self.kind, "spec": self.spec, "family": self.family, "scale": self.scale,
                "parameters": self.parameters}


def is_zoo_spec(spec):
    """True when ``spec`` names zoo models (an id or a glob), not a factory or a trained run."""
    return not any(mark in spec for mark in (":", "/", os.sep)) and not os.path.exists(spec) and not spec.endswith(
        (".json", WEIGHTS_SUFFIX))


def expand(text):
    """The specs of a comma-separated ``--models`` value: zoo globs expanded to ids, other specs kept as given."""
    specs = []
    for part in (p.strip() for p in str(text).split(",")):
        if part:
            found = resolve_models(part) if is_zoo_spec(part) else [part]
            specs.extend(s for s in found if s not in specs)
    if not specs:
        raise EdgesrError("no models given", "pass ids, globs or model specs, e.g. --models 'eSR-TM_s2_*'")
    return specs


def resolve_all(text, weights_dir=None, pretrained=True):
    """ModelSources of a comma-separated ``--models`` value; two sources with one label is an error."""
    sources = [resolve(spec, weights_dir, pretrained) for spec in expand(text)]
    seen = {}
    for source in sources:
        if seen.setdefault(source.model_id, source.spec) != source.spec:
            raise EdgesrError("%s and %s both have the model id %r" % (seen[source.model_id], source.spec,
                                                                        source.model_id),
                              "give one of the modules another `model_id` attribute")
    return sources


def resolve(spec, weights_dir=None, pretrained=True):
    """The ModelSource of ``spec`` (see the module docstring); EdgesrError naming the problem otherwise."""
    spec = str(spec).strip()
    if not spec:
        raise EdgesrError("empty model spec", "pass a zoo id, module:factory, file.py:factory or a trained run")
    if is_zoo_spec(spec):
        return _zoo(spec, weights_dir, pretrained)
    if ":" in spec and not os.path.exists(spec):
        return _user(spec, pretrained)
    return _trained(spec, pretrained)


# -- zoo ---------------------------------------------------------------------------------------------


def _zoo(model_id, weights_dir, pretrained):
    config = get_config(model_id)  # did-you-mean error for an unknown id
    return ModelSource(model_id, model_id, config.scale, "zoo", config.family, edgesr.__version__,
                       hyperparameters=dict(config.hyperparameters),
                       _make=lambda: create_model(model_id, pretrained=pretrained, weights_dir=weights_dir))


# -- user factories ------------------------------------------------------------------------------------


def split_factory_spec(spec):
    """(module or file, factory name, keyword arguments) of ``target:factory?key=value&...``."""
    head, _, query = spec.partition("?")
    target, _, name = head.rpartition(":")
    if not target or not name.isidentifier():
        raise EdgesrError("malformed model spec %r" % spec,
                          "write module:factory or path/to/file.py:factory, optionally ?scale=2&key=value")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise EdgesrError("malformed arguments %r in model spec %r" % (query, spec),
                          "write the arguments as ?key=value&key=value") from None
    return target, name, {key: _literal(value) for key, value in pairs}


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _is_file_target(target):
    return target.endswith(".py") or os.sep in target or "/" in target


def load_factory(target, name, spec):
    """The callable ``name`` of the module or file ``target``."""
    if _is_file_target(target):
        path = os.path.abspath(target)
        if not os.path.isfile(path):
            raise EdgesrError("model spec %r: no such file %s" % (spec, target), "check the path before the ':'")
        module_name = "edgesr_user_model_" + hashlib.sha1(path.encode()).hexdigest()[:12]
        module = sys.modules.get(module_name)
        if module is None:
            loader_spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[module_name] = module  # dataclasses and pickling look classes up here
            try:
                loader_spec.loader.exec_module(module)
            except Exception as err:
                del sys.modules[module_name]
                raise EdgesrError("model spec %r: running %s failed: %s: %s" % (spec, target, type(err).__name__,
                                                                                first_line(err)),
                                  "fix the error in that file") from None
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as err:
            raise EdgesrError("model spec %r: cannot import %s (%s)" % (spec, target, first_line(err)),
                              "install the package or add its folder to PYTHONPATH, or give a file path") from None
    factory = getattr(module, name, None)
    if not callable(factory):
        names = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        raise EdgesrError("model spec %r: %s has no callable %r" % (spec, target, name),
                          "use one of: %s" % (", ".join(names[:12]) or "(none defined)"))
    return factory


def _takes_scale(factory):
    """True when ``factory`` accepts a ``scale`` keyword (or any keyword)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "scale" or p.kind == p.VAR_KEYWORD for p in parameters)


def _call(factory, arguments, spec):
    if "scale" in arguments and not _takes_scale(factory):
        arguments = {k: v for k, v in arguments.items() if k != "scale"}  # then ?scale= only declares the scale
    try:
        module = factory(**arguments)
    except EdgesrError:
        raise
    except Exception as err:
        raise EdgesrError("model spec %r: the factory raised %s: %s" % (spec, type(err).__name__, first_line(err)),
                          "check the spec's arguments against the factory's signature") from None
    if not isinstance(module, torch.nn.Module):
        raise EdgesrError("model spec %r: the factory returned %s, expected a torch.nn.Module"
                          % (spec, type(module).__name__), CONTRACT_HINT)
    return module


def module_scale(module, arguments, spec):
    """The scale from the module's ``scale`` attribute, else the spec's ``scale=`` argument."""
    scale = getattr(module, "scale", arguments.get("scale"))
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise EdgesrError("model spec %r: no integer scale (module.scale is %r, spec scale= is %r)"
                          % (spec, getattr(module, "scale", None), arguments.get("scale")), CONTRACT_HINT)
    return scale


def check_contract(module, scale, what):
    """Run ``module`` on a small N×1×H×W input in [0, 1]; EdgesrError unless N×1×sH×sW finite float32 comes out."""
    n, c, h, w = CONTRACT_INPUT
    expected = (n, c, h * scale, w * scale)
    inputs = torch.rand(CONTRACT_INPUT, generator=torch.Generator().manual_seed(0))
    try:
        with torch.inference_mode():
            out = module.float().eval()(inputs)
    except Exception as err:
        raise EdgesrError("%s fails on a %s float32 luma input: %s: %s" % (what, "×".join(map(str, CONTRACT_INPUT)),
                                                                       type(err).__name__, first_line(err)),
                          CONTRACT_HINT) from None
    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    if got != expected:
        raise EdgesrError("%s maps a %s input to %s, expected %s (scale %d, 1 luma channel)"
                          % (what, "×".join(map(str, CONTRACT_INPUT)),
                             "×".join(map(str, got)) if isinstance(got, tuple) else "a " + got,
                             "×".join(map(str, expected)), scale), CONTRACT_HINT)
    if out.dtype != torch.float32 or not bool(torch.isfinite(out).all()):
        raise EdgesrError("%s gives %s output on a [0, 1] input" % (what, "non-finite" if out.dtype == torch.float32
                                                                   else str(out.dtype)), CONTRACT_HINT)


def _label(module, name, arguments, scale, spec):
    label = getattr(module, "model_id", None)
    if label is None:
        extra = "".join("_%s%s" % (k, v) for k, v in sorted(arguments.items()) if k != "scale")
        label = "%s_s%d%s" % (name, scale, extra)
    return checked_label(str(label), spec)


def checked_label(label, spec):
    """``label`` when it can name files and is no zoo id; EdgesrError otherwise."""
    if not LABEL.fullmatch(label):
        raise EdgesrError("model spec %r: model id %r is not usable in file names" % (spec, label),
                          "use letters, digits and . _ + @ - only")
    if parse_model_id(label) is not None:
        raise EdgesrError("model spec %r: model id %r has the form of a zoo id, but the model is not the zoo's"
                          % (spec, label), "give it another label (e.g. add a suffix like -mine)")
    return label


def _digest(module):
    """A short digest of a module's architecture and weights (part of its bundles' resume key)."""
    digest = hashlib.sha256(repr(module).encode())
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def _reset(module):
    """Fresh initial weights: every layer's own ``reset_parameters``."""
    for layer in module.modules():
        if callable(getattr(layer, "reset_parameters", None)):
            layer.reset_parameters()
    return module


def _user(spec, pretrained):
    target, name, arguments = split_factory_spec(spec)
    factory = load_factory(target, name, spec)
    module = _call(factory, arguments, spec)
    scale = module_scale(module, arguments, spec)
    untrained = getattr(module, "has_weights", True) is False
    if pretrained and untrained:
        raise EdgesrError("model spec %r is an untrained architecture (has_weights = False), so it has no weights "
                          "to export, bench or evaluate" % spec,
                          "train it first: edgesr train --model '%s' --data DIR --out RUN, then pass RUN" % spec)
    check_contract(module, scale, "model spec %r" % spec)
    if not pretrained and not untrained:
        _reset(module)

    def make():
        fresh = _call(factory, arguments, spec)
        return fresh if pretrained or untrained else _reset(fresh)

    family = str(getattr(module, "family", "user"))
    return ModelSource(spec, _label(module, name, arguments, scale, spec), scale, "user", family,
                       "%s+%s" % (edgesr.__version__, _digest(module)),
                       hyperparameters=dict(arguments), parameters=count_parameters(module),
                       metadata={"source": "user", "spec": spec}, _make=make, _first=module)


def from_module(module, scale=None, model_id=None, family=None):
    """A ModelSource of an in-memory module (the Python API): scale, label and family as for a factory's
    module, or given here. Commands that re-resolve in worker processes need a spec instead."""
    what = "module %s" % type(module).__name__
    if not isinstance(module, torch.nn.Module):
        raise EdgesrError("%s is not a torch.nn.Module" % what, CONTRACT_HINT)
    if scale is None:
        scale = module_scale(module, {}, what)
    elif isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise EdgesrError("%s: scale %r is not a positive integer" % (what, scale), CONTRACT_HINT)
    check_contract(module, scale, what)
    label = model_id or getattr(module, "model_id", None) or "%s_s%d" % (type(module).__name__, scale)
    spec = "<%s>" % what
    return ModelSource(spec, checked_label(str(label), spec), scale, "user",
                       str(family or getattr(module, "family", "user")),
                       "%s+%s" % (edgesr.__version__, _digest(module)), parameters=count_parameters(module),
                       metadata={"source": "user", "spec": spec}, _make=lambda: module)


# -- trained runs ------------------------------------------------------------------------------------


def run_file(spec):
    """The model.json of a trained-run spec (its folder, its model.json or its weights file)."""
    if os.path.isdir(spec):
        path = os.path.join(spec, RUN_FILE)
    elif spec.endswith(WEIGHTS_SUFFIX):
        path = os.path.join(os.path.dirname(os.path.abspath(spec)), RUN_FILE)
    else:
        path = spec
    if not os.path.isfile(path):
        raise EdgesrError("model spec %r: %s not found" % (spec, path if os.path.exists(spec) else spec),
                          "pass a zoo id, module:factory, file.py:factory, or the folder written by `edgesr train`")
    return path


def read_run(path, spec):
    """The model.json record of a trained run, checked field by field."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError) as err:
        raise EdgesrError("cannot read trained run %s: %s" % (path, err),
                          "pass the model.json written by `edgesr train`") from None
    if not isinstance(record, dict) or record.get("format") != TRAINED_FORMAT:
        raise EdgesrError("%s is not a trained run (format %r, expected %r)"
                          % (path, record.get("format") if isinstance(record, dict) else None, TRAINED_FORMAT),
                          "pass the model.json written by `edgesr train`")
    for key, kind in (("model_id", str), ("architecture", str), ("scale", int), ("weights", str), ("sha256", str)):
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            raise EdgesrError("%s: field %r is %r, expected %s" % (path, key, record.get(key), kind.__name__),
                              "re-run `edgesr train` to rewrite it")
    if spec.endswith(WEIGHTS_SUFFIX) and os.path.basename(spec) != record["weights"]:
        raise EdgesrError("%s belongs to no run: %s names the weights %r" % (spec, path, record["weights"]),
                          "pass the run folder instead")
    return record


def _architecture_spec(architecture, folder):
    """A trained run's architecture spec with its file path made absolute (stored relative to the run folder)."""
    head, mark, query = architecture.partition("?")
    target, _, name = head.rpartition(":")
    if target and _is_file_target(target) and not os.path.isabs(target):
        return "%s:%s%s%s" % (os.path.join(folder, target), name, mark, query)
    return architecture


def load_weights(module, folder, record, path):
    """Load the run's weights into ``module``: sha256 first, then ``torch.load(weights_only=True)``."""
    weights = inside_bundle(folder, record["weights"])  # a path escaping the run folder is refused
    if not os.path.isfile(weights):
        raise EdgesrError("%s names the weights %s, which is missing" % (path, weights),
                          "copy the whole run folder, or re-run `edgesr train`")
    digest = sha256_file(weights)
    if digest != record["sha256"].lower():
        raise EdgesrError("%s does not match the sha256 in %s (%s..., expected %s...)"
                          % (weights, path, digest[:12], record["sha256"][:12]),
                          "the file changed or is damaged: re-run `edgesr train` or restore it")
    load_into(module, weights, record["architecture"],
              "the run's architecture and weights disagree: re-run `edgesr train`")
    return module


def _trained(spec, pretrained):
    path = run_file(spec)
    record = read_run(path, spec)
    folder = os.path.dirname(os.path.abspath(path))
    architecture = resolve(_architecture_spec(record["architecture"], folder), pretrained=False)
    if architecture.scale != record["scale"]:
        raise EdgesrError("%s: scale %d, but its architecture %s has scale %d"
                          % (path, record["scale"], record["architecture"], architecture.scale),
                          "re-run `edgesr train`")
    model_id = checked_label(record["model_id"], spec)

    def make():
        module = architecture.build()
        return load_weights(module, folder, record, path) if pretrained else module

    module = make()
    check_contract(module, architecture.scale, "trained run %s" % spec)
    hyperparameters = dict(architecture.hyperparameters, architecture=record["architecture"])
    return ModelSource(spec, model_id, architecture.scale, "trained", architecture.family,
                       "%s+%s" % (edgesr.__version__, record["sha256"][:12]), hyperparameters=hyperparameters,
                       parameters=count_parameters(module),
                       metadata={"source": "trained", "spec": spec, "architecture": record["architecture"],
                                 "weights_sha256": record["sha256"]},
                       _make=make, _first=module)
