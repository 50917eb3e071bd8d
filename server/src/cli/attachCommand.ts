/**
 * `kpn attach TARGET [--type T] [--for SECONDS] [--json] …`: attaches a live probe through the
 * privileged helper, prints each event as a line, then a summary with counts and drops.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from './args';
import { HelperClient, HelperError, defaultHelperPath, type Elevation } from '../attach/helperClient';
import { isAttachType, targetProblem } from '../attach/names';
import type { AttachRequest, HelperEvent, LinkStats } from '../attach/protocol';
import { generateProbe, parsePrototype, type GeneratedProbe } from '../attach/generate';
import { eventLine, eventValues } from '../attach/events';
import { ObjectCache } from '../attach/objectCache';

const USAGE = `usage: kpn attach TARGET [--type auto|kprobe|kretprobe|fentry|fexit|tracepoint|raw_tracepoint|tp_btf|ksyscall|kretsyscall]
                  [--for SECONDS] [--max-events N] [--json] [--collect events,count,comm,latency,stack]
                  [--pid PID] [--rate EVENTS_PER_CPU_PER_S] [--addr 0xADDR] [--nargs N]
                  [--proto 'C prototype'] [--cache DIR] [--helper PATH] [--sudo|--pkexec]
TARGET is a function (tcp_v4_connect) or a tracepoint (syscalls:sys_enter_connect).
--proto generates a program that decodes the arguments (struct sock/sk_buff/file/task_struct fields);
its compiled object is kept under --cache DIR (default: the user's cache dir, kpn/probes), so the
same program attaches again without clang.`;

const VALUED = ['type', 'for', 'max-events', 'collect', 'pid', 'rate', 'addr', 'nargs', 'proto', 'helper', 'cache'] as const;

/** Where compiled objects are kept: --cache DIR, else $XDG_CACHE_HOME or ~/.cache. */
function objectsDir(cache: string | undefined): string {
  const base = cache ? path.resolve(cache) : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kpn');
  return path.join(base, 'probes', 'objects');
}

function positiveNumber(v: string | undefined, what: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${what} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`);
  return n;
}

export async function attachCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  let client: HelperClient | undefined;
  const write = (s: string) => out.write(s + '\n');
  let json = false;
  try {
    const p = parseArgs(args, VALUED);
    json = p.flags.has('json');
    if (p.flags.has('help')) { write(USAGE); return 0; }
    if (p.positional.length !== 1) throw new UsageError('exactly one TARGET is needed');
    const target = p.positional[0];
    const type = p.options.get('type') ?? 'auto';
    if (!isAttachType(type)) throw new UsageError(`unknown --type ${type}`);
    const problem = targetProblem(target, type);
    if (problem) throw new UsageError(problem);
    const seconds = positiveNumber(p.options.get('for'), '--for');
    const maxEvents = positiveNumber(p.options.get('max-events'), '--max-events', true);
    const elevation: Elevation = p.flags.has('sudo') ? 'sudo' : p.flags.has('pkexec') ? 'pkexec' : 'none';
    const helperPath = path.resolve(p.options.get('helper') ?? defaultHelperPath());
    const req: AttachRequest = { target, type };
    if (p.options.has('collect')) req.collect = p.options.get('collect')!;
    if (p.options.has('pid')) req.pid = positiveNumber(p.options.get('pid'), '--pid', true);
    if (p.options.has('rate')) req.rate = positiveNumber(p.options.get('rate'), '--rate', true);
    if (p.options.has('nargs')) req.nargs = positiveNumber(p.options.get('nargs'), '--nargs', true);
    if (p.options.has('addr')) req.addr = p.options.get('addr')!;

    let gen: GeneratedProbe | undefined;
    if (p.options.has('proto')) {
      const sig = parsePrototype(p.options.get('proto')!);
      // the prototype names the function; a tracepoint target keeps its category:name
      gen = generateProbe({ ...sig, name: target.includes(':') ? target : sig.name });
      const cache = new ObjectCache(objectsDir(p.options.get('cache')));
      req.object = (await cache.objectFor(gen.source, { helperDir: path.dirname(path.dirname(helperPath)) })).object;
    }

    client = await HelperClient.start({ helperPath, elevation, statsIntervalMs: 0 });
    const c = client;
    let events = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    // The helper's first event can arrive in the same read as its attach reply, and is then
    // handed out before `await c.attach` resumes: events wait until `attached` is printed.
    let early: HelperEvent[] | null = [];
    const show = (ev: HelperEvent): void => {
      if (maxEvents !== undefined && events >= maxEvents) return;
      events++;
      const values = eventValues(ev, gen);
      if (json) {
        write(JSON.stringify({ type: 'event', kind: ev.kind, ts_ns: ev.ts_ns, pid: ev.pid, tid: ev.tid, comm: ev.comm, args: values, ...(ev.stack ? { stack: ev.stack } : {}) }));
      } else {
        write(eventLine(ev, values));
        for (const f of ev.stack ?? []) write(`    ${f}`);
      }
      if (maxEvents !== undefined && events >= maxEvents) done();
    };
    c.on('event', (ev) => { if (early !== null) early.push(ev); else show(ev); });
    c.on('exit', () => done());
    const attached = await c.attach(req);
    if (json) write(JSON.stringify({ type: 'attached', link: attached.link, attach: attached.attach, target: attached.target, resolved: attached.resolved, notes: attached.notes }));
    else {
      write(`attached ${attached.attach} ${attached.resolved}${attached.generated ? ' (generated)' : ''}`);
      for (const n of attached.notes) write(`note: ${n}`);
    }
    const waiting = early;
    early = null;
    for (const ev of waiting) show(ev);
    const onSignal = () => done();
    process.once('SIGINT', onSignal);
    const timer = seconds !== undefined ? setTimeout(done, seconds * 1000) : undefined;
    await finished;
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    let st: LinkStats | undefined;
    try { st = await c.detach(attached.link); } catch { /* helper gone: no final counters */ }
    const summary = {
      events, hits: st?.hits ?? null, drops: st?.drops ?? null, rate_limited: st?.rate_limited ?? null,
      decode_errors: st?.decode_errors ?? null, ...(st?.comms ? { comms: st.comms } : {}),
      ...(st?.latency_log2_ns ? { latency_log2_ns: st.latency_log2_ns } : {}),
    };
    if (json) write(JSON.stringify({ type: 'summary', ...summary }));
    else write(`summary: ${events} events printed, ${summary.hits ?? '?'} hits, ${summary.drops ?? '?'} dropped (ring buffer full), ${summary.rate_limited ?? '?'} rate-limited`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      write(`kpn attach: ${e.message}`);
      write(USAGE);
      return 2;
    }
    if (e instanceof HelperError) {
      if (json) write(JSON.stringify({ type: 'error', code: e.code, message: e.message, alternatives: e.alternatives, tried: e.tried }));
      else {
        write(`kpn attach: ${e.code}: ${e.message}`);
        for (const t of e.tried) if (e.tried.length > 1) write(`  ${t.type}: ${t.code}: ${t.message}`);
        if (e.alternatives.length) write(`  try instead: ${e.alternatives.join(', ')}`);
      }
      return 1;
    }
    write(`kpn attach: ${(e as Error).message}`);
    return 1;
  } finally {
    await client?.close();
  }
}
