"""Build the nn.Module of a config, and create models with verified pretrained weights."""

from torch import nn

from edgesr.models.families import FAMILY_RECORDS
from edgesr.models.registry import ModelConfig, get_config
from edgesr.weights import load_state_dict


def build_module(config: ModelConfig) -> nn.Module:
    """An untrained module of the config's architecture (eval mode)."""
    return FAMILY_RECORDS[config.family].build(config).eval()


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def create_model(model_id, pretrained=True, weights_dir=None) -> nn.Module:
    """The module for ``model_id`` in eval mode, with the authors' verified weights when pretrained.

    ``weights_dir`` overrides the search order (see ``edgesr.weights``).
    """
    config = get_config(model_id)
    module = build_module(config)
    if pretrained:
        load_state_dict(module, model_id, weights_dir=weights_dir)
    module.config = config
    return module
