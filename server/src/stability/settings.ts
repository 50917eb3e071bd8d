/** `kpn.stability.*` settings, validated: a wrong type becomes a problem sentence and the default. */
import type { EvidenceSettings } from './evidenceStore';

export interface StabilitySettings extends EvidenceSettings {
  /** CodeLens per function with the verdict / attach action. */
  codeLens: boolean;
}

export const DEFAULT_SETTINGS: StabilitySettings = { runningKernel: true, codeLens: true };

export function readStabilitySettings(raw: unknown, problems: string[] = []): StabilitySettings {
  const s: StabilitySettings = { ...DEFAULT_SETTINGS };
  if (raw === undefined || raw === null) return s;
  if (typeof raw !== 'object') { problems.push('kpn.stability: expected an object of settings'); return s; }
  const r = raw as Record<string, unknown>;
  const bool = (k: 'runningKernel' | 'codeLens') => {
    if (r[k] === undefined || r[k] === null) return;
    if (typeof r[k] === 'boolean') s[k] = r[k] as boolean;
    else problems.push(`kpn.stability.${k}: expected true or false, got ${JSON.stringify(r[k])}`);
  };
  const file = (k: 'btf' | 'symbols') => {
    if (r[k] === undefined || r[k] === null || r[k] === '') return;
    if (typeof r[k] === 'string') s[k] = r[k] as string;
    else problems.push(`kpn.stability.${k}: expected a file path, got ${JSON.stringify(r[k])}`);
  };
  bool('runningKernel');
  bool('codeLens');
  file('btf');
  file('symbols');
  return s;
}
