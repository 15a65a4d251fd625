"""The embedded results store: one SQLite file for quality, latency, power and failures.

Every finished result is written (and committed) at once, keyed by
(kind, model, runtime, precision, dataset, device), so a killed job resumes by skipping
keys already present. Payloads are JSON, so new metrics need no schema change.

A store is recognised by its ``meta`` table holding ``schema_version``. Any other SQLite file (or a
file that is not SQLite at all) is refused before anything is written to it, so an edgesr command
never adds tables to another program's database. A missing file, a 0-byte file and an SQLite file
without tables are new stores.

Reading never needs write access: ``ResultStore(path, read_only=True)`` (report, results show and
export) also reads a store on a read-only medium or in a folder the user cannot write, where SQLite
cannot create the shared-memory file of a WAL database.
"""

import json
import os
import sqlite3
import time
from urllib.parse import quote

from .errors import EdgesrError
from .files import ensure_folder

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

SQLITE_MAGIC = b"SQLite format 3\x00"
_STORE_FIX = "pass a store written by edgesr eval, bench or sweep, or a new file name"


def check_store_file(path, writing=True):
    """Raise EdgesrError unless ``path`` is missing, empty, or an edgesr store of a known schema (and, when
    ``writing``, in a place that can be written: commands call this before measuring); writes nothing."""
    path = str(path)
    problem = None
    if writing:
        problem = _folder_problem(path)
        if problem is None and os.path.isfile(path) and not os.access(path, os.W_OK):
            problem = "no permission to write it"
    if problem:
        raise _unwritable(path, problem)
    if not os.path.exists(path):
        return
    if os.path.isdir(path):
        raise EdgesrError("%s is a folder, not a results store" % path, _STORE_FIX)
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as err:
        raise EdgesrError("cannot read %s: %s" % (path, err.strerror or err), "check the path and its permissions")
    if not head:
        return
    if head != SQLITE_MAGIC:
        raise EdgesrError("%s is not an SQLite file, so not an edgesr results store" % path, _STORE_FIX)
    tables, meta = _read_schema(path)
    if not tables:
        return
    if "meta" not in tables or "results" not in tables or "schema_version" not in meta:
        raise EdgesrError("%s is an SQLite database of another program (tables: %s), not an edgesr results store; "
                          "left untouched" % (path, ", ".join(sorted(tables))), _STORE_FIX)
    if not meta["schema_version"].isdigit() or int(meta["schema_version"]) > SCHEMA_VERSION:
        raise EdgesrError("%s has store schema version %s; this edgesr knows up to %d"
                          % (path, meta["schema_version"], SCHEMA_VERSION), "upgrade edgesr to read it")


def open_read_only(path):
    """An SQLite connection to ``path`` that cannot write (sqlite3.Error if it cannot be read).

    A WAL database needs its ``-shm`` file even to read; where it cannot be created (read-only file
    system, folder without write permission) the file is opened as immutable: nothing can change it there.
    """
    uri = "file:%s?mode=ro" % quote(os.path.abspath(str(path)))
    db = sqlite3.connect(uri, uri=True)
    try:
        db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError:
        db.close()
        if _folder_problem(path) is None:
            raise
    db = sqlite3.connect(uri + "&immutable=1", uri=True)
    db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    return db


def _folder_problem(path):
    """Why nothing can be written beside ``path`` ("the file system is read-only", ...), or None. A folder
    still to be made is judged by the nearest one that exists."""
    folder = os.path.dirname(os.path.abspath(str(path)))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "the file system is read-only"
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    if not os.access(folder, os.W_OK):
        return "no permission to write in %s" % folder
    return None


def _unwritable(path, problem):
    """The EdgesrError for a store that cannot be written where it is (``problem`` says why)."""
    return EdgesrError("cannot write results store %s: %s" % (path, problem), "choose a writable location for the store")


