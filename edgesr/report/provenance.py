"""Where the numbers come from: the measuring environment per device and the commands that made them."""

import json
import os
import shlex
import sys

# Payload / meta keys that may hold the command of the sweep that filled a store.
COMMAND_KEYS = ("sweep_command", "command", "argv")
# The source checkout this edgesr runs from (edgesr/report/ -> the root), when it is one.
CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def folder_words(path, checkout=CHECKOUT, home=None):
    """Where a command ran, without machine-specific folder names (reports get committed): the edgesr
    checkout's root or a folder inside it, a folder under ``~``, else the path as it is."""
    path, home = os.path.abspath(path), os.path.abspath(home or os.path.expanduser("~"))
    if os.path.isfile(os.path.join(checkout, "pyproject.toml")):
        if path == checkout:
            return "the edgesr checkout's root folder"
        if path.startswith(checkout + os.sep):
            return "`%s` of the edgesr checkout" % os.path.relpath(path, checkout)
    if path.startswith(home + os.sep):
        return "`~/%s`" % os.path.relpath(path, home)
    return "`%s`" % path


def flatten(value, prefix=""):
    """A nested dict as {"a.b": leaf}; lists and other leaves stay as they are."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat = {}
    for key in sorted(value):
        flat.update(flatten(value[key], "%s.%s" % (prefix, key) if prefix else str(key)))
    return flat


def _text(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def environments(rows):
    """{device: [(key, [(value, n_rows), ...]), ...]} from the latency rows' ``environment`` payloads.

    Unknown (null) fields are left out; values are ordered most common first.
    """
    seen = {}
    for row in rows:
        environment = row["payload"].get("environment") if row["kind"] == "latency" else None
        if isinstance(environment, dict):
            per_key = seen.setdefault(row["device"], {})
            for key, value in flatten(environment).items():
                if value is None:
                    continue
                counts = per_key.setdefault(key, {})
                counts[_text(value)] = counts.get(_text(value), 0) + 1
    return {
        device: [(key, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for key, counts in sorted(keys.items())]
        for device, keys in sorted(seen.items())
    }


def _command_text(value):
    if isinstance(value, (list, tuple)):
        return shlex.join(str(v) for v in value)
    return str(value) if value else ""


def recorded_commands(rows, metas):
    """Distinct commands recorded in store meta tables or payloads (top level, ``environment`` or ``sweep``)."""
    found = []
    for meta in metas.values():
        found.extend(meta[key] for key in COMMAND_KEYS if meta.get(key))
    for row in rows:
        payload = row["payload"]
        for holder in (payload, payload.get("environment"), payload.get("sweep")):
            if isinstance(holder, dict):
                found.extend(_command_text(holder[key]) for key in COMMAND_KEYS if holder.get(key))
    unique = []
    for command in found:
        if command and command not in unique:
            unique.append(command)
    return unique


def this_command(argv=None):
    """The command line that ran this report: ``sys.argv`` joined, the entry point spelled ``edgesr``."""
    argv = list(sys.argv if argv is None else argv)
    head = os.path.basename(argv[0]) if argv else ""
    if head in ("edgesr", "__main__.py"):
        return shlex.join(["edgesr"] + argv[1:])
    return shlex.join(argv)
