/**
 * Wires live probes into the language server: `kpn/generate`, `kpn/attach`, `kpn/detach`,
 * `kpn/detachAll`, `kpn/sessions` requests; `kpn/attachEvents`, `kpn/attachStats`,
 * `kpn/attachEnded` notifications; the "attach tracepoint" CodeLens.
 *
 * Trust: nothing here runs in an untrusted workspace, and the helper binary comes only from the
 * client's machine-scoped setting (initializationOptions.helperPath) or the bundled build, never
 * from workspace configuration.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-languageserver/node';
import { CompileAhead } from '../attach/compileAhead';
import { ObjectCache } from '../attach/objectCache';
import { generateProbe, type GeneratedProbe } from '../attach/generate';
import { HelperError, defaultHelperPath, type Elevation } from '../attach/helperClient';
import { runningKernelConfig } from '../attach/kernelConfig';
import { isAttachType, targetProblem, type AttachType } from '../attach/names';
import { explainRefusal, functionAt, tracepointLenses, tracepointOffers } from '../attach/plan';
import type { AttachRequest } from '../attach/protocol';
import { AttachSessions, type SessionInfo } from '../attach/sessions';
import { functionVerdict, type Verdict } from '../stability/verdict';
import { syscallOf } from '../ftrace/names';
import type { FeatureContext } from './context';

export interface AttachParams {
  target: string;
  type?: string;
  /** Tree-relative path or file URI of the line the user attached from. */
  file?: string;
  /** 1-based line in that file (as the stability CodeLens and Verdict.line give it). */
  line?: number;
  /** Pick one of several same-named symbols by address (the helper's EAMBIGUOUS alternatives). */
  addr?: string;
  /** A .bpf.c written by kpn/generate (possibly edited since): compiled and attached. */
  source?: string;
  /** From the client's machine-scoped setting; used when the helper starts. */
  elevation?: Elevation;
}

/** LSP error codes in the server-defined range. */
const ERR = { untrusted: -32001, invalid: -32002, refused: -32003 } as const;

const ELEVATIONS: readonly Elevation[] = ['none', 'sudo', 'pkexec'];
/** Refusals of fentry itself (not of the target): a kprobe may still attach. */
const FENTRY_REFUSALS = new Set(['EFENTRY_REFUSED', 'ENOBTF']);
const BPF_HELPER_DIR = path.resolve(__dirname, '..', '..', '..', 'bpf-helper');

