"""Image I/O and colour handling for upscaling: 8-bit files in, luma through the model, 8-bit out.

Colour images follow the usual SR recipe: RGB → YCbCr (ITU-R BT.601, full range, as JPEG and PIL
use it), the model upscales Y, Cb/Cr and any alpha channel are upscaled bicubically, then back to RGB.
"""

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from edgesr_runtime.colour import rgb_to_ycbcr, ycbcr_to_rgb
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.files import atomic_open

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def read_image(path):
    """Read an 8-bit image as uint8 H×W (gray), H×W×3 (RGB) or H×W×4 (RGBA); one-line error otherwise."""
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise EdgesrError("%s: empty file (0 bytes)" % path, "re-create or remove it")
    try:
        with Image.open(path) as image:
            image.load()
            return _to_8bit_array(image, path)
    except Image.DecompressionBombError as err:
        raise EdgesrError("%s: refused as a possible decompression bomb (%s)" % (path, err),
                          "if the image is genuine, downscale or split it first") from None
    except FileNotFoundError:
        raise EdgesrError("%s: no such file" % path, "check the path") from None
    except UnidentifiedImageError:
        raise EdgesrError("%s: not an image file (or empty/corrupt)" % path, "pass a PNG, JPEG or BMP") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise EdgesrError("%s: unreadable image (%s)" % (path, err), "the file is truncated or corrupt; re-create it") from None


def _to_8bit_array(image, path):
    if image.mode in ("L", "RGB", "RGBA"):
        return np.asarray(image)
    if image.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
        converted = image.convert("RGBA" if "transparency" in image.info or image.mode == "PA" else "RGB")
        return np.asarray(converted)
    if image.mode == "LA":
        return np.asarray(image.convert("RGBA"))
    if image.mode == "1":
        return np.asarray(image.convert("L"))
    raise EdgesrError(
        "%s: %s images (%s) are not supported" % (path, image.mode, "16-bit or float" if image.mode.startswith(("I", "F")) else "unusual mode"),
        "convert it to 8-bit gray or RGB first",
    )


def write_image(path, array):
    """Write a uint8 H×W / H×W×3 / H×W×4 array atomically; the format follows the suffix."""
    image_format = Image.registered_extensions().get(Path(path).suffix.lower())
    if image_format is None:
        raise EdgesrError("%s: unknown image format %r" % (path, Path(path).suffix), "name the file .png")
    with atomic_open(path, "wb") as handle:
        Image.fromarray(array).save(handle, format=image_format)


def bicubic_resize(plane, height, width):
    """Bicubic (a = -0.5) resize of one float plane with PIL's float mode, no rounding."""
    image = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
    return np.asarray(image.resize((width, height), Image.BICUBIC), dtype=np.float64)


def to_uint8(array):
    """Round half to even and clamp to [0, 255]."""
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)


def upscale_array(image, upscale_luma, scale):
    """Upscale a uint8 gray/RGB/RGBA image by ``scale`` with ``upscale_luma`` (float H×W in [0,1] → sH×sW).

    Gray goes through the model directly; colour through Y (model) + Cb/Cr/alpha (bicubic).
    """
    height, width = image.shape[:2]
    out_h, out_w = height * scale, width * scale
    if image.ndim == 2:
        return to_uint8(upscale_luma(image.astype(np.float32) / 255.0) * 255.0)
    ycbcr = rgb_to_ycbcr(image[..., :3], peak=255.0, dtype=np.float64)
    luma = upscale_luma((ycbcr[..., 0] / 255.0).astype(np.float32)) * 255.0
    chroma = [bicubic_resize(ycbcr[..., c], out_h, out_w) for c in (1, 2)]
    rgb = to_uint8(ycbcr_to_rgb(np.stack([luma] + chroma, axis=-1), peak=255.0, dtype=np.float64))
    if image.shape[2] == 4:
        alpha = to_uint8(bicubic_resize(image[..., 3].astype(np.float64), out_h, out_w))
        return np.concatenate([rgb, alpha[..., None]], axis=-1)
    return rgb
