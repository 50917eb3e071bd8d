/**
 * Compiled probe objects, content-addressed, so a generated .bpf.c is compiled once and ahead
 * of time (kpn/generate starts it) and an attach of the unchanged source only loads.
 *
 * Layout: a private directory (0700, ours) holding `<key>.o` (0600) and `<key>.o.sha256`, the
 * object's own digest. The key names what went in (compileKey: source, flags, PCH/vmlinux.h
 * identity, clang version); the digest what came out, so an object that was swapped, damaged,
 * or left readable to others is rebuilt rather than handed to the helper. Bounded: the least
 * recently used entries are removed past `maxEntries` or `maxBytes`.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { compileKey, runClang, toolchain, type CompileOptions, type Toolchain } from './compile';

export interface CachedObject {
  /** Absolute path of the object, for the helper's `object`. */
  object: string;
  key: string;
  /** true when clang ran for this request (or for the background compile it waited on). */
  compiled: boolean;
}

export interface CacheLimits { maxEntries: number; maxBytes: number }

const DEFAULT_LIMITS: CacheLimits = { maxEntries: 32, maxBytes: 64 << 20 };
/** A temp dir this old belongs to a compile that died with its process. */
const STALE_TMP_MS = 10 * 60 * 1000;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export class ObjectCache {
  private readonly pending = new Map<string, Promise<CachedObject>>();
  private dirChecked = false;

  constructor(readonly dir: string, private readonly limits: CacheLimits = DEFAULT_LIMITS) {}

  /** Starts compiling in the background; a failure reaches whoever asks objectFor for it. */
  prefetch(source: string, opts: CompileOptions): void {
    this.objectFor(source, opts).catch(() => { /* reported by the attach that needs it */ });
  }

  /** The object for this source: from the cache, from a compile under way, or compiled now. */
  async objectFor(source: string, opts: CompileOptions): Promise<CachedObject> {
    const tc = await toolchain(opts);
    const key = compileKey(source, tc);
    const under = this.pending.get(key);
    if (under) return under;
    const p = (async () => {
      await this.ensureDir();
      const hit = await this.lookup(key);
      if (hit) return { object: hit, key, compiled: false };
      const object = await this.build(key, source, tc, opts.timeoutMs);
      await this.prune(object);
      return { object, key, compiled: true };
    })().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async ensureDir(): Promise<void> {
    if (this.dirChecked) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const st = await lstat(this.dir);
    if (!st.isDirectory() || st.uid !== process.getuid?.()) throw new Error(`object cache ${this.dir} is not a directory of ours: refusing to use it`);
    if (st.mode & 0o077) await chmod(this.dir, 0o700);
    this.dirChecked = true;
  }

  private objectPath(key: string): string {
    return path.join(this.dir, `${key}.o`);
  }

  /** The cached object if it is ours, private, and still what was compiled; else removes the entry. */
  private async lookup(key: string): Promise<string | undefined> {
    const file = this.objectPath(key);
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!fh) return undefined;
    let good = false;
    try {
      const st = await fh.stat();
      if (st.isFile() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0) {
        const want = (await readFile(`${file}.sha256`, 'utf8').catch(() => '')).trim();
        good = want !== '' && sha256(await fh.readFile()) === want;
      }
    } finally {
      await fh.close();
    }
    if (!good) {
      await this.remove(key);
      return undefined;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined); // recency for pruning
    return file;
  }

  private async build(key: string, source: string, tc: Toolchain, timeoutMs?: number): Promise<string> {
    const tmp = await mkdtemp(path.join(this.dir, 'tmp-'));
    try {
      const src = path.join(tmp, 'probe.bpf.c');
      const obj = path.join(tmp, 'probe.bpf.o');
      await writeFile(src, source, { mode: 0o600 });
      await runClang(src, obj, tc, timeoutMs);
      await chmod(obj, 0o600);
      await writeFile(path.join(tmp, 'digest'), sha256(await readFile(obj)) + '\n', { mode: 0o600 });
      const file = this.objectPath(key);
      // digest first: a reader between the renames sees a mismatch and rebuilds, never a wrong object
      await rename(path.join(tmp, 'digest'), `${file}.sha256`);
      await rename(obj, file);
      return file;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async remove(key: string): Promise<void> {
    const file = this.objectPath(key);
    await Promise.all([rm(file, { force: true }), rm(`${file}.sha256`, { force: true })]);
  }

  /** Keeps the most recently used entries within the limits, and `keep` whatever its size. */
  private async prune(keep: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const now = Date.now();
    const entries: { key: string; size: number; mtime: number }[] = [];
    for (const name of names) {
      const st = await stat(path.join(this.dir, name)).catch(() => undefined);
      if (!st) continue;
      if (name.startsWith('tmp-') && st.isDirectory() && now - st.mtimeMs > STALE_TMP_MS) {
        await rm(path.join(this.dir, name), { recursive: true, force: true });
      } else if (/^[0-9a-f]{64}\.o$/.test(name)) {
        entries.push({ key: name.slice(0, -2), size: st.size, mtime: st.mtimeMs });
      }
    }
    entries.sort((a, b) => b.mtime - a.mtime);
    let bytes = 0;
    let count = 0;
    for (const e of entries) {
      const mine = this.objectPath(e.key) === keep;
      if (mine || (count < this.limits.maxEntries && bytes + e.size <= this.limits.maxBytes)) {
        count++;
        bytes += e.size;
      } else {
        await this.remove(e.key);
      }
    }
  }
}
