"""The one exception type edgesr raises for bad input: a message that names the problem and the fix."""

import sys


class EdgesrError(Exception):
    """A user-facing error. ``str(err)`` is one line: the problem, then the fix when one is known."""

    exit_code = 2

    def __init__(self, problem, fix=None):
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else "%s (fix: %s)" % (problem, fix))


def first_line(err):
    """The first line of an exception message, at most 300 characters (runtimes print pages of them)."""
    lines = str(err).strip().splitlines()
    return lines[0][:300] if lines else type(err).__name__


class MissingBackendError(EdgesrError):
    """An optional runtime or converter is not installed; the fix is the install command."""

    def __init__(self, name, install_hint):
        super().__init__("%s is not installed" % name, install_hint)
        self.name = name


def run_reporting_errors(prog, action):
    """Run a command line's ``action()``; an EdgesrError becomes one stderr line and its exit code."""
    try:
        return action() or 0
    except EdgesrError as err:
        print("%s: error: %s" % (prog, err), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("%s: interrupted" % prog, file=sys.stderr)
        return 130
