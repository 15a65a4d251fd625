"""Export one (module, target) bundle: golden data, artifacts, parity gate, manifest, README.

The caller builds the PyTorch module and describes it (``ModelDescription``); this module never
looks models up. The bundle is written into a hidden ``.<name>.<random>.partial`` folder (its own per
process, so two exports of the same model never share one) and renamed into
place when done, so an interrupted run never leaves a bundle that looks complete.
"""

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime import check as check_mod
from edgesr_runtime import files
from edgesr_runtime.errors import EdgesrError

from edgesr_export import (deployment, filterbank_export, fp16_scan, golden, int8_choice, int8_quality, onnx_export,
                           tflite_export)
from edgesr_export.capture import quiet
from edgesr_export.description import ModelDescription
from edgesr_export.images import calibration_inputs
from edgesr_export.manifest import new_manifest, options_record
from edgesr_export.readme import render
from edgesr_export.resolution import input_size
from edgesr_export.targets import get_target, resolve_options, select_artifacts


@dataclass
class Job:
    """Everything the artifact producers share for one bundle."""

    description: ModelDescription
    target: object
    options: dict
    module: object
    folder: Path
    lr_height: int
    lr_width: int
    samples: list
    manifest: dict
    entries: dict = field(default_factory=dict)
    filter_bank: object = None  # the model as an edgesr_runtime.filterbank.FilterBank, when it is one

    def path(self, name):
        return self.folder / name


@dataclass
class BundleReport:
    """What happened to one bundle (the batch report and the results store read this)."""

    model_id: str
    target: str
    path: str
    status: str  # exported | skipped | failed
    valid: bool = False
    artifacts: List[dict] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    error: Optional[str] = None
    seconds: float = 0.0


# -- producers: one per ArtifactSpec.producer ----------------------------------------------------


def _graph(job, runtime):
    """(module to convert, its artifact facts) for ``runtime`` under the ``graph`` option."""
    module, rewrites = deployment.graph_for(job.module, runtime, job.options["graph"])
    return module, {"graph": job.options["graph"] if rewrites else "reference", "graph_rewrites": list(rewrites)}


def _onnx(job, spec):
    module, graph = _graph(job, "onnxruntime")  # the ONNX file is what TensorRT builds from too
    facts = onnx_export.export_onnx(
        module, job.path(spec.file), job.lr_height, job.lr_width, job.description.scale,
        onnx_export.metadata_props(job.description),
        dynamic=job.options.get("dynamic", False), opset=job.options["opset"])
    if "fp16_range" in job.target.checks:
        inputs = [s.input for s in job.samples] + calibration_inputs(
            job.description.scale, job.lr_height, job.lr_width, job.options["calibration"])
        report = fp16_scan.scan(job.path(spec.file), inputs)
        job.manifest["fp16_check"] = report
        if not report["passed"]:
            job.manifest["warnings"].append("FP16 range check failed: %s; build-engine will refuse FP16" %
                                            report["summary"])
    return dict(facts, **graph)


def _tflite_fp32(job, spec):
    module, graph = _graph(job, "litert")
    facts = tflite_export.convert_fp32(module, job.path(spec.file), job.lr_height, job.lr_width,
                                       job.description.scale, layout=job.options["layout"])
    return dict(facts, **graph)


def _tflite_fp16(job, spec):
    source = job.entries["tflite-fp32"]
    facts = tflite_export.convert_fp16(job.path(source["file"]), job.path(spec.file))
    return dict(_shape_facts(source), **facts)


