"""``edgesr results merge|show|export``: combine, inspect and export results stores."""

import csv
import json
import os

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.files import atomic_open, ensure_folder
from edgesr_runtime.store import KINDS, ResultStore
from edgesr_runtime.textable import format_table

KEY_FIELDS = ("kind", "model", "runtime", "precision", "dataset", "device")
# Payload entries kept as one JSON cell in the CSV instead of one column per nested key.
OPAQUE_PAYLOAD_KEYS = ("per_image", "skipped_files")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "results",
        help="merge shards of a results store, show what a store holds, export it to CSV",
        description="Work with edgesr results stores (the SQLite files eval, bench and sweep write).",
    )
    sub = p.add_subparsers(title="actions", metavar="ACTION")

    merge = sub.add_parser("merge", help="copy the rows of IN stores into OUT (rows already in OUT are kept)",
                           description="Merge shard stores into OUT (created if missing). A key already in OUT "
                           "keeps OUT's row; prints the rows each input added.")
    merge.add_argument("out", metavar="OUT.db")
    merge.add_argument("inputs", nargs="+", metavar="IN.db")
    merge.set_defaults(func=run_merge)

    show = sub.add_parser("show", help="counts per kind/runtime/device and the failures with their reasons")
    show.add_argument("store", metavar="STORE")
    show.add_argument("--kind", choices=KINDS, help="only this kind of row")
    show.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    show.set_defaults(func=run_show)

    export = sub.add_parser("export", help="write every row (payload flattened to columns) as CSV")
    export.add_argument("store", metavar="STORE")
    export.add_argument("--csv", required=True, metavar="PATH", help="CSV file to write")
    export.add_argument("--kind", choices=KINDS, help="only this kind of row")
    export.set_defaults(func=run_export)

    p.set_defaults(func=lambda args: p.print_help() or 2)


def _existing_store(path):
    """Check ``path`` is an existing results store (read-only look); EdgesrError otherwise."""
    from edgesr.report.inputs import is_store, store_meta

    if not os.path.isfile(path):
        raise EdgesrError("no such store: %s" % path, "pass the SQLite file written by eval, bench or sweep")
    if not is_store(path):
        raise EdgesrError("%s is not an SQLite results store" % path, "pass a .db written by eval, bench or sweep")
    store_meta(path)
    return path


def _same_file(a, b):
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def run_merge(args):
    for path in args.inputs:
        if _same_file(path, args.out):
            raise EdgesrError("refusing to merge %s into itself" % path, "name a different OUT.db")
        _existing_store(path)
    if os.path.exists(args.out):
        _existing_store(args.out)
    created = not os.path.exists(args.out)
    try:
        with ResultStore(args.out) as out:
            added = out.merge_all(args.inputs)  # one transaction: all inputs or none
            total = out.count()
    except EdgesrError:
        if created:
            _remove_store(args.out)
        raise
    for path, (count, held) in zip(args.inputs, added):
        print("%s: %d rows added (%d in shard, %d already present)" % (path, count, held, held - count))
    print("%s: %d rows" % (args.out, total))
    return 0


def _remove_store(path):
    """Remove a store this command created and could not finish (with its SQLite side files)."""
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        if os.path.exists(name):
            os.unlink(name)


def _summary(store_path, kind=None):
    from edgesr.report.inputs import failures

    with ResultStore(_existing_store(store_path), read_only=True) as store:
        rows = store.rows(kind=kind)
        everything = rows if kind is None else store.rows()  # a failure is resolved by a later row of any kind
    counts = {}
    for row in rows:
        key = (row["kind"], row["runtime"], row["device"], row["status"])
        counts[key] = counts.get(key, 0) + 1
    return {
        "store": store_path,
        "rows": len(rows),
        "counts": [{"kind": k, "runtime": r, "device": d, "status": s, "rows": n}
                   for (k, r, d, s), n in sorted(counts.items())],
        "failures": [{**{f: row[f] for f in KEY_FIELDS}, "reason": row["reason"], "resolved": row["resolved"]}
                     for row in failures(everything) if kind in (None, row["kind"])],
    }


def run_show(args):
    summary = _summary(args.store, args.kind)
    if args.json:
        print(json.dumps(summary, indent=1, sort_keys=True))
        return 0
    print("%s: %d rows" % (summary["store"], summary["rows"]))
    if summary["counts"]:
        print(format_table(("kind", "runtime", "device", "status", "rows"),
                           [(c["kind"], c["runtime"], c["device"] or "-", c["status"], c["rows"])
                            for c in summary["counts"]]))
    if summary["failures"]:
        print("\nfailures (%d):" % len(summary["failures"]))
        for f in summary["failures"]:
            where = "/".join(x for x in (f["runtime"], f["precision"], f["device"], f["dataset"]) if x)
            print("  %s [%s]: %s%s" % (f["model"], where, f["reason"], " (succeeded later)" if f["resolved"] else ""))
    return 0


def flat_payload(payload):
    """A payload as {dotted.key: scalar}; lists and OPAQUE_PAYLOAD_KEYS become one JSON string each."""
    from edgesr.report.provenance import flatten

    flat = {}
    for key, value in payload.items():
        if key in OPAQUE_PAYLOAD_KEYS or not isinstance(value, dict):
            flat[key] = value
        else:
            flat.update(flatten(value, key))
    return {k: json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v for k, v in flat.items()}


def run_export(args):
    with ResultStore(_existing_store(args.store), read_only=True) as store:
        rows = store.rows(kind=args.kind)
    records = [{**{f: r[f] for f in KEY_FIELDS}, "status": r["status"], "created_at": r["created_at"],
                **{"payload." + k: v for k, v in flat_payload(r["payload"]).items()}} for r in rows]
    columns = list(KEY_FIELDS) + ["status", "created_at"]
    columns += sorted({k for record in records for k in record} - set(columns))
    ensure_folder(os.path.dirname(os.path.abspath(args.csv)))
    with atomic_open(args.csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)
    print("%s: %d rows, %d columns" % (args.csv, len(records), len(columns)))
    return 0
