"""``edgesr models [GLOB] [--json]``: list the zoo with the paper's headline numbers."""

import json

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.textable import format_table


def add_parser(subparsers):
    p = subparsers.add_parser(
        "models",
        help="list model ids (fnmatch glob) with family, scale, parameters and the paper's numbers",
        description="List the 1185 edge-SR architectures. GLOB is an fnmatch pattern, e.g. 'eSR-TM_s2_*'.",
    )
    p.add_argument("glob", nargs="?", default="*", help="id pattern (default: all)")
    p.add_argument("--family", help="only this family (Bicubic, eSR-MAX, eSR-TM, eSR-TR, eSR-CNN, ESPCN, FSRCNN)")
    p.add_argument("--scale", type=int, choices=(2, 3, 4), help="only this scale")
    p.add_argument("--json", action="store_true", help="print JSON (one array of objects) instead of a table")
    p.set_defaults(func=run)


def _record(config):
    paper = config.paper
    return {
        "id": config.model_id,
        "family": config.family,
        "scale": config.scale,
        **config.hyperparameters,
        "paper": {
            "parameters": paper.parameters,
            "psnr_db": paper.psnr_db,
            "ssim": paper.ssim,
            "speed_agx_fps": paper.speed_agx_fps,
            "power_agx_mw": paper.power_agx_mw,
            "speed_rpi_fps": paper.speed_rpi_fps,
            "usage_rpi_pct": paper.usage_rpi_pct,
            "speed_maxq_fps": paper.speed_maxq_fps,
            "power_maxq_w": paper.power_maxq_w,
        },
    }


def run(args):
    from edgesr.models import FAMILIES, get_config, list_models

    if args.family and args.family not in FAMILIES:
        raise EdgesrError("unknown family %r" % args.family, "use one of " + ", ".join(FAMILIES))
    if not any(ch in args.glob for ch in "*?["):
        get_config(args.glob)  # a plain id: did-you-mean error when unknown
    ids = list_models(args.glob, family=args.family, scale=args.scale)
    if not ids:
        raise EdgesrError("no model id matches %r" % args.glob, "try a glob like 'eSR-TM_s2_*'")
    configs = [get_config(i) for i in ids]
    if args.json:
        print(json.dumps([_record(c) for c in configs], indent=1))
        return 0
    header = ("id", "family", "scale", "params", "PSNR Set14", "AGX fps", "RPI fps")
    rows = [
        (c.model_id, c.family, "x%d" % c.scale, str(c.paper.parameters), "%.2f" % c.paper.psnr_db["Set14"],
         "%.1f" % c.paper.speed_agx_fps, "%.2f" % c.paper.speed_rpi_fps)
        for c in configs
    ]
    print(format_table(header, rows, right=range(2, len(header))))
    print("%d models (paper: PSNR in dB on Set14, Full-HD output frames/s on Jetson AGX Xavier and Raspberry Pi 400)"
          % len(rows))
    return 0
