"""Read and write edgesr bundles (schema ``edgesr-bundle/1``): manifest, file hashes, golden data.

A bundle is one folder per (model, target); docs/bundle-format.md is the reference. This module
needs only the standard library and numpy, so the device can verify and read bundles without torch.
"""

import datetime
import hashlib
import json
import os
import zipfile

import numpy as np

from . import golden_summary
from .errors import EdgesrError
from .files import write_json  # noqa: F401 - bundle_io.write_json: manifests and sidecars, atomically

SCHEMA = "edgesr-bundle/1"
MANIFEST = "manifest.json"
GOLDEN = "golden.npz"
README = "README.md"
PRECISIONS = ("fp32", "fp16", "int8")


class BundleIntegrityError(EdgesrError):
    """One or more bundle files are missing, truncated or modified (sha256 mismatch)."""

    exit_code = 3

    def __init__(self, bundle_dir, problems):
        self.problems = list(problems)
        super(BundleIntegrityError, self).__init__(
            "bundle %s failed its sha256 check: %s" % (bundle_dir, "; ".join(self.problems)),
            "copy the bundle again (rsync -a / scp -r) or re-export it with `edgesr export`",
        )


# -- files ---------------------------------------------------------------------------------------


def sha256_file(path):
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path):
    """``{"sha256": ..., "bytes": ...}`` of one file, as listed in the manifest's ``files``."""
    return {"sha256": sha256_file(path), "bytes": os.path.getsize(path)}


def utc_now():
    """Now as ISO-8601 UTC text, e.g. 2026-11-21T10:00:00Z."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def inside_bundle(bundle_dir, name):
    """``bundle_dir/name`` when ``name`` is a relative path that stays inside the bundle; EdgesrError otherwise.

    A manifest names its files relative to the bundle; an absolute path or one that climbs out with
    ``..`` (or through a link) would make check and bench read a file that was never hashed.
    """
    bundle_dir = str(bundle_dir)
    fix = "re-export the bundle; manifests list files relative to the bundle folder"
    if not isinstance(name, str) or not name or os.path.isabs(name) or os.path.splitdrive(name)[0]:
        raise EdgesrError("%s names the file %r, which is not a path inside the bundle"
                          % (manifest_path(bundle_dir), name), fix)
    path = os.path.join(bundle_dir, name)
    root = os.path.realpath(bundle_dir)
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise EdgesrError("%s names the file %r, which lies outside the bundle" % (manifest_path(bundle_dir), name),
                          fix)
    return path


def manifest_file_names(manifest):
    """Every file name a manifest refers to: its ``files`` keys, artifact files and the golden file."""
    names = list(manifest.get("files", {}) or {})
    names += [a.get("file") for a in manifest.get("artifacts", []) or [] if isinstance(a, dict)]
    golden = manifest.get("golden")
    if isinstance(golden, dict) and "file" in golden:
        names.append(golden["file"])
    return names


def file_problems(bundle_dir, files):
    """Human-readable problems of the ``files`` map: missing, truncated, grown or modified files."""
    problems = []
    for name in sorted(files):
        expected = files[name]
        path = inside_bundle(bundle_dir, name)
        if not os.path.isfile(path):
            problems.append("%s is missing" % name)
            continue
        size = os.path.getsize(path)
        if size != expected.get("bytes", size):
            what = "truncated" if size < expected["bytes"] else "longer than exported"
            problems.append("%s is %s (%d bytes, expected %d)" % (name, what, size, expected["bytes"]))
        elif sha256_file(path) != expected["sha256"]:
            problems.append("%s was modified (sha256 mismatch)" % name)
    return problems


# -- manifest ------------------------------------------------------------------------------------


def manifest_path(bundle_dir):
    return os.path.join(str(bundle_dir), MANIFEST)


def load_manifest(bundle_dir):
    """The parsed manifest of a bundle; EdgesrError when the folder is not a readable bundle."""
    bundle_dir = str(bundle_dir)
    path = manifest_path(bundle_dir)
    if not os.path.isdir(bundle_dir):
        raise EdgesrError("bundle folder %s does not exist" % bundle_dir, "pass the folder written by `edgesr export`")
    if not os.path.isfile(path):
        raise EdgesrError("%s has no %s, so it is not an edgesr bundle" % (bundle_dir, MANIFEST),
                          "pass the folder written by `edgesr export`, e.g. edgesr-bundles/eSR-TM_s2_K7_C16-rpi")
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except ValueError as err:
        raise EdgesrError("%s is not valid JSON (%s)" % (path, err), "copy the bundle again or re-export it")
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    if schema != SCHEMA:
        raise EdgesrError("%s has schema %r; this edgesr_runtime reads %r" % (path, schema, SCHEMA),
                          "use the edgesr_runtime version that matches the exporter")
    for name in manifest_file_names(manifest):
        inside_bundle(bundle_dir, name)
    return manifest


def save_manifest(bundle_dir, manifest):
    write_json(manifest_path(bundle_dir), manifest)


def verify_bundle(bundle_dir, manifest=None):
    """Check every file listed in the manifest (size + sha256); BundleIntegrityError on any problem."""
    manifest = manifest if manifest is not None else load_manifest(bundle_dir)
    problems = file_problems(str(bundle_dir), manifest.get("files", {}))
    if problems:
        raise BundleIntegrityError(bundle_dir, problems)
    return manifest


def refresh_files(bundle_dir, manifest, names):
    """Record (or drop, when the file is gone) the sha256 of ``names`` in the manifest's ``files``."""
    files = manifest.setdefault("files", {})
    for name in names:
        path = inside_bundle(bundle_dir, name)
        if os.path.isfile(path):
            files[name] = file_record(path)
        else:
            files.pop(name, None)
    return manifest