def _read_schema(path):
    """(table names, meta dict) of an SQLite file, opened read-only."""
    try:
        db = open_read_only(path)
        try:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            meta = {}
            if "meta" in tables:
                meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
            return tables, meta
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        raise EdgesrError("cannot read %s as a results store: %s" % (path, err), "check the file is not damaged")


def _database_error(path, err):
    """The EdgesrError for an SQLite failure while writing ``path`` (disk full, read-only, locked...)."""
    text = str(err)
    problem = _folder_problem(path) if ("unable to open" in text or "readonly" in text) else None
    if problem:
        return _unwritable(path, problem)
    if "full" in text:
        fix = "free some space or write the store somewhere else"
    elif "readonly" in text or "read-only" in text:
        fix = "choose a writable location for the store"
    elif "locked" in text:
        fix = "another process holds the store; wait for it or use another --store"
    else:
        fix = "check the store file and its folder"
    return EdgesrError("cannot write results store %s: %s" % (path, text), fix)


class ResultStore:
    """A results store at ``path`` (created if missing). Use as a context manager or call close().

    ``read_only=True`` opens an existing store for reading only (writes raise EdgesrError), whatever
    the medium; it never creates, converts or touches the file.
    """

    def __init__(self, path, read_only=False):
        self.path = str(path)
        check_store_file(self.path, writing=not read_only)
        self._db = None
        if read_only:
            if not os.path.isfile(self.path) or os.path.getsize(self.path) == 0:
                raise EdgesrError("no results store at %s" % self.path, _STORE_FIX)
            try:
                self._db = open_read_only(self.path)
            except sqlite3.Error as err:
                raise EdgesrError("cannot read %s as a results store: %s" % (self.path, err),
                                  "check the file is not damaged") from None
            if not _has_results(self._db):
                self._db.close()
                raise EdgesrError("%s is a new, empty SQLite file: no results yet" % self.path, _STORE_FIX)
            return
        ensure_folder(os.path.dirname(os.path.abspath(self.path)))
        try:
            self._db = sqlite3.connect(self.path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.commit()
        except sqlite3.Error as err:
            if self._db is not None:
                self._db.close()
            raise _database_error(self.path, err) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write(self, sql, args=()):
        """Execute one writing statement and commit; SQLite failures become one EdgesrError line."""
        try:
            self._db.execute(sql, args)
            self._db.commit()
        except sqlite3.Error as err:
            self._db.rollback()
            raise _database_error(self.path, err) from None

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
        self._write(
            verb + " INTO results (kind, model, runtime, precision, dataset, device, status, payload, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            key + (status, json.dumps(payload, sort_keys=True, default=_json_default), time.time()),
        )

    def set_meta(self, key, value):
        """Record one store-level fact (e.g. the sweep command) as text."""
        self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))

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
        return self.merge_all([other_path])[0][0]

    def merge_all(self, other_paths):
        """Copy every result of other stores into this one in one transaction; rows already here are kept.

        All or nothing: when any input is not a store or a write fails, this store is left as it was.
        Returns (rows added, rows held) per input, in order.
        """
        for path in other_paths:
            check_store_file(path, writing=False)
        shards = []
        for path in other_paths:
            with _read_only(path) as db:
                shards.append(db.execute("SELECT * FROM results").fetchall() if _has_results(db) else [])
        added = []
        try:
            for rows in shards:
                before = self._db.total_changes
                self._db.executemany("INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                added.append((self._db.total_changes - before, len(rows)))
            self._db.commit()
        except sqlite3.Error as err:
            self._db.rollback()
            raise _database_error(self.path, err) from None
        return added


def _json_default(value):
    """Serialize numpy scalars and arrays that end up in payloads."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError("not JSON serializable: %r" % (type(value),))


class _read_only:
    """``with _read_only(path) as db:`` an SQLite connection that cannot write."""

    def __init__(self, path):
        self._db = open_read_only(path)

    def __enter__(self):
        return self._db

    def __exit__(self, *exc):
        self._db.close()


def _has_results(db):
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='results'").fetchone() is not None
