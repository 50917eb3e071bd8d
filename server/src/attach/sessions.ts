/**
 * The live probes of one editor session: one helper process (started on first attach), the links
 * it holds, their counters turned into hit rates, and decoded events handed out in batches so a
 * busy probe cannot flood the editor. Whatever is not forwarded is counted, never hidden.
 */
import { EventEmitter } from 'node:events';
import type { GeneratedProbe } from './generate';
import { eventLine, eventValues } from './events';
import { HelperClient, HelperError, type Elevation } from './helperClient';
import type { AttachRequest, AttachResult, HelperEvent, LinkStats } from './protocol';

/** Events kept for links not registered yet, per link, and links kept (see AttachSessions.early). */
const EARLY_EVENTS = 64;
const EARLY_LINKS = 8;

export interface SessionInfo {
  link: number;
  target: string;
  attach: string;
  resolved: string;
  generated: boolean;
  notes: string[];
  /** Where the user attached from (a path relative to the tree), for the hit-count decoration. */
  file?: string;
  line?: number;
  hits: number;
  /** Hits per second over the last few seconds. */
  hitRate: number;
  events: number;
  drops: number;
  rateLimited: number;
  decodeErrors: number;
  /** Events received but not forwarded to the editor (over the per-batch budget). */
  notForwarded: number;
  startedAt: number;
}

export interface DecodedEvent {
  link: number;
  target: string;
  kind: HelperEvent['kind'];
  ts_ns: number;
  pid: number;
  tid: number;
  comm: string;
  values: Record<string, unknown>;
  text: string;
  stack?: string[];
}

export interface SessionOptions {
  helperPath: string;
  elevation: Elevation;
  /** Counter updates; the editor's decorations refresh at this pace. */
  statsIntervalMs?: number;
  /** Events are forwarded at most this often, and at most maxBatch at a time. */
  flushMs?: number;
  maxBatch?: number;
}

interface Link {
  info: SessionInfo;
  gen?: GeneratedProbe;
  dispose?: () => Promise<void>;
  /** (time, hits) samples of the rate window, oldest first. */
  samples: [number, number][];
}

/** Long enough that a probe firing every couple of seconds does not read 0/s between hits. */
const RATE_WINDOW_MS = 5000;

interface SessionEvents {
  events: [DecodedEvent[]];
  stats: [SessionInfo[]];
  /** The helper went away (crash, kill): every link is gone. */
  ended: [string];
  log: [string];
}

export class AttachSessions extends EventEmitter<SessionEvents> {
  private helper: Promise<HelperClient> | undefined;
  private readonly links = new Map<number, Link>();
  /**
   * Events of links not registered yet: the helper's first event can arrive in the same read as
   * its attach reply, before `attach` resumes. Bounded (a link that never registers, or events
   * after a detach, must not grow it).
   */
  private readonly early = new Map<number, HelperEvent[]>();
  private batch: DecodedEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(private readonly opts: SessionOptions) { super(); }

  /** Attaches; `gen` decodes a generated object's events, `dispose` removes its build files on detach (on failure the caller keeps them). */
  async attach(req: AttachRequest, meta: { file?: string; line?: number; gen?: GeneratedProbe; dispose?: () => Promise<void> } = {}): Promise<SessionInfo> {
    const helper = await this.client();
    const r: AttachResult = await helper.attach(req);
    const info: SessionInfo = {
      link: r.link, target: r.target, attach: r.attach, resolved: r.resolved, generated: r.generated, notes: r.notes,
      file: meta.file, line: meta.line, hits: 0, hitRate: 0, events: 0, drops: 0, rateLimited: 0, decodeErrors: 0,
      notForwarded: 0, startedAt: Date.now(),
    };
    this.links.set(r.link, { info, gen: meta.gen, dispose: meta.dispose, samples: [[Date.now(), 0]] });
    const waiting = this.early.get(r.link);
    this.early.delete(r.link);
    for (const ev of waiting ?? []) this.onEvent(ev);
    this.emit('stats', this.list());
    return info;
  }

