// Daemon discovery against a real onemcp daemon: none running -> started; running -> reused;
// a stale endpoint file -> replaced. Settings reach the daemon as flags.
import './harness';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { daemonFiles, findDaemon, readEndpointFile, startDaemon, stopDaemon } from '../src/daemon';
import { alive, cmdline, daemonStatus, isolatedDaemon, Sandbox } from './harness';

let s: Sandbox;
before(() => {
  s = isolatedDaemon();
});
after(() => s.cleanup());

test('the endpoint file and log are where onemcp puts them', () => {
  const f = daemonFiles(s.env);
  assert.equal(f.endpointFile, s.endpointFile);
  assert.equal(f.logFile, `${s.env.XDG_STATE_HOME}/onemcp/daemon.log`);
  const noRuntime = { ...s.env, XDG_RUNTIME_DIR: '' };
  assert.equal(daemonFiles(noRuntime).endpointFile, `${s.env.XDG_STATE_HOME}/onemcp/run/daemon.json`);
});

test('none running: found as none, then started with the flags', async () => {
  assert.equal(daemonStatus(s), 3);
  assert.equal(await findDaemon(s.exe, s.env), undefined);
  const ep = await startDaemon(s.exe, ['--consent', 'never', '--max-tools', '5'], s.env);
  assert.match(ep.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.match(ep.token, /^[0-9a-f]{32,}$/);
  assert.ok(alive(ep.pid));
  assert.equal(daemonStatus(s), 0);
  assert.equal(fs.statSync(s.endpointFile).mode & 0o777, 0o600);
  const argv = cmdline(ep.pid);
  assert.deepEqual(argv.slice(1), ['daemon', 'run', '--consent', 'never', '--max-tools', '5']);
});

test('one running: found and reused, not started again', async () => {
  const before = await readEndpointFile(s.env);
  assert.ok(before);
  assert.deepEqual(await findDaemon(s.exe, s.env), before);
  const again = await startDaemon(s.exe, ['--consent', 'ask', '--max-tools', '9'], s.env);
  assert.deepEqual(again, before, 'the running daemon is reused as it is');
});

test('a stale endpoint file (dead pid) counts as no daemon and is replaced', async () => {
  const old = await readEndpointFile(s.env);
  assert.ok(old);
  await stopDaemon(s.exe, s.env);
  assert.equal(alive(old.pid), false);
  // What a crashed daemon leaves behind: its endpoint file, naming a process that is gone.
  fs.mkdirSync(`${s.env.XDG_RUNTIME_DIR}/onemcp`, { recursive: true, mode: 0o700 });
  fs.writeFileSync(s.endpointFile, JSON.stringify({ url: old.url, token: old.token, pid: old.pid }), { mode: 0o600 });
  assert.equal(daemonStatus(s), 3);
  assert.equal(await findDaemon(s.exe, s.env), undefined);
  // A live pid that is not the daemon (pid reuse) holds no lock: stale too. (A child process,
  // never this one: see the README on the daemon's race with such a file.)
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(s.endpointFile, JSON.stringify({ url: old.url, token: old.token, pid: other.pid }), { mode: 0o600 });
    assert.equal(daemonStatus(s), 3);
    assert.equal(await findDaemon(s.exe, s.env), undefined);
  } finally {
    other.kill();
  }
  fs.writeFileSync(s.endpointFile, JSON.stringify({ url: old.url, token: old.token, pid: old.pid }), { mode: 0o600 });
  const fresh = await startDaemon(s.exe, [], s.env);
  assert.notEqual(fresh.pid, old.pid);
  assert.notEqual(fresh.token, old.token);
  assert.deepEqual(await readEndpointFile(s.env), fresh);
  assert.equal(daemonStatus(s), 0);
});

test('a broken onemcp path is an error that says so', async () => {
  await assert.rejects(startDaemon('/nonexistent/onemcp', [], s.env), /cannot run '\/nonexistent\/onemcp'/);
});
