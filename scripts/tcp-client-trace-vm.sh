#!/usr/bin/env bash
# tcp-client-trace-vm.sh DEST
# Records real function_graph traces of a connecting TCP client, the acceptance data of issue 4,
# and puts them into DEST:
#   DEST/tcp-client-curl.dat   trace-cmd record -p function_graph -F -c -- curl http://127.0.0.1:8080/ http://[::1]:8080/
#                              (one connection over IPv4, one over IPv6)
#   DEST/tcp-client-vm.log     the guest's console: kernel, tools, what ran
# This machine's kernel refuses the function tracers, so the recording runs in a QEMU guest booting
# Debian's build of linux 6.1.192 (linux-image-6.1.0-56-amd64-unsigned, CONFIG_FUNCTION_GRAPH_TRACER=y),
# with this machine's own trace-cmd, curl and busybox in an initramfs. The server is busybox httpd
# on the guest's loopback.
# The guest runs under QEMU's TCG emulation: this machine has a /dev/kvm, but a guest kernel under it
# hangs right after decompression (a Firecracker VM without nested SVM). Emulation makes the traced
# durations several times longer than on hardware; the calls and their nesting are the kernel's own.
# One vCPU: with two, the guest now and then died in irqentry_nmi_enter's BUG_ON while ftrace
# patched call sites (test/support/debianVm.mjs).
# Needs root (apt-get) and the Debian archive. Installs qemu-system-x86, busybox-static, curl and
# trace-cmd when missing.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest="$1"
pkg=linux-image-6.1.0-56-amd64-unsigned
abi=6.1.0-56-amd64

log() { echo "tcp-client-trace-vm: $*" >&2; }

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx httpd || missing+=(busybox-static)
command -v curl >/dev/null || missing+=(curl)
command -v trace-cmd >/dev/null || missing+=(trace-cmd)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

mkdir -p "$dest"
work="$(mktemp -d "${TMPDIR:-/tmp}/kpn-tcpvm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for the download; a mktemp dir (0700) would make it warn.
chmod 755 "$work"

log "apt-get download $pkg"
(cd "$work" && apt-get download -qq "$pkg" >&2)
deb="$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)"
[ -n "$deb" ] || { log "apt-get download left no .deb for $pkg"; exit 1; }
mkdir -p "$work/deb"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/deb" ./boot "./lib/modules/$abi/kernel/drivers/virtio" "./lib/modules/$abi/kernel/drivers/block/virtio_blk.ko"
kernel="$work/deb/boot/vmlinuz-$abi"

# The initramfs: busybox for the shell, mounts and httpd; trace-cmd and curl with their libraries.
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,www,modules}
cp /bin/busybox "$root/bin/busybox"
for bin in "$(command -v trace-cmd)" "$(command -v curl)"; do
  cp "$bin" "$root/bin/"
  for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/[^ ]*ld-linux/{print $1}'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci; do
  cp "$work/deb/lib/modules/$abi/kernel/drivers/virtio/$m.ko" "$root/modules/"
done
cp "$work/deb/lib/modules/$abi/kernel/drivers/block/virtio_blk.ko" "$root/modules/"
echo 'hello from the guest' > "$root/www/index.html"

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing
mount -t tmpfs tmp /tmp
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do insmod /modules/$m.ko; done
ip link set lo up
echo "guest: $(uname -r), $(trace-cmd --version 2>&1 | grep -m1 version), $(curl --version | head -1)"
echo "guest: current_tracer choices: $(cat /sys/kernel/tracing/available_tracers)"
httpd -p 8080 -h /www
sleep 1
cd /tmp
set -- trace-cmd record -q -p function_graph -F -c -o tcp-client-curl.dat -- curl -sS http://127.0.0.1:8080/ 'http://[::1]:8080/'
echo "guest: $*"
"$@"
tar -cf /dev/vda tcp-client-curl.dat
sync
echo "guest: done"
poweroff -f
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

truncate -s 512M "$work/out.img"
log "booting $abi under QEMU (TCG)"
timeout 900 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 1024 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" -append "console=ttyS0 rdinit=/init panic=-1 quiet" \
  -drive "file=$work/out.img,format=raw,if=virtio" > "$work/console.log" 2>&1 || true
tr -d '\r' < "$work/console.log" > "$dest/tcp-client-vm.log"
if ! grep -q '^guest: done' "$dest/tcp-client-vm.log"; then
  log "the guest did not finish; its console is in $dest/tcp-client-vm.log"
  exit 1
fi
tar -xf "$work/out.img" -C "$dest"
ls -l "$dest/tcp-client-curl.dat" >&2
echo "$dest"