export function registerAttach(ctx: FeatureContext): void {
  let sessions: AttachSessions | undefined;
  let sessionsElevation: Elevation = 'none';
  const generated = new Map<string, GeneratedProbe>();

  const refuseUntrusted = () => {
    if (!ctx.trusted()) {
      throw new ResponseError(ERR.untrusted, 'Live probes are disabled in an untrusted workspace: trust the workspace to attach (Workspaces: Manage Workspace Trust).', { code: 'EUNTRUSTED' });
    }
  };
  const invalid = (message: string) => new ResponseError(ERR.invalid, message, { code: 'EINVAL' });
  const relFile = (f: string | undefined) => (f === undefined ? undefined : f.startsWith('file:') ? ctx.rel(f) : f.replace(/^\.\//, ''));
  const withUri = (s: SessionInfo) => ({ ...s, uri: s.file ? pathToFileURL(path.join(ctx.root(), s.file)).toString() : undefined });

  const sessionsFor = async (elevation: Elevation): Promise<AttachSessions> => {
    if (sessions && (sessionsElevation === elevation || sessions.list().length)) return sessions;
    await sessions?.dispose();
    sessionsElevation = elevation;
    const s = new AttachSessions({ helperPath: ctx.init().helperPath ?? defaultHelperPath(), elevation });
    s.on('events', (events) => void ctx.connection.sendNotification('kpn/attachEvents', { events }));
    s.on('stats', (list) => void ctx.connection.sendNotification('kpn/attachStats', { sessions: list.map(withUri) }));
    s.on('ended', (message) => void ctx.connection.sendNotification('kpn/attachEnded', { message }));
    s.on('log', (line) => ctx.log(line));
    return (sessions = s);
  };

  const probesDir = () => path.join(ctx.init().cacheDir ?? path.join(os.tmpdir(), `kpn-${process.getuid?.() ?? 'user'}`), 'probes');
  let objectCache: ObjectCache | undefined;
  const objects = () => (objectCache ??= new ObjectCache(path.join(probesDir(), 'objects')));
  let compileAhead: CompileAhead | undefined;


  ctx.connection.onRequest('kpn/generate', async (p: AttachParams) => {
    refuseUntrusted();
    const problem = typeof p?.target === 'string' ? targetProblem(p.target, 'auto') : 'target is required';
    if (problem) throw invalid(problem);
    if (p.target.includes(':')) throw invalid('tracepoints need no generated program: their fields are decoded from the tracepoint format');
    const index = ctx.service()?.index;
    const fn = index && functionAt(index, p.target, relFile(p.file), Number.isInteger(p.line) ? p.line! - 1 : undefined);
    if (!fn) throw invalid(`${p.target} is not defined in the indexed tree, so its arguments are unknown`);
    if (fn.syscall) throw invalid(`${p.target} is a system call: attach ksyscall, or the tracepoint syscalls:sys_enter_${fn.syscall.name}`);
    const gen = generateProbe({ name: p.target, returnType: fn.returnType, params: fn.params });
    const dir = probesDir();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${p.target}.bpf.c`);
    await writeFile(file, gen.source, { mode: 0o600 });
    generated.set(file, gen);
    // compiled while the user reads (and saves) the file, so attaching it only loads
    (compileAhead ??= new CompileAhead(objects(), { helperDir: BPF_HELPER_DIR })).track(file, gen.source);
    return { path: file, uri: pathToFileURL(file).toString(), fields: gen.fields.map((f) => f.path), skipped: gen.skipped, programs: gen.programs };
  });

  ctx.connection.onRequest('kpn/attach', async (p: AttachParams) => {
    refuseUntrusted();
    if (!p || typeof p.target !== 'string') throw invalid('target is required');
    const type = p.type ?? 'auto';
    if (!isAttachType(type)) throw invalid(`unknown attach type ${JSON.stringify(type)}`);
    const problem = targetProblem(p.target, type);
    if (problem) throw invalid(problem);
    const elevation = p.elevation ?? 'none';
    if (!ELEVATIONS.includes(elevation)) throw invalid(`elevation must be one of ${ELEVATIONS.join(', ')}`);
    const file = relFile(p.file);
    const line = Number.isInteger(p.line) && p.line! >= 1 ? p.line! - 1 : undefined;
    const index = ctx.service()?.index;
    const isFunction = !p.target.includes(':');
    const fn = index && isFunction ? functionAt(index, p.target, file, line) : undefined;
    const verdict = index && fn ? functionVerdict(index, p.target, undefined, { def: fn }) : undefined;

    const req: AttachRequest = { target: cloneTarget(p.target, type, verdict), type, collect: 'events,comm' };
    if (p.addr !== undefined) {
      if (typeof p.addr !== 'string' || !/^0x[0-9a-f]{1,16}$/i.test(p.addr)) throw invalid('addr: a hex address such as 0xffffffff81234560');
      req.addr = p.addr;
    }
    let gen: GeneratedProbe | undefined;
    if (p.source !== undefined) {
      gen = generated.get(p.source);
      if (!gen) throw invalid(`${p.source} was not written by kpn/generate in this session`);
      try {
        req.object = (await objects().objectFor(await readFile(p.source, 'utf8'), { helperDir: BPF_HELPER_DIR })).object;
      } catch (e) {
        throw new ResponseError(ERR.refused, (e as Error).message, { code: 'ECOMPILE', reasons: [(e as Error).message], alternatives: [], tried: [] });
      }
    }
    const s = await sessionsFor(elevation);
    try {
      try {
        return withUri(await s.attach(req, { file, line, gen }));
      } catch (e) {
        // fentry is the lens's first choice when BTF has the function; if this kernel refuses it,
        // kprobe may still attach, and auto reports why each type failed
        if (!(e instanceof HelperError) || type !== 'fentry' || !FENTRY_REFUSALS.has(e.code)) throw e;
        return withUri(await s.attach({ ...req, type: 'auto' }, { file, line, gen }));
      }
    } catch (e) {
      if (!(e instanceof HelperError)) throw e;
      const offers = index && isFunction ? [...tracepointOffers(index, fn, syscallName(p.target, type)), ...verdictOffers(verdict)] : [];
      const r = explainRefusal({ code: e.code, message: e.message, tried: e.tried, alternatives: e.alternatives, detail: e.detail }, runningKernelConfig(), offers);
      // what the source and build evidence say about the function, after what the kernel said
      if (verdict && !verdict.attachable) r.reasons.push(...verdict.reasons.map((x) => `${verdict.verdict}: ${x}`));
      throw new ResponseError(ERR.refused, r.message, r);
    }
  });

  ctx.connection.onRequest('kpn/detach', async (p: { link: number }) => {
    if (!sessions) throw invalid('no live probes');
    try {
      return withUri(await sessions.detach(p?.link));
    } catch (e) {
      throw e instanceof HelperError ? invalid(e.message) : e;
    }
  });
  ctx.connection.onRequest('kpn/detachAll', async () => (sessions ? (await sessions.detachAll()).map(withUri) : []));
  ctx.connection.onRequest('kpn/sessions', () => (sessions?.list() ?? []).map(withUri));

  ctx.addLensProvider((file, index) => tracepointLenses(index, file).map((l) => ({
    range: { start: { line: l.pos.line, character: l.pos.col }, end: { line: l.pos.line, character: l.pos.col } },
    command: { title: `attach tracepoint ${l.target}`, command: 'kpn.attach', arguments: [{ target: l.target, type: 'tracepoint' as AttachType, file, line: l.pos.line + 1 }] },
  })));
}

/** A function the compiler only kept as a clone (`foo.isra.0`): a kprobe attaches the clone. */
function cloneTarget(target: string, type: AttachType, verdict: Verdict | undefined): string {
  const byName = type === 'auto' || type === 'kprobe' || type === 'kretprobe';
  return byName && verdict?.verdict === 'clone' && verdict.attachAs && !target.includes('.') ? verdict.attachAs : target;
}

/** Tracepoints the stability verdict suggests: its own tracepoints, and the syscalls that reach the function. */
function verdictOffers(v: Verdict | undefined): string[] {
  const out: string[] = [];
  for (const a of v?.alternatives ?? []) {
    if (a.kind === 'tracepoint' && a.name.includes(':')) out.push(a.name);
    const sys = a.kind === 'syscall' ? syscallName(a.name, 'ksyscall') : undefined;
    if (sys) out.push(`syscalls:sys_enter_${sys}`);
  }
  return out;
}

/** `connect` for a ksyscall target spelled connect, sys_connect or __x64_sys_connect. */
function syscallName(target: string, type: AttachType): string | undefined {
  return syscallOf(target) ?? (type === 'ksyscall' || type === 'kretsyscall' ? target : undefined);
}
