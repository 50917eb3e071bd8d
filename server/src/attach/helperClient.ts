/**
 * Runs the privileged kpn-bpf-helper and speaks its JSON-lines protocol.
 * The helper owns every link; closing this client (or the editor dying) detaches them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { ATTACH_TYPES, COLLECTORS, isAttachType, targetProblem } from './names';
import {
  PROTOCOL_VERSION,
  type AttachRequest, type AttachResult, type ErrorBody, type HelloReply, type HelperEvent,
  type LinkInfo, type LinkStats, type StatsEvent, type ByeEvent, type VerifyResult,
} from './protocol';

const DEFAULT_HELPER_RELATIVE = path.join('bpf-helper', 'build', 'kpn-bpf-helper');
const MAX_LINE = 65536;

/** How to get privileges: run directly (root, or a binary with file capabilities), or through sudo -n / pkexec. */
export type Elevation = 'none' | 'sudo' | 'pkexec';

export interface HelperOptions {
  /** Absolute path of the helper binary. The extension passes only a machine-scoped setting here. */
  helperPath?: string;
  /** Where the default path is resolved from (the extension folder); defaults to the repository root. */
  extensionRoot?: string;
  elevation?: Elevation;
  /** Periodic stats events; 0 turns them off. */
  statsIntervalMs?: number;
  /** How long to wait for each reply. */
  timeoutMs?: number;
}

export class HelperError extends Error {
  readonly code: string;
  readonly detail?: string;
  readonly tried: NonNullable<ErrorBody['tried']>;
  readonly alternatives: string[];
  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'HelperError';
    this.code = body.code;
    this.detail = body.detail;
    this.tried = body.tried ?? [];
    this.alternatives = body.alternatives ?? [];
  }
}

interface Pending { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

export function defaultHelperPath(extensionRoot?: string): string {
  const root = extensionRoot ?? path.resolve(__dirname, '..', '..', '..');
  return path.join(root, DEFAULT_HELPER_RELATIVE);
}

/** The command line that starts the helper, as an argument array (never a shell string). */
function helperCommand(helperPath: string, elevation: Elevation): { file: string; args: string[] } {
  if (!path.isAbsolute(helperPath)) throw new HelperError({ code: 'EINVAL_ARG', message: `helper path must be absolute: ${helperPath}` });
  switch (elevation) {
    case 'sudo': return { file: 'sudo', args: ['-n', '--', helperPath] };
    case 'pkexec': return { file: 'pkexec', args: [helperPath] };
    default: return { file: helperPath, args: [] };
  }
}

export interface HelperClientEvents {
  event: [HelperEvent];
  stats: [StatsEvent];
  bye: [ByeEvent];
  exit: [number | null, NodeJS.Signals | null];
  stderr: [string];
}

export class HelperClient extends EventEmitter<HelperClientEvents> {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buf = '';
  private exited = false;
  private readonly exitPromise: Promise<void>;
  hello!: HelloReply;

