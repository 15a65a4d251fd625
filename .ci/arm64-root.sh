#!/usr/bin/env bash
# Build (or reuse) an arm64 Debian bookworm root for running the device side under qemu-user emulation.
#   .ci/arm64-root.sh            prints the root folder on stdout (log on stderr)
# Exit 77 = this machine cannot emulate arm64 (reason on stderr); callers turn that into a skip.
# The root is cached under $EDGESR_ARM64_CACHE (default /var/cache/edgesr-arm64), keyed by a hash of the
# suite and package list, so a second run on the same machine skips debootstrap; a fresh machine builds it.
set -euo pipefail

SUITE=bookworm
MIRROR=${EDGESR_ARM64_MIRROR:-http://deb.debian.org/debian}
PACKAGES=python3,python3-venv,ca-certificates
CACHE=${EDGESR_ARM64_CACHE:-/var/cache/edgesr-arm64}

cannot() { echo "arm64 emulation unavailable: $*" >&2; exit 77; }
log() { echo "[arm64-root] $*" >&2; }

[ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ] || cannot "host architecture $(uname -m) is not x86_64"
[ "$(id -u)" = 0 ] || cannot "not root (debootstrap, mount and chroot need root)"
[ "$(uname -s)" = Linux ] || cannot "not Linux"

if ! command -v debootstrap >/dev/null || ! command -v qemu-aarch64-static >/dev/null \
    || ! command -v update-binfmts >/dev/null; then
  command -v apt-get >/dev/null || cannot "debootstrap/qemu-user-static missing and no apt-get to install them"
  log "installing qemu-user-static binfmt-support debootstrap"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      qemu-user-static binfmt-support debootstrap) >&2 || cannot "apt-get could not install qemu-user-static/debootstrap"
fi

# binfmt_misc lets the kernel hand aarch64 ELF files to qemu-aarch64-static.
if [ "$(uname -m)" != aarch64 ]; then
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
      || cannot "binfmt_misc is not mounted and cannot be mounted (no privileges, or the kernel lacks CONFIG_BINFMT_MISC)"
  fi
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || cannot "binfmt_misc has no enabled qemu-aarch64 handler (update-binfmts --enable qemu-aarch64 failed)"
fi

key=$(printf '%s\n' "$SUITE" "$PACKAGES" minbase | sha256sum | cut -c1-12)
root="$CACHE/root-$SUITE-$key"
if [ -x "$root/usr/bin/python3" ] && [ -f "$root/.edgesr-complete" ]; then
  log "reusing cached root $root"
else
  log "debootstrap $SUITE arm64 ($PACKAGES) into $root"
  mkdir -p "$CACHE"
  rm -rf "$root.partial"
  started=$SECONDS
  debootstrap --arch=arm64 --variant=minbase --include="$PACKAGES" "$SUITE" "$root.partial" "$MIRROR" \
    >"$CACHE/debootstrap-$key.log" 2>&1 || { tail -20 "$CACHE/debootstrap-$key.log" >&2; exit 1; }
  touch "$root.partial/.edgesr-complete"
  rm -rf "$root"
  mv "$root.partial" "$root"
  log "root built in $((SECONDS - started)) s"
fi
out=$(chroot "$root" /usr/bin/python3 -c 'import platform; print(platform.machine(), platform.python_version())')
[ "${out%% *}" = aarch64 ] || { echo "the root does not run as aarch64: $out" >&2; exit 1; }
log "root runs: $out"
echo "$root"
