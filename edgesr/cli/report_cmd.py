"""Join results stores (SQLite) and bench JSON files (one object, an array, or JSON lines) with the
paper's published numbers and write figures per scale and device, Pareto tables, rank correlation with
the paper's speeds, energy per frame, the environment and the reproducing command. With no input, the
report shows the paper's numbers only.

``edgesr report [STORE|JSON ...] --out DIR``: HTML, Markdown, CSV/Parquet and figures.
"""

import os

DATASET_HELP = ("PSNR dataset of the quality axis (default: Set14): Set5, Set14, BSDS100, Urban100, Manga109, or "
                "an evaluator tag such as Set14@standard-luma (compared with the paper's Set14)")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "report",
        help="the PSNR-vs-speed Pareto report of results stores / bench JSON beside the paper's numbers",
        description=__doc__.split("\n\n")[0])
    p.add_argument("inputs", nargs="*", metavar="STORE|JSON", help="results stores and/or bench JSON files")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created; files are overwritten)")
    p.add_argument("--dataset", default="Set14", help=DATASET_HELP)
    p.add_argument("--device", metavar="LABEL", help="only the measurements of this device label")
    p.add_argument("--runtime", metavar="R", help="only the measurements of this runtime (e.g. onnxruntime)")
    p.add_argument("--reference", metavar="STORE|JSON|CSV",
                   help="a reference run of the same models on the same machine (a results store, bench JSON or the "
                   "report.csv of an earlier report): adds speed-up per family, both runs' fronts per scale and "
                   "both runs' rank correlation with the paper")
    p.add_argument("--reference-label", metavar="TEXT", help="how the report names the reference run")
    p.add_argument("--formats", default="html,md,csv,png,parquet",
                   help="comma-separated subset of html,md,csv,png,svg,parquet (default: html,md,csv,png,parquet; "
                   "parquet is skipped with a note when pyarrow is missing)")
    p.set_defaults(func=run)


def run(args):
    import matplotlib

    matplotlib.use("Agg")
    from edgesr.report.build import build_report, parse_formats

    formats = parse_formats(args.formats)
    written = build_report(args.inputs, args.out, dataset=args.dataset, device=args.device, runtime=args.runtime,
                           formats=formats, reference=args.reference, reference_label=args.reference_label)
    for path in written:
        print(path)
    page = next((p for p in written if p.endswith(".html")), None) or next((p for p in written if p.endswith(".md")),
                                                                           None)
    if page:
        print("report: %s" % os.path.abspath(page))
    return 0
