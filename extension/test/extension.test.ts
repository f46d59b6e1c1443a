// One simulated window against a real daemon: activation does not start the daemon; the
// definition provider is registered, hands out an HTTP definition without the token and
// starts the daemon (with the settings as flags) only when VS Code resolves it; the status
// bar, the tree view and the commands.
import './harness';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { alive, closeWindow, cmdline, daemonStatus, isolatedDaemon, LoadedWindow, openWindow, Sandbox } from './harness';

let s: Sandbox;
let w: LoadedWindow;
const settings: Record<string, unknown> = { consent: 'ask', maxTools: 7, registryUrl: 'http://127.0.0.1:8377' };

before(() => {
  s = isolatedDaemon();
  settings.path = s.exe;
  w = openWindow(settings, s.env);
});
after(() => {
  if (w) closeWindow(w);
  s.cleanup();
});

const settle = () => new Promise((r) => setTimeout(r, 300));

test('activation registers the provider, the commands, the view and the status bar, and starts nothing', async () => {
  await settle();
  assert.ok(w.fake.providers.has('onemcp'));
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders, [{ id: 'onemcp', label: 'OneMCP' }]);
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...w.fake.commands.keys()].sort(), declared);
  assert.ok(w.fake.trees.has('onemcp.servers'));
  assert.deepEqual(pkg.contributes.views.onemcp.map((v: { id: string }) => v.id), ['onemcp.servers']);
  assert.equal(w.fake.statusBarItems.length, 1);
  assert.match(w.fake.statusBarItems[0].text, /OneMCP: stopped/);
  assert.equal(daemonStatus(s), 3, 'activation must not start the daemon');
});

test('the provider offers one HTTP definition without the token, and still starts nothing', async () => {
  const p = w.fake.providers.get('onemcp');
  const defs = await p.provideMcpServerDefinitions();
  assert.equal(defs.length, 1);
  assert.equal(defs[0].constructor.name, 'McpHttpServerDefinition');
  assert.equal(defs[0].label, 'OneMCP');
  assert.equal(defs[0].headers.Authorization, undefined);
  assert.equal(daemonStatus(s), 3);
});

