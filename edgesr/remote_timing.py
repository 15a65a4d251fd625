"""What a timing node runs in a Ray sweep: a bundle sent as bytes is unpacked, verified and measured.

This module imports only the standard library and ``edgesr_runtime`` (no torch, no ray, no zoo), and
the Ray driver ships its functions by value, so a board needs only the device runtime and Ray. It is
also the one home of the transfer format: a bundle folder as an uncompressed tar of its files.
"""

import io
import os
import posixpath
import shutil
import sys
import tarfile
import tempfile

from edgesr_runtime import bundle as bundle_io
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.harness import measure_bundle


def pack_bundle(bundle_dir):
    """The bundle folder as tar bytes (members under the folder's name, regular files only)."""
    name = os.path.basename(os.path.normpath(bundle_dir))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for root, _dirs, files in os.walk(bundle_dir):
            for file_name in sorted(files):
                path = os.path.join(root, file_name)
                tar.add(path, arcname=posixpath.join(name, os.path.relpath(path, bundle_dir).replace(os.sep, "/")),
                        recursive=False)
    return buffer.getvalue()


def unpack_bundle(data, into):
    """Extract tar ``data`` (from ``pack_bundle``) under ``into``, verify every file's sha256 against the
    manifest; returns the bundle folder. EdgesrError for an unsafe archive, BundleIntegrityError on a mismatch."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        members = tar.getmembers()
        tops = {m.name.split("/", 1)[0] for m in members}
        for member in members:
            parts = member.name.split("/")
            if not member.isfile() or member.name.startswith("/") or ".." in parts or len(tops) != 1:
                raise EdgesrError("the bundle sent to this node is not a plain bundle archive (%s)" % member.name,
                                  "rerun the sweep; the export node packs the bundle folder again")
        for member in members:
            target = os.path.join(into, *member.name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    folder = os.path.join(into, tops.pop())
    bundle_io.verify_bundle(folder)
    return folder


def time_bundle(data, request, extra):
    """Unpack and verify the bundle ``data``, measure it with ``request`` (a MeasureRequest); returns the
    edgesr-bench/1 dict with ``extra`` added. Harness errors raise (EdgesrError)."""
    with tempfile.TemporaryDirectory(prefix="edgesr-bundle-") as scratch:
        result = measure_bundle(unpack_bundle(data, scratch), request)
    result.extra.update(extra)
    if result.auto is None:
        result.extra["auto"] = None
    return result.to_dict()


def time_exported(exported, request):
    """The timing task of one model: ``exported`` is the export task's outcome (``data``: the packed bundle,
    or ``error``). Returns {"model", "status": "ok", "result": bench dict} or {"model", "status": "failed",
    "stage", "reason"}; the result's ``ray_node`` names the node that timed it."""
    model = exported["model"]
    if exported.get("error"):
        return {"model": model, "status": "failed", "stage": "export", "reason": exported["error"]}
    extra = {key: exported[key] for key in ("target", "bundle", "export")}
    extra["ray_node"] = _ray_node()
    try:
        return {"model": model, "status": "ok", "result": time_bundle(exported["data"], request, extra)}
    except EdgesrError as err:
        return {"model": model, "status": "failed", "stage": "latency", "reason": str(err).splitlines()[0]}


def _ray_node():
    """The id of the Ray node running this task (ray is loaded in a Ray worker; None elsewhere)."""
    ray = sys.modules.get("ray")
    return ray.get_runtime_context().get_node_id() if ray is not None and ray.is_initialized() else None
