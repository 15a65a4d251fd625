"""The zoo's side of export: describe a zoo model to ``edgesr_export`` and build its module on demand.

edgesr_export takes a PyTorch module plus a ``ModelDescription`` and knows nothing of the zoo; this
module is the one place where zoo ids become those two things. ``export_sources`` does the same for
any resolved ``edgesr.models.source.ModelSource`` (zoo, user factory or trained run).
"""

import edgesr
from edgesr.models import ModelConfig, create_model, get_config
from edgesr_export import batch, exporter
from edgesr_export.description import ModelDescription

CREDIT = {"author": "edgesr export (weights: pnavarre/eSR, WACV 2022 edge-SR)"}


def describe(model):
    """The ModelDescription of a zoo model, given its id or its ModelConfig (unknown id: EdgesrError)."""
    config = model if isinstance(model, ModelConfig) else get_config(model)
    return ModelDescription(config.model_id, config.family, config.scale, producer_version=edgesr.__version__,
                            hyperparameters=config.hyperparameters, metadata=dict(CREDIT))


def build(description, weights_dir=None):
    """The pretrained zoo module of ``description`` (weights looked up as ``edgesr.weights`` says)."""
    return create_model(description.model_id, weights_dir=weights_dir)


def export_zoo_model(model_id, target, out_dir, options=None, weights_dir=None, force=False, log=None):
    """``edgesr_export.export_bundle`` of one zoo model; errors raise (EdgesrError for bad input)."""
    description = describe(model_id)
    return exporter.export_bundle(build(description, weights_dir), description, target, out_dir, options,
                                  force=force, log=log)


def export_sources(sources, target, out_dir, options=None, force=False, store=None, progress=True, log=print):
    """``edgesr_export.export_models`` over resolved ModelSources: a BatchReport; modules built one at a time."""
    by_id = {source.model_id: source for source in sources}
    return batch.export_models([source.description() for source in sources],
                               lambda description: by_id[description.model_id].build(), target, out_dir, options,
                               force=force, store=store, progress=progress, log=log)
