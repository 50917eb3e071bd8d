/** Wires prototype history (git tags, other trees) into the language server. */
import type { FeatureContext } from './context';

export function registerHistory(_ctx: FeatureContext): void {
  // Filled in by the history feature work.
}
