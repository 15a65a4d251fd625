"""Test helper: run a module in a subprocess in which some packages cannot be imported.

Proves that the device side works without torch and that a missing converter gives an install
hint. Every attempt to import a blocked package is reported on stderr as ``BLOCKED-IMPORT name``.
"""

import subprocess
import sys

_PRELUDE = """
import sys
BLOCKED = set({blocked!r})

class _Blocker(object):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            sys.stderr.write("BLOCKED-IMPORT %s\\n" % name)
            raise ImportError("import of %s is blocked for this test" % name, name=name)
        return None

sys.meta_path.insert(0, _Blocker())
import runpy
sys.argv = {argv!r}
runpy.run_module({module!r}, run_name="__main__", alter_sys=True)
"""


def run_without(blocked, module, args, env=None, cwd=None, timeout=900):
    """``python -m module args`` with ``blocked`` top-level packages unimportable; a CompletedProcess."""
    code = _PRELUDE.format(blocked=sorted(blocked), argv=[module] + [str(a) for a in args], module=module)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)
