// Two simulated windows (two copies of the extension, each with its own fake editor) share
// one real daemon and hold separate MCP sessions with separate tool views, asserted through
// the daemon's own answers (tools/list and list_running in each session).
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
import { closeWindow, isolatedDaemon, LoadedWindow, openWindow, Sandbox } from './harness';

const SERVER_ID = 'live:knowledge-graph-memory-server';
const TASK = 'remember facts in a knowledge graph';
let s: Sandbox;
let a: LoadedWindow;
let b: LoadedWindow;
let daemonPid = 0;

before(() => {
  s = isolatedDaemon();
  const seed = fs.readFileSync(path.resolve(__dirname, '../../../data/seed/catalog.jsonl'), 'utf8');
  const entry = seed.split('\n').find((l) => l.includes(`"id":"${SERVER_ID}"`));
  assert.ok(entry, `the seed catalogue has ${SERVER_ID}`);
  const catalog = path.join(s.dir, 'catalog.jsonl');
  fs.writeFileSync(catalog, `${entry}\n`);
  const out = execFileSync(s.exe, ['daemon', 'start', '--consent', 'ask', '--catalog', catalog], { env: s.env, encoding: 'utf8' });
  daemonPid = Number(/\(pid (\d+)\)/.exec(out)![1]);
  a = openWindow({ path: s.exe }, s.env);
  b = openWindow({ path: s.exe }, s.env);
});
after(() => {
  for (const w of [a, b]) if (w) closeWindow(w);
  s.cleanup();
});

const tools = async (w: LoadedWindow) => ((await w.ctx.listTools()) as string[]).filter((t) => !META.includes(t)).sort();
const META = ['find_tools', 'list_running', 'drop_tools', 'approve_server', 'stop_server', 'set_secret'];

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
  assert.deepEqual(da.headers, db.headers);
});

test('each window has its own MCP session, both starting with only the meta-tools', async () => {
  assert.deepEqual(await tools(a), []);
  assert.deepEqual(await tools(b), []);
  assert.ok(a.ctx.sessionId && b.ctx.sessionId);
  assert.notEqual(a.ctx.sessionId, b.ctx.sessionId);
});

test('a server approved in window A gives A its tools and B none', { timeout: 300_000 }, async () => {
  const found = await a.ctx.callTool('find_tools', { task: TASK });
  const task = (found.tasks as { needs_approval?: { server_id: string } }[])[0];
  assert.equal(task.needs_approval?.server_id, SERVER_ID, 'consent ask: the server waits for approval');
  // The command, as the user runs it from the palette with the server id.
  const approved = await a.fake.commands.get('onemcp.approveServer')!(SERVER_ID);
  assert.ok(approved, `approve failed: ${JSON.stringify(a.fake.messages)}`);
  const granted = (approved.tools as string[]).slice().sort();
  assert.ok(granted.length > 0);
  assert.deepEqual(await tools(a), granted);
  assert.deepEqual(await tools(b), [], "B's tool view is untouched");
  const ra = await a.ctx.listRunning();
  const rb = await b.ctx.listRunning();
  assert.deepEqual(ra.session_tools.slice().sort(), granted);
  assert.deepEqual(rb.session_tools, []);
  assert.equal(ra.servers.length, 1, 'the server runs once, for the daemon');
  assert.deepEqual(rb.servers, ra.servers, 'both windows see the same running servers');
  const treeA = await a.fake.trees.get('onemcp.servers').treeDataProvider.refresh();
  const treeB = await b.fake.trees.get('onemcp.servers').treeDataProvider.refresh();
  assert.equal(treeA[1].children.length, granted.length);
  assert.equal(treeB[1].children.length, 0);
  assert.equal(treeA[0].children.length, 1);
  assert.match(a.fake.statusBarItems[0].text, /OneMCP: 1 server$/);
});

test('window B asking for the same task gets the running server without approval; drops stay per window', async () => {
  const found = await b.ctx.callTool('find_tools', { task: TASK });
  const task = (found.tasks as { tools: string[]; needs_approval?: unknown }[])[0];
  assert.equal(task.needs_approval, undefined);
  assert.ok(task.tools.length > 0);
  const both = await tools(a);
  assert.deepEqual(await tools(b), both);
  const [dropped] = both;
  await b.ctx.callTool('drop_tools', { tools: [dropped] });
  assert.ok(!(await tools(b)).includes(dropped), 'dropped in B');
  assert.ok((await tools(a)).includes(dropped), 'still in A');
  assert.equal((await a.ctx.listRunning()).servers.length, 1, 'the server keeps running');
});

test('closing window A ends its session but leaves the daemon and window B working', async () => {
  const ep = JSON.parse(fs.readFileSync(s.endpointFile, 'utf8'));
  const bTools = await tools(b);
  closeWindow(a);
  a = undefined as unknown as LoadedWindow;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(JSON.parse(fs.readFileSync(s.endpointFile, 'utf8')).pid, ep.pid);
  assert.deepEqual(await tools(b), bTools);
  assert.equal((await b.ctx.listRunning()).servers.length, 1);
});