  async detach(link: number): Promise<SessionInfo> {
    const l = this.links.get(link);
    if (!l) throw new HelperError({ code: 'ENOLINK', message: `no live probe with link ${link}` });
    const helper = await this.client();
    try {
      this.update(l, await helper.detach(link));
    } finally {
      // its last events go out before it disappears from the view
      clearTimeout(this.flushTimer);
      this.flush();
      this.links.delete(link);
      await l.dispose?.();
      this.emit('stats', this.list());
    }
    return l.info;
  }

  async detachAll(): Promise<SessionInfo[]> {
    const out: SessionInfo[] = [];
    for (const link of [...this.links.keys()]) out.push(await this.detach(link));
    return out;
  }

  list(): SessionInfo[] {
    return [...this.links.values()].map((l) => ({ ...l.info }));
  }

  /** Closes the helper: it detaches everything as its stdin closes. */
  async dispose(): Promise<void> {
    clearTimeout(this.flushTimer);
    const h = this.helper;
    this.helper = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
    await this.forgetAll();
  }

  private client(): Promise<HelperClient> {
    this.helper ??= HelperClient.start({
      helperPath: this.opts.helperPath, elevation: this.opts.elevation, statsIntervalMs: this.opts.statsIntervalMs ?? 500,
    }).then((h) => {
      h.on('event', (ev) => this.onEvent(ev));
      h.on('stats', (s) => this.onStats(s.links));
      h.on('stderr', (s) => this.emit('log', `helper: ${s.trimEnd()}`));
      h.on('exit', (code, signal) => {
        if (this.helper === undefined) return;
        this.helper = undefined;
        void this.forgetAll().then(() => this.emit('ended', `the probe helper exited (code ${code}, signal ${signal}); its probes are detached`));
      });
      return h;
    }, (e) => {
      this.helper = undefined;
      throw e;
    });
    return this.helper;
  }

  private async forgetAll(): Promise<void> {
    const all = [...this.links.values()];
    this.links.clear();
    for (const l of all) await l.dispose?.();
    this.emit('stats', []);
  }

  private onEvent(ev: HelperEvent): void {
    const l = this.links.get(ev.link);
    if (!l) {
      let list = this.early.get(ev.link);
      if (list === undefined) {
        if (this.early.size >= EARLY_LINKS) this.early.delete(this.early.keys().next().value!);
        this.early.set(ev.link, (list = []));
      }
      if (list.length < EARLY_EVENTS) list.push(ev);
      return;
    }
    l.info.events++;
    if (this.batch.length >= (this.opts.maxBatch ?? 200)) { l.info.notForwarded++; return; }
    const values = eventValues(ev, l.gen);
    this.batch.push({
      link: ev.link, target: l.info.target, kind: ev.kind, ts_ns: ev.ts_ns, pid: ev.pid, tid: ev.tid, comm: ev.comm,
      values, text: eventLine(ev, values), ...(ev.stack ? { stack: ev.stack } : {}),
    });
    // a new probe's first event is what the user waits for: never hold it back
    if (l.info.events === 1) { clearTimeout(this.flushTimer); this.flush(); return; }
    if (this.flushTimer) return;
    // leading edge: the first event after a quiet spell goes out at once, a burst waits for the next slot
    const wait = this.lastFlush + (this.opts.flushMs ?? 100) - Date.now();
    if (wait <= 0) this.flush();
    else this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.lastFlush = Date.now();
    const b = this.batch;
    this.batch = [];
    if (b.length) this.emit('events', b);
  }

  private onStats(stats: LinkStats[]): void {
    for (const s of stats) {
      const l = this.links.get(s.link);
      if (l) this.update(l, s);
    }
    this.emit('stats', this.list());
  }

  private update(l: Link, s: LinkStats): void {
    const now = Date.now();
    // generic tracepoint programs count hits; otherwise each hit is an event
    const hits = s.hits ?? s.events;
    l.samples.push([now, hits]);
    while (l.samples.length > 2 && now - l.samples[1][0] >= RATE_WINDOW_MS) l.samples.shift();
    const [t0, h0] = l.samples[0];
    if (now > t0) l.info.hitRate = Math.max(0, hits - h0) / ((now - t0) / 1000);
    Object.assign(l.info, { hits, drops: s.drops ?? 0, rateLimited: s.rate_limited ?? 0, decodeErrors: s.decode_errors ?? 0 });
  }
}
