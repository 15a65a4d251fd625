#!/usr/bin/env bash
# The device side under CPython 3.8 (JetPack 5's interpreter): one venv per runtime that still ships
# cp38 wheels, each with numpy 1.24 (the last numpy for 3.8), ./runtimes installed with that extra, the
# slim device tests, and `check` of two bundles exported on this host.
#
#   .ci/py38.sh        (about 2-4 min; needs a CPython 3.8: pyenv's 3.8.x, or EDGESR_PY38=/path/to/python3.8)
#
# Exits 0 with "SKIPPED: <reason>" when no Python 3.8 is found.
# Environment: EDGESR_HOST_PYTHON (default .venv/bin/python, exports the bundles), EDGESR_WEIGHTS.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${EDGESR_HOST_PYTHON:-$PWD/.venv/bin/python}
# Newest releases with cp38 wheels (onnxruntime 1.20 and ai-edge-litert ship none for 3.8).
RUNTIMES=("onnxruntime:onnxruntime==1.19.2" "tflite:tflite-runtime==2.14.0")
NUMPY="numpy==1.24.4"
MODELS=eSR-TM_s2_K3_C2,FSRCNN_s2_D6_S1_M1

start=$SECONDS
stage() { echo "== py3.8 [$((SECONDS - start)) s] $*"; }

py38=${EDGESR_PY38:-}
if [ -z "$py38" ]; then
  for candidate in "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.8*/bin/python3.8 \
      "$(command -v python3.8 || true)"; do
    [ -x "$candidate" ] && py38=$candidate && break
  done
fi
[ -n "$py38" ] || { echo "== py3.8 SKIPPED: no CPython 3.8 (pyenv install 3.8, or set EDGESR_PY38)"; exit 0; }
stage "$py38 ($("$py38" -V 2>&1))"

WORK=$(mktemp -d /tmp/edgesr-py38.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

tests=(tests/runtime --confcutdir=tests/runtime)  # the device tests: numpy + one runtime

stage "exporting $MODELS (rpi, 128x96) on the host"
"$PY" -m edgesr export --target rpi --models "$MODELS" --resolution 128x96 --calibration 4 --validation 2 \
  --out "$WORK/bundles" --no-progress >"$WORK/export.log" 2>&1 || true
# export exits 1 when an artifact failed its parity gate (INT8 of most families at this size, issue 12);
# that artifact is marked invalid in its manifest. Every bundle must still have been written.
[ "$(ls "$WORK"/bundles/*/manifest.json 2>/dev/null | wc -l)" = "$(echo "$MODELS" | tr , '\n' | wc -l)" ] || { cat "$WORK/export.log"; exit 1; }
"$PY" .ci/arm64_outputs.py run "$WORK/x86-py311.npz" "$WORK"/bundles/*/ >/dev/null

# Installed from a clean copy: setuptools' build/ folder keeps files deleted from the source.
mkdir -p "$WORK/runtimes"
cp -r runtimes/pyproject.toml runtimes/README.md runtimes/edgesr_runtime "$WORK/runtimes/"

failures=0
outputs=()
in_venv() { env -u PYTHONPATH "$venv/bin/python" "$@"; }  # the installed edgesr_runtime, not a checkout
for spec in "${RUNTIMES[@]}"; do
  extra=${spec%%:*} pin=${spec#*:}
  venv="$WORK/venv-$extra"
  stage "[$extra] venv: $NUMPY $pin ./runtimes[$extra] pytest"
  "$py38" -m venv "$venv"
  in_venv -m pip install -q "$NUMPY" "$pin" "$WORK/runtimes[$extra]" pytest 2>&1 \
    | grep -v "^WARNING: Location" || true
  in_venv -c 'import sys, numpy, edgesr_runtime; assert sys.version_info[:2] == (3, 8)
print("    Python", sys.version.split()[0], "numpy", numpy.__version__, "edgesr_runtime from", edgesr_runtime.__file__)'
  in_venv -m pip list 2>/dev/null | grep -iE "^(onnxruntime|tflite-runtime) " | sed 's/^/    /'

  stage "[$extra] device tests: ${tests[*]}"
  in_venv -m pytest -q -p no:cacheprovider "${tests[@]}" >"$WORK/tests-$extra.txt" 2>&1 \
    || failures=$((failures + 1))
  tail -3 "$WORK/tests-$extra.txt"

  runtime=$([ "$extra" = tflite ] && echo litert || echo "$extra")
  stage "[$extra] check (golden-data parity) with $runtime"
  for bundle in "$WORK"/bundles/*/; do
    if in_venv -m edgesr_runtime check "$bundle" --runtime "$runtime" >"$WORK/check.txt" 2>&1; then
      echo "    PASS $(basename "$bundle")"
    else
      echo "    FAIL $(basename "$bundle")"; cat "$WORK/check.txt"; failures=$((failures + 1))
    fi
  done
  in_venv .ci/arm64_outputs.py run "$WORK/py38-$extra.npz" "$WORK"/bundles/*/ >/dev/null
  outputs+=("$WORK/py38-$extra.npz")
done

stage "Python 3.11 (host venv) vs Python 3.8 (these runtimes): max |diff| per artifact"
"$PY" .ci/arm64_outputs.py compare "$WORK/x86-py311.npz" "${outputs[@]}" || failures=$((failures + 1))
stage "done: $failures failure(s)"
[ $failures = 0 ]
