// Two simulated windows (two copies of the extension, each with its own fake editor) share
// one real daemon and hold separate MCP sessions with separate tool views, asserted through
// the daemon's own answers (tools/list and list_running in each session). Each window also
// gets a "chat" session: an SDK client connected with exactly the definition the window's
// provider resolved (URL and headers), as VS Code's chat connects; each window's tree shows
// the tools of its own window's sessions only.
//
// The daemon is started first with a one-server catalogue (the seed's memory server, an npm
// package the sandbox image carries), so granting tools runs one real container: the
// windows must find and reuse it.
import './harness';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { closeWindow, isolatedDaemon, LoadedWindow, openWindow, Sandbox } from './harness';

const SERVER_ID = 'live:knowledge-graph-memory-server';
const TASK = 'remember facts in a knowledge graph';
let s: Sandbox;
let a: LoadedWindow;
let b: LoadedWindow;
let daemonPid = 0;
const chats: { client: Client; transport: StreamableHTTPClientTransport }[] = [];
// The label of this test's containers and volumes, so that it sees only its own.
const OWNER = `onemcp-ext-windows-${process.pid}`;
const containers = () =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=io.onemcp.owner=${OWNER}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);

before(() => {
  s = isolatedDaemon();
  const seed = fs.readFileSync(path.resolve(__dirname, '../../../data/seed/catalog.jsonl'), 'utf8');
  const entry = seed.split('\n').find((l) => l.includes(`"id":"${SERVER_ID}"`));
  assert.ok(entry, `the seed catalogue has ${SERVER_ID}`);
  const catalog = path.join(s.dir, 'catalog.jsonl');
  fs.writeFileSync(catalog, `${entry}\n`);
  const out = execFileSync(s.exe, ['daemon', 'start', '--consent', 'ask', '--catalog', catalog, '--sandbox-owner', OWNER], {
    env: s.env,
    encoding: 'utf8',
  });
  daemonPid = Number(/\(pid (\d+)\)/.exec(out)![1]);
  a = openWindow({ path: s.exe }, s.env);
  b = openWindow({ path: s.exe }, s.env);
});
after(async () => {
  for (const c of chats) await c.client.close().catch(() => undefined);
  for (const w of [a, b]) if (w) closeWindow(w);
  s.cleanup();
  // The server's data volume outlives its container by design; this test's goes too.
  const volumes = execFileSync('docker', ['volume', 'ls', '-q', '--filter', `label=io.onemcp.owner=${OWNER}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  if (volumes.length) execFileSync('docker', ['volume', 'rm', ...volumes]);
});

const META = ['find_tools', 'list_running', 'drop_tools', 'approve_server', 'stop_server', 'set_secret'];
const tools = async (w: LoadedWindow) => ((await w.ctx.listTools()) as string[]).filter((t) => !META.includes(t)).sort();

/** A window's chat session: connected with the definition the window's provider resolves. */
async function chatOf(w: LoadedWindow): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const p = w.fake.providers.get('onemcp');
  const [def] = await p.provideMcpServerDefinitions();
  const resolved = await p.resolveMcpServerDefinition(def);
  const client = new Client({ name: 'Visual Studio Code (simulated chat)', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(resolved.uri.toString()), {
    requestInit: { headers: resolved.headers },
  });
  await client.connect(transport);
  const chat = { client, transport };
  chats.push(chat);
  return chat;
}
const chatTools = async (c: Client) =>
  (await c.listTools()).tools
    .map((t) => t.name)
    .filter((t) => !META.includes(t))
    .sort();
const tree = (w: LoadedWindow) => w.fake.trees.get('onemcp.servers').treeDataProvider;
/** The labels under the tree's "This window" group, after reading the daemon again. */
const windowTools = async (w: LoadedWindow) => {
  const roots = await tree(w).refresh();
  const group = roots.find((n: { label: string }) => n.label === 'This window');
  assert.ok(group, `a 'This window' group in ${JSON.stringify(roots.map((n: { label: string }) => n.label))}`);
  return (group.children as { label: string }[]).map((n) => n.label).sort();
};

test('both windows resolve to the one running daemon', async () => {
  assert.notEqual(a.ext, b.ext, 'two separate copies of the extension');
  const resolve = async (w: LoadedWindow) => {
    const p = w.fake.providers.get('onemcp');
    const [def] = await p.provideMcpServerDefinitions();
    return p.resolveMcpServerDefinition(def);
  };
  const [da, db] = [await resolve(a), await resolve(b)];
  const ep = JSON.parse(fs.readFileSync(s.endpointFile, 'utf8'));
  assert.equal(ep.pid, daemonPid, 'the daemon started before the windows is reused');
  assert.equal(da.uri.toString(), ep.url);
  assert.equal(db.uri.toString(), ep.url);
  assert.equal(da.headers.Authorization, db.headers.Authorization);
  assert.notEqual(da.headers['X-OneMCP-Window'], db.headers['X-OneMCP-Window'], 'each window has its own id');
});

test('each window has its own MCP session, both starting with only the meta-tools', async () => {
  assert.deepEqual(await tools(a), []);
  assert.deepEqual(await tools(b), []);
  assert.ok(a.ctx.sessionId && b.ctx.sessionId);
  assert.notEqual(a.ctx.sessionId, b.ctx.sessionId);
});

// A first start installs the server's package in the sandbox: minutes on a loaded machine.
test('a server approved in window A gives A its tools and B none', { timeout: 900_000 }, async () => {
  const found = await a.ctx.callTool('find_tools', { task: TASK });
  const task = (found.tasks as { needs_approval?: { server_id: string } }[])[0];
  assert.equal(task.needs_approval?.server_id, SERVER_ID, 'consent ask: the server waits for approval');
  // Both trees list it as waiting; the user approves from window A's tree item.
  for (const w of [a, b]) {
    const pending = (await tree(w).refresh()).find((n: { label: string }) => n.label === 'Waiting for approval');
    assert.equal(pending?.children[0].serverId, SERVER_ID);
    assert.equal(tree(w).getTreeItem(pending.children[0]).contextValue, 'pending');
  }
  const item = (await tree(a).refresh()).find((n: { label: string }) => n.label === 'Waiting for approval').children[0];
  const approved = await a.fake.commands.get('onemcp.approveServer')!(item);
  assert.ok(approved, `approve failed: ${JSON.stringify(a.fake.messages)}`);
  assert.equal((await a.ctx.listRunning()).pending_approvals.length, 0, 'nothing waits any more');
  const granted = (approved.tools as string[]).slice().sort();
  assert.ok(granted.length > 0);
  assert.equal(containers().length, 1, 'one container runs it');
  assert.deepEqual(await tools(a), granted);
  assert.deepEqual(await tools(b), [], "B's tool view is untouched");
  const ra = await a.ctx.listRunning();
  const rb = await b.ctx.listRunning();
  assert.deepEqual(ra.session_tools.slice().sort(), granted);
  assert.deepEqual(rb.session_tools, []);
  assert.equal(ra.servers.length, 1, 'the server runs once, for the daemon');
  assert.deepEqual(rb.servers, ra.servers, 'both windows see the same running servers');
  assert.deepEqual(await windowTools(a), granted);
  assert.deepEqual(await windowTools(b), []);
  assert.equal((await tree(a).refresh())[0].children.length, 1);
  assert.match(a.fake.statusBarItems[0].text, /OneMCP: 1 server$/);
});

test("each window's tree shows its chat session's tools, and no other window's", async () => {
  // Window A's extension session lets go of its tools: what A's tree shows next is chat's.
  await a.ctx.callTool('drop_tools', { tools: await tools(a) });
  assert.deepEqual(await windowTools(a), []);
  const [chatA, { client: chatB }] = [await chatOf(a), await chatOf(b)];
  const found = await chatA.client.callTool({ name: 'find_tools', arguments: { task: TASK } });
  assert.ok(!found.isError, JSON.stringify(found));
  const granted = await chatTools(chatA.client);
  assert.ok(granted.length > 0, 'the running server is granted to chat A without approval');
  assert.deepEqual(await tools(a), [], "A's extension session holds none of them");
  assert.deepEqual(await windowTools(a), granted, "A's tree shows chat A's tools");
  assert.deepEqual(await windowTools(b), [], "B's tree shows none of window A's");
  const ra = await a.ctx.listRunning();
  assert.equal(ra.window?.sessions, 2, "A's extension session and A's chat");
  assert.equal(ra.window?.id, a.ctx.windowId);
  // Chat B gets them too, then drops one: only B's tree loses it.
  await chatB.callTool({ name: 'find_tools', arguments: { task: TASK } });
  const [dropped] = await chatTools(chatB);
  await chatB.callTool({ name: 'drop_tools', arguments: { tools: [dropped] } });
  assert.deepEqual(await windowTools(b), granted.filter((t) => t !== dropped));
  assert.deepEqual(await windowTools(a), granted);
  // A chat session that ends (VS Code stops the server: DELETE) leaves its window's tree.
  await chatA.transport.terminateSession();
  await chatA.client.close();
  chats.splice(chats.indexOf(chatA), 1);
  assert.deepEqual(await windowTools(a), []);
  assert.equal((await a.ctx.listRunning()).window?.sessions, 1);
});

test('window B asking for the same task gets the running server without approval; drops stay per session', async () => {
  const found = await b.ctx.callTool('find_tools', { task: TASK });
  const task = (found.tasks as { tools: string[]; needs_approval?: unknown }[])[0];
  assert.equal(task.needs_approval, undefined);
  const all = task.tools.slice().sort();
  assert.ok(all.length > 1);
  assert.deepEqual(await tools(b), all);
  // Chat B dropped the first one above; B's extension session drops another, which chat B keeps.
  const [{ client: chatB }] = chats;
  const dropped = all[1];
  await b.ctx.callTool('drop_tools', { tools: [dropped] });
  assert.ok(!(await tools(b)).includes(dropped), "dropped in B's extension session");
  assert.ok((await chatTools(chatB)).includes(dropped), 'still in chat B');
  assert.ok((await windowTools(b)).includes(dropped), "so still in window B's tree");
  assert.deepEqual(await tools(a), [], "A's extension session is untouched");
  assert.equal((await a.ctx.listRunning()).servers.length, 1, 'the server keeps running');
});

test("stopping a server from window B's tree stops it for every window", { timeout: 120_000 }, async () => {
  const [{ client: chatB }] = chats;
  assert.ok((await chatTools(chatB)).length > 0);
  const [server] = (await tree(b).refresh())[0].children;
  assert.equal(tree(b).getTreeItem(server).contextValue, 'server');
  b.fake.messageAnswers.push(undefined); // dismissed: nothing stops
  assert.equal(await b.fake.commands.get('onemcp.stopServer')!(server), undefined);
  assert.equal((await b.ctx.listRunning()).servers.length, 1);
  b.fake.messageAnswers.push('Stop');
  const r = await b.fake.commands.get('onemcp.stopServer')!(server);
  assert.deepEqual(r, { stopped: server.server }, JSON.stringify(b.fake.messages));
  assert.deepEqual((await a.ctx.listRunning()).servers, [], 'no server runs for window A either');
  assert.deepEqual(await chatTools(chatB), [], "its tools left chat B's session");
  assert.deepEqual(await tools(b), [], "and B's extension session");
  assert.deepEqual(await windowTools(b), [], "and window B's tree");
  assert.match(b.fake.statusBarItems[0].text, /OneMCP: 0 servers$/);
  assert.deepEqual(containers(), [], 'its container is gone');
});

test('closing window A ends its session but leaves the daemon and window B working', { timeout: 900_000 }, async () => {
  const ep = JSON.parse(fs.readFileSync(s.endpointFile, 'utf8'));
  await b.ctx.callTool('find_tools', { task: TASK }, 600_000); // B's extension session starts the server again
  const bTools = await tools(b);
  assert.ok(bTools.length > 0);
  closeWindow(a);
  a = undefined as unknown as LoadedWindow;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(JSON.parse(fs.readFileSync(s.endpointFile, 'utf8')).pid, ep.pid);
  assert.deepEqual(await tools(b), bTools);
  assert.equal((await b.ctx.listRunning()).servers.length, 1);
});