def _tflite_int8(job, spec):
    """The first INT8 recipe (``int8_recipes`` order) whose PSNR drop is within ``int8_max_drop`` and that passes
    the artifact's parity check."""
    source = job.entries["tflite-fp32"]
    calibration = calibration_inputs(job.description.scale, job.lr_height, job.lr_width, job.options["calibration"])

    size = (job.description.scale, job.lr_height, job.lr_width, job.options["validation"])
    reference = []  # the FP32 side, computed for the first candidate and reused by the others

    def measure(candidate):
        with quiet():
            reference[:] = reference or int8_quality.fp32_reference(job.module, *size)
            return int8_quality.psnr_drop(job.module, candidate, source["layout"], *size, reference=reference)

    def parity(candidate):
        with quiet():
            return _parity_problem(job, spec, source, candidate)

    facts = int8_choice.choose(job.path(source["file"]), job.path(spec.file), calibration, source["layout"], measure,
                               recipes=job.options["int8_recipes"], max_drop_db=job.options["int8_max_drop"],
                               parity=parity)
    return dict(_shape_facts(source), **facts)


def _parity_problem(job, spec, source, candidate):
    """None, or why an INT8 candidate fails the parity check its artifact will face (the golden inputs, random
    ones included: a quantised softmax can divide by zero there)."""
    entry = dict(_shape_facts(source), name=spec.name, file=os.path.basename(candidate), format=spec.format,
                 runtime=spec.runtime, precision=spec.precision, status="ok")
    result = check_mod.check_artifact(str(job.folder), entry, job.samples)
    return None if result["status"] == check_mod.PASS else result["reason"]


def _engine_plan(job, spec):
    source = job.entries[spec.requires[0]]
    return dict(_shape_facts(source), status="pending", source=source["name"],
                build="python3 -m edgesr_runtime build-engine BUNDLE %s" % (
                    "--fp16" if spec.precision == "fp16" else "--no-fp16"))


def _shape_facts(entry):
    keys = ("layout", "input_name", "output_name", "input_shape", "output_shape", "file_input_shape",
            "file_output_shape", "graph", "graph_rewrites")
    return {k: entry[k] for k in keys if k in entry}


PRODUCERS = {"onnx": _onnx, "tflite_fp32": _tflite_fp32, "tflite_fp16": _tflite_fp16, "tflite_int8": _tflite_int8,
             "engine_plan": _engine_plan, "filterbank": filterbank_export.produce}


# -- one artifact --------------------------------------------------------------------------------


def _make_artifact(job, spec, log):
    entry = {"name": spec.name, "file": spec.file, "format": spec.format, "runtime": spec.runtime,
             "precision": spec.precision, "on_device": spec.on_device}
    missing = [r for r in spec.requires if job.entries.get(r, {}).get("status") != "ok"]
    if missing:
        return dict(entry, status="failed", valid=False, error="needs %s, which failed" % ", ".join(missing))
    try:
        entry.update(PRODUCERS[spec.producer](job, spec))
    except Exception as err:  # noqa: BLE001 - a converter failure must not stop the other artifacts
        reason = "%s: %s" % (type(err).__name__, str(err).strip().splitlines()[0][:300] if str(err).strip() else "")
        log("  %s failed: %s" % (spec.name, reason))
        job.path(spec.file).unlink(missing_ok=True)  # never ship half a file
        return dict(entry, status="failed", valid=False, error=reason,
                    converter_log=getattr(err, "converter_log", "")[-2000:])
    if entry.setdefault("status", "ok") == "pending":
        entry["valid"] = None
        return entry
    with quiet():  # runtimes print delegate banners
        result = check_mod.check_artifact(str(job.folder), entry, job.samples)
    entry["parity"] = check_mod.parity_record(result)
    entry["valid"] = result["status"] == check_mod.PASS
    if result["status"] != check_mod.PASS:
        log("  %s %s: %s" % (spec.name, result["status"], result["reason"]))
    if spec.precision == "int8":
        _int8_quality(job, entry, log)
    return entry


