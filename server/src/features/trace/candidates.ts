/**
 * Probe candidates for one syscall of the loaded trace: the functions that ran inside it, ranked
 * for someone who wants a stable probe point that sees particular data. What counts, in order of
 * weight: a parameter of the wanted type (the data is at hand in the probe's arguments); being
 * registered in an ops struct under the field that implements this syscall (`tcp_prot.connect`
 * for connect: the protocol's own implementation, an interface that rarely changes shape); other
 * ops memberships and exports (stable-ish interfaces); whether the stability verdict says a probe
 * attaches at all. Inline and notrace functions usually have nothing to attach to. Ties go to the function
 * called fewer times in the syscall: closer to the one operation than a helper called all over.
 */
import { showParam } from '../../btf/prototypeMatch';
import type { TraceModel } from '../../ftrace/model';
import type { KernelIndex } from '../../index/kernelIndex';
import type { FunctionDef } from '../../index/model';
import { byCount } from './lookup';
import { syscallRoots } from './callTree';

/** What the stability area's functionVerdict returns, as far as the ranking uses it. */
export interface VerdictLike {
  attachable: boolean;
  verdict: string;
  headline?: string;
}

export interface CandidateOptions {
  /** Type the data lives in, e.g. `struct sock`; default from the syscall (see wantedFor). */
  want?: string;
  verdictOf?: (name: string) => VerdictLike | undefined;
  limit?: number;
}

export interface Candidate {
  name: string;
  score: number;
  /** Calls of it inside this syscall. */
  calls: number;
  reasons: string[];
  def?: FunctionDef;
  verdict?: string;
}

const WEIGHTS = { param: 4, opsForSyscall: 3, ops: 1.5, exported: 1, notAttachable: -4, inline: -3, notrace: -3, noDefinition: -5 } as const;

/** The ops field names that implement a syscall's operation in a protocol or file system. */
const OPS_FIELDS: Record<string, string[]> = {
  connect: ['connect'], accept: ['accept'], accept4: ['accept'], bind: ['bind'], listen: ['listen'],
  sendto: ['sendmsg'], sendmsg: ['sendmsg'], sendmmsg: ['sendmsg'], send: ['sendmsg'],
  recvfrom: ['recvmsg'], recvmsg: ['recvmsg'], recvmmsg: ['recvmsg'], recv: ['recvmsg'],
  shutdown: ['shutdown'], getsockopt: ['getsockopt'], setsockopt: ['setsockopt'],
  read: ['read', 'read_iter'], pread64: ['read', 'read_iter'], readv: ['read_iter'],
  write: ['write', 'write_iter'], pwrite64: ['write', 'write_iter'], writev: ['write_iter'],
  open: ['open'], openat: ['open'], openat2: ['open'], close: ['release', 'flush'], ioctl: ['unlocked_ioctl'],
  mmap: ['mmap'], fsync: ['fsync'], poll: ['poll'], epoll_wait: ['poll'], splice: ['splice_read', 'splice_write'],
};

const SOCKET_SYSCALLS = new Set(['socket', 'connect', 'accept', 'accept4', 'bind', 'listen', 'sendto', 'sendmsg', 'sendmmsg', 'send',
  'recvfrom', 'recvmsg', 'recvmmsg', 'recv', 'shutdown', 'getsockopt', 'setsockopt', 'getsockname', 'getpeername']);
const FILE_SYSCALLS = new Set(['read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'openat', 'openat2', 'open', 'close', 'fsync', 'mmap', 'ioctl', 'splice']);

/** The data a probe on this syscall usually wants: the socket for socket calls, the file for file calls. */
export function wantedFor(syscall: string): string | undefined {
  if (SOCKET_SYSCALLS.has(syscall)) return 'struct sock';
  if (FILE_SYSCALLS.has(syscall)) return 'struct file';
  return undefined;
}

export function probeCandidates(model: TraceModel, index: KernelIndex, syscall: string, opts: CandidateOptions = {}): Candidate[] {
  const want = opts.want?.trim() || wantedFor(syscall);
  const wantRe = want ? new RegExp(`(^|\\W)${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')}(?!\\w)`) : null;
  const fields = OPS_FIELDS[syscall] ?? [syscall];
  const out: Candidate[] = [];
  for (const [name, calls] of descendants(model, syscall)) {
    const reasons: string[] = [];
    let score = 0;
    const defs = index.resolve(name);
    const def = defs[0];
    if (!def) {
      out.push({ name, calls, score: WEIGHTS.noDefinition, reasons: ['no definition in this tree'] });
      continue;
    }
    const param = wantRe ? def.params.find((p) => wantRe.test(p.type)) : undefined;
    if (param) {
      score += WEIGHTS.param;
      reasons.push(`parameter \`${showParam(param)}\` carries ${want}`);
    }
    const ops = index.opsOf(def.name);
    const own = ops.find((o) => fields.includes(o.field.slice(o.field.lastIndexOf('.') + 1)));
    if (own) {
      score += WEIGHTS.opsForSyscall;
      reasons.push(`implements ${syscall}: registered as ${own.instance}.${own.field}${own.struct ? ` (struct ${own.struct})` : ''}`);
    } else if (ops.length > 0) {
      score += WEIGHTS.ops;
      reasons.push(`ops member: ${ops[0].instance}.${ops[0].field}${ops.length > 1 ? ` and ${ops.length - 1} more` : ''}`);
    }
    if (def.exported) {
      score += WEIGHTS.exported;
      reasons.push(`exported (${def.exported})`);
    }
    if (def.qualifiers.some((q) => q === 'inline' || q === '__always_inline')) {
      score += WEIGHTS.inline;
      reasons.push('inline: often no symbol of its own to attach to');
    }
    if (def.qualifiers.includes('notrace') || def.qualifiers.includes('noinstr')) {
      score += WEIGHTS.notrace;
      reasons.push('notrace/noinstr: not traceable');
    }
    let verdict: string | undefined;
    const v = opts.verdictOf?.(def.name);
    if (v) {
      verdict = v.verdict;
      // Its stable-interface part (ops, exports) is already weighed above; attachability is what it adds.
      if (!v.attachable) score += WEIGHTS.notAttachable;
      reasons.push(`stability: ${v.headline ?? v.verdict}${v.attachable ? '' : ' (not attachable)'}`);
    }
    out.push({ name, calls, score, reasons, def, verdict });
  }
  out.sort((a, b) => b.score - a.score || a.calls - b.calls || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return opts.limit ? out.slice(0, opts.limit) : out;
}

/**
 * Functions that ran inside the syscall, with call counts: the model's per-syscall table, or, for
 * traces that did not attribute calls (function tracer), a walk of the edges from its entries.
 */
function descendants(model: TraceModel, syscall: string): [string, number][] {
  const s = model.syscalls.get(syscall);
  if (s && s.functions.size > 0) return byCount(s.functions);
  const seen = new Map<string, number>();
  const queue = syscallRoots(model, syscall);
  const roots = new Set(queue);
  // a moving head, not shift(): a function-tracer trace can queue 100,000 callees
  for (let head = 0; head < queue.length && seen.size < 100_000; head++) {
    const fn = queue[head];
    for (const [callee, n] of model.edges.get(fn) ?? []) {
      if (roots.has(callee)) continue;
      if (!seen.has(callee)) queue.push(callee);
      seen.set(callee, (seen.get(callee) ?? 0) + n);
    }
  }
  return byCount(seen);
}
