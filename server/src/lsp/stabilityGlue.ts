/** Wires the stability feature area into the language server. */
import type { FeatureContext } from './context';

export function registerStability(_ctx: FeatureContext): void {
  // Filled in by the stability feature work.
}
