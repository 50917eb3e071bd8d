/**
 * The running kernel's build configuration (/proc/config.gz, else /boot/config-$(uname -r)),
 * so an attach refusal can name the option that causes it instead of just the errno.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { parseKernelConfig as parseConfigValues } from '../stability/configConditions';

export interface KernelConfig {
  /** Where it was read from. */
  source: string;
  /** `y`, `m`, a value, or undefined when `# CONFIG_X is not set` or absent. */
  get(option: string): string | undefined;
}

export function parseKernelConfig(text: string, source: string): KernelConfig {
  const values = parseConfigValues(text);
  return { source, get: (option) => values.get(option) };
}

let cached: KernelConfig | null | undefined;

/** Null when neither file is readable (no IKCONFIG_PROC and no /boot config): callers say less then. */
export function runningKernelConfig(): KernelConfig | null {
  if (cached !== undefined) return cached;
  const candidates: [string, () => string][] = [
    ['/proc/config.gz', () => gunzipSync(readFileSync('/proc/config.gz')).toString('utf8')],
    [`/boot/config-${os.release()}`, () => readFileSync(`/boot/config-${os.release()}`, 'utf8')],
  ];
  for (const [source, read] of candidates) {
    try {
      return (cached = parseKernelConfig(read(), source));
    } catch { /* try the next one */ }
  }
  return (cached = null);
}
