// Drives code-server in headless Chromium (playwright-core) as a user would, and asserts what
// the user sees. Started by run.sh, which sets: ONEMCP_EDITOR_URL (the workbench, with its
// folder), ONEMCP_EDITOR_TMP (the editor's private XDG folders: the daemon's endpoint file is
// under run/), ONEMCP_SHOTS (where screenshots go), CHROMIUM, PLAYWRIGHT_CORE.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const tmp = process.env.ONEMCP_EDITOR_TMP;
const shots = process.env.ONEMCP_SHOTS;
const endpointFile = path.join(tmp, 'run', 'onemcp', 'daemon.json');
const WAIT = { timeout: 90_000 };

const steps = [];
const step = async (what, fn) => {
  const t0 = Date.now();
  try {
    const r = await fn();
    steps.push(`ok   ${what} (${Date.now() - t0} ms)`);
    console.error(steps.at(-1));
    return r;
  } catch (e) {
    console.error(`FAIL ${what}: ${e.message}`);
    throw e;
  }
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const quickRows = page.locator('.quick-input-widget .monaco-list-row');
const statusItem = page.locator('.statusbar-item', { hasText: 'OneMCP' }).first();

/** Runs a command from the palette by its title. */
async function command(title) {
  const input = page.locator('.quick-input-widget input');
  if (await input.isVisible()) await page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden', ...WAIT });
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', ...WAIT });
  await input.fill(`>${title}`);
  await quickRows.filter({ hasText: title }).first().waitFor(WAIT);
  await page.keyboard.press('Enter');
}

/** Opens MCP: List Servers and picks OneMCP; the server's actions are then listed. */
async function oneMcpActions() {
  await command('MCP: List Servers');
  const row = quickRows.filter({ hasText: 'OneMCP' }).first();
  await row.waitFor(WAIT);
  const text = await row.innerText();
  await row.click();
  await quickRows.filter({ hasText: 'Show Output' }).first().waitFor(WAIT);
  return text;
}

/** The text of the output panel's editor (the panel maximized, so that all of a short log shows). */
async function outputText() {
  // Monaco draws spaces as no-break spaces.
  return (await page.locator('.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

try {
  await step('the workbench loads', async () => {
    await page.goto(process.env.ONEMCP_EDITOR_URL);
    await page.locator('.monaco-workbench').waitFor(WAIT);
  });

  await step('the extension activates: status bar "OneMCP: stopped", no daemon started', async () => {
    await statusItem.waitFor(WAIT);
    await page.waitForFunction(() => /OneMCP: stopped/.test(document.querySelector('.statusbar')?.textContent ?? ''), null, WAIT);
    assert.equal(fs.existsSync(endpointFile), false, 'activation must not start the daemon');
  });

  await step('MCP: List Servers lists OneMCP, stopped', async () => {
    await command('MCP: List Servers');
    const row = quickRows.filter({ hasText: 'OneMCP' }).first();
    await row.waitFor(WAIT);
    assert.match(await row.innerText(), /Stopped/);
    await page.screenshot({ path: path.join(shots, 'code-server-mcp-list.png') });
    await page.keyboard.press('Escape');
  });

  const daemon = await step('Start Server starts the daemon with the settings as flags', async () => {
    await oneMcpActions();
    await quickRows.filter({ hasText: 'Start Server' }).first().click();
    // The status bar leaves "stopped"/"starting" once resolveMcpServerDefinition has the
    // daemon running, and it has read the daemon's endpoint file by then.
    await page.waitForFunction(
      () => /OneMCP/.test(document.querySelector('.statusbar')?.textContent ?? '') &&
        !/OneMCP: (stopped|starting)/.test(document.querySelector('.statusbar')?.textContent ?? ''),
      null,
      WAIT,
    );
    const ep = JSON.parse(fs.readFileSync(endpointFile, 'utf8'));
    const cmd = fs.readFileSync(`/proc/${ep.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
    assert.deepEqual(cmd, ['daemon', 'run', '--consent', 'ask', '--max-tools', '16']);
    return ep;
  });

  const log = await step('VS Code connects and discovers the meta-tools, with no parse warning', async () => {
    // VS Code shows the server's output when it starts it from this list.
    await page.locator('.panel .monaco-editor .view-lines', { hasText: /Connection\sstate/ }).first().waitFor(WAIT);
    await command('View: Toggle Maximized Panel');
    await page.locator('.panel .monaco-editor .view-lines', { hasText: /Discovered\s\d+\stools/ }).first().waitFor(WAIT);
    const text = await outputText();
    const n = Number(/Discovered (\d+) tools/.exec(text)[1]);
    assert.ok(n >= 4, `VS Code discovered ${n} tools: ${text}`);
    assert.match(text, /Connection state: Running/);
    assert.doesNotMatch(text, /Failed to parse message/, text);
    await command('View: Toggle Maximized Panel');
    return { text, tools: n };
  });

  await step('the OneMCP view shows the servers and this window; the status bar the count', async () => {
    await page.locator('.activitybar .action-item a[aria-label="OneMCP"], .activitybar .action-label[aria-label="OneMCP"]').first().click();
    const rows = page.locator('.pane-body .monaco-list-row');
    await rows.filter({ hasText: 'This window' }).first().waitFor(WAIT);
    await rows.filter({ hasText: 'Servers' }).first().waitFor(WAIT);
    await page.waitForFunction(() => /OneMCP: 0 servers/.test(document.querySelector('.statusbar')?.textContent ?? ''), null, WAIT);
    // The window's two sessions (VS Code's own MCP client and the extension's) carry one window id.
    await rows.filter({ hasText: /This window\s*0 tools · 2 sessions/ }).first().waitFor(WAIT);
    await command('MCP: List Servers');
    await quickRows.filter({ hasText: 'OneMCP' }).first().click();
    await quickRows.filter({ hasText: 'Show Output' }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', ...WAIT });
    await page.screenshot({ path: path.join(shots, 'code-server-view.png') });
    // Session 2 saw VS Code stop the server right after listing its tools: it stays running.
    const text = await outputText();
    assert.doesNotMatch(text, /Connection state: (Stopped|Error)/, text);
    assert.doesNotMatch(text, /Failed to parse message/, text);
  });

  await step('commands: Stop Server with nothing running says so; Show Daemon Log opens the log', async () => {
    await command('OneMCP: Stop Server');
    await page.locator('.notifications-toasts', { hasText: 'OneMCP: no server is running' }).first().waitFor(WAIT);
    await command('OneMCP: Show Daemon Log');
    await page.locator('.tabs-container .tab', { hasText: 'daemon.log' }).first().waitFor(WAIT);
    await page.locator('.editor-container .view-lines', { hasText: 'daemon' }).first().waitFor(WAIT);
  });

  console.error(`real editor: VS Code discovered ${log.tools} tools from the daemon (pid ${daemon.pid})`);
} catch (e) {
  await page.screenshot({ path: path.join(tmp, 'failure.png') }).catch(() => undefined);
  const keep = path.join('/tmp', `onemcp-real-editor-failure-${process.pid}.png`);
  fs.copyFileSync(path.join(tmp, 'failure.png'), keep);
  console.error(`screenshot of the failure: ${keep}`);
  throw e;
} finally {
  await browser.close();
}
