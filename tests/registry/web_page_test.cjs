// The registry's web page in headless Chromium (Debian's `chromium`, driven by npm's
// playwright-core; no browser download). Starts `onemcp registry serve` on a free port
// over a seeded SQLite catalogue in a temp dir, in which one server is marked verified,
// then searches from the page and opens a server page.
// Usage: node web_page_test.cjs <path to onemcp>
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const onemcp = process.argv[2];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VERIFIED_ID = 'live:mcp-weather-free';

function markVerified(dbPath) {
  // Written before the server starts, so its first full load reads it.
  const py = `import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO verifications (server_id, outcome, reason, verified_at_ms) VALUES (?, 'verified', 'web page test', ?)", (sys.argv[2], int(time.time() * 1000)))
db.commit()`;
  execFileSync('python3', ['-c', py, dbPath, VERIFIED_ID]);
}

function startServer(db, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(onemcp, ['registry', 'serve', '--db', 'sqlite:' + db, '--http', '127.0.0.1:0'],
                        { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error('serve did not start in 60 s:\n' + err)), 60000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/serving (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error('serve exited ' + code + ':\n' + err)); });
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemcp-web-'));
  const env = { ...process.env, XDG_DATA_HOME: path.join(dir, 'data'), XDG_STATE_HOME: path.join(dir, 'state') };
  const db = path.join(dir, 'registry.db');
  let server = null;
  let browser = null;
  try {
    execFileSync(onemcp, ['registry', 'ls', '--db', 'sqlite:' + db, '--limit', '1'], { env, stdio: 'ignore' });
    markVerified(db);
    server = await startServer(db, env);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    assert.equal(await page.title(), 'OneMCP registry');

    await page.fill('#q', 'weather forecast for a city');
    await page.click('#go');
    await page.waitForSelector('#results .result');
    const results = page.locator('#results .result');
    assert.ok(await results.count() > 0, 'no results');
    const verified = page.locator(`#results .result[data-id="${VERIFIED_ID}"]`);
    assert.equal(await verified.count(), 1, 'the verified weather server is not among the results');
    assert.equal(await verified.locator('.badge.verified').count(), 1, 'no verified badge');
    assert.ok(await verified.locator('.tools .tool').count() > 0, 'no matching tools listed');
    assert.ok(await page.locator('#results .badge.unverified').count() > 0, 'no unverified badge');
    assert.match(await page.textContent('#status'), /servers/);

    await verified.locator('a.server-link').click();
    await page.waitForSelector('#server .server');
    assert.equal(await page.getAttribute('#server .server', 'data-id'), VERIFIED_ID);
    assert.match(await page.textContent('#verification'), /^verified/);
    assert.ok(await page.locator('#server .tools .tool').count() > 0, 'server page lists no tools');
    assert.ok((await page.textContent('#run-spec')).length > 0);
    assert.ok(await page.isHidden('#search-view'));

    await page.goBack();
    await page.waitForSelector('#search-view:not([hidden])');
    await page.fill('#q', 'zzqxv nonexistentword');
    await page.click('#go');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'No server matches.');
    assert.deepEqual(errors, []);
    console.log('web page test: ok');
  } finally {
    if (browser) await browser.close();
    if (server) server.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