def artifact_file(bundle_dir, artifact):
    """The path of an artifact's file, refused when the manifest points outside the bundle."""
    return inside_bundle(bundle_dir, artifact["file"])


def find_artifact(manifest, name):
    """The artifact entry called ``name`` (e.g. "tflite-int8"); EdgesrError listing the others."""
    for artifact in manifest.get("artifacts", []):
        if artifact.get("name") == name:
            return artifact
    names = ", ".join(a.get("name", "?") for a in manifest.get("artifacts", []))
    raise EdgesrError("the bundle has no artifact %r" % name, "use one of: %s" % names)


# -- golden data ---------------------------------------------------------------------------------


KINDS = ("image", "random")
GOLDEN_FORMAT = 2  # 1: full float32 outputs (still read); 2: border band + sampled pixels + tile statistics


class GoldenSample(object):
    """One golden input (N×1×h×w float32 in [0, 1]) with the PyTorch output, its source and kind.

    ``kind`` is "image" (real-image mosaic) or "random" (uniform noise: a stress test outside the
    data a calibrated INT8 model was made for). ``output`` is the whole N×1×H×W reference output
    (format 1, or a format-2 output small enough to be kept whole), else None; ``summary`` is the
    golden_summary.OutputSummary of format 2, else None.
    """

    __slots__ = ("index", "input", "output", "source", "kind", "summary")

    def __init__(self, index, input, output, source, kind="image", summary=None):
        self.index, self.input, self.output, self.source, self.kind = index, input, output, source, kind
        self.summary = summary

    @property
    def shape(self):
        return tuple(self.input.shape)

    def reference(self, n):
        """What frame ``n``'s output is compared with: the whole output when known, else its summary."""
        if self.output is not None:
            return self.output[n:n + 1]
        return self.summary.frame(n)


def save_golden(path, inputs_u8, outputs, sources, kinds, seeds=None):
    """Write golden.npz in format 2 (see docs/bundle-format.md): per sample ``i`` the uint8 input
    (value = u8 / 255, exact on every machine; stored as row deltas) or, when ``seeds[i]`` is given, the seed it is
    regenerated from; and the golden_summary.OutputSummary of the float32 output.

    Samples may differ in size (a dynamic ONNX is also checked at an odd size).
    """
    seeds = list(seeds) if seeds is not None else [None] * len(inputs_u8)
    if not (len(inputs_u8) == len(outputs) == len(sources) == len(kinds) == len(seeds)):
        raise ValueError("inputs, outputs, sources, kinds and seeds differ in length")
    if set(kinds) - set(KINDS):
        raise ValueError("golden kinds must be among %s" % (KINDS,))
    arrays = {"format": np.array(GOLDEN_FORMAT), "sources": np.array([str(s) for s in sources]),
              "kinds": np.array([str(k) for k in kinds])}
    for i, (x, y, seed) in enumerate(zip(inputs_u8, outputs, seeds)):
        if x.dtype != np.uint8 or x.ndim != 4 or y.ndim != 4:
            raise ValueError("golden sample %d: want uint8 N×1×h×w input and N×1×H×W output" % i)
        if seed is not None:
            if x.shape[0] != 1 or not np.array_equal(x[0, 0], golden_summary.random_frame(seed, *x.shape[2:])):
                raise ValueError("golden sample %d is not the random frame of seed %s" % (i, seed))
            arrays.update({"input_seed_%d" % i: np.array(seed), "input_shape_%d" % i: np.array(x.shape),
                           "input_sha256_%d" % i: np.array(golden_summary.sha256_of(x))})
        else:
            arrays["input_deltas_%d" % i] = golden_summary.row_deltas(x)
        summary = golden_summary.OutputSummary.of(y, seed=i)
        arrays["output_shape_%d" % i] = np.array(summary.shape)
        arrays["layout_%d" % i] = np.array([summary.border, summary.tile, summary.seed, summary.count])
        arrays["positions_sha256_%d" % i] = np.array(golden_summary.sha256_of(summary.positions))
        arrays.update({"%s_%d" % (field, i): getattr(summary, field) for field in summary.FIELDS})
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def golden_input(inputs_u8):
    """The float32 model input a stored uint8 golden input stands for."""
    return inputs_u8.astype(np.float32) / np.float32(255.0)


