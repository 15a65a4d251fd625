"""What a sweep is asked to do (plain data, no torch): the CLI builds it at start-up, ``edgesr.sweep`` runs it."""

from dataclasses import dataclass, field
from typing import List, Optional

DEVICE_TARGETS = ("jetson", "rpi")
EXECUTORS = ("local", "ray")


@dataclass
class SweepPlan:
    """Everything a sweep needs to know; defaults are a quick CPU sweep (shorter than trtexec's 3 s)."""

    models: List[str]  # model specs: zoo ids, module or file factories, trained runs
    target: str = "cpu"
    runtime: str = "auto"
    store: str = "edgesr-results.db"
    bundles_dir: str = "edgesr-bundles"
    datasets: List[str] = field(default_factory=lambda: ["Set14"])
    resolution: str = "1920x1080"
    threads: Optional[int] = None
    warmup_ms: float = 200.0
    duration_s: float = 1.0
    iterations: int = 3
    power: str = "auto"
    workers: int = 2
    device: Optional[str] = None
    weights_dir: Optional[str] = None
    graph: str = "optimised"  # export graph: optimised | reference (the literal module, to measure the gain)
    command: str = ""
    executor: str = "local"  # local | ray
    ray_address: Optional[str] = None  # None: start a local Ray instance
    device_resource: Optional[str] = None  # Ray resource of the timing nodes (default edgesr_timing)
    ray_retries: int = 3  # reruns of a Ray task whose node died
