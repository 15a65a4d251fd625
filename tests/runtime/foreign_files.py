"""Files that are not ours, for the tests that check we never modify them (host and device tests share it)."""

import sqlite3


def foreign_database(path):
    """Another program's SQLite database at ``path`` (one table, one row); returns the path."""
    db = sqlite3.connect(str(path))
    db.execute("CREATE TABLE users (name TEXT)")
    db.execute("INSERT INTO users VALUES ('ada')")
    db.commit()
    db.close()
    return path
