"""End-to-end frame path: RGB -> YCbCr, the model on Y, bicubic chroma upscaling, back to RGB."""

import numpy as np

from ..colour import rgb_to_ycbcr, ycbcr_to_rgb
from ..errors import MissingBackendError
from ..resample import resize_bicubic

CHROMA_CHOICES = ("auto", "numpy", "cv2")


def _import_cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


class EndToEnd(object):
    """Callable: H×W×3 uint8 RGB frame -> sH×sW×3 uint8 RGB, the model running on luma only.

    ``chroma``: "numpy" (always available), "cv2" (cv2.resize INTER_CUBIC) or "auto" (cv2 when importable).
    """

    def __init__(self, runner, chroma="auto"):
        if chroma not in CHROMA_CHOICES:
            raise ValueError("chroma must be one of %s" % ", ".join(CHROMA_CHOICES))
        self.runner = runner
        self._cv2 = _import_cv2() if chroma in ("auto", "cv2") else None
        if chroma == "cv2" and self._cv2 is None:
            raise MissingBackendError("OpenCV", "pip install opencv-python-headless")

    def _resize(self, chroma, out_h, out_w):
        if self._cv2 is not None:
            return self._cv2.resize(chroma, (out_w, out_h), interpolation=self._cv2.INTER_CUBIC)
        return resize_bicubic(chroma, out_h, out_w)

    def __call__(self, rgb):
        ycc = rgb_to_ycbcr(np.asarray(rgb, dtype=np.float32) * np.float32(1.0 / 255))
        luma = self.runner.infer(ycc[None, None, :, :, 0])[0, 0]
        cb, cr = (self._resize(np.ascontiguousarray(ycc[:, :, c]), luma.shape[0], luma.shape[1]) for c in (1, 2))
        out = ycbcr_to_rgb(np.stack([luma, cb, cr], axis=2))
        return (np.clip(out, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)

    def describe(self):
        """Which implementation did what (recorded in the benchmark result)."""
        resize = "cv2 %s INTER_CUBIC" % self._cv2.__version__ if self._cv2 is not None else "numpy bicubic a=-0.75"
        return {"colour": "BT.601 full-range YCbCr (numpy)", "chroma_resize": resize}
