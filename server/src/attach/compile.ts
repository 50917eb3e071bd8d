/**
 * Compiles a generated .bpf.c with clang (CO-RE, against the helper build's vmlinux.h) into a
 * private directory, so the object passes the helper's trust rule (owned by us, writable by
 * nobody else). `toolchain` says what a compile depends on besides the source, so objects can be
 * cached under a key (objectCache.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CompileOptions {
  /** The bpf-helper folder: its build/ holds vmlinux.h, its src/ the shared headers. */
  helperDir: string;
  clang?: string;
  timeoutMs?: number;
}

export interface CompiledObject { dir: string; source: string; object: string; dispose(): Promise<void> }

/** Everything besides the source that decides what clang produces. */
export interface Toolchain {
  clang: string;
  /** clang's arguments except the input and output files. */
  flags: string[];
  /** clang's version line plus size, mtime and inode of the PCH and the headers it was built from. */
  identity: string;
}

const ARCH: Record<string, string> = { x64: 'x86', arm64: 'arm64', s390x: 's390', ppc64: 'powerpc', riscv64: 'riscv' };

const clangVersions = new Map<string, Promise<string>>();

function clangVersion(clang: string): Promise<string> {
  let v = clangVersions.get(clang);
  if (!v) {
    v = run(clang, ['--version'], { timeout: 10000 }).then((r) => r.stdout.split('\n')[0].trim());
    // a missing clang is reported by the compile itself, with clang's own error
    v.catch(() => clangVersions.delete(clang));
    clangVersions.set(clang, v);
  }
  return v;
}

/** size:mtime:inode, or "-" for a missing file: a rebuilt helper (make writes new files) changes it. */
async function fileIdentity(file: string): Promise<string> {
  const st = await stat(file, { bigint: true }).catch(() => undefined);
  return st ? `${st.size}:${st.mtimeNs}:${st.ino}` : '-';
}

export async function toolchain(opts: CompileOptions): Promise<Toolchain> {
  const arch = ARCH[process.arch];
  if (!arch) throw new Error(`no BPF target arch for ${process.arch}`);
  const clang = opts.clang ?? 'clang';
  const build = path.join(opts.helperDir, 'build');
  const src = path.join(opts.helperDir, 'src');
  // the helper build precompiles vmlinux.h; parsing it is most of a compile otherwise
  const pch = path.join(build, 'kpn_common.bpf.h.pch');
  const [version, ...files] = await Promise.all([
    clangVersion(clang).catch(() => 'unknown clang'),
    ...[pch, path.join(build, 'vmlinux.h'), path.join(src, 'kpn_common.bpf.h'), path.join(src, 'kpn.h')].map(fileIdentity),
  ]);
  const usePch = files[0] !== '-';
  const flags = [
    '-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-I', build, '-I', src,
    '-Wall', '-Wno-unused-function', ...(usePch ? ['-include-pch', pch] : []),
  ];
  return { clang, flags, identity: [version, ...files].join('\n') };
}

/** SHA-256 over the source and everything else that decides the object. */
export function compileKey(source: string, tc: Toolchain): string {
  return createHash('sha256').update(JSON.stringify([source, tc.clang, tc.flags, tc.identity])).digest('hex');
}

/** Runs clang; a failure becomes `clang failed: <clang's message>`. */
export async function runClang(src: string, obj: string, tc: Toolchain, timeoutMs = 60000): Promise<void> {
  try {
    await run(tc.clang, [...tc.flags, '-c', src, '-o', obj], { timeout: timeoutMs, maxBuffer: 4 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`clang failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** An uncached compile into a fresh private temp dir, removed by dispose(). */
export async function compileProbe(source: string, opts: CompileOptions): Promise<CompiledObject> {
  const tc = await toolchain(opts);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpn-gen-'));
  const src = path.join(dir, 'probe.bpf.c');
  const obj = path.join(dir, 'probe.bpf.o');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(src, source, { mode: 0o600 });
    await runClang(src, obj, tc, opts.timeoutMs);
  } catch (e) {
    await dispose();
    throw e;
  }
  return { dir, source: src, object: obj, dispose };
}
