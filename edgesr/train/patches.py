"""Random LR/HR luma patch pairs from a folder of images, degraded exactly as the evaluation does.

A pair is cut with ``context`` LR pixels of real image around the supervised patch: the model sees
them, the loss leaves them out (``crop_context``), so the model is never trained to undo its own
zero padding at patch borders, which test images do not have.

The HR image is the protocol's luma, mod-cropped to the scale; its LR image is the protocol's
MATLAB-bicubic downscale of the whole HR image. A patch pair is cut from a window around the
patch: the window keeps ``DOWNSCALE_MARGIN`` LR pixels of margin on each side (more than the antialiased
kernel reaches) or stops at the image border, where the downscale's mirror padding then sees the
same pixels as on the whole image, so the window's LR pixels equal the whole image's (to float64
rounding) without holding every LR image in memory. Augmentation: the 8 flips/rotations.
"""

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from edgesr.eval import protocol
from edgesr.eval.datasets import image_files, read_image
from edgesr_runtime.errors import EdgesrError

# LR pixels of margin around a window for the downscale. The 1/s antialiased cubic kernel spans 4s HR pixels, i.e.
# ±2 LR pixels around an output pixel; one more covers the taps MATLAB's contributions add.
DOWNSCALE_MARGIN = 3


@dataclass
class TrainingImage:
    """One usable training image: the 8-bit pixels (H×W or H×W×3), mod-cropped to the scale."""

    name: str
    pixels: np.ndarray


@dataclass
class TrainingImages:
    images: List[TrainingImage]
    skipped: List[Tuple[str, str]]


def load_images(dataset, scale, lr_patch):
    """The images of ``dataset`` with room for an HR patch of ``lr_patch·scale`` (the patch with its context);
    EdgesrError when none has."""
    hr_patch = lr_patch * scale
    images, skipped = [], []
    for path in image_files(dataset):
        try:
            pixels = protocol.mod_crop(read_image(path), scale)
        except ValueError as err:
            skipped.append((path.name, str(err)))
            continue
        if min(pixels.shape[:2]) < hr_patch:
            skipped.append((path.name, "%d×%d is smaller than the %d×%d HR patch"
                            % (pixels.shape[0], pixels.shape[1], hr_patch, hr_patch)))
            continue
        images.append(TrainingImage(path.name, pixels))
    if not images:
        reasons = "; ".join("%s: %s" % item for item in skipped[:3])
        raise EdgesrError("no usable training image in %s (%s)" % (dataset.root, reasons),
                          "pass a smaller --patch (LR side; the HR patch is (patch + 2 × context) × scale) or "
                          "a folder of larger images")
    return TrainingImages(images, skipped)


def degrade_window(pixels, top, left, lr_patch, scale, luma=protocol.LUMA_PAPER):
    """(LR, HR) float64 0–255 luma of the patch whose LR top-left pixel is (top, left)."""
    lr_h, lr_w = pixels.shape[0] // scale, pixels.shape[1] // scale
    y0, x0 = max(top - DOWNSCALE_MARGIN, 0), max(left - DOWNSCALE_MARGIN, 0)
    y1, x1 = min(top + lr_patch + DOWNSCALE_MARGIN, lr_h), min(left + lr_patch + DOWNSCALE_MARGIN, lr_w)
    window = protocol.to_luma(pixels[y0 * scale:y1 * scale, x0 * scale:x1 * scale], luma)
    lr = protocol.downscale(window, scale)
    dy, dx = top - y0, left - x0
    lr_patch_px = lr[dy:dy + lr_patch, dx:dx + lr_patch]
    hr_patch_px = window[dy * scale:(dy + lr_patch) * scale, dx * scale:(dx + lr_patch) * scale]
    return lr_patch_px, hr_patch_px


def augment(array, choice):
    """One of the 8 symmetries of the square: rotate by 90°·(choice % 4), then mirror when choice ≥ 4."""
    array = np.rot90(array, choice % 4)
    return array[:, ::-1] if choice >= 4 else array


def crop_context(batch, pixels):
    """``batch`` (N×C×H×W) without ``pixels`` on every side."""
    return batch[..., pixels:batch.shape[-2] - pixels, pixels:batch.shape[-1] - pixels] if pixels else batch


class PatchSampler:
    """``sample(rng, batch)`` → (LR N×1×p×p, HR N×1×ps×ps) float32 in [0, 1] scale, from random images and
    places; ``lr_patch`` (p) includes the context on both sides.

    An image is drawn with probability proportional to its number of patch positions, so every HR
    pixel is about equally likely to be seen. All randomness comes from the numpy Generator passed in.
    """

    def __init__(self, images: TrainingImages, scale, lr_patch, luma=protocol.LUMA_PAPER, augment=True):
        self.images = images.images
        self.scale, self.lr_patch, self.luma, self.augment = scale, lr_patch, luma, augment
        positions = np.array([self._positions(im) for im in self.images], dtype=np.float64)
        self.weights = positions / positions.sum()

    def _positions(self, image):
        h, w = image.pixels.shape[0] // self.scale, image.pixels.shape[1] // self.scale
        return (h - self.lr_patch + 1) * (w - self.lr_patch + 1)

    def sample(self, rng, batch):
        p, s = self.lr_patch, self.scale
        lr = np.empty((batch, 1, p, p), dtype=np.float32)
        hr = np.empty((batch, 1, p * s, p * s), dtype=np.float32)
        for n, index in enumerate(rng.choice(len(self.images), size=batch, p=self.weights)):
            pixels = self.images[index].pixels
            top = int(rng.integers(pixels.shape[0] // s - p + 1))
            left = int(rng.integers(pixels.shape[1] // s - p + 1))
            lr_px, hr_px = degrade_window(pixels, top, left, p, s, self.luma)
            if self.augment:
                choice = int(rng.integers(8))
                lr_px, hr_px = augment(lr_px, choice), augment(hr_px, choice)
            lr[n, 0] = lr_px / 255.0
            hr[n, 0] = hr_px / 255.0
        return lr, hr
