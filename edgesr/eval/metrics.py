"""SSIM of two luma arrays (float64, peak 255); PSNR is ``edgesr_runtime.metrics.psnr`` (the one PSNR).

``ssim`` is the Wang et al. reference definition: 11×11 Gaussian window (σ = 1.5), K1 = 0.01,
K2 = 0.03, L = 255, statistics over the 'valid' region only, mean of the map. ``SsimReference``
caches the statistics of the ground-truth image, which every model of a dataset is compared to.
``ssim_skimage`` is scikit-image's implementation, kept to show both agree (docs/evaluation.md).
"""

import functools

import numpy as np
from scipy.ndimage import correlate1d

PEAK = 255.0
SSIM_SIGMA = 1.5
SSIM_WINDOW = 11
SSIM_K1, SSIM_K2 = 0.01, 0.03


@functools.lru_cache(maxsize=None)
def gaussian_window(size=SSIM_WINDOW, sigma=SSIM_SIGMA):
    """Normalized 1-D Gaussian taps; their outer product is MATLAB's fspecial('gaussian', size, sigma)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return taps / taps.sum()


def filter_valid(image, taps):
    """2-D correlation with the separable window ``taps ⊗ taps``, 'valid' region only."""
    r = len(taps) // 2
    out = correlate1d(image, taps, axis=0, mode="nearest")[r:-r]
    out = correlate1d(out, taps, axis=1, mode="nearest")[:, r:-r]
    return out


class SsimReference:
    """The window statistics of a ground-truth image, so ``self.ssim(x)`` filters only x."""

    def __init__(self, reference, peak=PEAK):
        y = np.asarray(reference, dtype=np.float64)
        if min(y.shape) < SSIM_WINDOW:
            raise ValueError("SSIM needs images of at least %d×%d pixels, got %s" % (SSIM_WINDOW, SSIM_WINDOW, y.shape))
        self._taps = gaussian_window()
        self.y = y
        self.mu_y = filter_valid(y, self._taps)
        self.var_y = filter_valid(y * y, self._taps) - self.mu_y * self.mu_y
        self.c1 = (SSIM_K1 * peak) ** 2
        self.c2 = (SSIM_K2 * peak) ** 2

    def ssim(self, image):
        """Mean SSIM of ``image`` against the reference."""
        x = np.asarray(image, dtype=np.float64)
        if x.shape != self.y.shape:
            raise ValueError("SSIM of arrays of different shapes %s and %s" % (x.shape, self.y.shape))
        mu_x = filter_valid(x, self._taps)
        var_x = filter_valid(x * x, self._taps) - mu_x * mu_x
        cov = filter_valid(x * self.y, self._taps) - mu_x * self.mu_y
        numerator = (2.0 * mu_x * self.mu_y + self.c1) * (2.0 * cov + self.c2)
        denominator = (mu_x * mu_x + self.mu_y * self.mu_y + self.c1) * (var_x + self.var_y + self.c2)
        return float(np.mean(numerator / denominator))


def ssim(a, b, peak=PEAK):
    """Mean SSIM (reference definition) of two same-shaped arrays."""
    return SsimReference(b, peak).ssim(a)


def ssim_skimage(a, b, peak=PEAK):
    """Mean SSIM by scikit-image with the Wang et al. settings (Gaussian σ = 1.5, population covariance)."""
    from skimage.metrics import structural_similarity

    return float(
        structural_similarity(
            np.asarray(a, dtype=np.float64),
            np.asarray(b, dtype=np.float64),
            gaussian_weights=True,
            sigma=SSIM_SIGMA,
            use_sample_covariance=False,
            data_range=peak,
        )
    )
