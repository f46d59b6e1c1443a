// Settings handling: the typed getter's defaults and checks, and the flags they become.
import './harness';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affectsDaemon, daemonFlags, DEFAULTS, readConfig } from '../src/config';

const section = (values: Record<string, unknown>) => ({ get: <T>(k: string) => values[k] as T });

test('missing settings read as the defaults', () => {
  assert.deepEqual(readConfig(section({})), DEFAULTS);
  assert.deepEqual(DEFAULTS, { path: 'onemcp', registryUrl: '', consent: 'verified', maxTools: 64 });
});

test('valid settings are read as they are', () => {
  const c = readConfig(section({ path: ' /opt/onemcp/bin/onemcp ', registryUrl: 'http://127.0.0.1:8080/', consent: 'ask', maxTools: 12 }));
  assert.deepEqual(c, { path: '/opt/onemcp/bin/onemcp', registryUrl: 'http://127.0.0.1:8080/', consent: 'ask', maxTools: 12 });
});

test('settings of the wrong kind fall back to their defaults', () => {
  const c = readConfig(section({ path: '', registryUrl: 7, consent: 'always', maxTools: 0 }));
  assert.deepEqual(c, DEFAULTS);
  assert.equal(readConfig(section({ maxTools: 2.5 })).maxTools, 64);
  assert.equal(readConfig(section({ maxTools: '8' })).maxTools, 64);
  assert.equal(readConfig(section({ consent: 'never' })).consent, 'never');
});

test('the settings become daemon start flags', () => {
  assert.deepEqual(daemonFlags({ ...DEFAULTS, consent: 'never', maxTools: 3 }), ['--consent', 'never', '--max-tools', '3']);
  assert.deepEqual(daemonFlags(DEFAULTS), ['--consent', 'verified', '--max-tools', '64']);
  assert.deepEqual(daemonFlags({ ...DEFAULTS, registryUrl: 'http://127.0.0.1:8080' }), [
    '--consent', 'verified', '--max-tools', '64', '--registry', 'http://127.0.0.1:8080',
  ]);
});

test('only path, consent and maxTools concern the running daemon', () => {
  const ev = (key: string) => ({ affectsConfiguration: (s: string) => s === key });
  assert.equal(affectsDaemon(ev('onemcp.consent')), true);
  assert.equal(affectsDaemon(ev('onemcp.maxTools')), true);
  assert.equal(affectsDaemon(ev('onemcp.path')), true);
  assert.equal(affectsDaemon(ev('onemcp.registryUrl')), true);
});
