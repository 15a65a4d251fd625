"""Argument groups shared by the device commands and ``edgesr bench`` / ``edgesr sweep``: timing, power,
store, device label, shard. Each ``add_*`` adds its options; ``request_fields`` reads them back."""

import argparse
import math
import os
import re

from ..errors import EdgesrError
from ..harness.request import DEFAULT_DURATION_S, DEFAULT_FRAMES, DEFAULT_MIN_ITERATIONS, DEFAULT_WARMUP_MS

DEFAULT_STORE = "edgesr-results.db"
STORE_ENV = "EDGESR_STORE"  # the host CLI's default store
POWER_HELP = "power meter: auto|none|rapl|ina3221|tegrastats|nvml|external:PATH (default %(default)s)"


def non_negative_number(text):
    """argparse type: a finite number >= 0 (nan, inf and negatives are refused: they would hang or mean nothing)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % (text,)) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError("%r must be a finite number >= 0" % (text,))
    return value


def add_timing_options(parser, warmup_ms=DEFAULT_WARMUP_MS, duration_s=DEFAULT_DURATION_S,
                       iterations=DEFAULT_MIN_ITERATIONS, frames=DEFAULT_FRAMES):
    """--threads, --warmup-ms, --duration-s, --iterations and (unless ``frames`` is None) --frames."""
    group = parser.add_argument_group("timing")
    group.add_argument("--threads", type=int, help="CPU threads of the runtime (default: the runtime's own)")
    group.add_argument("--warmup-ms", type=non_negative_number, default=warmup_ms,
                       help="time-based warm-up before timing, not in the trace (default %(default)s)")
    group.add_argument("--duration-s", type=non_negative_number, default=duration_s,
                       help="minimum timed duration in seconds (default %(default)s)")
    group.add_argument("--iterations", type=int, default=iterations,
                       help="minimum timed iterations; both minimums must be met (default %(default)s)")
    if frames is not None:
        group.add_argument("--frames", type=int, default=frames,
                           help="distinct input frames, cycled (default %(default)s, as the paper's 14 Full-HD "
                                "outputs)")
    return group


def add_power_options(parser, idle=False):
    """--power (and --idle-s with ``idle``)."""
    group = parser.add_argument_group("power")
    group.add_argument("--power", default="auto", help=POWER_HELP)
    if idle:
        group.add_argument("--idle-s", type=non_negative_number, default=0.0,
                           help="measure an idle power baseline for this many seconds first (shown beside, "
                                "never subtracted)")
    return group


def add_store_option(parser, default=DEFAULT_STORE, env=None, can_skip=False):
    """--store (default ``default``, or $``env`` when that is set); with ``can_skip`` also --no-store."""
    if env and os.environ.get(env):
        default = os.environ[env]
    where = "none" if default is None else ("$%s, else ./%s" % (env, default) if env else default)
    parser.add_argument("--store", default=default,
                        help="SQLite results store; latency rows are keyed by model, runtime, precision, device "
                             "and dataset=MODE:HxW[/tTHREADS], errors stored as kind=failure (default %s)" % where)
    if can_skip:
        parser.add_argument("--no-store", dest="store", action="store_const", const=None, help="write no store row")


def add_device_option(parser):
    parser.add_argument("--device", help="device label for the store key (default: the board model, else the "
                                         "host name)")


def add_shard_option(parser, items="bundle"):
    parser.add_argument("--shard", help="i/n: only every n-th %s starting at the i-th (split across machines; "
                                        "merge stores with `edgesr results merge`)" % items)


def request_fields(args):
    """The MeasureRequest fields the shared groups set (those this parser has)."""
    names = ("threads", "warmup_ms", "duration_s", "iterations", "frames", "power", "idle_s")
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def parse_shard(text):
    """'i/n' (1 <= i <= n) → (i, n); None for None; EdgesrError otherwise."""
    if text is None:
        return None
    match = re.match(r"^\s*(\d+)\s*/\s*(\d+)\s*$", str(text))
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise EdgesrError("bad --shard %r" % (text,), "use i/n with 1 <= i <= n, e.g. --shard 2/4")
    return int(match.group(1)), int(match.group(2))


def select_shard(items, shard):
    """The items of shard (i, n): every n-th of the sorted items starting at i-1 (deterministic, balanced)."""
    if shard is None:
        return sorted(items)
    index, count = shard
    return sorted(items)[index - 1::count]