def _regenerated(what, array, digest):
    if golden_summary.sha256_of(array) != str(digest):
        raise EdgesrError("this numpy (%s) does not regenerate the golden %s of the bundle" % (np.__version__, what),
                          "check with the numpy the bundle was exported with, or re-export the bundle")
    return array


def _sample_v2(data, i, source, kind):
    if "input_deltas_%d" % i in data:
        x = golden_summary.from_row_deltas(data["input_deltas_%d" % i])
    else:
        shape = tuple(int(d) for d in data["input_shape_%d" % i])
        frame = golden_summary.random_frame(int(data["input_seed_%d" % i]), shape[2], shape[3])
        x = _regenerated("random input %d" % i, frame.reshape(shape), data["input_sha256_%d" % i])
    border, tile, seed, count = (int(v) for v in data["layout_%d" % i])
    summary = golden_summary.OutputSummary(data["output_shape_%d" % i], border, tile, seed, count,
                                           *(data["%s_%d" % (f, i)] for f in golden_summary.OutputSummary.FIELDS))
    _regenerated("pixel positions %d" % i, summary.positions, data["positions_sha256_%d" % i])
    return GoldenSample(i, golden_input(x), summary.full(), source, kind, summary)


def load_golden(path):
    """The golden samples of a golden.npz (format 1 or 2); EdgesrError when the file cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as data:
            sources = [str(s) for s in data["sources"]]
            kinds = [str(k) for k in data["kinds"]]
            version = int(data["format"]) if "format" in data else 1
            if version == 1:
                samples = [GoldenSample(i, golden_input(data["input_%d" % i]), data["output_%d" % i], sources[i],
                                        kinds[i]) for i in range(len(sources))]
            elif version == GOLDEN_FORMAT:
                samples = [_sample_v2(data, i, sources[i], kinds[i]) for i in range(len(sources))]
            else:
                raise EdgesrError("golden data %s has format %d; this edgesr_runtime reads formats 1-%d"
                                  % (path, version, GOLDEN_FORMAT), "update edgesr_runtime on this device")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise EdgesrError("cannot read golden data %s (%s: %s)" % (path, type(err).__name__, err),
                          "the file is truncated or damaged; copy the bundle again or re-export it")
    return samples


def fits(shape, sample_shape):
    """True when a concrete NCHW shape fits an artifact input shape (None / null dims match anything)."""
    return len(shape) == len(sample_shape) and all(w is None or w == g for w, g in zip(shape, sample_shape))


# -- choosing an artifact (bench, check) ---------------------------------------------------------


def select_artifact(bundle_dir, manifest, runtime=None, precision=None):
    """The first artifact of ``manifest`` that matches runtime and precision, is present and not invalid.

    Used by the harness when a bundle is measured with a named runtime or precision.
    """
    candidates = [a for a in manifest.get("artifacts", [])
                  if (not runtime or a.get("runtime") == runtime) and (not precision or a.get("precision") == precision)
                  and os.path.isfile(artifact_file(bundle_dir, a)) and a.get("valid") is not False]
    if not candidates:
        listing = ", ".join("%s (%s)" % (a.get("name"), artifact_status(a)) for a in manifest.get("artifacts", []))
        raise EdgesrError("no artifact in %s matches runtime=%s precision=%s" % (bundle_dir, runtime, precision),
                          "artifacts: %s" % listing)
    return candidates[0]


def artifact_status(artifact):
    """"valid", "invalid", "pending" (built on the device) or "failed" (the exporter could not make it)."""
    if artifact.get("status") in ("pending", "failed"):
        return artifact["status"]
    return {True: "valid", False: "invalid"}.get(artifact.get("valid"), "unchecked")
