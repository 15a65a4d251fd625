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

# What a model sees beyond the image edge (``edgesr.inference`` applies them; "zero": as trained).
BORDERS = ("replicate", "reflect", "zero")
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


COLOUR_CHUNK_PIXELS = 1 << 20  # output pixels converted to RGB at once (float64: 8 MB per plane)
CHROMA_REACH = 3  # LR rows beyond a chunk that the bicubic of its rows reads (support 2, plus one)


def bicubic_rows(plane, first, last, scale):
    """Rows first…last-1 (LR) of plane's ×scale bicubic (a = -0.5) resize, with PIL's float mode, no rounding.

    Equal to those rows of the whole plane's resize: PIL reads the rows around the box it needs.
    """
    image = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
    width = plane.shape[1]
    size = (width * scale, (last - first) * scale)
    return np.asarray(image.resize(size, Image.BICUBIC, box=(0, first, width, last)), dtype=np.float64)


def to_uint8(array):
    """Round half to even and clamp to [0, 255]."""
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)


def upscale_array(image, upscaler):
    """Upscale a uint8 gray/RGB/RGBA image with ``upscaler`` (an ``edgesr.inference.LumaUpscaler``).

    Gray goes through the model directly; colour through Y (model) + Cb/Cr/alpha (bicubic). The work
    runs band by band (the upscaler's LR bands) into one preallocated uint8 output, and colour is
    converted in chunks of about ``COLOUR_CHUNK_PIXELS`` output pixels, so memory follows the tile
    size and the image width, not the image area.
    """
    scale = upscaler.scale
    height, width = image.shape[:2]
    out = np.empty((height * scale, width * scale) + image.shape[2:], dtype=np.uint8)
    chunk = max(1, COLOUR_CHUNK_PIXELS // (width * scale * scale))  # LR rows per colour chunk
    for top, bottom, rows, offset in upscaler.bands(height):
        band = image[rows]
        if image.ndim == 2:
            luma = upscaler.band(band.astype(np.float32) / 255.0, offset, bottom - top)
            out[top * scale:bottom * scale] = to_uint8(luma * 255.0)
            continue
        luma_rows = (rgb_to_ycbcr(band[..., :3], peak=255.0, dtype=np.float64)[..., 0] / 255.0).astype(np.float32)
        del band
        luma = upscaler.band(luma_rows, offset, bottom - top) * 255.0
        for first in range(top, bottom, chunk):
            last = min(first + chunk, bottom)
            out[first * scale:last * scale] = _colour_rows(image, luma[(first - top) * scale:(last - top) * scale],
                                                           first, last, scale)
    return out


def _colour_rows(image, luma, first, last, scale):
    """uint8 output rows of LR rows first…last-1 of a colour image, given their upscaled luma (0…255)."""
    lo, hi = max(first - CHROMA_REACH, 0), min(last + CHROMA_REACH, image.shape[0])
    rgb = image[lo:hi]
    ycbcr = rgb_to_ycbcr(rgb[..., :3], peak=255.0, dtype=np.float64)
    chroma = [bicubic_rows(ycbcr[..., c], first - lo, last - lo, scale) for c in (1, 2)]
    colour = to_uint8(ycbcr_to_rgb(np.stack([luma] + chroma, axis=-1), peak=255.0, dtype=np.float64))
    if image.shape[2] == 4:
        alpha = to_uint8(bicubic_rows(rgb[..., 3].astype(np.float64), first - lo, last - lo, scale))
        return np.concatenate([colour, alpha[..., None]], axis=-1)
    return colour
