// Shared by the bpf-helper tests: builds the helper once (under a lock, since test files run
// in parallel) and says why a test has to be skipped on a machine that cannot run it.
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const helperDir = path.join(root, 'bpf-helper');
export const helperPath = path.join(helperDir, 'build', 'kpn-bpf-helper');
export const out = (p) => path.join(root, 'server', 'out', p);

let built;
/** undefined when the helper is built and usable; otherwise the reason to skip. */
export function buildHelper() {
  if (built !== undefined) return built || undefined;
  if (process.getuid?.() !== 0) return (built = 'needs root to load BPF programs');
  if (!existsSync('/sys/kernel/btf/vmlinux')) return (built = 'no kernel BTF');
  try {
    mkdirSync(path.join(helperDir, 'build'), { recursive: true });
    execFileSync('flock', [path.join(helperDir, 'build', '.lock'), 'make', '-s', '-C', helperDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    built = '';
  } catch (e) {
    throw new Error(`make -C bpf-helper failed: ${e.stderr}`);
  }
  return undefined;
}

export async function startHelper(opts = {}) {
  const { HelperClient } = await import(out('attach/helperClient.js'));
  return HelperClient.start({ helperPath, statsIntervalMs: 0, ...opts });
}

export function myComm() {
  return readFileSync('/proc/self/comm', 'utf8').trim();
}

/** Makes one TCP connection to a listener of our own on 127.0.0.1; resolves to the port connected to. */
export async function connectOnce() {
  const srv = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = srv.address().port;
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  sock.destroy();
  srv.close();
  return port;
}
