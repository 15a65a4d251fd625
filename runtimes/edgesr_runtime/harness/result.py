"""The typed result of one measurement; ``to_dict()`` is the ``edgesr-bench/1`` JSON object."""

import datetime
import json
from dataclasses import dataclass, field, fields
from typing import List, Optional

from .. import stats
from ..environment import process_environment

SCHEMA = "edgesr-bench/1"


@dataclass
class BenchResult:
    """One measured run. ``auto`` is the runtime choice (``runtime auto`` only); ``extra`` holds fields a
    caller adds to the JSON object (the host: target, bundle, export; the sweep: its command)."""

    model: str
    runtime: str
    precision: str
    artifact: Optional[str]
    mode: str  # "model" | "end-to-end"
    input_shape: List[int]
    output_shape: List[int]
    threads: Optional[int]
    latency_ms: dict
    fps: float
    iterations: int
    warmup: dict
    duration_s: float
    cpu_usage_pct: Optional[float]
    peak_rss_mb: Optional[float]
    power_w: Optional[float]
    energy_mj_per_frame: Optional[float]
    power: Optional[dict]
    idle_power_w: Optional[float]
    idle_power: Optional[dict]
    settings: dict
    runner: dict
    pipeline: Optional[dict]
    trace_ms: List[float]
    environment: dict
    created_at: str
    schema: str = SCHEMA
    auto: Optional[dict] = None
    extra: dict = field(default_factory=dict)

    def to_dict(self):
        """The ``edgesr-bench/1`` JSON object (``auto`` only when set, then ``extra``'s fields)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("auto", "extra")}
        if self.auto is not None:
            data["auto"] = self.auto
        data.update(self.extra)
        return data

    def to_json(self):
        return to_json(self.to_dict())


def to_json(data):
    """A result object as indented JSON (numpy values become lists / numbers, anything else its str)."""
    return json.dumps(data, indent=1, sort_keys=True,
                      default=lambda value: value.tolist() if hasattr(value, "tolist") else str(value))


def _power_fields(power, iterations):
    """power_w and energy_mj_per_frame: numbers only from an ``ok`` reading, else None (never 0)."""
    if power is None or power.status != "ok" or power.avg_w is None:
        return None, None
    energy_j = power.energy_j if power.energy_j is not None else power.avg_w * power.duration_s
    return power.avg_w, 1000.0 * energy_j / iterations


def build_result(runner, timing, input_shape, output_shape, model_id=None, artifact=None, settings=None,
                 pipeline=None, idle=None):
    """The BenchResult of one measured run (a Timing of ``runner``)."""
    latency = stats.summarize(timing.trace_ms)
    power_w, energy = _power_fields(timing.power, len(timing.trace_ms))
    return BenchResult(
        model=model_id or runner.name,
        runtime=runner.runtime,
        precision=runner.precision,
        artifact=artifact,
        mode="end-to-end" if pipeline is not None else "model",
        input_shape=list(input_shape),
        output_shape=list(output_shape),
        threads=runner.threads,
        latency_ms=latency,
        fps=stats.fps(latency["mean"]),
        iterations=len(timing.trace_ms),
        warmup={"iterations": timing.warmup_iterations, "elapsed_ms": timing.warmup_elapsed_ms},
        duration_s=timing.duration_s,
        cpu_usage_pct=stats.cpu_usage_pct(timing.cpu_s, timing.duration_s),
        peak_rss_mb=stats.peak_rss_mb(),
        power_w=power_w,
        energy_mj_per_frame=energy,
        power=timing.power.to_dict() if timing.power is not None else None,
        idle_power_w=idle.avg_w if idle is not None and idle.status == "ok" else None,
        idle_power=idle.to_dict() if idle is not None else None,
        settings=dict(settings or {}),
        runner=runner.describe(),
        pipeline=pipeline.describe() if pipeline is not None else None,
        trace_ms=[round(t, 6) for t in timing.trace_ms],
        environment=process_environment(),
        created_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
