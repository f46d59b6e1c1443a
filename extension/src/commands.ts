// The commands: start, stop and restart the daemon, show its log, approve a pending
// server install, open the registry's page, refresh the view.
import * as vscode from 'vscode';
import { readConfig } from './config';
import { OneMcpContext } from './context';

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
    reg('onemcp.approveServer', async (id?: unknown) => {
      const serverId =
        typeof id === 'string'
          ? id
          : await vscode.window.showInputBox({
              title: 'Approve a pending OneMCP server',
              prompt: "The server_id that find_tools reported as waiting for approval (its 'needs_approval')",
              ignoreFocusOut: true,
            });
      if (!serverId) return undefined;
      const r = await ctx.callTool('approve_server', { server_id: serverId.trim() });
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
