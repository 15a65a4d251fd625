"""Real-image inputs for golden data, INT8 calibration and INT8 validation.

Static models take one fixed input size (e.g. 960x540), larger than most benchmark images, so
inputs are mosaics: an HR canvas at the output size tiled with random crops of luma images, then
downscaled by the scale with PIL's bicubic filter, as an LR camera frame would be. Inputs are
rounded to 8 bits so golden data stores them exactly as uint8.
"""

import functools
import os
from pathlib import Path

import numpy as np
from PIL import Image

from edgesr_runtime.errors import EdgesrError

ENV_VAR = "EDGESR_DATASETS"
GOLDEN_SETS = ("Set5", "Set14")
CALIBRATION_SETS = ("T91",)
TILE = 128
SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")


def datasets_dir():
    """The folder holding Set5/, Set14/, T91/: $EDGESR_DATASETS, else ../shared/datasets beside the checkout."""
    candidates = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    candidates += [Path(__file__).resolve().parents[3] / "shared" / "datasets",
                   Path.cwd().parent / "shared" / "datasets", Path.cwd() / "shared" / "datasets"]
    for folder in candidates:
        if (folder / "Set5").is_dir():
            return folder
    raise EdgesrError("no image datasets found (searched %s)" % ", ".join(str(c) for c in candidates),
                      "set %s to the folder holding Set5/, Set14/ and T91/" % ENV_VAR)


@functools.lru_cache(maxsize=4)
def luma_images(sets):
    """8-bit luma planes (PIL "L", ITU-R 601) of every image in the named dataset folders, in name order."""
    root = datasets_dir()
    images = []
    for name in sets:
        folder = root / name
        if not folder.is_dir():
            raise EdgesrError("dataset folder %s is missing" % folder, "set %s to a folder with %s" % (ENV_VAR, name))
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES):
            with Image.open(path) as image:
                images.append(np.asarray(image.convert("L")))
    return tuple(images)


def _crop(image, height, width, rng):
    """A random height x width crop, reflect-padded when the image is smaller."""
    pad_h, pad_w = max(0, height - image.shape[0]), max(0, width - image.shape[1])
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w)), mode="symmetric")
    top = rng.integers(0, image.shape[0] - height + 1)
    left = rng.integers(0, image.shape[1] - width + 1)
    return image[top:top + height, left:left + width]


def mosaic(images, height, width, rng, tile=TILE):
    """A height x width uint8 canvas tiled with random crops of random images."""
    canvas = np.empty((height, width), dtype=np.uint8)
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            h, w = min(tile, height - top), min(tile, width - left)
            canvas[top:top + h, left:left + w] = _crop(images[rng.integers(len(images))], h, w, rng)
    return canvas


def downscale(hr, scale):
    """LR image in [0, 1] (float32, rounded to 8 bits) of an 8-bit HR plane, PIL bicubic by 1/scale."""
    height, width = hr.shape[0] // scale, hr.shape[1] // scale
    image = Image.fromarray(hr.astype(np.float32)).resize((width, height), Image.BICUBIC)
    lr = np.clip(np.rint(np.asarray(image)), 0, 255)
    return lr.astype(np.uint8)


def to_input(lr_u8):
    """uint8 h x w -> float32 1x1xhxw in [0, 1]."""
    return (lr_u8.astype(np.float32) / np.float32(255.0))[None, None]


def hr_lr_pairs(sets, scale, lr_height, lr_width, count, seed):
    """``count`` (HR uint8 plane, LR uint8 plane) mosaic pairs from the named datasets."""
    rng = np.random.default_rng(seed)
    images = luma_images(tuple(sets))
    pairs = []
    for _ in range(count):
        hr = mosaic(images, lr_height * scale, lr_width * scale, rng)
        pairs.append((hr, downscale(hr, scale)))
    return pairs


def random_lr(lr_height, lr_width, seed):
    """A uniform random 8-bit LR plane (stresses ranges real images never reach)."""
    return np.random.default_rng(seed).integers(0, 256, size=(lr_height, lr_width), dtype=np.uint8)


def calibration_inputs(scale, lr_height, lr_width, count, seed=1):
    """INT8 calibration inputs (float32 1x1xhxw) from T91 mosaics: a different set from golden/validation."""
    return [to_input(lr) for _, lr in hr_lr_pairs(CALIBRATION_SETS, scale, lr_height, lr_width, count, seed)]
