#!/usr/bin/env bash
# The device side on arm64 under qemu-user emulation: a Debian bookworm root (the base of 64-bit
# Raspberry Pi OS, Python 3.11) with numpy + one runtime, running bundles exported on this x86 host.
#
#   .ci/arm64-emulation.sh     (as root; 1.5-2.5 min with root + venvs cached; 20 min from empty, load 11)
#
# Steps: build or reuse the root (.ci/arm64-root.sh); download the aarch64 wheels on the host (the root
# cannot reach PyPI: no host CA bundle there) at the host's numpy / onnxruntime / ai-edge-litert
# versions; export one small bundle per family for the rpi target on the host; then, in the root,
# install ./runtimes with [litert] and with [onnxruntime] offline into two venvs, and in each run
# `check` on every bundle, a short `bench` and the device `sweep` on two bundles (timings labelled
# emulated, kept in a temporary folder, never a device speed), and the slim device tests. Finally
# the outputs of every artifact on aarch64 are compared with x86: max |diff| per artifact.
#
# Exits 0 with "SKIPPED: <reason>" when the machine cannot emulate arm64 (not root, no binfmt_misc).
# Environment: EDGESR_HOST_PYTHON (default .venv/bin/python), EDGESR_WEIGHTS, EDGESR_ARM64_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=${EDGESR_HOST_PYTHON:-$REPO/.venv/bin/python}
CACHE=${EDGESR_ARM64_CACHE:-/var/cache/edgesr-arm64}
MODELS=Bicubic_s2,eSR-MAX_s2_K3_C1,eSR-TM_s2_K3_C2,eSR-TR_s2_K3_C2,eSR-CNN_s2_C2_D1_S3,ESPCN_s2_D0_S3,FSRCNN_s2_D6_S1_M1
SWEPT="eSR-TM_s2_K3_C2-rpi FSRCNN_s2_D6_S1_M1-rpi"
RESOLUTION=128x96
DEVICE_LABEL="qemu-aarch64-emulated"  # the store's device key: says these are not device timings
PLATFORMS="manylinux2014_aarch64 manylinux_2_17_aarch64 manylinux_2_27_aarch64 manylinux_2_28_aarch64"

start=$SECONDS
stage() { echo "== arm64 [$((SECONDS - start)) s] $*"; }

set +e
root=$(.ci/arm64-root.sh)
rc=$?
set -e
if [ $rc = 77 ]; then echo "== arm64 emulation SKIPPED: this machine cannot emulate arm64 (reason above)"; exit 0; fi
[ $rc = 0 ] || { echo "arm64 root could not be built (exit $rc)" >&2; exit $rc; }
stage "root $root"

exec 9>"$CACHE/lock"  # one run at a time uses the cached root
flock 9

