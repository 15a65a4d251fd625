"""Outputs of bundle artifacts on their golden inputs, saved per machine, and the max |diff| between two machines.

    python3 arm64_outputs.py run OUT.npz BUNDLE...     # every artifact an installed runtime can run
    python3 arm64_outputs.py compare X86.npz ARM.npz...  # table: max |x86 - aarch64| per artifact

Needs only numpy and edgesr_runtime (it runs inside the emulated arm64 root and under Python 3.8).
The compare step fails when a valid artifact's outputs differ by more than its precision's kernels can
explain (see LIMIT), or when it ran in the reference run but not in the others. Artifacts marked
invalid at export are compared too; their differences and errors are shown, not counted.
"""

import json
import os
import sys

import numpy as np

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import MissingBackendError
from edgesr_runtime.runners import open_runner
from edgesr_runtime.runners.base import first_line

# Outputs are in [0, 1]. Different SIMD kernels (NEON vs AVX) change the summation order of each
# convolution: for float32 that moves a result by a few ulp per accumulated term (~1e-6 for these
# small networks). Quantized (INT8) artifacts may land one quantization step (1/255) apart when a
# requantization rounds differently. The limit is well above both and far below a visible error.
# Not so an INT8 file whose activations are quantised at run time (the dynamic recipes): each ISA's kernels
# choose the activation scales and rounding themselves, so x86 and aarch64 run two different quantisations of
# the same float model (FSRCNN_s2_D6_S1_M1, dynamic_gptq: 0.041 apart). Those are gated where it means
# something, by `check` on each machine against the PyTorch golden data (the export's own tolerance), a
# step of this script that fails the run; the table still shows their difference.
LIMIT = {"fp32": 1e-4, "fp16": 1e-3, "int8": 2.0 / 255}
RUNTIME_QUANTISED = ("dynamic",)  # recipe prefixes whose activations are quantised at run time


def runtime_quantised(entry):
    """True for an INT8 artifact whose activations the runtime quantises per call (see LIMIT)."""
    return entry.get("precision") == "int8" and str(entry.get("recipe") or "").startswith(RUNTIME_QUANTISED)


def run(out_path, bundle_dirs):
    arrays, index = {}, []
    for bundle_dir in bundle_dirs:
        manifest = bundle_io.load_manifest(bundle_dir)
        samples = bundle_io.load_golden(os.path.join(bundle_dir, manifest["golden"]["file"]))
        for artifact in manifest.get("artifacts", []):
            if artifact.get("status") in ("pending", "failed"):
                continue
            key = "%s/%s" % (os.path.basename(os.path.normpath(bundle_dir)), artifact["name"])
            path = bundle_io.artifact_file(bundle_dir, artifact)
            entry = {"key": key, "runtime": artifact["runtime"], "precision": artifact.get("precision"),
                     "valid": artifact.get("valid"), "recipe": (artifact.get("quantization") or {}).get("recipe")}
            try:
                runner = open_runner(artifact["runtime"], path, layout=artifact.get("layout"),
                                     precision=artifact.get("precision"), name=artifact.get("file"))
            except MissingBackendError:
                continue
            except Exception as err:  # noqa: BLE001 - recorded: the other machine may run it
                index.append(dict(entry, error=first_line(err)))
                continue
            with runner:
                entry["version"] = runner.describe().get("version")
                try:
                    outputs = [runner.infer(s.input[n:n + 1]) for s in samples
                               if bundle_io.fits(artifact.get("input_shape") or s.shape, s.shape)
                               for n in range(s.input.shape[0])]
                except Exception as err:  # noqa: BLE001 - e.g. an op this runtime version lacks
                    index.append(dict(entry, error=first_line(err)))
                    continue
            arrays[key] = np.concatenate(outputs)
            index.append(entry)
    np.savez_compressed(out_path, index=np.array(json.dumps(index)), **{k: v for k, v in arrays.items()})
    print("%d artifact outputs from %d bundles -> %s" % (len(index), len(bundle_dirs), out_path))
    return 0


def _load(path):
    with np.load(path, allow_pickle=False) as data:
        index = json.loads(str(data["index"]))
        return index, {entry["key"]: data[entry["key"]] for entry in index if "error" not in entry}


def compare(reference_path, other_paths):
    """Print max |diff| per artifact between the reference run and the others; 1 when a valid one disagrees."""
    reference_index, reference = _load(reference_path)
    other_index, other = {}, {}
    for path in other_paths:  # e.g. one file per aarch64 venv (one runtime each)
        index, arrays = _load(path)
        other_index.update((entry["key"], entry) for entry in index)
        other.update(arrays)
    rows, problems = [], []
    runtimes_run = {entry.get("runtime") for entry in other_index.values()}
    for entry in reference_index:
        key, precision = entry["key"], entry["precision"]
        theirs = other_index.get(key, {})
        error = entry.get("error") or theirs.get("error")
        if key not in other_index and entry["runtime"] not in runtimes_run:  # e.g. opencv: no venv of it here
            rows.append((key, entry["runtime"], entry.get("version"), entry["valid"],
                         "not run (no %s venv in this run)" % entry["runtime"]))
            continue
        if error or key not in other:
            shown = "error: %s" % error if error else "not run"
            rows.append((key, entry["runtime"], theirs.get("version", entry.get("version")), entry["valid"], shown))
            if entry["valid"]:
                problems.append("%s (valid) %s" % (key, shown))
            continue
        diff = float(np.max(np.abs(reference[key].astype(np.float64) - other[key].astype(np.float64))))
        limit = LIMIT.get(precision, LIMIT["fp32"])
        shown = "%.3g" % diff
        if runtime_quantised(entry):
            shown += " (%s: activations quantised at run time; gated by check on each machine)" % entry["recipe"]
        elif entry["valid"] and not diff <= limit:
            problems.append("%s: max |diff| %.3g above %.3g" % (key, diff, limit))
        rows.append((key, entry["runtime"], theirs.get("version"), entry["valid"], shown))
    header = ("artifact", "runtime", "version (other run)", "valid", "max |diff|")
    table = [header] + [(r[0], r[1], str(r[2]), "yes" if r[3] else "no (invalid at export: not gated)", r[4])
                        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for problem in problems:
        print("PROBLEM: " + problem)
    print("%d artifacts compared, %d problems" % (len(rows), len(problems)))
    return 1 if problems or not rows else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "run":
        return run(argv[1], argv[2:])
    if len(argv) >= 3 and argv[0] == "compare":
        return compare(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
