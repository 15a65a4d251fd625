"""Output resolutions: parse "1920x1080" and derive the static input size of a x``s`` model."""

import re

from edgesr_runtime.errors import EdgesrError

NAMED = {"fhd": (1920, 1080), "1080p": (1920, 1080), "hd": (1280, 720), "720p": (1280, 720),
         "4k": (3840, 2160), "uhd": (3840, 2160)}


def parse_resolution(text):
    """(width, height) from "1920x1080" (also "1920*1080", "1080p", "fhd"); ValueError when unreadable."""
    if isinstance(text, (tuple, list)) and len(text) == 2:
        width, height = int(text[0]), int(text[1])
    else:
        key = str(text).strip().lower()
        if key in NAMED:
            return NAMED[key]
        match = re.fullmatch(r"(\d+)\s*[x*×]\s*(\d+)", key)
        if not match:
            raise ValueError("expected WIDTHxHEIGHT, e.g. 1920x1080")
        width, height = int(match.group(1)), int(match.group(2))
    if width < 1 or height < 1:
        raise ValueError("width and height must be positive")
    return width, height


def _nearest(value, scale):
    low = value - value % scale
    return [v for v in (low, low + scale) if v > 0]


def input_size(resolution, scale):
    """(lr_height, lr_width) for an output of ``resolution`` = (width, height) at scale ``scale``.

    EdgesrError when a side is not divisible by the scale (e.g. 1366x768 at x4), naming the nearest
    sizes that work: the exported model's output is always exactly s times its input.
    """
    width, height = resolution
    if width % scale or height % scale:
        options = ["%dx%d" % (w, h) for w in _nearest(width, scale) for h in _nearest(height, scale)]
        raise EdgesrError("output %dx%d is not divisible by the scale %d (input would be %.2fx%.2f)"
                          % (width, height, scale, width / scale, height / scale),
                          "pick a resolution divisible by %d, e.g. --resolution %s" % (scale, " or ".join(options[:2])))
    return height // scale, width // scale
