"""The edge-SR model zoo: ``list_models``, ``get_config``, ``create_model``."""

from edgesr.models.build import build_module, count_parameters, create_model
from edgesr.models.registry import (
    DATASETS,
    FAMILIES,
    ModelConfig,
    PaperMetrics,
    get_config,
    list_models,
    parse_model_id,
    resolve_models,
)

__all__ = [
    "DATASETS",
    "FAMILIES",
    "ModelConfig",
    "PaperMetrics",
    "build_module",
    "count_parameters",
    "create_model",
    "get_config",
    "list_models",
    "parse_model_id",
    "resolve_models",
]
