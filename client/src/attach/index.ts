/**
 * Client side of live probes: the kpn.attach command (CodeLens target), the Live Probes view,
 * hit-count decorations and the event output channel. The server does the attaching.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { HitDecorations } from './hitDecorations';
import { SessionView } from './sessionView';
import type { AttachArgs, Generated, ProbeEvent, Refusal, Session } from './types';

const FUNCTION_TYPES = new Set(['auto', 'kprobe', 'kretprobe', 'fentry', 'fexit']);

export function registerAttachUi(context: vscode.ExtensionContext, client: LanguageClient): void {
  const output = vscode.window.createOutputChannel('KPN Live Probes');
  const view = new SessionView();
  const decorations = new HitDecorations();
  let shownOutput = false;
  // generated .bpf.c path → what it probes, so "Attach generated probe" can re-attach an edit
  const generatedFor = new Map<string, AttachArgs>();

  const elevation = () => vscode.workspace.getConfiguration('kpn').inspect<string>('attach.elevation')?.globalValue ?? 'none';

  const untrustedRefusal = async () => {
    const pick = await vscode.window.showErrorMessage('Live probes are disabled in an untrusted workspace: trust the workspace to attach.', 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
  };

  const showRefusal = async (what: string, e: unknown, args: AttachArgs): Promise<void> => {
    const err = e as { message?: string; data?: Refusal };
    const data = err.data;
    output.appendLine(`✗ ${what}: ${err.message ?? String(e)}`);
    for (const r of data?.reasons ?? []) output.appendLine(`    ${r}`);
    if (data?.code === 'EUNTRUSTED') return untrustedRefusal();
    const alts = data?.alternatives ?? [];
    // EAMBIGUOUS lists the same name at several addresses (name@0x…); the rest are tracepoints
    const instead = (alt: string): AttachArgs => {
      const m = /^(.+)@(0x[0-9a-f]+)$/i.exec(alt);
      return m ? { ...args, target: m[1], addr: m[2] } : { target: alt, type: 'tracepoint', file: args.file, line: args.line };
    };
    const buttons = [...(alts.length ? [`Attach ${alts[0]}`] : []), ...(alts.length > 1 ? ['Other choices…'] : []), 'Details'];
    const pick = await vscode.window.showErrorMessage(`${what}: ${err.message ?? String(e)}`, ...buttons);
    if (pick === 'Details') output.show(true);
    else if (pick === 'Other choices…') {
      const alt = await vscode.window.showQuickPick(alts, { placeHolder: `Instead of ${args.target}` });
      if (alt) await attach(instead(alt));
    } else if (pick) await attach(instead(alts[0]));
  };

  const attached = (s: Session) => {
    output.appendLine(`✓ attached ${s.attach} ${s.resolved} (link ${s.link})${s.notes.length ? `: ${s.notes.join('; ')}` : ''}`);
    if (!shownOutput) { shownOutput = true; output.show(true); }
  };

  const attachGenerated = async (file: string, args: AttachArgs) => {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Compiling and attaching ${args.target}` }, async () => {
      attached(await client.sendRequest<Session>('kpn/attach', { ...args, source: file, elevation: elevation() }));
    });
  };

  const attach = async (args?: AttachArgs): Promise<void> => {
    if (!vscode.workspace.isTrusted) return untrustedRefusal();
    args = args?.target ? args : await askTarget();
    if (!args) return;
    const type = args.type ?? 'auto';
    try {
      if (!args.target.includes(':') && FUNCTION_TYPES.has(type)) {
        // a function: write its program from the prototype, show it (editable), compile on attach
        let gen: Generated | undefined;
        try {
          gen = await client.sendRequest<Generated>('kpn/generate', args);
        } catch (e) {
          output.appendLine(`generic probe for ${args.target}: ${(e as Error).message}`);
        }
        if (gen) {
          generatedFor.set(vscode.Uri.file(gen.path).fsPath, args);
          await vscode.window.showTextDocument(vscode.Uri.file(gen.path), { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
          if (gen.skipped.length) output.appendLine(`${args.target}: not decoded: ${gen.skipped.join('; ')}`);
          await attachGenerated(gen.path, args);
          return;
        }
      }
      attached(await client.sendRequest<Session>('kpn/attach', { ...args, elevation: elevation() }));
    } catch (e) {
      await showRefusal(`Cannot attach ${args.target}`, e, args);
    }
  };

  const askTarget = async (): Promise<AttachArgs | undefined> => {
    const editor = vscode.window.activeTextEditor;
    const word = editor ? editor.document.getText(editor.document.getWordRangeAtPosition(editor.selection.active)) : '';
    const target = await vscode.window.showInputBox({
      prompt: 'Function (tcp_v4_connect) or tracepoint (syscalls:sys_enter_connect) to attach to',
      value: word,
    });
    if (!target) return undefined;
    return { target: target.trim(), file: editor?.document.uri.toString(), line: editor ? editor.selection.active.line + 1 : undefined };
  };

  const detach = async (node?: unknown) => {
    let link = SessionView.linkOf(node);
    if (link === undefined) {
      const live = await client.sendRequest<Session[]>('kpn/sessions');
      const pick = await vscode.window.showQuickPick(live.map((s) => ({ label: s.target, description: `link ${s.link}`, link: s.link })), { placeHolder: 'Probe to detach' });
      link = pick?.link;
    }
    if (link === undefined) return;
    try {
      const s = await client.sendRequest<Session>('kpn/detach', { link });
      output.appendLine(`detached ${s.target}: ${s.hits} hits, ${s.events} events, ${s.drops} dropped, ${s.rateLimited} rate-limited`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Detach failed: ${(e as Error).message}`);
    }
  };

  context.subscriptions.push(
    output, decorations,
    vscode.window.registerTreeDataProvider('kpn.sessions', view),
    vscode.commands.registerCommand('kpn.attach', attach),
    vscode.commands.registerCommand('kpn.detach', detach),
    vscode.commands.registerCommand('kpn.detachAll', async () => {
      const gone = await client.sendRequest<Session[]>('kpn/detachAll');
      for (const s of gone) output.appendLine(`detached ${s.target}: ${s.hits} hits, ${s.events} events, ${s.drops} dropped`);
    }),
    vscode.commands.registerCommand('kpn.attachGenerated', async (uri?: vscode.Uri) => {
      const file = (uri ?? vscode.window.activeTextEditor?.document.uri)?.fsPath;
      const args = file ? generatedFor.get(file) : undefined;
      if (!file || !args) return void vscode.window.showErrorMessage('This is not a probe generated in this session: use "attach" on a function first.');
      if (!vscode.workspace.isTrusted) return untrustedRefusal();
      await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file)?.save();
      try {
        await attachGenerated(file, args);
      } catch (e) {
        await showRefusal(`Cannot attach ${args.target}`, e, args);
      }
    }),
    vscode.commands.registerCommand('kpn.showProbeEvents', () => output.show()),
  );

  client.onNotification('kpn/attachStats', ({ sessions }: { sessions: Session[] }) => {
    view.update(sessions);
    decorations.update(sessions);
    void vscode.commands.executeCommand('setContext', 'kpn.liveProbes', sessions.length > 0);
  });
  client.onNotification('kpn/attachEvents', ({ events }: { events: ProbeEvent[] }) => {
    for (const ev of events) {
      output.appendLine(`${ev.target} ${ev.text}`);
      for (const f of ev.stack ?? []) output.appendLine(`    ${f}`);
      view.noteEvent(ev.link, ev.text);
    }
  });
  client.onNotification('kpn/attachEnded', ({ message }: { message: string }) => {
    output.appendLine(`✗ ${message}`);
    void vscode.window.showWarningMessage(message);
  });
}
