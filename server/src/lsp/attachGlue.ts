/** Wires the attach feature area into the language server. */
import type { FeatureContext } from './context';

export function registerAttach(_ctx: FeatureContext): void {
  // Filled in by the attach feature work.
}
