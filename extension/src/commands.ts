// The commands: start, stop and restart the daemon, show its log, stop a server, approve a
// pending server install, open the registry's page, refresh the view.
import * as vscode from 'vscode';
import { readConfig } from './config';
import { OneMcpContext } from './context';
import { Node } from './treeView';

/** How long approving (or stopping) a server may take: a first start installs its package. */
const SERVER_START_TIMEOUT_MS = 10 * 60_000;

/** The argument an item command gets: a string from a caller, the tree node from the view. */
function fromArg(arg: unknown, key: 'server' | 'serverId'): string | undefined {
  if (typeof arg === 'string') return arg;
  const v = (arg as Node | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function registerCommands(ctx: OneMcpContext, refresh: () => Promise<unknown>): vscode.Disposable[] {
  const reg = (id: string, run: (...args: unknown[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (e) {
        void vscode.window.showErrorMessage(`OneMCP: ${(e as Error).message}`);
        return undefined;
      }
    });
  return [
    reg('onemcp.startDaemon', async () => {
      const ep = await ctx.ensureDaemon();
      void vscode.window.showInformationMessage(`OneMCP daemon running at ${ep.url} (pid ${ep.pid})`);
      return ep;
    }),
    reg('onemcp.stopDaemon', async () => {
      const ok = await vscode.window.showWarningMessage(
        'Stop the OneMCP daemon? Every VS Code window and client that uses it loses its tools.',
        { modal: true },
        'Stop',
      );
      if (ok !== 'Stop') return false;
      await ctx.stopDaemon();
      return true;
    }),
    reg('onemcp.restartDaemon', async () => {
      const ep = await ctx.restartDaemon();
      void vscode.window.showInformationMessage(`OneMCP daemon restarted at ${ep.url} (pid ${ep.pid})`);
      return ep;
    }),
    reg('onemcp.showLog', async () => {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(ctx.logFile));
      return vscode.window.showTextDocument(doc, { preview: false });
    }),
    reg('onemcp.stopServer', async (arg?: unknown) => {
      let server = fromArg(arg, 'server');
      if (!server) {
        const { servers } = await ctx.listRunning();
        if (servers.length === 0) {
          void vscode.window.showInformationMessage('OneMCP: no server is running');
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(
          servers.map((s) => ({ label: s.name, description: `${s.tools} tools`, detail: s.runs })),
          { title: 'Stop a OneMCP server', placeHolder: 'Its tools leave every window' },
        );
        server = pick?.label;
      }
      if (!server) return undefined;
      const ok = await vscode.window.showWarningMessage(
        `Stop '${server}'? Its tools leave every VS Code window and client; find_tools starts it again when a task needs it.`,
        { modal: true },
        'Stop',
      );
      if (ok !== 'Stop') return undefined;
      const r = await ctx.callTool('stop_server', { server }, SERVER_START_TIMEOUT_MS);
      void vscode.window.showInformationMessage(`OneMCP: '${server}' stopped`);
      await refresh();
      return r;
    }),
    reg('onemcp.approveServer', async (arg?: unknown) => {
      let serverId = fromArg(arg, 'serverId');
      if (!serverId) {
        // The daemon lists what find_tools left waiting; the user picks one.
        const { pending_approvals: pending } = await ctx.listRunning();
        if (pending.length === 0) {
          void vscode.window.showInformationMessage('OneMCP: no server is waiting for approval');
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(
          pending.map((p) => ({
            label: p.name || p.server_id,
            description: p.server_id,
            detail: `Because ${p.reasons}`,
            id: p.server_id,
          })),
          { title: 'Approve a pending OneMCP server', placeHolder: 'It starts in a sandboxed container' },
        );
        serverId = pick?.id;
      }
      if (!serverId) return undefined;
      const r = await ctx.callTool('approve_server', { server_id: serverId.trim() }, SERVER_START_TIMEOUT_MS);
      void vscode.window.showInformationMessage(`OneMCP: '${String(r.server)}' started`);
      await refresh();
      return r;
    }),
    reg('onemcp.openRegistry', async () => {
      let url = readConfig().registryUrl;
      if (!url) {
        url =
          (await vscode.window.showInputBox({
            title: 'OneMCP registry',
            prompt: 'The registry page to open (set onemcp.registryUrl to skip this question)',
            placeHolder: 'http://127.0.0.1:8080/',
          })) ?? '';
      }
      if (!url) return false;
      return vscode.env.openExternal(vscode.Uri.parse(url));
    }),
    reg('onemcp.refresh', async () => {
      await ctx.discover();
      return refresh();
    }),
  ];
}