  private constructor(child: ChildProcess, private readonly timeoutMs: number) {
    super();
    this.child = child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        const err = new HelperError({ code: 'EHELPER_EXIT', message: `helper exited (code ${code}, signal ${signal})` });
        for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
        this.pending.clear();
        this.emit('exit', code, signal);
        resolve();
      });
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => this.emit('stderr', s));
    child.stdin!.on('error', () => { /* the exit handler reports the helper going away */ });
  }

  /** Spawns the helper and completes the hello handshake. */
  static async start(opts: HelperOptions = {}): Promise<HelperClient> {
    const helperPath = opts.helperPath ?? defaultHelperPath(opts.extensionRoot);
    const { file, args } = helperCommand(helperPath, opts.elevation ?? 'none');
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(new HelperError({ code: 'ESPAWN', message: `cannot start ${file}: ${e.message}` })));
    });
    await spawned;
    const client = new HelperClient(child, opts.timeoutMs ?? 15000);
    try {
      client.hello = await client.request('hello', {
        protocol: PROTOCOL_VERSION,
        ...(opts.statsIntervalMs !== undefined ? { stats_interval_ms: opts.statsIntervalMs } : {}),
      }) as unknown as HelloReply;
    } catch (e) {
      child.kill('SIGTERM');
      throw e;
    }
    return client;
  }

  get pid(): number | undefined { return this.child.pid; }

  async attach(req: AttachRequest): Promise<AttachResult> {
    return await this.request('attach', checkAttach(req)) as unknown as AttachResult;
  }

  /** Loads the program through the kernel's verifier without attaching it. */
  async verify(req: AttachRequest): Promise<VerifyResult> {
    return await this.request('verify', checkAttach(req)) as unknown as VerifyResult;
  }

  async detach(link: number): Promise<LinkStats> {
    if (!Number.isInteger(link) || link < 1) throw new HelperError({ code: 'EINVAL_ARG', message: 'link must be a positive integer' });
    return await this.request('detach', { link }) as unknown as LinkStats;
  }

  async list(): Promise<LinkInfo[]> {
    return (await this.request('list', {})).links as LinkInfo[];
  }

  async stats(): Promise<LinkStats[]> {
    return (await this.request('stats', {})).links as LinkStats[];
  }

  /** Sends one raw line: for tests of the helper's handling of bad input. */
  sendRaw(line: string): void {
    this.child.stdin!.write(line.endsWith('\n') ? line : line + '\n');
  }

  /** Closes stdin (the helper detaches everything and exits); SIGTERM if it lingers. */
  async close(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGTERM'), graceMs);
    await this.exitPromise;
    clearTimeout(t);
  }

  kill(signal: NodeJS.Signals): void { this.child.kill(signal); }

  async request(cmd: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited) throw new HelperError({ code: 'EHELPER_EXIT', message: 'helper is not running' });
    const id = this.nextId++;
    const line = JSON.stringify({ id, cmd, ...body });
    if (Buffer.byteLength(line) >= MAX_LINE) throw new HelperError({ code: 'ETOOLONG', message: 'request too long' });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HelperError({ code: 'ETIMEDOUT', message: `no reply to ${cmd} within ${this.timeoutMs} ms` }));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.stdin!.write(line + '\n');
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.emit('stderr', `unparsable helper output: ${line.slice(0, 200)}\n`);
      return;
    }
    if (msg.type === 'event') { this.emit('event', msg as unknown as HelperEvent); return; }
    if (msg.type === 'stats') { this.emit('stats', msg as unknown as StatsEvent); return; }
    if (msg.type === 'bye') { this.emit('bye', msg as unknown as ByeEvent); return; }
    const id = typeof msg.id === 'number' ? msg.id : undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p) {
      // replies without our id (EBADJSON, ETOOLONG) answer raw lines sent by sendRaw
      this.emit('stderr', `unsolicited helper reply: ${line.slice(0, 500)}\n`);
      return;
    }
    this.pending.delete(id!);
    clearTimeout(p.timer);
    if (msg.ok === true) p.resolve(msg);
    else p.reject(new HelperError((msg.error as ErrorBody | undefined) ?? { code: 'EPROTO', message: 'malformed reply' }));
  }
}

function checkAttach(req: AttachRequest): Record<string, unknown> {
  const bad = (message: string, code = 'EINVAL_ARG'): never => { throw new HelperError({ code, message }); };
  if (typeof req.target !== 'string') bad('target is required');
  const type = req.type ?? 'auto';
  if (!isAttachType(type)) bad(`type must be one of ${ATTACH_TYPES.join(', ')}`, 'EINVAL_TYPE');
  const problem = targetProblem(req.target, type);
  if (problem) bad(problem, 'EINVAL_NAME');
  const out: Record<string, unknown> = { target: req.target, type };
  if (req.collect !== undefined) {
    const list = Array.isArray(req.collect) ? req.collect : req.collect.split(',');
    for (const c of list) if (!(COLLECTORS as readonly string[]).includes(c)) bad(`unknown collector ${JSON.stringify(c)}: ${COLLECTORS.join(', ')}`);
    out.collect = list.join(',');
  }
  if (req.nargs !== undefined) { if (!Number.isInteger(req.nargs) || req.nargs < 0 || req.nargs > 5) bad('nargs: 0 to 5'); out.nargs = req.nargs; }
  if (req.pid !== undefined) { if (!Number.isInteger(req.pid) || req.pid < 0) bad('pid: a process id'); out.pid = req.pid; }
  if (req.rate !== undefined) { if (!Number.isInteger(req.rate) || req.rate < 0) bad('rate: events/s per CPU, 0 for unlimited'); out.rate = req.rate; }
  if (req.addr !== undefined) { if (!/^0x[0-9a-f]{1,16}$/i.test(req.addr)) bad('addr: a hex address such as 0xffffffff81234560'); out.addr = req.addr; }
  if (req.object !== undefined) { if (!path.isAbsolute(req.object)) bad('object must be an absolute path'); out.object = req.object; }
  return out;
}
