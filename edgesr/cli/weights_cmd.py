"""``edgesr weights where|verify|download``: locate, check and fetch the authors' trained weights."""

import os
import sys

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.progress import Progress

PROGRESS_INTERVAL_S = 2.0  # verifying is fast: a line every 2 s at most (and for the last file)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "weights",
        help="locate, verify or download the authors' trained weights",
        description="The authors' weights (GPL-3.0 data) are not shipped with edgesr. They are searched in: "
        "--weights-dir > $EDGESR_WEIGHTS > the user cache dir > ../shared/esr/weights. Every file is "
        "checked against the sha256 manifest inside the package before it is loaded.",
    )
    sub = p.add_subparsers(title="actions", metavar="ACTION")
    where = sub.add_parser("where", help="print the search order and how many files each folder holds")
    where.set_defaults(func=run_where)
    verify = sub.add_parser("verify", help="check weight files against the sha256 manifest")
    verify.add_argument("--weights-dir", help="folder to check (default: the first folder that has weights)")
    verify.add_argument("--models", default="*", help="ids or globs, comma-separated (default: all)")
    verify.set_defaults(func=run_verify)
    download = sub.add_parser(
        "download",
        help="fetch weights from the authors' public repository, verifying every hash",
        description="Download <id>.model files from github.com/pnavarre/eSR (pinned commit; override the base "
        "URL with $EDGESR_WEIGHTS_URL). Valid files already present are kept; a file that fails its hash is "
        "never written.",
    )
    download.add_argument("--dest", help="target folder (default: the user cache dir)")
    download.add_argument("--models", default="*", help="ids or globs, comma-separated (default: all 1185)")
    download.set_defaults(func=run_download)
    p.set_defaults(func=lambda args: p.print_help() or 2)


# Each action imports what it uses: edgesr.weights pulls numpy and urllib (~0.1 s) and the registry pulls
# torch (~1.5 s), too slow for `edgesr --help`, which imports every command module.


def run_where(args):
    from edgesr.weights import SUFFIX, search_dirs

    for folder in search_dirs():
        count = len(list(folder.glob("*" + SUFFIX))) if folder.is_dir() else 0
        print("%-70s %s" % (folder, "%d files" % count if folder.is_dir() else "absent"))
    return 0


def run_verify(args):
    from edgesr.models import resolve_models
    from edgesr.weights import find_weights, verify_file

    if args.weights_dir and not os.path.isdir(args.weights_dir):  # one line, not one per model
        raise EdgesrError("weights dir %s does not exist" % args.weights_dir,
                          "point --weights-dir at the folder holding the .model files")
    failures = 0
    ids = resolve_models(args.models)
    progress = Progress(len(ids), "verify", min_interval_s=PROGRESS_INTERVAL_S, enabled=len(ids) >= 20)
    for model_id in ids:
        try:
            verify_file(find_weights(model_id, args.weights_dir))
            progress.step(model_id, "ok")
        except EdgesrError as err:
            failures += 1
            print("edgesr: %s" % err, file=sys.stderr)
            progress.step(model_id, "failed")
    print("%d of %d weight files verified" % (len(ids) - failures, len(ids)))
    return 1 if failures else 0


def run_download(args):
    from edgesr.models import resolve_models
    from edgesr.weights import download, user_cache_dir

    ids = resolve_models(args.models)
    progress = Progress(len(ids), "download", min_interval_s=PROGRESS_INTERVAL_S)
    paths = download(ids, dest=args.dest, progress=lambda model_id: progress.step(model_id, "verified"))
    print("%d weight files verified in %s" % (len(paths), args.dest or user_cache_dir()))
    return 0
