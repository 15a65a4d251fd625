"""``edgesr train``: train or fine-tune a model on an image folder (docs/training.md).

One job per module: ``patches`` (random LR/HR luma patch pairs degraded with the evaluation's
protocol), ``validation`` (PSNR on Set5/Set14 with the evaluation code), ``checkpoint`` (atomic
save/resume of everything a step depends on), ``run_files`` (the trained-run format other
commands read: model.json, weights, sha256 manifest), ``curves`` (log CSV and loss/PSNR figure),
``config`` (the options that define a run), ``initial`` (the eSR families' published initial
weights), ``loop`` (the training loop tying them together).
"""
