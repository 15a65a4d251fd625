"""Validation PSNR/SSIM of the module being trained, with the evaluation's own code.

The pairs come from ``edgesr.eval.prepare`` and the scores from ``edgesr.eval.evaluate``, the code
behind ``edgesr eval``; the module runs in float32 on the CPU as ``edgesr eval --runtime torch``
runs it, so a validation PSNR is the number ``edgesr eval`` gives for the same weights.
"""

from edgesr.eval.datasets import image_files, resolve_dataset
from edgesr.eval.evaluate import evaluate
from edgesr.eval.predictors import module_predictor
from edgesr.eval.prepare import prepared


class Validator:
    """``validator(module)`` → {dataset: {"psnr", "ssim"}} on the prepared validation datasets."""

    def __init__(self, spec, scale, luma):
        self.datasets = []
        for part in (p.strip() for p in spec.split(",")):
            if part:
                dataset = resolve_dataset(part)
                image_files(dataset)  # an empty folder is an error before training starts
                self.datasets.append(dataset)
        self.scale, self.luma = scale, luma

    @property
    def keys(self):
        return [d.key for d in self.datasets]

    def __call__(self, module):
        was_training = module.training
        module.eval()
        try:
            predict = module_predictor(module)
            scores = {}
            for dataset in self.datasets:
                result = evaluate(predict, prepared(dataset, self.scale, self.luma))
                scores[dataset.key] = {"psnr": result["psnr"], "ssim": result["ssim"]}
            return scores
        finally:
            module.train(was_training)
