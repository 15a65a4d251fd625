"""The model registry: the paper's 1185 ids, a typed config per id, and the paper's published metrics.

The grid is the key set of the paper's results table (shipped as ``edgesr/data/paper_results.json``);
each id is parsed into its family and hyper-parameters by the family records that the classes of
``edgesr.models.families`` register. Look-ups of unknown ids raise a did-you-mean EdgesrError.
"""

import difflib
import fnmatch
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Dict, List, Optional

from edgesr.models.families import FAMILY_RECORDS
from edgesr_runtime.errors import EdgesrError

DATASETS = ("Set5", "Set14", "BSDS100", "Urban100", "Manga109")

FAMILIES = tuple(FAMILY_RECORDS)  # the paper's order


@dataclass(frozen=True)
class PaperMetrics:
    """The paper's published numbers for one model; field names carry the units."""

    psnr_db: Dict[str, float]
    ssim: Dict[str, float]
    lpips: Dict[str, float]
    parameters: int
    speed_agx_fps: float  # Full-HD output frames/s, Jetson AGX Xavier (FP16)
    power_agx_mw: float
    speed_maxq_fps: float  # GTX 1080 Max-Q
    power_maxq_w: float
    temperature_maxq_c: float
    memory_maxq_mb: float
    speed_rpi_fps: float  # Raspberry Pi 400
    usage_rpi_pct: float  # % CPU, 400 = all 4 cores

    @classmethod
    def from_record(cls, record):
        return cls(
            psnr_db={d: record["psnr_" + d] for d in DATASETS},
            ssim={d: record["ssim_" + d] for d in DATASETS},
            lpips={d: record["lpips_" + d] for d in DATASETS},
            parameters=int(record["parameters"]),
            speed_agx_fps=record["speed_AGX"],
            power_agx_mw=record["power_AGX"],
            speed_maxq_fps=record["speed_MaxQ"],
            power_maxq_w=record["power_MaxQ"],
            temperature_maxq_c=record["temperature_MaxQ"],
            memory_maxq_mb=record["memory_MaxQ"],
            speed_rpi_fps=record["speed_RPI"],
            usage_rpi_pct=record["usage_RPI"],
        )


@dataclass(frozen=True)
class ModelConfig:
    """Typed description of one architecture: family, scale and hyper-parameters (K, C, D, S, M)."""

    model_id: str
    family: str
    scale: int
    kernel: Optional[int] = None  # K: filter size of the one-layer eSR models
    channels: Optional[int] = None  # C: attention channels
    depth: Optional[int] = None  # D: first-layer features (0 = absent for ESPCN)
    features: Optional[int] = None  # S: second-layer / shrink features
    maps: Optional[int] = None  # M: FSRCNN mapping layers
    paper: Optional[PaperMetrics] = field(default=None, compare=False, repr=False)

    @property
    def hyperparameters(self):
        """The non-None hyper-parameters as a dict, in the id's order."""
        names = ("kernel", "channels", "depth", "features", "maps")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def parse_model_id(model_id):
    """Parse an id into a ModelConfig without the paper metrics; None when the id is malformed."""
    for family, record in FAMILY_RECORDS.items():
        match = re.fullmatch(record.id_pattern, model_id)
        if match:
            values = {k: int(v) for k, v in match.groupdict().items()}
            return ModelConfig(model_id=model_id, family=family, **values)
    return None


@functools.lru_cache(maxsize=1)
def _paper_records():
    text = resources.files("edgesr").joinpath("data/paper_results.json").read_text()
    return json.loads(text)


@functools.lru_cache(maxsize=1)
def _registry():
    configs = {}
    for model_id, record in sorted(_paper_records().items()):
        parsed = parse_model_id(model_id)
        if parsed is None:  # the shipped table is the grid; a bad key is a packaging bug
            raise RuntimeError("paper_results.json holds an id edgesr cannot parse: %r" % model_id)
        configs[model_id] = ModelConfig(**{**parsed.__dict__, "paper": PaperMetrics.from_record(record)})
    return configs


def _family_rank(model_id):
    return FAMILIES.index(_registry()[model_id].family)


def list_models(pattern="*", family=None, scale=None) -> List[str]:
    """Ids matching an fnmatch glob (e.g. ``"eSR-TM_s2_*"``), optionally filtered by family and scale.

    Ordered by family (as in the paper), then by id.
    """
    registry = _registry()
    ids = [
        i
        for i in fnmatch.filter(registry, pattern)
        if (family is None or registry[i].family == family) and (scale is None or registry[i].scale == scale)
    ]
    return sorted(ids, key=lambda i: (_family_rank(i), _natural_key(i)))


def _natural_key(model_id):
    """Sort key that orders C2 before C10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", model_id)]


def get_config(model_id) -> ModelConfig:
    """The config of one id; an unknown or malformed id raises EdgesrError with did-you-mean hints."""
    registry = _registry()
    if model_id in registry:
        return registry[model_id]
    raise EdgesrError(_unknown_id_message(model_id), "list the ids with `edgesr models`")


def resolve_models(pattern) -> List[str]:
    """Ids for a comma-separated list of ids or globs; a part that matches nothing is an error."""
    ids = []
    for part in (p.strip() for p in str(pattern).split(",")):
        if not part:
            continue
        matched = list_models(part) if any(ch in part for ch in "*?[") else [get_config(part).model_id]
        if not matched:
            raise EdgesrError("no model id matches %r" % part, "try a glob like 'eSR-TM_s2_*' or `edgesr models`")
        ids.extend(i for i in matched if i not in ids)
    if not ids:
        raise EdgesrError("no model ids given", "pass an id or a glob, e.g. --models 'eSR-TM_s2_*'")
    return ids


def _unknown_id_message(model_id):
    close = difflib.get_close_matches(model_id, list(_registry()), n=3, cutoff=0.6)
    what = "unknown model id %r" % model_id
    if parse_model_id(model_id) is None:
        what = "malformed model id %r (ids look like eSR-TM_s2_K7_C16)" % model_id
    if close:
        what += "; did you mean %s?" % " or ".join(repr(c) for c in close)
    return what
