"""The embedded results store: one SQLite file for quality, latency, power and failures.

Every finished result is written (and committed) at once, keyed by
(kind, model, runtime, precision, dataset, device), so a killed job resumes by skipping
keys already present. Payloads are JSON, so new metrics need no schema change.
"""

import json
import os
import sqlite3
import time

SCHEMA_VERSION = 1

KINDS = ("quality", "latency", "export", "failure")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    kind       TEXT NOT NULL,
    model      TEXT NOT NULL,
    runtime    TEXT NOT NULL,
    precision  TEXT NOT NULL,
    dataset    TEXT NOT NULL DEFAULT '',
    device     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'ok',
    payload    TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (kind, model, runtime, precision, dataset, device)
);
CREATE INDEX IF NOT EXISTS results_model ON results (model);
"""

_KEY_FIELDS = ("kind", "model", "runtime", "precision", "dataset", "device")


class ResultStore:
    """A results store at ``path`` (created if missing). Use as a context manager or call close()."""

    def __init__(self, path):
        self.path = str(path)
        parent = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(parent, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        self._db.commit()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._db.close()

    @staticmethod
    def _key(kind, model, runtime, precision, dataset="", device=""):
        if kind not in KINDS:
            raise ValueError("unknown result kind %r; expected one of %s" % (kind, ", ".join(KINDS)))
        return (kind, model, runtime, precision, dataset or "", device or "")

    def has(self, kind, model, runtime, precision, dataset="", device="", status="ok"):
        """True when a result with this key (and status) is already stored."""
        key = self._key(kind, model, runtime, precision, dataset, device)
        row = self._db.execute(
            "SELECT 1 FROM results WHERE kind=? AND model=? AND runtime=? AND precision=? AND dataset=?"
            " AND device=? AND status=?",
            key + (status,),
        ).fetchone()
        return row is not None

    def put(self, kind, model, runtime, precision, payload, dataset="", device="", status="ok", replace=True):
        """Write one result and commit at once. With replace=False an existing key is kept."""
        key = self._key(kind, model, runtime, precision, dataset, device)
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self._db.execute(
            verb + " INTO results (kind, model, runtime, precision, dataset, device, status, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            key + (status, json.dumps(payload, sort_keys=True, default=_json_default), time.time()),
        )
        self._db.commit()

    def set_meta(self, key, value):
        """Record one store-level fact (e.g. the sweep command) as text."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
        self._db.commit()

    def get_meta(self, key, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return default if row is None else row[0]

    def rows(self, kind=None, model=None, status=None):
        """All results as dicts (key fields + status + payload fields), filtered by kind/model/status."""
        where, args = [], []
        for name, value in (("kind", kind), ("model", model), ("status", status)):
            if value is not None:
                where.append("%s=?" % name)
                args.append(value)
        sql = "SELECT kind, model, runtime, precision, dataset, device, status, payload, created_at FROM results"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY model, kind, dataset, runtime, precision, device"
        out = []
        for row in self._db.execute(sql, args):
            record = dict(zip(_KEY_FIELDS, row[:6]))
            record["status"] = row[6]
            record["created_at"] = row[8]
            record["payload"] = json.loads(row[7])
            out.append(record)
        return out

    def count(self, kind=None):
        if kind is None:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM results WHERE kind=?", (kind,)).fetchone()[0]

    def merge_from(self, other_path):
        """Copy every result of another store into this one; rows already here are kept. Returns rows added."""
        before = self.count()
        self._db.execute("ATTACH DATABASE ? AS other", (str(other_path),))
        try:
            self._db.execute("INSERT OR IGNORE INTO results SELECT * FROM other.results")
            self._db.commit()
        finally:
            self._db.execute("DETACH DATABASE other")
        return self.count() - before


def _json_default(value):
    """Serialize numpy scalars and arrays that end up in payloads."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError("not JSON serializable: %r" % (type(value),))