def _int8_quality(job, entry, log):
    """The quality gate of an INT8 artifact: its PSNR drop (measured while choosing the recipe) against the limit."""
    quantization = entry["quantization"]
    drop, choice = quantization["psnr"], quantization["choice"]
    tried = ", ".join("%s %s%s" % (t["recipe"], "%.2f dB" % t["drop_db"] if "drop_db" in t else
                                        "skipped" if "skipped" in t else "failed",
                                        " but fails parity" if t.get("parity_failed") else "")
                      for t in choice["tried"])
    log("  %s: recipe %s, PSNR drop %.3f dB (tried: %s)" % (entry["name"], quantization["recipe"], drop["drop_db"],
                                                           tried))
    if drop["warning"]:
        job.manifest["warnings"].append(
            "INT8 costs %.2f dB PSNR against FP32 (%.2f -> %.2f dB on %s), above the %.1f dB warning level" % (
                drop["drop_db"], drop["fp32_psnr_db"], drop["int8_psnr_db"], drop["set"], drop["warn_above_db"]))
    if not choice["passed"]:
        reason = "INT8 PSNR drop %.2f dB is above the %.2f dB limit with every recipe tried (%s)" % (
            drop["drop_db"], choice["max_drop_db"], tried)
        entry["valid"] = False
        entry["parity"]["passed"] = False
        entry["parity"]["reason"] = "; ".join(r for r in (entry["parity"].get("reason"), reason) if r)
        log("  %s refused: %s" % (entry["name"], reason))


# -- one bundle ----------------------------------------------------------------------------------


def bundle_name(model_id, target_name):
    return "%s-%s" % (model_id, target_name)


def is_done(folder, options, version):
    """True when ``folder`` holds a complete, valid bundle made with these resolved options and producer
    ``version`` (resume skips it)."""
    try:
        manifest = bundle_io.load_manifest(folder)
        if manifest.get("status") != "complete" or manifest.get("valid") is not True:
            return False
        if not _same_bundle(manifest, options_record(options)) or manifest.get("edgesr_version") != version:
            return False
        bundle_io.verify_bundle(folder, manifest)
    except EdgesrError:
        return False
    return True


def _same_bundle(manifest, wanted):
    """True when the manifest's options make the bundle ``wanted`` would: the same options, or the same but for
    INT8 recipes appended after the one every INT8 choice of the bundle stopped at (they would not be tried,
    so a release that adds a fallback recipe does not redo finished bundles)."""
    recorded = manifest.get("options") or {}
    if recorded == wanted:
        return True
    old, new = (str(o.get("int8_recipes", "")).split(",") for o in (recorded, wanted))
    if dict(recorded, int8_recipes=wanted.get("int8_recipes")) != wanted or new[:len(old)] != old:
        return False
    choices = [a.get("quantization", {}).get("choice") for a in manifest.get("artifacts", [])
               if a.get("precision") == "int8"]
    return all(c and c.get("passed") for c in choices)


def complete_bundle(description, target, out_dir, options=None):
    """The "skipped" BundleReport of ``out_dir/<model_id>-<target>`` when that bundle is complete, valid and
    made with these options by this ``producer_version``, else None. Needs no module and no converter."""
    target = get_target(target)
    folder = Path(out_dir) / bundle_name(description.model_id, target.name)
    if is_done(folder, resolve_options(target, options), description.producer_version):
        return BundleReport(description.model_id, target.name, str(folder), "skipped", valid=True)
    return None


def _finish(job, name):
    manifest = job.manifest
    manifest["artifacts"] = list(job.entries.values())
    checked = [a for a in manifest["artifacts"] if a.get("status") != "pending"]
    manifest["valid"] = bool(checked) and all(a.get("valid") for a in checked)
    manifest["status"] = "complete"
    files.write_text(job.folder / bundle_io.README, render(manifest, name))
    shipped = [a["file"] for a in manifest["artifacts"] if a.get("status") == "ok"]
    bundle_io.refresh_files(job.folder, manifest, shipped + [bundle_io.GOLDEN, bundle_io.README])
    bundle_io.save_manifest(job.folder, manifest)


