"""Quality evaluation with the protocol that reproduces the paper's PSNR/SSIM (docs/evaluation.md).

Modules, one job each: ``imresize`` (MATLAB-compatible bicubic), ``protocol`` (luma, mod-crop, downscale,
shave, limited range), ``metrics`` (PSNR, SSIM), ``datasets`` (image folders), ``prepare`` (cached LR/HR
pairs), ``runtimes`` (torch / onnxruntime predictors), ``evaluate`` (one model on one dataset),
``jobs`` (process pool + results store), ``compare`` (deltas against the paper).
"""
