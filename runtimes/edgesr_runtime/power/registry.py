"""Pick a power meter by name: ``open_meter("auto" | "none" | "ina3221" | ... | "external:PATH")``."""

import inspect
from collections import OrderedDict

from ..errors import EdgesrError
from .external import ExternalCsvMeter
from .ina3221 import Ina3221Meter
from .none import NoneMeter
from .nvml import NvmlMeter
from .rapl import RaplMeter
from .tegrastats import TegrastatsMeter

# The order ``auto`` tries them in: the most complete board measurement first.
METERS = OrderedDict((
    ("ina3221", Ina3221Meter),
    ("tegrastats", TegrastatsMeter),
    ("nvml", NvmlMeter),
    ("rapl", RaplMeter),
))
SPECS = "auto, none, ina3221, tegrastats, nvml, rapl, external:PATH"


def _accepted(cls):
    params = inspect.signature(cls.__init__).parameters
    return set(name for name in params if name != "self")


def _options_for(cls, options):
    accepted = _accepted(cls)
    return dict((k, v) for k, v in options.items() if k in accepted)


def _check_options(options):
    known = set()
    for cls in list(METERS.values()) + [ExternalCsvMeter]:
        known |= _accepted(cls)
    unknown = sorted(set(options) - known)
    if unknown:
        raise EdgesrError("unknown power meter option(s): %s" % ", ".join(unknown),
                          "known options: %s" % ", ".join(sorted(known - {"path"})))


def _try(name, options):
    """``(meter, None)`` if meter ``name`` really works here, else ``(None, EdgesrError)``."""
    cls = METERS[name]
    try:
        meter = cls(**_options_for(cls, options))
    except EdgesrError as exc:
        return None, exc
    try:
        meter.check()
    except EdgesrError as exc:
        meter.close()
        return None, exc
    return meter, None


def open_meter(spec, **options):
    """A PowerMeter for ``spec``. Raises EdgesrError for an explicit meter whose sensor is absent.

    Options go to the meters that take them: ``root`` (filesystem root for /sys and /proc, for
    tests), ``interval_s``, ``model``, ``rails``, ``binary``, ``device_index``, ``method``,
    ``domains``, ``wait_s``.
    """
    _check_options(options)
    spec = (spec or "none").strip()
    if spec == "none":
        return NoneMeter()
    if spec == "auto":
        reasons = []
        for name in METERS:
            meter, why = _try(name, options)
            if meter is not None:
                return meter
            reasons.append(why.problem)
        return NoneMeter("auto: no power meter works here (%s)" % "; ".join(reasons))
    if spec.startswith("external:"):
        return ExternalCsvMeter(spec[len("external:"):], **_options_for(ExternalCsvMeter, options))
    if spec in METERS:
        cls = METERS[spec]
        return cls(**_options_for(cls, options))
    raise EdgesrError("unknown power meter %r" % spec, "use one of: %s" % SPECS)


def available_meters(**options):
    """``[(name, ok, reason)]`` for every meter, in ``auto`` order; ``reason`` names the source when ok."""
    _check_options(options)
    found = []
    for name in METERS:
        meter, why = _try(name, options)
        if meter is not None:
            found.append((name, True, meter.source))
            meter.close()
        else:
            found.append((name, False, str(why)))
    found.append(("external", False, "needs external:PATH, a timestamp,watts CSV from a USB power meter"))
    found.append(("none", True, "always available; measures nothing"))
    return found
