"""Read results from SQLite stores and bench JSON files into one list of store-shaped rows.

A row is a dict with the store's key fields (kind, model, runtime, precision, dataset, device),
``status``, ``payload`` and ``source`` (the file it came from). A JSON input holds one object, an
array of objects, or one object per line (JSON lines). An object with ``kind`` and ``payload`` is a
store row as is; any other object is one bench result (kind "latency"): its key fields are read
from ``model`` (or ``model_id``), ``runtime``, ``precision``, ``device`` (else the environment's
``board_model``, else unlabelled) and the bench setting (``mode:HxW/tN``, as ``edgesr_runtime.harness``
stores it), and the whole object is the payload. When two inputs hold the same key, the later input
wins, as a store's replacing write would.
"""

import json
import os
import sqlite3

from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.store import SQLITE_MAGIC, ResultStore, open_read_only

KEY_FIELDS = ("kind", "model", "runtime", "precision", "dataset", "device")


def is_store(path):
    """True when ``path`` is an SQLite file (by its header)."""
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def store_meta(path):
    """The ``meta`` table of a results store as a dict, read without writing; EdgesrError if not a store."""
    try:
        db = open_read_only(path)
        try:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "results" not in tables:
                raise EdgesrError("%s is an SQLite file but not an edgesr results store (no results table)" % path,
                                  "pass a store written by `edgesr eval`, `edgesr bench` or `edgesr sweep`")
            return dict(db.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        raise EdgesrError("cannot read %s as a results store: %s" % (path, err), "check the file is not damaged")


def read_store(path):
    """(rows, meta) of one results store."""
    meta = store_meta(path)
    with ResultStore(path, read_only=True) as store:
        rows = store.rows()
    for row in rows:
        row["source"] = str(path)
    return rows, meta


def _json_objects(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except ValueError:
        data = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except ValueError as err:
                raise EdgesrError("%s line %d is not JSON: %s" % (path, number, err),
                                  "pass a results store, one JSON object, or JSON lines")
    objects = data if isinstance(data, list) else [data]
    for number, obj in enumerate(objects, 1):
        if not isinstance(obj, dict):
            raise EdgesrError("%s: item %d is %s, not a JSON object" % (path, number, type(obj).__name__),
                              "each bench result must be one JSON object")
    return objects


def bench_row(obj, source):
    """A store-shaped row from one JSON object (a store row or a bench result)."""
    if "kind" in obj and isinstance(obj.get("payload"), dict):
        row = {field: obj.get(field) or "" for field in KEY_FIELDS}
        row.update(status=obj.get("status", "ok"), payload=obj["payload"])
    else:
        from edgesr_runtime.harness import setting_key as bench_setting

        environment = obj.get("environment") if isinstance(obj.get("environment"), dict) else {}
        model = obj.get("model") or obj.get("model_id")
        if not isinstance(model, str) or not model:
            raise EdgesrError("%s: a bench result without a model id" % source,
                              "bench JSON needs a \"model\" field (e.g. \"eSR-TM_s2_K7_C16\")")
        row = {
            "kind": "latency",
            "model": model,
            "runtime": obj.get("runtime") or environment.get("runtime") or "unknown",
            "precision": obj.get("precision") or environment.get("precision") or "unknown",
            "dataset": obj.get("dataset") or (bench_setting(obj) if _has_shape(obj) else ""),
            "device": obj.get("device") or environment.get("board_model") or "",
            "status": obj.get("status", "ok"),
            "payload": obj,
        }
    row["source"] = str(source)
    return row


def _has_shape(obj):
    shape = obj.get("input_shape")
    return isinstance(shape, list) and len(shape) == 4 and "mode" in obj


def read_json(path):
    """Rows of one JSON / JSON-lines file."""
    return [bench_row(obj, path) for obj in _json_objects(path)]


def load_inputs(paths):
    """(rows, metas): the rows of every input, later inputs replacing equal keys; metas maps store → meta."""
    by_key, metas = {}, {}
    for path in paths:
        if not os.path.isfile(path):
            raise EdgesrError("no such file: %s" % path, "pass results stores (.db) or bench JSON files")
        if os.path.getsize(path) == 0:
            raise EdgesrError("%s is empty (0 bytes): neither a results store nor bench JSON" % path,
                              "pass a store written by eval, bench or sweep, or a bench JSON file")
        if is_store(path):
            rows, metas[str(path)] = read_store(path)
        else:
            rows = read_json(path)
        for row in rows:
            key = tuple(row[field] for field in KEY_FIELDS)
            by_key.pop(key, None)  # re-insert so the dict order follows the winning input
            by_key[key] = row
    return list(by_key.values()), metas


def failure_reason(payload):
    """One line for a failure payload: "stage: reason" from the evaluator's or the harness's fields."""
    reason = str(payload.get("reason") or payload.get("error") or "").strip() or "(no reason recorded)"
    return "%s: %s" % (payload["stage"], reason) if payload.get("stage") else reason


def _fixes(failure, row):
    """True when an ok ``row`` is a later success of the work that ``failure`` records."""
    if (row["model"], row["runtime"], row["device"]) != (failure["model"], failure["runtime"], failure["device"]):
        return False
    if failure["precision"] and row["precision"] != failure["precision"]:
        return False
    if (row.get("created_at") or 0) < (failure.get("created_at") or 0):
        return False
    if row["kind"] == "quality":
        return row["dataset"] == failure["dataset"]
    return row["kind"] == "latency" and "latency" in (failure["payload"].get("stage"), failure["dataset"])


def failures(rows):
    """The failed rows, each with ``reason`` and ``resolved`` (a later ok row of the same work exists)."""
    ok = {}
    for row in rows:
        if row["status"] == "ok" and row["kind"] in ("quality", "latency"):
            ok.setdefault(row["model"], []).append(row)
    return [
        {**row, "reason": failure_reason(row["payload"]),
         "resolved": any(_fixes(row, other) for other in ok.get(row["model"], []))}
        for row in rows
        if row["kind"] == "failure" or row["status"] != "ok"
    ]
