#!/usr/bin/env bash
# debian-6.1-btf.sh DEST
# Puts Debian's build of linux 6.1.192 (linux-image-6.1.0-56-amd64-unsigned) into DEST as
#   DEST/vmlinux-6.1.0-56     the uncompressed ELF vmlinux (its .BTF section is the ground truth
#                             for "which source functions survived compilation")
#   DEST/config-6.1.0-56      the build's .config, to tell which options were on
# The package's System.map is a placeholder, so it is not kept.
# Idempotent: when both files exist it only prints DEST. Prints DEST on success.
# Needs: apt-get (the Debian archive is reachable), dpkg-deb, tar, and extract-vmlinux from a 6.1
# tree: $KPN_LINUX_61 (default /work/data/linux-source-6.1) or /usr/src/linux-source-6.1.tar.xz.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest="$1"
pkg=linux-image-6.1.0-56-amd64-unsigned
abi=6.1.0-56-amd64
vmlinux="$dest/vmlinux-6.1.0-56"
config="$dest/config-6.1.0-56"

log() { echo "debian-6.1-btf: $*" >&2; }

if [ -s "$vmlinux" ] && [ -s "$config" ]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$dest"
work="$(mktemp -d "${TMPDIR:-/tmp}/kpn-deb61.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for the download; a mktemp dir (0700) would make it warn.
chmod 755 "$work"

tree="${KPN_LINUX_61:-/work/data/linux-source-6.1}"
extractor="$tree/scripts/extract-vmlinux"
if [ ! -f "$extractor" ]; then
  tarball=/usr/src/linux-source-6.1.tar.xz
  if [ ! -f "$tarball" ]; then
    log "no 6.1 tree at $tree and no $tarball: cannot get scripts/extract-vmlinux"
    exit 1
  fi
  log "taking scripts/extract-vmlinux from $tarball"
  tar -xJf "$tarball" -C "$work" linux-source-6.1/scripts/extract-vmlinux
  extractor="$work/linux-source-6.1/scripts/extract-vmlinux"
fi

log "apt-get download $pkg"
(cd "$work" && apt-get download -qq "$pkg" >&2)
deb="$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)"
if [ -z "$deb" ]; then
  log "apt-get download left no .deb for $pkg"
  exit 1
fi

mkdir -p "$work/root"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/root" ./boot
vmlinuz="$work/root/boot/vmlinuz-$abi"
if [ ! -f "$vmlinuz" ]; then
  log "the package holds no boot/vmlinuz-$abi"
  exit 1
fi

log "extracting vmlinux from $(basename "$vmlinuz")"
bash "$extractor" "$vmlinuz" > "$work/vmlinux"
if [ "$(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' \n')" != 7f454c46 ]; then
  log "extract-vmlinux did not produce an ELF file"
  exit 1
fi

# Written under temporary names, then renamed, so an interrupted run never leaves a half file
# that the idempotence check would accept.
cp "$work/root/boot/config-$abi" "$config.tmp" && mv "$config.tmp" "$config"
mv "$work/vmlinux" "$vmlinux.tmp" && mv "$vmlinux.tmp" "$vmlinux"
echo "$dest"
