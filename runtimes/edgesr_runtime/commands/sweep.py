"""``python -m edgesr_runtime sweep BUNDLES_DIR --store device.db``: every bundle of a folder, resumably.

Each bundle is measured with runtime auto (the fastest artifact that passed parity) and its
kind=latency row written at once; a bundle already in the store is skipped, a failing one is
stored as kind=failure with its reason and the sweep goes on (exit code 1 at the end). Each bundle's
files are checked against their sha256 first, as ``check`` does: a modified bundle is never timed. Merge the store into the host's
with ``edgesr results merge`` and run ``edgesr report``.
"""

import os
import sys

from ..bundle import load_manifest, verify_bundle
from ..errors import EdgesrError
from ..harness import AUTO, MeasureRequest, measure_bundle, write_latency
from ..harness.latency_rows import device_label, latency_done, planned_setting_key, record_failure
from ..progress import Progress
from ..store import ResultStore
from .options import (add_device_option, add_power_options, add_shard_option, add_store_option, add_timing_options,
                      parse_shard, request_fields, select_shard)


def add_arguments(parser):
    """The ``sweep`` arguments."""
    parser.description = ("Benchmark every exported bundle in a folder on this device (runtime auto: the fastest "
                          "artifact that passed parity), writing each result at once to a SQLite store. Resumes "
                          "after a kill; failures (a bundle whose sha256 does not match included) are stored with "
                          "their reason and skipped; the exit code is 1 when any bundle failed.")
    parser.add_argument("bundles", help="folder holding the bundles (edgesr export --out)")
    add_store_option(parser)
    add_shard_option(parser)
    add_power_options(parser)
    add_device_option(parser)
    add_timing_options(parser, frames=None)


def bundle_folders(root):
    """Sorted bundle folders (those holding a manifest.json) directly under ``root``."""
    if not os.path.isdir(root):
        raise EdgesrError("%s is not a folder" % root, "pass the folder that holds the exported bundles")
    found = sorted(os.path.join(root, name) for name in os.listdir(root)
                   if os.path.isfile(os.path.join(root, name, "manifest.json")))
    if not found:
        raise EdgesrError("no bundles (folders with manifest.json) in %s" % root,
                          "export them on the host: edgesr export --target rpi --models GLOB --out DIR")
    return found


def run(args):
    """Measure every bundle not yet stored; returns the exit code: 1 when any bundle failed (each is stored)."""
    request = MeasureRequest(runtime=AUTO, **request_fields(args)).validate()
    folders = select_shard(bundle_folders(args.bundles), parse_shard(args.shard))
    progress = Progress(len(folders), "sweep")
    device = device_label(args.device)
    failed = []
    with ResultStore(args.store) as store:
        store.set_meta("device_sweep_command", " ".join(["python -m edgesr_runtime"] + sys.argv[1:]))
        for folder in folders:
            name = model = os.path.basename(folder)
            try:
                manifest = load_manifest(folder)
                model = manifest["model"]["id"]
                shape = manifest["input"]
                if latency_done(store, model, device, planned_setting_key(shape["lr_height"], shape["lr_width"],
                                                                          args.threads)):
                    progress.step(name, "already in the store")
                    continue
                verify_bundle(folder, manifest)  # as `check` does: never time a bundle whose files do not match
                result = write_latency(store, measure_bundle(folder, request), args.device)
                progress.step(name, "%s %.2f fps" % (result["runtime"], result["fps"]))
            except EdgesrError as err:
                record_failure(store, model, device, "latency", err)
                progress.step(name, "FAILED: %s" % err, always=True)
                failed.append(name)
    if failed:
        print("sweep: %d of %d bundles failed (stored as kind=failure in %s): %s"
              % (len(failed), len(folders), args.store, ", ".join(failed)), file=sys.stderr)
        return 1
    return 0