test('resolving the definition starts the daemon with the settings and adds the bearer token', async () => {
  const p = w.fake.providers.get('onemcp');
  let changes = 0;
  p.onDidChangeMcpServerDefinitions(() => changes++);
  const [def] = await p.provideMcpServerDefinitions();
  const resolved = await p.resolveMcpServerDefinition(def);
  const ep = JSON.parse(fs.readFileSync(s.endpointFile, 'utf8'));
  assert.equal(resolved.uri.toString(), ep.url);
  assert.deepEqual(resolved.headers, { Authorization: `Bearer ${ep.token}`, 'X-OneMCP-Window': w.ctx.windowId });
  assert.match(w.ctx.windowId, /^[0-9a-f-]{36}$/);
  assert.equal(changes, 0, 'the first start is the resolution itself: no change event');
  assert.equal(daemonStatus(s), 0);
  assert.deepEqual(cmdline(ep.pid).slice(1), ['daemon', 'run', '--consent', 'ask', '--max-tools', '7', '--registry', 'http://127.0.0.1:8377']);
  // The definition now names the live daemon, and the header works on the real endpoint.
  const [again] = await p.provideMcpServerDefinitions();
  assert.equal(again.uri.toString(), ep.url);
  const ok = await fetch(ep.url, {
    method: 'POST',
    headers: { ...resolved.headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const denied = await fetch(ep.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(denied.status, 401);
});

test('the status bar and the tree show the running daemon through list_running', async () => {
  await settle();
  const tree = w.fake.trees.get('onemcp.servers').treeDataProvider;
  const roots = await tree.refresh();
  assert.deepEqual(roots.map((n: { label: string }) => n.label), ['Servers', 'This window']);
  assert.equal(roots[0].children.length, 0);
  // The window's sessions: the extension's own, and the one the test above initialized with
  // the resolved definition's headers, as VS Code's chat does.
  assert.equal(roots[1].description, '0 tools · 2 sessions');
  assert.match(roots[1].tooltip, /2 OneMCP session/);
  assert.equal(tree.getTreeItem(roots[0]).collapsibleState, 2);
  assert.match(w.fake.statusBarItems[0].text, /OneMCP: 0 servers/);
  assert.ok(w.ctx.sessionId, 'the extension holds an MCP session at the daemon');
});

test('commands: show log, open registry, approve and stop with nothing pending or running', async () => {
  await w.fake.commands.get('onemcp.showLog')!();
  assert.deepEqual(w.fake.openedDocuments, [`${s.env.XDG_STATE_HOME}/onemcp/daemon.log`]);
  await w.fake.commands.get('onemcp.openRegistry')!();
  assert.deepEqual(w.fake.opened, ['http://127.0.0.1:8377']);
  await w.fake.commands.get('onemcp.approveServer')!('no-such-server');
  const last = w.fake.messages.at(-1)!;
  assert.equal(last.kind, 'error');
  assert.match(last.text, /no server 'no-such-server' is waiting for approval/);
  // From the palette, nothing to pick from: the daemon lists no pending approval.
  assert.equal(await w.fake.commands.get('onemcp.approveServer')!(), undefined);
  assert.equal(w.fake.messages.at(-1)!.text, 'OneMCP: no server is waiting for approval');
  assert.equal(await w.fake.commands.get('onemcp.stopServer')!(), undefined);
  assert.equal(w.fake.messages.at(-1)!.text, 'OneMCP: no server is running');
  assert.deepEqual(w.fake.quickPicks, []);
  // A name the daemon does not run: asked first, then the daemon's error is shown.
  w.fake.messageAnswers.push('Stop');
  assert.equal(await w.fake.commands.get('onemcp.stopServer')!('no-such-server'), undefined);
  assert.match(w.fake.messages.at(-2)!.text, /Stop 'no-such-server'\?/);
  assert.equal(w.fake.messages.at(-1)!.kind, 'error');
  assert.match(w.fake.messages.at(-1)!.text, /no running server named 'no-such-server'/);
});

test('a settings change offers a restart; restart applies the new settings; stop asks first', async () => {
  const before = JSON.parse(fs.readFileSync(s.endpointFile, 'utf8'));
  let definitionChanges = 0;
  w.fake.providers.get('onemcp').onDidChangeMcpServerDefinitions(() => definitionChanges++);
  w.fake.messageAnswers.push(undefined);
  w.fake.changeSettings({ consent: 'never', maxTools: 3, registryUrl: '' }); // back to the shipped catalogue
  await settle();
  assert.match(w.fake.messages.at(-1)!.text, /old settings until it restarts/);
  const ep = await w.fake.commands.get('onemcp.restartDaemon')!();
  assert.notEqual(ep.pid, before.pid);
  assert.equal(alive(before.pid), false);
  assert.deepEqual(cmdline(ep.pid).slice(1), ['daemon', 'run', '--consent', 'never', '--max-tools', '3']);
  // VS Code is told the definition changed, and gets the new endpoint when it resolves again.
  const p = w.fake.providers.get('onemcp');
  assert.ok(definitionChanges >= 1, 'a restart tells VS Code the definition changed');
  const [def] = await p.provideMcpServerDefinitions();
  assert.equal((await p.resolveMcpServerDefinition(def)).headers.Authorization, `Bearer ${ep.token}`);
  // consent never reaches the daemon: find_tools starts nothing new.
  const r = await w.ctx.callTool('find_tools', { task: 'remember facts in a knowledge graph' });
  assert.match(JSON.stringify(r), /consent: never/);

  w.fake.messageAnswers.push(undefined); // the user dismisses the confirmation
  assert.equal(await w.fake.commands.get('onemcp.stopDaemon')!(), false);
  assert.equal(daemonStatus(s), 0);
  w.fake.messageAnswers.push('Stop');
  assert.equal(await w.fake.commands.get('onemcp.stopDaemon')!(), true);
  assert.equal(daemonStatus(s), 3);
  await settle();
  assert.match(w.fake.statusBarItems[0].text, /OneMCP: stopped/);
});

test('a wrong onemcp path fails visibly', async () => {
  w.fake.changeSettings({ path: '/nonexistent/onemcp' });
  await w.fake.commands.get('onemcp.startDaemon')!();
  assert.match(w.fake.messages.at(-1)!.text, /cannot run '\/nonexistent\/onemcp'/);
  assert.equal(w.ctx.state, 'failed');
  assert.match(w.fake.statusBarItems[0].text, /error/);
  w.fake.changeSettings({ path: s.exe });
});
