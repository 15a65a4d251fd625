"""The classic upscaler as a Runner: ``cv2.resize(INTER_CUBIC)``, timed by the same harness as the models."""

from edgesr_runtime.runners.base import Runner, TensorMeta


def cv2_version():
    """OpenCV's version, or None when cv2 cannot be imported."""
    try:
        import cv2
    except ImportError:
        return None
    return cv2.__version__


class Cv2BicubicRunner(Runner):
    """N×1×H×W float32 -> N×1×sH×sW by ``cv2.resize(..., INTER_CUBIC)``; ``threads`` sets cv2.setNumThreads."""

    runtime = "opencv"

    def __init__(self, scale, threads=None):
        super(Cv2BicubicRunner, self).__init__(None, name="cv2.resize INTER_CUBIC x%d" % scale, precision="fp32",
                                               layout="NCHW", threads=threads)
        self.scale = scale

    def _load(self):
        import cv2

        if self.threads:
            cv2.setNumThreads(int(self.threads))
        self._cv2 = cv2

    def _infer(self, native):
        height, width = native.shape[2:]
        size = (width * self.scale, height * self.scale)
        return self._cv2.resize(native[0, 0], size, interpolation=self._cv2.INTER_CUBIC)[None, None]

    def _input_meta(self):
        return TensorMeta("input", (1, 1, None, None), "float32", "NCHW")

    def _output_meta(self):
        return TensorMeta("output", (1, 1, None, None), "float32", "NCHW")

    def _describe(self):
        return {"version": "opencv %s" % self._cv2.__version__, "threads": self._cv2.getNumThreads()}
