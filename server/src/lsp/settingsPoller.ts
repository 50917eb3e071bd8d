/**
 * One `kpn.<section>` settings group, read on use: workspace/configuration when the client answers
 * it, else `initializationOptions[section]` (editors without configuration requests), else the
 * reader's defaults. Polled (at most every `ttlMs`) rather than pushed, because several feature areas
 * share the connection and its didChangeConfiguration handler is a single slot.
 */
import type { FeatureContext } from './context';

export interface SettingsPoller<T> {
  /** The last value read; undefined until the first read completes. */
  readonly current: T | undefined;
  /** The value, re-read when older than the TTL. */
  fresh(): Promise<T>;
  refreshSoon(): void;
}

/** Checks raw settings; a bad value is reported in `problems` and replaced by its default. */
export type SettingsReader<T> = (raw: unknown, problems: string[]) => T;

export function pollSettings<T>(ctx: FeatureContext, section: string, read: SettingsReader<T>, onChange: () => void, ttlMs = 3000): SettingsPoller<T> {
  let current: T | undefined;
  let fetchedAt = 0;
  let inFlight: Promise<T> | undefined;
  const reported = new Set<string>();

  const fetch = async (): Promise<T> => {
    let raw: unknown = initOptionsSection(ctx, section);
    try {
      const fromClient = await ctx.connection.workspace.getConfiguration(`kpn.${section}`) as unknown;
      if (fromClient && typeof fromClient === 'object') raw = { ...(raw as object ?? {}), ...withoutEmpty(fromClient as Record<string, unknown>) };
    } catch {
      // The client does not answer workspace/configuration.
    }
    const problems: string[] = [];
    const s = read(raw, problems);
    for (const p of problems) if (!reported.has(p)) { reported.add(p); ctx.log(p); }
    const changed = current !== undefined && JSON.stringify(current) !== JSON.stringify(s);
    current = s;
    fetchedAt = Date.now();
    if (changed) onChange();
    return s;
  };
  const fresh = (): Promise<T> => {
    if (current !== undefined && Date.now() - fetchedAt < ttlMs) return Promise.resolve(current);
    inFlight ??= fetch().finally(() => { inFlight = undefined; });
    return inFlight;
  };
  return {
    get current(): T | undefined { return current; },
    fresh,
    refreshSoon: () => { void fresh(); },
  };
}

export function initOptionsSection(ctx: FeatureContext, section: string): unknown {
  return (ctx.init() as Record<string, unknown>)[section];
}

function withoutEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== ''));
}
