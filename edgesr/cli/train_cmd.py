"""``edgesr train``: train or fine-tune a model on a folder of images (docs/training.md)."""

import argparse
import json
import os
import sys

from edgesr_runtime.errors import EdgesrError

DESCRIPTION = """\
Train a model from scratch (default) or fine-tune it (--init pretrained) on a folder of images.
Each step draws random LR/HR luma patch pairs: the HR patch from a random image (T91, or any
DIV2K-style folder of HR images), its LR made with the evaluation's exact MATLAB-bicubic downscale,
flipped/rotated at random. Adam minimises the L1 or L2 loss under a cosine, step or constant
learning-rate schedule. Every --val-every steps the model is scored on the --val datasets with the
evaluation's protocol (the PSNR `edgesr eval` reports); every --checkpoint-every steps a checkpoint
is written atomically. Rerunning the same command after a kill resumes from the last checkpoint.

OUT ends up holding: model.json + <weights>.model + weights.sha256 (the final weights; a zoo
architecture's file is named <zoo id>.model, so `--models <zoo id> --weights-dir OUT` loads it),
best/ (the same for the best validation step), log.csv, curves.png, train.json, checkpoint.pt.
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train or fine-tune a zoo model or your own module on an image folder",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True,
                   help="what to train: a zoo id (eSR-MAX_s2_K3_C2), a module spec, or a trained run folder")
    p.add_argument("--data", required=True,
                   help="folder of training images, or a dataset name under ../shared/datasets (T91)")
    p.add_argument("--out", required=True, help="run folder (new or empty; an existing run is resumed)")
    p.add_argument("--init", choices=("scratch", "pretrained"), default="scratch",
                   help="scratch: fresh weights (the eSR-MAX/TM/TR/CNN families start as their authors' code "
                   "starts them: Xavier-normal filters with centre tap 1); pretrained: the model's own weights "
                   "(the authors' for a zoo id, the run's for a trained run folder)")
    p.add_argument("--steps", type=int, default=20000, help="optimizer steps")
    p.add_argument("--batch", type=int, default=16, help="patch pairs per step")
    p.add_argument("--patch", type=int, default=32, help="LR patch side in pixels (the HR patch is patch x scale)")
    p.add_argument("--context", type=int, default=-1,
                   help="LR pixels of image around each patch that the model sees but the loss leaves out, so "
                   "patch borders do not train the model on its zero padding (default: its receptive radius)")
    p.add_argument("--loss", choices=("l1", "l2"), default="l1", help="training loss")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate")
    p.add_argument("--schedule", choices=("cosine", "step", "constant"), default="cosine",
                   help="cosine: decays to --lr-min at the last step; step: halves every --lr-step steps")
    p.add_argument("--lr-min", type=float, default=1e-5, help="final learning rate of the cosine schedule")
    p.add_argument("--lr-step", type=int, default=0, help="step schedule's interval (default: steps / 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial weights and the patch sampling")
    p.add_argument("--no-augment", action="store_true", help="no random flips and 90-degree rotations")
    p.add_argument("--luma", choices=("paper", "standard"), default="paper",
                   help="colour-to-luma weights, as in `edgesr eval` (paper: reproduces the paper's PSNR)")
    p.add_argument("--val", default="Set5,Set14",
                   help="validation datasets (names or folders, comma-separated); 'none' for no validation")
    p.add_argument("--val-every", type=int, default=1000, help="validate every this many steps (and at the end)")
    p.add_argument("--log-every", type=int, default=100, help="log the mean loss every this many steps")
    p.add_argument("--checkpoint-every", type=int, default=1000, help="write a checkpoint every this many steps")
    p.add_argument("--name", default="",
                   help="the trained model's label in model.json (default <model>@<OUT folder name>)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's choice; 1 makes runs bit-reproducible)")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop after N steps of this invocation (checkpoint written); rerun to continue")
    p.add_argument("--weights-dir", help="folder holding the authors' .model files (for --init pretrained)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args):
    from edgesr.eval.datasets import resolve_dataset
    from edgesr.train.config import TrainConfig
    from edgesr.train.loop import RunOptions, train

    for name in ("checkpoint_every", "threads", "stop_after"):
        value = getattr(args, name)
        if value is not None and value < 1:
            flag = "--" + name.replace("_", "-")
            raise EdgesrError("%s must be at least 1, got %d" % (flag, value), "pass a positive %s" % flag)
    config = TrainConfig(
        model=args.model.strip(), data=resolve_dataset(args.data).key, init=args.init, steps=args.steps,
        batch=args.batch, patch=args.patch, context=args.context, loss=args.loss, lr=args.lr,
        schedule=args.schedule, lr_min=args.lr_min, lr_step=args.lr_step, seed=args.seed,
        augment=not args.no_augment, luma=args.luma,
        val="" if args.val.strip().lower() == "none" else args.val, val_every=args.val_every,
        log_every=args.log_every, name=args.name)
    options = RunOptions(out=os.path.abspath(args.out), threads=args.threads, checkpoint_every=args.checkpoint_every,
                         stop_after=args.stop_after, progress=not args.no_progress, weights_dir=args.weights_dir,
                         notes=_note)
    record = train(config, options)
    if record is None:
        return 0
    _note("trained %s: %s" % (record["model_id"], json.dumps(record["trained"]["val_psnr_final"])))
    _note("weights in %s: use --model %s with the other commands" % (args.out, args.out))
    if record["weights"] == record["architecture"] + ".model":
        _note("or the zoo id with these weights: --models %s --weights-dir %s" % (record["architecture"], args.out))
    return 0


def _note(text):
    print("edgesr: " + text, file=sys.stderr)
