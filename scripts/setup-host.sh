#!/usr/bin/env bash
# Install what sim needs on a Debian 12 or 13 host, then its npm packages: the one place that
# lists sim's Debian packages. `npm run demo` and `npm test` call it first, so that each is the
# only command to type on a fresh machine; with nothing missing it costs a dpkg query.
#
#   scripts/setup-host.sh [run|test|demo]   (run: what `sim boot` and `sim image build` need)
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-run}
# What sim itself runs: QEMU, the initramfs, image import (debugfs, sfdisk; btrfs restore, xfs_db
# and mtools for btrfs roots, xfs roots and EFI partitions; zstd for .ko.zst modules; erofs-utils
# for a GNOME-OS-like EROFS /usr) and image builds without root (mmdebstrap's unshare mode needs newuidmap from uidmap), module builds;
# images from servers: casync (publish's chunk store), sqv (signed checksum lists; gpgv is the
# fallback) and gpg (publish --sign-key).
run_packages=(
  qemu-system-x86 qemu-utils busybox-static e2fsprogs fdisk util-linux kmod xz-utils cpio
  mmdebstrap uidmap ca-certificates meson ninja-build gcc libc6-dev btrfs-progs xfsprogs mtools zstd erofs-utils
  casync sqv gpg
)
# The tests also build the fixtures with every supported build system and lint the guest scripts;
# the merge-mode fixture (fixtures/gnome-app) is a GLib/GIO program; the Fedora-like fixture has
# an EFI partition (mkfs.fat); the xfs fixture is written by mkfs.xfs -p (xfsprogs, in the run set);
# the GNOME-OS-like one has a verity partition (veritysetup) and a UKI assembled from
# systemd-boot's stub with objcopy (binutils). The web console's tests drive Debian's chromium
# and firefox-esr (headless, through playwright-core and puppeteer-core: no browser is downloaded);
# `sim record`'s test encodes with ffmpeg (which users install only to record).
test_packages=(make pkgconf cmake autoconf automake shellcheck python3-gi libglib2.0-dev dosfstools cryptsetup-bin systemd-boot-efi binutils chromium firefox-esr ffmpeg)
# The GNOME test rebuilds the gnome image's gnome-shell (Debian 12's, fetched with apt-get source:
# dpkg-dev) with the demo's meson options: the build dependencies those options need, no more
# (GNOME_SHELL_REQUIREMENTS in src/demo/gnome-shell.ts, which `sim doctor` names; a unit test
# keeps the two in agreement). It builds against the host's mutter 11, so only a Debian 12 host
# can build it; elsewhere the test says so and skips that part.
gnome_shell_packages=(
  dpkg-dev gettext sassc gjs gobject-introspection libmutter-11-dev libgjs-dev
  libgnome-desktop-3-dev libecal2.0-dev libedataserver1.2-dev libgcr-3-dev libgirepository1.0-dev
  libgtk-4-dev libgtk-3-dev libibus-1.0-dev libpulse-dev libpolkit-agent-1-dev
  libstartup-notification0-dev libsystemd-dev systemd gsettings-desktop-schemas-dev
  libatk-bridge2.0-dev libxml2-dev libx11-dev
)
host_codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null || true)
if [ "$host_codename" = bookworm ]; then test_packages+=("${gnome_shell_packages[@]}"); fi
# The demo builds Debian's own GLib. "a|b": the first one the archive has (distutils is gone in 13).
demo_packages=(dpkg-dev pkgconf libffi-dev libpcre2-dev zlib1g-dev "python3-distutils|python3-setuptools")

case $purpose in
  run) wanted=("${run_packages[@]}") ;;
  # The tests run the demo too (test/integration/demo.test.ts).
  test) wanted=("${run_packages[@]}" "${test_packages[@]}" "${demo_packages[@]}") ;;
  demo) wanted=("${run_packages[@]}" "${demo_packages[@]}") ;;
  *) echo "usage: $0 [run|test|demo]" >&2; exit 64 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else
    echo "sim: installing Debian packages needs root, and sudo is not installed." >&2
    echo "Ask an administrator to run: apt-get install ${missing[*]}" >&2
    exit 69
  fi
}

# One dpkg query for every name (a query each costs seconds in all).
IFS=' ' read -r -a names <<<"$(tr '|' ' ' <<<"${wanted[*]}")"
mapfile -t installed_now < <(dpkg-query -W -f='${Package} ${Status}\n' "${names[@]}" 2>/dev/null |
  sed -n 's/^\([^ ]*\) install ok installed$/\1/p')
installed() { local name; for name in "${installed_now[@]}"; do [ "$name" = "$1" ] && return 0; done; return 1; }
available() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -qv '(none)'; }

missing=()
updated=false
update_once() { $updated || { as_root apt-get update -qq >&2; updated=true; }; }
# The first alternative this release's archive has (a fresh machine may need its lists first).
pick_available() {
  local name
  for name in "$@"; do available "$name" && { echo "$name"; return; }; done
  update_once
  for name in "$@"; do available "$name" && { echo "$name"; return; }; done
  echo "$1"
}
for spec in "${wanted[@]}"; do
  IFS='|' read -r -a choices <<<"$spec"
  for name in "${choices[@]}"; do installed "$name" && continue 2; done
  if [ "${#choices[@]}" -gt 1 ]; then missing+=("$(pick_available "${choices[@]}")"); else missing+=("$spec"); fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "sim: installing Debian packages: ${missing[*]}" >&2
  update_once
  log=$(mktemp)
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "sim: apt-get install failed; the lines above say why." >&2
    exit 69
  fi
  rm -f "$log"
fi

# The tests fetch Debian's kernel package (apt-get download, as you): that needs package lists.
if [ "$purpose" = test ] && ! available linux-image-amd64; then update_once; fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "sim: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
