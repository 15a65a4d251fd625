"""Image-folder datasets: find one by name (``../shared/datasets/<Name>``) or path, list and read its images.

A dataset is any folder of images; ``resolve_dataset`` returns a ``Dataset`` whose ``key`` names it
in the results store (the name for a known folder, the absolute path otherwise). Files that cannot be
read as 8-bit gray or RGB images are returned as skipped with the reason, never silently dropped.
"""

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from edgesr.models.registry import DATASETS as PAPER_DATASETS
from edgesr_runtime.errors import EdgesrError

ENV_VAR = "EDGESR_DATASETS"
IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".ppm", ".pgm", ".webp")


@dataclass(frozen=True)
class Dataset:
    """A folder of images; ``key`` is the name used in the results store and in reports."""

    key: str
    root: Path


def dataset_dirs():
    """Folders searched for datasets by name: $EDGESR_DATASETS, then ../shared/datasets beside the checkout or cwd."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    for candidate in (
        Path(__file__).resolve().parents[3] / "shared" / "datasets",
        Path.cwd().parent / "shared" / "datasets",
        Path.cwd() / "shared" / "datasets",
    ):
        if candidate not in dirs:
            dirs.append(candidate)
    return [d for d in dirs if d.is_dir()]


def known_datasets():
    """{name: folder} of every dataset folder found in ``dataset_dirs()`` (first one wins)."""
    found = {}
    for folder in dataset_dirs():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                found.setdefault(child.name, child)
    return found


def _looks_like_path(text):
    return os.sep in text or (os.altsep and os.altsep in text) or text.startswith(".") or text.startswith("~")


def resolve_dataset(spec):
    """The Dataset for a name (case-insensitive) or a folder path; EdgesrError with did-you-mean otherwise."""
    spec = str(spec).strip()
    known = known_datasets()
    by_lower = {name.lower(): name for name in known}
    if not _looks_like_path(spec) and spec.lower() in by_lower:
        name = by_lower[spec.lower()]
        return Dataset(name, known[name].resolve())
    path = Path(spec).expanduser()
    if path.is_dir():
        root = path.resolve()
        for name, folder in known.items():  # a known folder given by path keeps its name
            if folder.resolve() == root:
                return Dataset(name, root)
        return Dataset(str(root), root)
    if _looks_like_path(spec) or path.exists():
        fix = "pass a folder of images" + (" or a dataset name (%s)" % ", ".join(known) if known else "")
        raise EdgesrError("dataset folder %s does not exist or is not a folder" % spec, fix)
    if spec.lower() in (n.lower() for n in PAPER_DATASETS):
        searched = ", ".join(str(d) for d in dataset_dirs()) or "no dataset folder found"
        raise EdgesrError("dataset %s is not available here (searched %s)" % (spec, searched),
                          "pass the path to its folder of images, or set $%s" % ENV_VAR)
    raise EdgesrError(_unknown_name_message(spec, known), _unknown_name_fix(known))


def _unknown_name_message(spec, known):
    names = list(known) + [n for n in PAPER_DATASETS if n not in known]
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(spec.lower(), list(by_lower), n=3, cutoff=0.5)
    message = "unknown dataset %r" % spec
    if close:
        message += "; did you mean %s?" % " or ".join(repr(by_lower[c]) for c in close)
    return message


def _unknown_name_fix(known):
    if known:
        return "use one of %s, or a path to a folder of images" % ", ".join(known)
    return "set $%s to the folder holding Set5/Set14/BSDS100, or pass a path to a folder of images" % ENV_VAR


def image_files(dataset):
    """Sorted image files of a dataset folder; EdgesrError when it holds none."""
    files = sorted(p for p in dataset.root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise EdgesrError(
            "dataset %s holds no images (%s)" % (dataset.key, dataset.root),
            "put %s files in the folder" % "/".join(s.lstrip(".") for s in IMAGE_SUFFIXES[:4]),
        )
    return files


def read_image(path):
    """An 8-bit image as H×W (gray) or H×W×3 (RGB) uint8; ValueError with the reason when unreadable."""
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ("L", "RGB"):
                pixels = img
            elif mode in ("1", "LA"):
                pixels = img.convert("L")
            elif mode in ("P", "RGBA", "CMYK", "YCbCr", "PA", "RGBX"):
                pixels = img.convert("RGB")
            else:
                raise ValueError("unsupported image mode %s (only 8-bit gray or colour)" % mode)
            array = np.asarray(pixels, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError("cannot read image: %s" % (str(err).splitlines()[0] if str(err) else type(err).__name__))
    return array
