/**
 * The few git commands history needs, each run with an argument array (never a shell) in the
 * workspace root, with a timeout. Paths are given as `TAG:./rel`, which git resolves against the
 * working directory, so a workspace that is a subfolder of its clone works too.
 */
import { execFile, spawn } from 'node:child_process';

export class GitError extends Error {}

/** Repository config must not make read-only commands run programs (fsmonitor is such a hook). */
const SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.quotepath=false', '--no-pager'];
const ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

export interface GitRun { stdout: string; code: number }

/** Runs git; exit codes in `okCodes` are results (git grep exits 1 for "no match"), others throw. */
export function git(cwd: string, args: readonly string[], opts: { timeoutMs?: number; okCodes?: number[] } = {}): Promise<GitRun> {
  const okCodes = opts.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    execFile('git', [...SAFE, ...args], { cwd, env: ENV, timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, code: 0 });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
      if (e.code === 'ENOENT') return reject(new GitError('git is not installed (not found on PATH)'));
      if (e.killed || e.signal === 'SIGTERM') return reject(new GitError(`git ${args[0]} took longer than ${(opts.timeoutMs ?? 10_000) / 1000} s`));
      if (typeof e.code === 'number' && okCodes.includes(e.code)) return resolve({ stdout, code: e.code });
      const why = stderr.split('\n').find((l) => l.trim() !== '')?.replace(/^(fatal|error): /, '') ?? e.message;
      reject(new GitError(`git ${args[0]}: ${why}`));
    });
  });
}

/** Throws a GitError saying why `root` cannot be used (not a clone, git missing, unsafe owner). */
export async function checkWorkTree(root: string): Promise<void> {
  const { stdout } = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (stdout.trim() !== 'true') throw new GitError('not inside a git work tree');
}

/** Tags whose commit is an ancestor of HEAD: the releases this checkout descends from. */
export async function tagsMergedIntoHead(root: string): Promise<string[]> {
  const { stdout } = await git(root, ['tag', '--list', '--merged', 'HEAD'], { timeoutMs: 30_000 });
  return stdout.split('\n').filter(Boolean);
}

export async function tagExists(root: string, tag: string): Promise<boolean> {
  const r = await git(root, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`], { okCodes: [0, 1] });
  return r.code === 0;
}

/**
 * Reads many blobs in one `git cat-file --batch`; a missing object maps to undefined. Specs are
 * `REV:./path` with no newline (the batch protocol is line based).
 */
export function readBlobs(root: string, specs: readonly string[], timeoutMs = 20_000): Promise<Map<string, string | undefined>> {
  for (const s of specs) if (/[\n\r]/.test(s)) throw new GitError(`object name with a line break: ${JSON.stringify(s)}`);
  return new Promise((resolve, reject) => {
    const p = spawn('git', [...SAFE, 'cat-file', '--batch'], { cwd: root, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => { p.kill(); reject(new GitError(`git cat-file took longer than ${timeoutMs / 1000} s`)); }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => chunks.push(d));
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new GitError(e.code === 'ENOENT' ? 'git is not installed (not found on PATH)' : `git cat-file: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new GitError(`git cat-file: ${stderr.trim() || `exit ${code}`}`));
      try {
        resolve(parseBatch(Buffer.concat(chunks), specs));
      } catch (e) {
        reject(e);
      }
    });
    p.stdin.on('error', () => { /* reported by 'close' */ });
    p.stdin.end(specs.map((s) => s + '\n').join(''));
  });
}

/** `<sha> blob <size>\n<bytes>\n` per object, or `<spec> missing\n` (also `ambiguous`). */
function parseBatch(out: Buffer, specs: readonly string[]): Map<string, string | undefined> {
  const result = new Map<string, string | undefined>();
  let pos = 0;
  for (const spec of specs) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) throw new GitError('git cat-file: output ended early');
    const header = out.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) { result.set(spec, undefined); continue; }
    const size = Number(m[2]);
    result.set(spec, m[1] === 'blob' ? out.subarray(pos, pos + size).toString('utf8') : undefined);
    pos += size + 1;
  }
  return result;
}

export interface GrepHit { file: string; line: number }

/**
 * Files with a line matching `pattern` (ERE), one hit per file, at revision `rev` of the clone,
 * or in a plain directory when `rev` is undefined (`--no-index`).
 */
export async function grepFiles(cwd: string, pattern: string, rev: string | undefined, pathspecs: readonly string[], timeoutMs: number): Promise<GrepHit[]> {
  const args = ['grep', '-I', '-n', '-E', '--max-count=1', '--no-color', '-e', pattern];
  if (rev === undefined) args.splice(1, 0, '--no-index');
  else args.push(rev);
  args.push('--', ...pathspecs);
  const { stdout } = await git(cwd, args, { timeoutMs, okCodes: [0, 1] });
  const hits: GrepHit[] = [];
  const prefix = rev === undefined ? '' : `${rev}:`;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const m = /^(.*?):(\d+):/.exec(line.slice(prefix.length));
    if (m) hits.push({ file: m[1], line: Number(m[2]) });
  }
  return hits;
}
