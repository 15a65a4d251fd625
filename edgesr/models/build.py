"""Build the nn.Module of a config, and create models with verified pretrained weights."""

from torch import nn

from edgesr.models import families
from edgesr.models.registry import ModelConfig, get_config


def build_module(config: ModelConfig) -> nn.Module:
    """An untrained module of the config's architecture (eval mode)."""
    builders = {
        "Bicubic": lambda c: families.Bicubic(c.scale),
        "eSR-MAX": lambda c: families.ESRMax(c.scale, c.kernel, c.channels),
        "eSR-TM": lambda c: families.ESRTemplateMatching(c.scale, c.kernel, c.channels),
        "eSR-TR": lambda c: families.ESRTransformer(c.scale, c.kernel, c.channels),
        "eSR-CNN": lambda c: families.ESRCNN(c.scale, c.channels, c.depth, c.features),
        "ESPCN": lambda c: families.ESPCN(c.scale, c.depth, c.features),
        "FSRCNN": lambda c: families.FSRCNN(c.scale, c.depth, c.features, c.maps),
    }
    return builders[config.family](config).eval()


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def create_model(model_id, pretrained=True, weights_dir=None) -> nn.Module:
    """The module for ``model_id`` in eval mode, with the authors' verified weights when pretrained.

    ``weights_dir`` overrides the search order (see ``edgesr.weights``).
    """
    config = get_config(model_id)
    module = build_module(config)
    if pretrained:
        from edgesr.weights import load_state_dict

        load_state_dict(module, model_id, weights_dir=weights_dir)
    module.config = config
    return module
