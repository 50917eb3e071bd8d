/**
 * Compiles a generated .bpf.c with clang (CO-RE, against the helper build's vmlinux.h) into a
 * private directory, so the object passes the helper's trust rule (owned by us, writable by
 * nobody else).
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

const ARCH: Record<string, string> = { x64: 'x86', arm64: 'arm64', s390x: 's390', ppc64: 'powerpc', riscv64: 'riscv' };

export async function compileProbe(source: string, opts: CompileOptions): Promise<CompiledObject> {
  const arch = ARCH[process.arch];
  if (!arch) throw new Error(`no BPF target arch for ${process.arch}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpn-gen-'));
  const src = path.join(dir, 'probe.bpf.c');
  const obj = path.join(dir, 'probe.bpf.o');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(src, source, { mode: 0o600 });
    // the helper build precompiles vmlinux.h; parsing it is most of a compile otherwise
    const pch = path.join(opts.helperDir, 'build', 'kpn_common.bpf.h.pch');
    const usePch = await access(pch).then(() => true, () => false);
    await run(opts.clang ?? 'clang', [
      '-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`,
      '-I', path.join(opts.helperDir, 'build'), '-I', path.join(opts.helperDir, 'src'),
      '-Wall', '-Wno-unused-function', ...(usePch ? ['-include-pch', pch] : []), '-c', src, '-o', obj,
    ], { timeout: opts.timeoutMs ?? 60000, maxBuffer: 4 << 20 });
  } catch (e) {
    await dispose();
    const err = e as { stderr?: string; message: string };
    throw new Error(`clang failed: ${(err.stderr || err.message).trim()}`);
  }
  return { dir, source: src, object: obj, dispose };
}
