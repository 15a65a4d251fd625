#!/usr/bin/env bash
# CI: prove the device package needs no torch. For each runtime extra, a fresh venv gets only
# ./runtimes[EXTRA] and pytest; `import torch` (and PIL, edgesr, edgesr_export) must fail there,
# and tests/runtime must pass. --confcutdir keeps the host conftest (tests/conftest.py) out.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for extra in ${SLIM_RUNTIME_EXTRAS:-onnxruntime litert}; do
  venv="$work/$extra"
  echo "+ slim venv: ./runtimes[$extra] + pytest"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "./runtimes[$extra]" pytest
  for module in torch PIL edgesr edgesr_export; do
    if (cd "$work" && "$venv/bin/python" -c "import $module" 2>/dev/null); then
      echo "slim $extra venv: 'import $module' works, but the device package must not need it" >&2
      exit 1
    fi
  done
  echo "  import torch fails here, as on a device"
  "$venv/bin/pytest" -q -p no:cacheprovider --confcutdir="$repo/tests/runtime" "$repo/tests/runtime"
done
