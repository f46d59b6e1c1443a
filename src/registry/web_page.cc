// The registry's web page: a search box over POST /v0/search and a server page over
// GET /v0/servers/{id}, as one static HTML file and one script compiled into the
// binary. Every catalogue string goes into the DOM as text (textContent), never as
// HTML: server and tool descriptions come from strangers.
#include "onemcp/registry/http_api.h"

namespace onemcp::registry {

std::string_view webPageHtml() {
  return R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OneMCP registry</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem; color: #222; }
  header a { color: inherit; text-decoration: none; }
  form { display: flex; gap: .5rem; margin: 1rem 0; }
  input[type=search] { flex: 1; font-size: 1.1rem; padding: .5rem; }
  button { font-size: 1rem; padding: .5rem 1rem; }
  .result, .server { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: .75rem 0; }
  .result h2, .server h2 { font-size: 1.1rem; margin: 0 0 .25rem; }
  .badge { font-size: .75rem; border-radius: 4px; padding: .1rem .4rem; margin-left: .5rem; vertical-align: middle; }
  .badge.verified { background: #1a7f37; color: #fff; }
  .badge.unverified { background: #eee; color: #555; }
  .badge.flagged { background: #b42318; color: #fff; }
  .meta { color: #666; font-size: .85rem; }
  .tools { margin: .5rem 0 0; padding-left: 1.2rem; }
  .tools code { font-weight: 600; }
  pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }
  .error { color: #b42318; }
</style>
</head>
<body>
<header><h1><a href="#/">OneMCP registry</a></h1></header>
<main>
  <section id="search-view">
    <form id="search-form" role="search">
      <input id="q" type="search" name="q" placeholder="Describe a task, e.g. read a PDF and summarise it" autocomplete="off" maxlength="1024" required>
      <button id="go" type="submit">Search</button>
    </form>
    <p id="status" class="meta" aria-live="polite"></p>
    <div id="results"></div>
  </section>
  <section id="server-view" hidden>
    <p><a href="#/" id="back">&larr; back to results</a></p>
    <div id="server"></div>
  </section>
</main>
<script src="/app.js"></script>
</body>
</html>
)html";
}

std::string_view webPageScript() {
  return R"js('use strict';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function badges(verified, flags) {
  const out = [el('span', { class: 'badge ' + (verified ? 'verified' : 'unverified') },
                  verified ? 'verified' : 'not verified')];
  if (flags && flags.length) out.push(el('span', { class: 'badge flagged', title: flags.join(', ') }, 'flagged'));
  return out;
}

function serverLink(id, text) {
  return el('a', { href: '#/server/' + encodeURIComponent(id), class: 'server-link' }, text);
}

function renderResults(servers) {
  const box = $('results');
  box.replaceChildren();
  for (const s of servers) {
    const tools = el('ul', { class: 'tools' });
    for (const t of s.tools) tools.append(el('li', { class: 'tool' }, el('code', {}, t.name), ' — ' + t.description));
    box.append(el('article', { class: 'result', 'data-id': s.id },
      el('h2', {}, serverLink(s.id, s.title || s.name), ...badges(s.verified, s.flags)),
      el('div', { class: 'meta' }, s.id + ' · ' + s.source + ' · score ' + s.score.toFixed(3)),
      el('p', {}, s.description), tools));
  }
}

async function runSearch(query) {
  $('status').textContent = 'Searching…';
  try {
    const resp = await fetch('/v0/search', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query, k: 10 }) });
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error ? body.error.message : resp.statusText);
    renderResults(body.servers);
    $('status').textContent = body.servers.length ? body.servers.length + ' servers' : 'No server matches.';
  } catch (e) {
    $('results').replaceChildren();
    $('status').textContent = 'Search failed: ' + e.message;
    $('status').className = 'error';
    return;
  }
  $('status').className = 'meta';
}

async function showServer(id) {
  const box = $('server');
  box.replaceChildren(el('p', { class: 'meta' }, 'Loading…'));
  try {
    const resp = await fetch('/v0/servers/' + encodeURIComponent(id));
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error ? body.error.message : resp.statusText);
    const meta = (body._meta || {})['io.onemcp/registry'] || {};
    const server = body.server || {};
    const tools = el('ul', { class: 'tools' });
    for (const t of meta.tools || []) tools.append(el('li', { class: 'tool' }, el('code', {}, t.name), ' — ' + (t.description || '')));
    const v = meta.verification;
    box.replaceChildren(el('article', { class: 'server', 'data-id': meta.id || id },
      el('h2', {}, server.title || server.name || id, ...badges(meta.verified, meta.flags)),
      el('div', { class: 'meta' }, (meta.id || id) + ' · ' + (meta.source || '') + (server.version ? ' · v' + server.version : '')),
      el('p', {}, server.description || ''),
      el('h3', {}, 'Verification'),
      el('p', { id: 'verification' }, v ? v.outcome + (v.reason ? ': ' + v.reason : '') : 'not verified yet'),
      el('h3', {}, 'Run spec'),
      el('pre', { id: 'run-spec' }, meta.runSpec ? JSON.stringify(meta.runSpec, null, 2) : 'none yet'),
      el('h3', {}, 'Tools (' + (meta.tools || []).length + ')'), tools));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, 'Cannot load the server: ' + e.message));
  }
}

function route() {
  const m = location.hash.match(/^#\/server\/(.+)$/);
  $('search-view').hidden = !!m;
  $('server-view').hidden = !m;
  if (m) showServer(decodeURIComponent(m[1]));
}

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = $('q').value.trim();
  if (q) runSearch(q);
});
window.addEventListener('hashchange', route);
route();
)js";
}

}  // namespace onemcp::registry
