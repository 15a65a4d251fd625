"""Upscale images with an edge-SR model. Gray images go through the model; colour images are converted
to YCbCr, the model upscales Y and Cb/Cr are upscaled bicubically. Outputs are 8-bit PNGs named
<stem>_<model>.png in --out; inputs are never overwritten. Unreadable files are reported and skipped;
the exit code is 1 if any failed.

``edgesr upscale INPUT... --model ID [--out DIR] [--tile N] [--border replicate|reflect|zero]``.
"""

import sys

from edgesr.imaging import BORDERS
from edgesr_runtime.errors import EdgesrError


def add_parser(subparsers):
    p = subparsers.add_parser("upscale", help="upscale image files, folders or globs with a zoo model or your own",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders of images, or globs")
    p.add_argument("--model", "-m", required=True,
                   help="model id, e.g. eSR-TM_s2_K7_C16 (see `edgesr models`), or a model spec: module:factory, "
                        "file.py:factory, a trained run folder (README: Your own models; a non-convolutional "
                        "one runs untiled)")
    p.add_argument("--out", "-o", default="edgesr-out", help="output folder (default: ./edgesr-out)")
    p.add_argument("--weights-dir", help="folder with the authors' .model files (default: search order, see README)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="torch device (default: cpu)")
    p.add_argument("--tile", type=int, default=512, help="LR tile size for large images; 0 = whole image (default 512)")
    p.add_argument("--border", default="replicate", choices=BORDERS,
                   help="what the model sees beyond the image edge: replicate (default) or reflect the edge pixels "
                        "(LR input padded by the model's receptive radius, output cropped), or zero (the model's "
                        "own zero padding, as trained and evaluated)")
    p.set_defaults(func=run)


def run(args):
    from edgesr.models.source import resolve
    from edgesr.upscale import upscale_files

    resolve(args.model, args.weights_dir)  # unknown id or broken spec: one line before any work
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise EdgesrError("--device cuda: torch sees no CUDA GPU", "use --device cpu")
    report = upscale_files(args.inputs, args.model, args.out, args.weights_dir, args.device, args.tile,
                           border=args.border)
    for path in report.written:
        print(path)
    for _, reason in report.failed:
        print("edgesr: skipped %s" % reason, file=sys.stderr)
    if report.failed:
        print("edgesr: %d written, %d failed" % (len(report.written), len(report.failed)), file=sys.stderr)
        return 1
    return 0
