// The entry points, and nothing else: the features live one per file.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { affectsDaemon } from './config';
import { OneMcpContext } from './context';
import { registerProvider } from './provider';
import { StatusBar } from './statusBar';
import { ServersTree } from './treeView';

let ctx: OneMcpContext | undefined;

export function activate(context: vscode.ExtensionContext): OneMcpContext {
  ctx = new OneMcpContext();
  const statusBar = new StatusBar(ctx);
  const tree = new ServersTree(ctx);
  tree.onServerCount = (n) => statusBar.setServerCount(n);
  context.subscriptions.push(
    ctx,
    registerProvider(ctx),
    statusBar,
    tree,
    ...registerCommands(ctx, () => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsDaemon(e) && ctx?.state === 'running') {
        void vscode.window
          .showInformationMessage('OneMCP: the daemon runs with the old settings until it restarts.', 'Restart')
          .then((a) => a === 'Restart' && vscode.commands.executeCommand('onemcp.restartDaemon'));
      }
    }),
  );
  void ctx.discover();
  return ctx;
}

export function deactivate(): void {
  ctx = undefined;
}
