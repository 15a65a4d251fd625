"""Resolve a model spec to something that builds its module: ``resolve(spec) -> ModelSource``.

Placeholder that handles zoo ids only; the full resolver (user modules, trained runs) replaces it.
"""

from dataclasses import dataclass
from typing import Optional

from torch import nn

from edgesr.models.build import create_model
from edgesr.models.registry import get_config


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: ``spec`` as given, ``model_id`` its label, ``kind`` 'zoo'|'user'|'trained'."""

    spec: str
    model_id: str
    scale: int
    kind: str
    pretrained: bool = True
    weights_dir: Optional[str] = None

    def build(self) -> nn.Module:
        """The module in eval mode, float32: with its weights, or freshly initialised when not pretrained."""
        return create_model(self.model_id, pretrained=self.pretrained, weights_dir=self.weights_dir)

    def description(self):
        return "%s (zoo, x%d%s)" % (self.model_id, self.scale, "" if self.pretrained else ", untrained")


def resolve(spec: str, weights_dir=None, pretrained=True) -> ModelSource:
    """The ModelSource of a zoo id; EdgesrError with did-you-mean hints for an unknown one."""
    config = get_config(str(spec).strip())
    return ModelSource(str(spec), config.model_id, config.scale, "zoo", pretrained,
                       None if weights_dir is None else str(weights_dir))
