"""Find, verify and load the authors' trained weights (GPL-3.0 data, never shipped with edgesr).

Search order: an explicit ``weights_dir`` (``--weights-dir``) > ``$EDGESR_WEIGHTS`` > the user cache
dir > ``../shared/esr/weights`` beside the checkout or the working directory. Every file is checked
against the sha256 manifest shipped in the package before ``torch.load(weights_only=True)``; a file
in an explicit ``weights_dir`` that carries its own ``weights.sha256`` listing it (the folder of an
``edgesr train`` run) is checked against that manifest instead.
"""

import functools
import hashlib
import os
import urllib.request
from importlib import resources
from pathlib import Path

import platformdirs

from edgesr_runtime.bundle import sha256_file
from edgesr_runtime.errors import EdgesrError, first_line
from edgesr_runtime.files import atomic_open, ensure_folder

ENV_VAR = "EDGESR_WEIGHTS"
# The authors' public repository, pinned to the commit whose files the manifest describes.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/pnavarre/eSR/20b724c25703a6f96f9db11143de45ab2bc7526b/model-files"
BASE_URL_ENV_VAR = "EDGESR_WEIGHTS_URL"
SUFFIX = ".model"
FOLDER_MANIFEST = "weights.sha256"  # sha256sum format, as the packaged manifest


def parse_manifest(text):
    """{file name: sha256} of sha256sum-format text."""
    entries = {}
    for line in text.splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.strip().lstrip("*")] = digest
    return entries


@functools.lru_cache(maxsize=1)
def manifest():
    """{file name: sha256} of all 1185 weight files, from the manifest inside the package."""
    return parse_manifest(resources.files("edgesr").joinpath("data/weights.sha256").read_text())


def folder_manifest(folder):
    """{file name: sha256} of the ``weights.sha256`` in ``folder`` (a trained run's own), {} when absent."""
    path = Path(folder) / FOLDER_MANIFEST
    try:
        return parse_manifest(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise EdgesrError("cannot read %s: %s" % (path, err), "restore or delete the manifest") from None


def user_cache_dir():
    return Path(platformdirs.user_cache_dir("edgesr")) / "weights"


def search_dirs(weights_dir=None):
    """The directories searched for weight files, in order (an explicit dir is the only one)."""
    if weights_dir is not None:
        return [Path(weights_dir)]
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(user_cache_dir())
    checkout_shared = Path(__file__).resolve().parents[2] / "shared" / "esr" / "weights"
    for candidate in (checkout_shared, Path.cwd().parent / "shared" / "esr" / "weights"):
        if candidate not in dirs:
            dirs.append(candidate)
    return dirs


def find_weights(model_id, weights_dir=None):
    """Path of the weight file of ``model_id``; EdgesrError naming the places searched when absent."""
    name = model_id + SUFFIX
    dirs = search_dirs(weights_dir)
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    if weights_dir is not None:
        if not Path(weights_dir).is_dir():
            raise EdgesrError(
                "weights dir %s does not exist" % weights_dir,
                "point --weights-dir at the folder holding the .model files",
            )
        raise EdgesrError(
            "%s not found in weights dir %s" % (name, weights_dir),
            "point --weights-dir at the folder holding the .model files, or run `edgesr weights download`",
        )
    raise EdgesrError(
        "%s not found (searched %s)" % (name, ", ".join(str(d) for d in dirs)),
        "run `edgesr weights download`, or set %s / --weights-dir to the folder with the .model files" % ENV_VAR,
    )


def verify_file(path, expected=None):
    """Check one file against the manifest; EdgesrError naming the file on a mismatch."""
    path = Path(path)
    expected = expected or manifest().get(path.name)
    if expected is None:
        raise EdgesrError("%s is not one of the edge-SR weight files" % path.name, "name files <model_id>.model")
    actual = sha256_file(path)
    if actual != expected:
        raise EdgesrError(
            "%s does not match its published sha256 (corrupt or modified: %s…, expected %s…)"
            % (path, actual[:12], expected[:12]),
            "delete it and run `edgesr weights download`",
        )
    return path


def load_state_dict(module, model_id, weights_dir=None):
    """Verify and load the authors' weights into ``module`` with strict key matching (float32, CPU)."""
    path = find_weights(model_id, weights_dir)
    own_digest = folder_manifest(path.parent).get(path.name) if weights_dir is not None else None
    verify_file(path, own_digest)
    load_into(module, path, "the %s architecture" % model_id, "delete it and run `edgesr weights download`")
    return path


def load_into(module, path, architecture, fix):
    """``torch.load(path, weights_only=True)`` into ``module`` (strict keys, floats as float32, CPU).

    Call it only after the file's sha256 was checked. Any failure is one EdgesrError naming the file
    and ``architecture`` (what the weights should fit), with ``fix``.
    """
    import torch

    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # torch raises several types for unreadable files
        raise EdgesrError("cannot read weights %s: %s" % (path, first_line(err)), fix) from None
    try:
        module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    except (AttributeError, RuntimeError, TypeError) as err:  # not a state dict, or other keys / shapes
        lines = str(err).strip().splitlines()
        detail = lines[1].strip() if len(lines) > 1 else first_line(err)  # torch's line 0 is a generic header
        raise EdgesrError("weights %s do not fit %s: %s" % (os.path.basename(path), architecture, detail[:300]),
                          fix) from None


def download(model_ids, dest=None, base_url=None, progress=None):
    """Fetch weight files from the authors' repository into ``dest``, verifying each hash.

    Files already present and valid are kept. Returns the list of paths. A file that fails its
    hash is never written to ``dest``.
    """
    dest = Path(dest) if dest else user_cache_dir()
    ensure_folder(dest)
    base_url = (base_url or os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL).rstrip("/")
    paths = []
    for model_id in model_ids:
        name = model_id + SUFFIX
        target = dest / name
        if not (target.is_file() and sha256_file(target) == manifest()[name]):
            _fetch_verified(base_url + "/" + name, target)
        paths.append(target)
        if progress:
            progress(model_id)
    return paths


def _fetch_verified(url, target):
    """Download ``url`` atomically to ``target``, hashing as it streams; a file failing its hash is never written."""
    digest = hashlib.sha256()
    with atomic_open(target, "wb") as out:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
        except OSError as err:
            raise EdgesrError("cannot download %s: %s" % (url, err),
                              "check the network, or copy the files and use --weights-dir") from None
        if digest.hexdigest() != manifest()[target.name]:
            raise EdgesrError("downloaded %s does not match its published sha256; nothing was written" % url,
                              "retry later, or check $%s points at the authors' files" % BASE_URL_ENV_VAR)
