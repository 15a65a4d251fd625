"""What to measure and how: the one request object of the latency/power harness.

Timing follows trtexec: frames at the model's LR size for a Full-HD output (14 distinct frames, as
the paper's 14 Full-HD outputs, cycled), a time-based warm-up (200 ms), then a timed window that
lasts at least ``duration_s`` (3 s) AND ``iterations`` (10).
"""

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Optional, Tuple

from ..errors import EdgesrError

DEFAULT_WARMUP_MS = 200.0
DEFAULT_DURATION_S = 3.0
DEFAULT_MIN_ITERATIONS = 10
DEFAULT_FRAMES = 14
AUTO = "auto"

# The brief runs of ``runtime auto``: never longer than the full run they choose for.
PROBE_WARMUP_MS = 100.0
PROBE_DURATION_S = 0.5
PROBE_ITERATIONS = 3


@dataclass
class MeasureRequest:
    """One measurement: timing settings, the runtime (``auto``: fastest parity-checked artifact) and the meter."""

    model_id: Optional[str] = None  # id in the result (default: the bundle's id, else the file name)
    runtime: Optional[str] = None  # None: from the file suffix (a bundle: auto) | auto | onnxruntime | litert | tensorrt
    precision: Optional[str] = None  # pick the bundle artifact of this precision; label of a bare file
    layout: Optional[str] = None  # NCHW | NHWC of the file (default: detected)
    threads: Optional[int] = None
    warmup_ms: float = DEFAULT_WARMUP_MS
    duration_s: float = DEFAULT_DURATION_S
    iterations: int = DEFAULT_MIN_ITERATIONS  # minimum timed iterations; the window meets both minimums
    frames: int = DEFAULT_FRAMES
    end_to_end: bool = False  # RGB frames through colour conversion, the model on Y and bicubic chroma
    chroma: str = "auto"  # chroma upscaler of the end-to-end path: auto | numpy | cv2
    input_size: Optional[Tuple[int, int]] = None  # LR (h, w); default the file's static size, else Full HD / scale
    scale: Optional[int] = None  # default: the bundle manifest's scale
    seed: int = 0
    power: str = "auto"  # meter name: auto | none | rapl | ina3221 | tegrastats | nvml | external:PATH
    idle_s: float = 0.0  # idle power baseline before the run (shown beside, never subtracted)
    runner_options: dict = field(default_factory=dict)  # providers (onnxruntime), xnnpack (litert), api (tensorrt)

    def validate(self):
        """EdgesrError naming the bad setting, else self."""
        for name in ("warmup_ms", "duration_s", "idle_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise EdgesrError("bad timing setting %s=%r" % (name, value),
                                  "--%s takes a finite number >= 0" % name.replace("_", "-"))
        if self.frames < 1 or self.iterations < 1 or self.duration_s < 0 or self.warmup_ms < 0:
            raise EdgesrError("bad timing settings", "--frames and --iterations must be >= 1, --duration-s and "
                                                     "--warmup-ms >= 0")
        if self.threads is not None and self.threads < 1:
            raise EdgesrError("--threads must be >= 1", "leave it out to use the runtime's default")
        return self

    def settings(self):
        """The ``settings`` object of the result."""
        return {"warmup_ms": self.warmup_ms, "duration_s": self.duration_s, "min_iterations": self.iterations,
                "frames": self.frames, "seed": self.seed, "idle_s": self.idle_s}

    def probe(self):
        """The same request as a brief ``auto`` run: shorter, no idle baseline."""
        return dataclasses.replace(self, warmup_ms=min(PROBE_WARMUP_MS, self.warmup_ms),
                                   duration_s=min(PROBE_DURATION_S, self.duration_s), iterations=PROBE_ITERATIONS,
                                   idle_s=0.0)
