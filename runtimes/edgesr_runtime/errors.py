"""The one exception type edgesr raises for bad input: a message that names the problem and the fix."""


class EdgesrError(Exception):
    """A user-facing error. ``str(err)`` is one line: the problem, then the fix when one is known."""

    exit_code = 2

    def __init__(self, problem, fix=None):
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else "%s (fix: %s)" % (problem, fix))


class MissingBackendError(EdgesrError):
    """An optional runtime or converter is not installed; the fix is the install command."""

    def __init__(self, name, install_hint):
        super().__init__("%s is not installed" % name, install_hint)
        self.name = name
