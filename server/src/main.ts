#!/usr/bin/env node
/**
 * The language server, standalone or started by the extension: `node server/out/main.js --stdio`.
 * Any editor with an LSP client can use it (README: Neovim, Emacs).
 */
import { startServer } from './lsp/server';

process.on('uncaughtException', (e) => {
  // The server must stay up whatever the workspace holds: log and keep serving.
  process.stderr.write(`kernel-probe-navigator: uncaught ${e.stack ?? e}\n`);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`kernel-probe-navigator: unhandled rejection ${(e as Error)?.stack ?? e}\n`);
});

startServer();