def _write_golden(job, samples):
    inputs_u8, sources, kinds, seeds = (list(column) for column in zip(*samples))
    outputs = golden.reference_outputs(job.module, inputs_u8)
    bundle_io.save_golden(job.path(bundle_io.GOLDEN), inputs_u8, outputs, sources, kinds, seeds)
    bundle_io.load_golden(str(job.path(bundle_io.GOLDEN)))  # reads back, random inputs regenerated
    # the export gate compares every pixel; the device re-checks against the file's summary
    job.samples = [bundle_io.GoldenSample(i, bundle_io.golden_input(x), y, source, kind)
                   for i, (x, y, source, kind) in enumerate(zip(inputs_u8, outputs, sources, kinds))]
    job.manifest["golden"] = {"file": bundle_io.GOLDEN, "format": bundle_io.GOLDEN_FORMAT, "count": len(sources),
                              "sources": sources, "kinds": kinds,
                              "shapes": [list(x.shape) for x in inputs_u8], "reference": "PyTorch FP32 (CPU)"}


def _move_into_place(work, final):
    """Replace ``final`` by the finished ``work`` folder; files get the mode any new file gets (never 0600
    or executable, whatever a converter wrote). When another export of the same bundle finished first,
    its bundle is replaced by this one (both are complete)."""
    os.chmod(work, files.FOLDER_MODE)
    for path in work.iterdir():
        os.chmod(path, files.FILE_MODE if path.is_file() else files.FOLDER_MODE)
    shutil.rmtree(final, ignore_errors=True)
    try:
        os.replace(work, final)
    except OSError:  # another process put ``final`` back between the two lines above
        shutil.rmtree(final, ignore_errors=True)
        os.replace(work, final)


def export_bundle(module, description, target, out_dir, options=None, force=False, log=None):
    """Export ``module`` for ``target`` into ``out_dir/<model_id>-<target>``; returns a BundleReport.

    ``module`` is any PyTorch module in eval mode mapping a 1x1xHxW float32 input in [0, 1] to
    1x1x(sH)x(sW), s = ``description.scale``. ``options`` holds only what the user set (see
    targets.OPTIONS). Bad input (unknown target or option, a resolution the scale does not divide)
    raises EdgesrError before any work. A complete bundle with the same options and producer
    version is kept and reported "skipped" unless ``force``.
    """
    log = log or (lambda message: None)
    started = time.time()
    target = get_target(target)
    resolved = resolve_options(target, options)
    lr_height, lr_width = input_size(resolved["resolution"], description.scale)
    done = None if force else complete_bundle(description, target.name, out_dir, options)
    if done is not None:
        return done
    name = bundle_name(description.model_id, target.name)
    final = Path(out_dir) / name
    files.ensure_folder(out_dir)
    work = Path(tempfile.mkdtemp(dir=str(out_dir), prefix=".%s." % name, suffix=".partial"))
    try:
        parameters = sum(p.numel() for p in module.parameters())
        manifest = new_manifest(description, target, resolved, parameters, lr_height, lr_width)
        job = Job(description, target, resolved, module, work, lr_height, lr_width, [], manifest,
                  filter_bank=deployment.filter_bank_of(module, resolved["graph"]))
        _write_golden(job, golden.golden_inputs(description.scale, lr_height, lr_width, resolved["golden"],
                                                dynamic=resolved.get("dynamic", False)))
        for spec in select_artifacts(target, resolved["precision"]):
            if spec.producer == "filterbank" and job.filter_bank is None:
                continue  # only modules that are a bank of filters on the LR image have this form
            job.entries[spec.name] = _make_artifact(job, spec, log)
        _finish(job, name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _move_into_place(work, final)
    return BundleReport(description.model_id, target.name, str(final), "exported", valid=manifest["valid"],
                        artifacts=manifest["artifacts"], warnings=manifest["warnings"],
                        seconds=round(time.time() - started, 2))
