#!/usr/bin/env bash
# kernel-tree.sh VERSION DEST [SUBDIR...]
# Extracts Debian's linux-source-VERSION tarball (installing the package if needed) into DEST:
# the whole tree, or only the given subdirectories/files plus the top Makefile (which tells
# tools the folder is a kernel tree). Idempotent: DEST/.kpn-tree records what was extracted.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 VERSION DEST [SUBDIR...]" >&2
  exit 2
fi
version="$1"; dest="$2"; shift 2
top="linux-source-$version"
tarball="/usr/src/$top.tar.xz"
stamp="$dest/.kpn-tree"

members=()
if [ $# -gt 0 ]; then
  members+=("$top/Makefile")
  for sub in "$@"; do
    sub="${sub#./}"; sub="${sub%/}"
    case "$sub" in
      ''|/*|*..*) echo "kernel-tree: refusing path '$sub'" >&2; exit 2 ;;
    esac
    [ "$sub" = Makefile ] || members+=("$top/$sub")
  done
  want="$version ${*}"
else
  want="$version all"
fi

# Test files running in parallel may ask for the same tree at once: one extracts, the others wait.
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$dest"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  echo "kernel-tree: installing $top" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$top" >&2 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$top" >&2
  }
fi

# A different earlier subset is removed so the tree holds exactly what was asked for; only a
# folder this script made (it has the stamp) is ever wiped.
if [ -f "$stamp" ]; then
  echo "kernel-tree: replacing earlier extract ($(cat "$stamp"))" >&2
  rm -rf -- "$dest"
fi
mkdir -p "$dest"

echo "kernel-tree: extracting $want into $dest" >&2
if command -v xz >/dev/null && xz --help 2>/dev/null | grep -q -- '--threads'; then
  xz_prog=(--use-compress-program 'xz -T0')
else
  xz_prog=(-J)
fi
tar -x "${xz_prog[@]}" -f "$tarball" -C "$dest" --strip-components=1 "${members[@]}"
echo "$want" > "$stamp"
echo "$dest"