WORK=$(mktemp -d /tmp/edgesr-arm64.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
bind() {  # bind <host path> <path inside the root>
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  mounted+=("$root$2")
}

# -- host: wheelhouse, the runtime wheel, bundles, x86 outputs ------------------------------------
pins=$("$PY" - <<'EOF'
from importlib.metadata import PackageNotFoundError, version
for dist in ("numpy", "onnxruntime", "ai-edge-litert", "pytest"):
    try:
        print("%s==%s" % (dist, version(dist)))
    except PackageNotFoundError:
        print(dist)
EOF
)
wkey=$(printf '%s\n' $pins $PLATFORMS cp311 | sha256sum | cut -c1-12)
wheels="$CACHE/wheels-$wkey"
if [ ! -f "$wheels/.complete" ]; then
  stage "downloading aarch64 wheels: $(echo $pins)"
  rm -rf "$wheels.partial"
  "$PY" -m pip download -q --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
    $(printf -- '--platform %s ' $PLATFORMS) -d "$wheels.partial" $pins
  touch "$wheels.partial/.complete"
  rm -rf "$wheels" && mv "$wheels.partial" "$wheels"
fi
# Built from a clean copy: setuptools' build/ folder keeps files deleted from the source.
mkdir -p "$WORK/runtimes-src"
cp -r runtimes/pyproject.toml runtimes/README.md runtimes/edgesr_runtime "$WORK/runtimes-src/"
"$PY" -m pip wheel -q --no-deps --no-build-isolation "$WORK/runtimes-src" -w "$WORK/dist" >/dev/null
runtime_wheel=$(cd "$WORK/dist" && ls edgesr_runtime-*.whl)

stage "exporting $MODELS for rpi at $RESOLUTION on the host"
"$PY" -m edgesr export --target rpi --models "$MODELS" --resolution "$RESOLUTION" --calibration 4 --validation 2 \
  --out "$WORK/bundles" --no-progress >"$WORK/export.log" 2>&1 || true
# export exits 1 when an artifact failed its parity gate (INT8 of most families at this size, issue 12);
# that artifact is marked invalid in its manifest. Every bundle must still have been written.
[ "$(ls "$WORK"/bundles/*/manifest.json 2>/dev/null | wc -l)" = "$(echo "$MODELS" | tr , '\n' | wc -l)" ] || { cat "$WORK/export.log"; exit 1; }
grep -E "bundle\(s\) for target|WARNING|FAIL" "$WORK/export.log" || true
mkdir -p "$WORK/swept"
for b in $SWEPT; do cp -r "$WORK/bundles/$b" "$WORK/swept/"; done
"$PY" .ci/arm64_outputs.py run "$WORK/x86.npz" "$WORK"/bundles/*/

# -- the root: mounts, venvs ----------------------------------------------------------------------
mkdir -p "$WORK/src"
cp -r tests .ci/arm64_outputs.py "$WORK/src/"
bind /proc /proc
bind /dev /dev
# No /sys: XNNPACK's cpuinfo reads the x86 host's CPU topology there and LiteRT segfaults under qemu.
# Without it cpuinfo prints "failed to parse both lists of possible and present processors" and carries on.
bind "$wheels" /wheels
bind "$WORK" /work
in_root() {  # in_root CMD...: run in the root, in folder $CWD (default /), with a clean environment
  chroot "$root" /usr/bin/env -i -C "${CWD:-/}" HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 "$@"
}

tests=(tests/runtime --confcutdir=tests/runtime)  # the device tests: numpy + one runtime
# Wall-clock bound: a fake tegrastats subprocess must print inside a 0.2 s window, and a Python
# process starts slower than that under qemu. It runs in the x86 suite and the Python 3.8 step.
tests+=(-k "not test_meter_counts_only_lines_inside_the_window")

failures=0
for extra in litert onnxruntime; do
  venv=/opt/venv-$extra-$wkey
  if [ ! -f "$root$venv/.complete" ]; then  # cached in the root, keyed by the wheelhouse
    stage "[$extra] creating $venv"
    rm -rf "$root$venv"
    in_root python3 -m venv "$venv"
  fi
  stage "[$extra] pip install ./runtimes[$extra] (offline, aarch64 wheels)"
  pip=("$venv/bin/python" -m pip install -q --no-index --find-links /wheels)
  in_root "${pip[@]}" --no-deps --force-reinstall "/work/dist/$runtime_wheel"
  in_root "${pip[@]}" "/work/dist/$runtime_wheel[$extra]" pytest
  touch "$root$venv/.complete"
  in_root "$venv/bin/python" -c 'import platform, numpy, edgesr_runtime
print("   ", platform.machine(), "Python", platform.python_version(), "numpy", numpy.__version__)'

  stage "[$extra] check (golden-data parity) on every bundle"
  for bundle in "$WORK"/bundles/*/; do
    name=$(basename "$bundle")
    if in_root "$venv/bin/python" -m edgesr_runtime check "/work/bundles/$name" --runtime "$extra" \
        >"$WORK/check-$extra-$name.txt" 2>&1; then
      echo "    PASS $name"
    else
      echo "    FAIL $name"; cat "$WORK/check-$extra-$name.txt"; failures=$((failures + 1))
    fi
  done
  cat "$WORK/check-$extra-eSR-TM_s2_K3_C2-rpi.txt"

  stage "[$extra] bench (EMULATED timings: not a device speed) and sweep of two bundles"
  in_root "$venv/bin/python" -m edgesr_runtime bench /work/bundles/eSR-TM_s2_K3_C2-rpi --runtime "$extra" \
    --warmup-ms 0 --duration-s 0.2 --iterations 3 --power none --device "$DEVICE_LABEL" \
    --output "/work/bench-$extra.json" >"$WORK/bench-$extra.txt" 2>&1 \
    && grep -v "cpuinfo\|XNNPACK" "$WORK/bench-$extra.txt" | tail -2 | sed 's/^/    (emulated) /' \
    || { cat "$WORK/bench-$extra.txt"; failures=$((failures + 1)); }
  if in_root "$venv/bin/python" -m edgesr_runtime sweep /work/swept --store "/work/emulated-$extra.db" \
      --device "$DEVICE_LABEL" --power none --warmup-ms 0 --duration-s 0.2 --iterations 3 \
      >"$WORK/sweep-$extra.txt" 2>&1; then
    tail -3 "$WORK/sweep-$extra.txt"
  else
    cat "$WORK/sweep-$extra.txt"; failures=$((failures + 1))
  fi

  stage "[$extra] device tests: ${tests[*]}"
  CWD=/work/src in_root "$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}" \
    >"$WORK/tests-$extra.txt" 2>&1 || { failures=$((failures + 1)); }
  tail -15 "$WORK/tests-$extra.txt"

  stage "[$extra] outputs on aarch64"
  in_root "$venv/bin/python" /work/src/arm64_outputs.py run "/work/arm-$extra.npz" $(cd "$WORK" && printf '/work/%s ' bundles/*/) \
    || failures=$((failures + 1))
done

stage "x86 vs aarch64: max |diff| per artifact (same files, same golden inputs)"
"$PY" .ci/arm64_outputs.py compare "$WORK/x86.npz" "$WORK/arm-litert.npz" "$WORK/arm-onnxruntime.npz" || failures=$((failures + 1))

stage "done: $failures failure(s)"
[ $failures = 0 ]
