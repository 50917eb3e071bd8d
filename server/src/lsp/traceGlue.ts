/** Wires the trace feature area into the language server. */
import type { FeatureContext } from './context';

export function registerTrace(_ctx: FeatureContext): void {
  // Filled in by the trace feature work.
}
