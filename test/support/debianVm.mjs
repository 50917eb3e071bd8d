// A kernel whose function tracers work, for what this machine's kernel refuses (function and
// function_graph): Debian's build of linux 6.1.192 (linux-image-6.1.0-56-amd64-unsigned, the build
// of the linux-source-6.1 tree the tests index) booted in QEMU, with this machine's root file
// system mounted read-only over 9p. A shell script then runs as root in the guest, chrooted into
// that file system (this machine's node, trace-cmd, curl, the checkout), and writes its results
// to a directory shared read-write.
// TCG emulation, not KVM: this machine has a /dev/kvm, but a guest kernel under it hangs right
// after decompression (a Firecracker VM without nested SVM). Boot to a shell takes ~6 s.
// One vCPU: with two, the guest died in a BUG_ON of irqentry_nmi_enter (NMI nesting, reached
// from the int3 handler while ftrace patches call sites under another vCPU) in 3 of 11 boots
// with function_graph on, and still in 3 of 3 with nmi_watchdog=0.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand } from '../ftrace/fixtures.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = 'linux-image-6.1.0-56-amd64-unsigned';
const ABI = '6.1.0-56-amd64';
// Load order: each after what it depends on (`modinfo -F depends`).
const MODULES = [
  'fs/netfs/netfs', 'fs/fscache/fscache', 'net/9p/9pnet', 'drivers/virtio/virtio_ring', 'drivers/virtio/virtio',
  'drivers/virtio/virtio_pci_legacy_dev', 'drivers/virtio/virtio_pci_modern_dev', 'drivers/virtio/virtio_pci',
  'net/9p/9pnet_virtio', 'fs/9p/9p',
];

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${MODULES.map((m) => path.basename(m)).join(' ')}; do insmod /modules/$m.ko || echo "guest: insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /host || echo "guest: cannot mount the host root"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tracefs nodev /host/sys/kernel/tracing
# A writable /tmp for the job, with what the host's /tmp holds still there (read-only): a checkout
# under /tmp stays where its paths say.
mkdir /hosttmp
mount --bind /host/tmp /hosttmp
mount -t tmpfs tmp /host/tmp
for d in /hosttmp/*; do
  [ -d "$d" ] && [ ! -L "$d" ] || continue
  mkdir -p "/host/tmp/\${d##*/}" && mount --bind "$d" "/host/tmp/\${d##*/}"
done
mkdir -p /host/tmp/vmout
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmout /host/tmp/vmout || echo "guest: cannot mount the output directory"
ip link set lo up
echo "guest: $(uname -r), running the job"
chroot /host /usr/bin/env -i PATH="$(cat /host/tmp/vmout/job.path)" HOME=/tmp /bin/sh /tmp/vmout/job.sh > /host/tmp/vmout/job.log 2>&1
echo $? > /host/tmp/vmout/job.exit
sync
umount /host/tmp/vmout
poweroff -f
`;

/** Why the VM cannot run here, or null. */
export function vmUnavailable() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the Debian guest is x86-64 Linux only';
  if (process.getuid?.() !== 0) return 'booting the Debian 6.1 guest needs root (apt-get download, a 9p export of /)';
  for (const [bin, pkg] of [['qemu-system-x86_64', 'qemu-system-x86'], ['dpkg-deb', 'dpkg'], ['cpio', 'cpio']]) {
    if (!hasCommand(bin)) return `${bin} not installed (Debian package ${pkg}; ./test.sh installs it)`;
  }
  if (staticBusybox() === null) return 'no static busybox for the initramfs (Debian package busybox-static; ./test.sh installs it)';
  return null;
}

/**
 * Kernel and initramfs of the guest, built once into `test/.data/vm/` (the .deb is fetched with
 * apt-get download). Returns { kernel, initrd } or { skip } when the package cannot be had.
 */
export function guestImage(dir = path.join(repo, 'test', '.data', 'vm')) {
  const kernel = path.join(dir, `vmlinuz-${ABI}`);
  // Named by what init does, so a changed INIT builds a new one.
  const initrd = path.join(dir, `initrd-${createHash('sha256').update(INIT).digest('hex').slice(0, 12)}.gz`);
  if (fs.existsSync(kernel) && fs.existsSync(initrd)) return { kernel, initrd };
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-vm-'));
  try {
    // apt drops privileges to _apt for the download; a mkdtemp dir (0700) would make it warn.
    fs.chmodSync(work, 0o755);
    try {
      execFileSync('apt-get', ['download', '-qq', PKG], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      return { skip: `apt-get download ${PKG} failed: ${String(e.stderr ?? e.message).trim().split('\n').pop()}` };
    }
    const deb = fs.readdirSync(work).find((f) => f.startsWith(`${PKG}_`) && f.endsWith('.deb'));
    if (deb === undefined) return { skip: `apt-get download left no .deb for ${PKG}` };
    const x = path.join(work, 'x');
    fs.mkdirSync(x);
    const members = [`./boot/vmlinuz-${ABI}`, ...MODULES.map((m) => `./lib/modules/${ABI}/kernel/${m}.ko`)];
    execFileSync('sh', ['-c', 'deb=$1 dir=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@"', 'x', path.join(work, deb), x, ...members]);
    const root = path.join(work, 'root');
    for (const d of ['bin', 'dev', 'proc', 'sys', 'host', 'modules']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.copyFileSync(staticBusybox(), path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const m of MODULES) fs.copyFileSync(path.join(x, 'lib', 'modules', ABI, 'kernel', `${m}.ko`), path.join(root, 'modules', `${path.basename(m)}.ko`));
    fs.writeFileSync(path.join(root, 'init'), INIT, { mode: 0o755 });
    execFileSync('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"', 'x', root, `${initrd}.tmp`]);
    fs.copyFileSync(path.join(x, 'boot', `vmlinuz-${ABI}`), kernel);
    fs.renameSync(`${initrd}.tmp`, initrd);
    return { kernel, initrd };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Boots the guest, runs `script` (sh) as root in it and powers off. `out` is the shared directory,
 * /tmp/vmout in the guest. Resolves { code, log, console }: the script's exit code (null when it
 * never finished), its stdout+stderr, and the guest's console.
 */
export function runInVm(image, script, out, { timeoutMs = 600_000 } = {}) {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'job.sh'), script);
  fs.writeFileSync(path.join(out, 'job.path'), process.env.PATH ?? '/usr/bin:/bin');
  for (const f of ['job.exit', 'job.log']) fs.rmSync(path.join(out, f), { force: true });
  const args = ['-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', '2048', '-nographic', '-no-reboot',
    '-kernel', image.kernel, '-initrd', image.initrd, '-append', 'console=ttyS0 rdinit=/init panic=-1 quiet',
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${out},mount_tag=vmout,security_model=none`];
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    const take = (d) => { if (consoleText.length < 1 << 20) consoleText += d.toString('latin1'); };
    q.stdout.on('data', take);
    q.stderr.on('data', take);
    const timer = setTimeout(() => q.kill('SIGKILL'), timeoutMs);
    q.once('error', (e) => { clearTimeout(timer); reject(e); });
    q.once('close', () => {
      clearTimeout(timer);
      const read = (f) => { try { return fs.readFileSync(path.join(out, f), 'utf8'); } catch { return null; } };
      const exit = read('job.exit');
      resolve({ code: exit === null ? null : Number(exit.trim()), log: read('job.log') ?? '', console: consoleText.replace(/\r/g, '') });
    });
  });
}

/** The initramfs has no libc: a dynamically linked busybox names its loader near the file start. */
function staticBusybox() {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    let head;
    try { head = fs.readFileSync(p).subarray(0, 4096).toString('latin1'); } catch { continue; }
    if (!head.includes('ld-linux')) return p;
  }
  return null;
}
