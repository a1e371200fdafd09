// The Integration Center's script: plain DOM, no framework, no network but this server's /api.
// Every value from the API is put on the page as text (textContent), never as HTML.
/* global document, window, sessionStorage, fetch, Blob, URL, setInterval */
'use strict';

const KEY_STORAGE = 'lnbx.monitor.apiKey';
const FLOWS = [
  ['invoices', 'Invoices'],
  ['credit_notes', 'Credit notes'],
];
const CONNECTION_STORAGE = 'lnbx.monitor.connection';
const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  me: null,
  /** The connection an admin key looks at (the picker); a brand's key has its own, implicit. */
  connection: null,
  selectedRun: null,
  rendered: {},
  runs: [],
  recheckFlow: null,
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function say(id, text, isError) {
  const el = $(id);
  el.textContent = text || '';
  el.classList.toggle('error', Boolean(isError));
}

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Every call about one connection names the one the picker shows (an admin key's); who you are and the connections do not. */
function scoped(path) {
  if (!state.connection || /^\/api\/(me|connections)(\/|\?|$)/.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}connection=${encodeURIComponent(state.connection)}`;
}

async function api(method, path, body) {
  const headers = { 'x-api-key': state.key || '' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(scoped(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* plain text */
  }
  if (!res.ok) {
    const m = data && typeof data === 'object' && data.message;
    const message = Array.isArray(m) ? m.join('; ') : m || `${res.status} ${res.statusText}`;
    if (res.status === 401) signOut(message);
    throw new ApiError(message, res.status);
  }
  return data;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const flowName = (flow) => (flow === 'credit_notes' ? 'credit notes' : flow);
const plural = (n, one, many) => `${Number(n).toLocaleString()} ${n === 1 ? one : many || `${one}s`}`;
const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Re-renders a part only when its data changed, so the 2-second refresh never moves what you are clicking. */
function changed(part, data) {
  const json = JSON.stringify(data);
  if (state.rendered[part] === json) return false;
  state.rendered[part] = json;
  return true;
}

// ---- sign in ----

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  state.me = null;
  state.connection = null;
  state.rendered = {};
  state.runs = [];
  $('app').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  say('login-message', message || '', Boolean(message));
}

async function signIn(key) {
  state.key = key;
  try {
    state.me = await api('GET', '/api/me');
  } catch (err) {
    signOut(err.status === 401 ? 'This key is not valid.' : `Could not check the key: ${err.message}`);
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  $('login').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-text').textContent = `Signed in with ${state.me.name} (${state.me.role})`;
  const operator = state.me.role === 'operator' || state.me.role === 'admin';
  for (const el of document.querySelectorAll('.operator-only')) el.hidden = !operator;
  for (const el of document.querySelectorAll('.viewer-note')) el.hidden = operator;
  $('connection-picker').hidden = state.me.connection !== null;
  $('overview').hidden = state.me.role !== 'admin';
  if (state.me.connection === null) await loadConnections();
  if (state.me.role === 'admin') await Promise.all([loadOverview(), loadKeys()]);
  await Promise.all([refresh(), loadSettings(), refreshXero()]);
}

// ---- the connection picker (admin keys: the deployment's; a brand's key sees its own connection only) ----

async function loadConnections() {
  const { connections } = await api('GET', '/api/connections');
  const select = $('connection');
  select.replaceChildren(...connections.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})${c.status === 'active' ? '' : ` – ${c.status}`}`)));
  const kept = sessionStorage.getItem(CONNECTION_STORAGE);
  const live = connections.filter((c) => c.status !== 'removed');
  const chosen = connections.find((c) => c.id === kept) || live[0] || connections[0];
  state.connection = chosen ? chosen.id : null;
  select.value = state.connection || '';
}

const XERO_STATES = { never: 'not connected yet', connected: 'connected', lost: 'lost: reconnect', disconnected: 'disconnected' };

/** The deployment's connections with their health (GET /api/overview), each a click away. */
async function loadOverview() {
  const { connections } = await api('GET', '/api/overview');
  $('overview-table')
    .querySelector('tbody')
    .replaceChildren(
      ...connections.map((c) =>
        h(
          'tr',
          { 'data-connection': c.id, 'data-health': c.failedDocuments > 0 || c.xero.state === 'lost' ? 'attention' : 'ok' },
          h('th', { scope: 'row' }, `${c.name} (${c.id})`),
          h('td', null, c.status === 'paused' ? `paused: ${c.pausedReason || ''}` : c.status),
          h('td', null, [XERO_STATES[c.xero.state] || c.xero.state, c.xero.organisationName ? ` (${c.xero.organisationName})` : '']),
          h('td', null, c.lastRun ? `#${c.lastRun.number} ${flowName(c.lastRun.flow)}: ${c.lastRun.status}, ${when(c.lastRun.at)}` : 'none yet'),
          h('td', null, plural(c.failedDocuments, 'document')),
          h('td', null, plural(c.rejectedDocuments, 'document')),
          h(
            'td',
            null,
            c.id === state.connection
              ? 'shown below'
              : h('button', { type: 'button', class: 'secondary', onclick: () => void chooseConnection(c.id) }, 'Look at it'),
          ),
        ),
      ),
    );
}

/** The keys of the connection the admin looks at: listed, made (shown once), revoked. */
async function loadKeys() {
  if (!state.connection) return;
  $('keys-connection').textContent = state.connection;
  const { keys } = await api('GET', `/api/connections/${encodeURIComponent(state.connection)}/keys`);
  $('keys-table')
    .querySelector('tbody')
    .replaceChildren(
      ...keys.map((k) =>
        h(
          'tr',
          { 'data-key': k.name },
          h('th', { scope: 'row' }, k.name),
          h('td', null, k.role),
          h('td', null, when(k.createdAt)),
          h('td', null, k.revokedAt ? when(k.revokedAt) : '–'),
          h('td', null, k.revokedAt ? '' : h('button', { type: 'button', class: 'secondary', onclick: () => void revokeKey(k.name) }, 'Revoke')),
        ),
      ),
    );
}

async function createKey(event) {
  event.preventDefault();
  const name = $('key-name').value.trim();
  const role = $('key-role').value;
  try {
    const { key } = await api('POST', `/api/connections/${encodeURIComponent(state.connection)}/keys`, { name, role });
    say('key-message', `Key ${key.name} (${key.role}) made: ${key.key} — copy it now, it is not shown again.`);
    $('key-name').value = '';
    await loadKeys();
  } catch (err) {
    say('key-message', err.message, true);
  }
}

async function revokeKey(name) {
  if (!confirm(`Revoke the key ${name}? Whoever holds it is refused from their next request on.`)) return;
  try {
    await api('DELETE', `/api/connections/${encodeURIComponent(state.connection)}/keys/${encodeURIComponent(name)}`);
    say('key-message', `Key ${name} revoked.`);
    await loadKeys();
  } catch (err) {
    say('key-message', err.message, true);
  }
}

async function chooseConnection(id) {
  state.connection = id;
  // The picker says which brand is shown from the moment it is chosen, not once everything has loaded.
  $('connection').value = id;
  sessionStorage.setItem(CONNECTION_STORAGE, id);
  if (state.me.role === 'admin') void Promise.all([loadOverview(), loadKeys()]).catch(() => undefined);
  state.rendered = {};
  state.runs = [];
  state.selectedRun = null;
  $('run-detail').hidden = true;
  await Promise.all([refresh(), loadSettings(), refreshXero()]);
}

// ---- runs ----

async function requestRun(flow, mode) {
  say('export-message', `Requesting ${mode === 'preview' ? 'a preview' : 'an export'} of ${flowName(flow)}…`);
  try {
    const { runId } = await api('POST', '/api/runs', { flow, mode });
    say('export-message', `Run requested (${flowName(flow)}, ${mode}). It appears below.`);
    state.selectedRun = runId;
    await refresh();
  } catch (err) {
    say('export-message', `Could not request the run: ${err.message}`, true);
  }
}

// ---- full re-check ----

/** Asks before a full re-check: it costs one LNB request per document. */
function askFullRecheck(flow) {
  state.recheckFlow = flow;
  const name = flowName(flow);
  // The last run that listed the flow (a retry or "export now" names only a few documents).
  const last = state.runs.find((r) => r.flow === flow && r.counts && !(r.requestedDocuments && r.requestedDocuments.length));
  const cost = last
    ? `The last run selected ${plural(last.counts.selected, name === 'invoices' ? 'invoice' : 'credit note')}: about as many requests.`
    : 'That is one request per document.';
  $('recheck-title').textContent = `Full re-check of ${name}?`;
  $('recheck-text').textContent =
    `Every ${name === 'invoices' ? 'invoice' : 'credit note'} and its order are read again from Le New Black, ` +
    `one request each. ${cost} It also runs by itself every week. Only what changed goes on to Xero.`;
  $('recheck-confirm').textContent = `Yes, re-check every ${name === 'invoices' ? 'invoice' : 'credit note'}`;
  $('recheck-confirm').disabled = false;
  say('recheck-message', '');
  $('recheck-dialog').showModal();
}

async function confirmFullRecheck() {
  const flow = state.recheckFlow;
  $('recheck-confirm').disabled = true;
  $('recheck-dialog').close();
  say('recheck-message', `Requesting a full re-check of ${flowName(flow)}…`);
  try {
    const { runId } = await api('POST', '/api/runs', { flow, fullRecheck: true });
    say('recheck-message', `Full re-check of ${flowName(flow)} requested (run ${runId}). It appears below.`);
    state.selectedRun = runId;
    await refresh();
  } catch (err) {
    say('recheck-message', `Could not request the full re-check: ${err.message}`, true);
  }
}

const SCOPE = { incremental: 'Incremental', full: 'Full re-check', named: 'Named documents' };

/** What a run read from LNB and what it cost ("Incremental — 203 LNB requests"); empty for a run of a poller older than incremental runs. */
function scopeText(r, withWho) {
  if (!r.scope) return r.fullRecheck ? 'Full re-check, not started yet' : '';
  const parts = [SCOPE[r.scope] || r.scope];
  if (withWho && r.fullRecheck && r.scope === 'full') parts.push(`requested by ${r.requestedBy || 'unknown'}`);
  if (typeof r.lnbRequests === 'number') parts.push(plural(r.lnbRequests, 'LNB request'));
  return parts.join(' — ');
}

function documentsCell(d) {
  const parts = [`${d.total} total`];
  for (const k of ['exported', 'rejected', 'failed', 'detected', 'mapped']) if (d[k]) parts.push(`${d[k]} ${k}`);
  return parts.join(', ');
}

/** Where the allocations of a run's credit notes stand; empty when it exported none (or the exporter said nothing yet). */
function allocationsCell(a) {
  if (!a) return '';
  const parts = [
    ['waiting', 'waiting'],
    ['allocated', 'allocated'],
    ['notPossible', 'not allocated'],
  ]
    .filter(([k]) => a[k])
    .map(([k, label]) => `${a[k]} ${label}`);
  return parts.length ? `allocations: ${parts.join(', ')}` : '';
}

function renderRuns(runs) {
  const body = $('runs-table').querySelector('tbody');
  body.replaceChildren(
    ...runs.map((r) =>
      h(
        'tr',
        { 'data-run-id': r.runId, 'data-status': r.status, class: r.runId === state.selectedRun ? 'selected' : '' },
        h('td', {}, r.number),
        h('td', {}, flowName(r.flow)),
        h('td', {}, r.mode || '–'),
        h('td', {}, r.trigger || '–'),
        h('td', {}, r.requestedBy || '–'),
        h('td', {}, when(r.startedAt || r.requestedAt)),
        h('td', {}, when(r.endedAt)),
        h('td', {}, h('span', { class: `status status-${r.status}` }, r.status), r.problem ? ` – ${r.problem.message}` : ''),
        h(
          'td',
          {},
          documentsCell(r.documents),
          r.deadLetters ? `, ${r.deadLetters} dead letter(s)` : '',
          allocationsCell(r.allocations) ? `; ${allocationsCell(r.allocations)}` : '',
        ),
        h('td', { class: 'run-scope', 'data-scope': r.scope || null, title: r.scopeReason || null }, scopeText(r) || '–'),
        h('td', {}, h('button', { type: 'button', class: 'secondary small', onclick: () => selectRun(r.runId) }, `Show log of run ${r.number}`)),
      ),
    ),
  );
  $('runs-empty').hidden = runs.length > 0;
}

async function selectRun(runId) {
  state.selectedRun = runId;
  delete state.rendered.runs;
  delete state.rendered.log;
  $('preview').hidden = true;
  say('run-message', '');
  await refresh();
  $('run-detail').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function logQuery() {
  const q = new URLSearchParams();
  if ($('log-level').value) q.set('level', $('log-level').value);
  if ($('log-code').value.trim()) q.set('code', $('log-code').value.trim());
  if ($('log-text').value.trim()) q.set('q', $('log-text').value.trim());
  return q.toString();
}

async function refreshRun() {
  const id = state.selectedRun;
  if (!id) {
    $('run-detail').hidden = true;
    return;
  }
  let run;
  let log;
  try {
    [run, log] = await Promise.all([api('GET', `/api/runs/${encodeURIComponent(id)}`), api('GET', `/api/runs/${encodeURIComponent(id)}/log?${logQuery()}`)]);
  } catch (err) {
    if (err.status === 400) {
      say('run-message', err.message, true);
      return;
    }
    throw err;
  }
  $('run-detail').hidden = false;
  $('run-detail').dataset.runId = id;
  $('run-detail').dataset.status = run.status;
  $('run-title').textContent = `Run ${run.number} of ${flowName(run.flow)}`;
  const ended = run.endedAt ? `, ended ${when(run.endedAt)}` : '';
  const allocations = allocationsCell(run.allocations);
  $('run-summary').textContent =
    `${run.mode || ''} run, ${run.trigger || 'unknown trigger'}, requested by ${run.requestedBy || 'unknown'}: ${run.status}${ended}. Documents: ${documentsCell(run.documents)}.` +
    (allocations ? ` Credit-note ${allocations}.` : '');
  const scope = scopeText(run, true);
  const changedOrders = typeof run.changedOrders === 'number' ? ` ${plural(run.changedOrders, 'order')} changed in LNB.` : '';
  $('run-scope').textContent = scope ? `Read from LNB: ${scope}.${run.scopeReason ? ` Why: ${run.scopeReason}.` : ''}${changedOrders}` : '';
  $('run-scope').hidden = !scope;
  $('retry-run').disabled = !(run.documents.failed + run.documents.rejected);
  if (!changed('log', log.lines)) return;
  $('log-table')
    .querySelector('tbody')
    .replaceChildren(
      ...log.lines.map((l) =>
        h(
          'tr',
          { class: 'log-line' },
          h('td', {}, when(l.at)),
          h('td', { class: `level-${l.level}` }, l.level),
          h('td', {}, l.code ? h('code', {}, l.code) : '–'),
          h('td', {}, l.reference || '–'),
          h('td', {}, l.message),
        ),
      ),
    );
}

async function downloadLog() {
  const id = state.selectedRun;
  const res = await fetch(scoped(`/api/runs/${encodeURIComponent(id)}/log.txt?${logQuery()}`), { headers: { 'x-api-key': state.key } });
  if (!res.ok) {
    say('run-message', `Could not download the log (${res.status}).`, true);
    return;
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || 'run.log';
  const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/plain' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

async function retryRun() {
  try {
    const r = await api('POST', `/api/runs/${encodeURIComponent(state.selectedRun)}/retry-failed`);
    say('run-message', `Retry requested for ${r.documents.join(', ')}.`);
    state.selectedRun = r.runId;
    await refresh();
  } catch (err) {
    say('run-message', err.message, true);
  }
}

async function showPreview() {
  const p = await api('GET', `/api/runs/${encodeURIComponent(state.selectedRun)}/preview`);
  $('preview-send').replaceChildren(
    ...(p.wouldSend.length
      ? p.wouldSend.map((d) =>
          h(
            'li',
            {},
            `${d.reference}: ${d.xero.type === 'ACCREC' ? 'invoice' : 'credit note'} ${d.xero.number} for ${d.contact.name}, ${d.xero.lineItems.length} line(s), total ${d.xero.expectedTotal} ${d.xero.currencyCode}`,
          ),
        )
      : [h('li', {}, 'Nothing.')]),
  );
  $('preview-reject').replaceChildren(
    ...(p.wouldReject.length
      ? p.wouldReject.map((d) => h('li', {}, `${d.reference}: ${d.problems.map((x) => `${x.message} (${x.code})`).join('; ')}`))
      : [h('li', {}, 'Nothing.')]),
  );
  $('preview').hidden = false;
}

// ---- documents ----

function docQuery() {
  const q = new URLSearchParams();
  for (const [param, id] of [
    ['state', 'doc-state'],
    ['allocation', 'doc-allocation'],
    ['code', 'doc-code'],
    ['retailer', 'doc-retailer'],
    ['from', 'doc-from'],
    ['to', 'doc-to'],
  ]) {
    const v = $(id).value.trim();
    if (v) q.set(param, v);
  }
  return q.toString();
}

async function documentAction(doc, action) {
  try {
    await api('POST', `/api/documents/${encodeURIComponent(doc.documentKey)}/${action}`);
    const done = { retry: 'retry requested', 'hold-back': 'hold-back requested', release: 'release requested' }[action];
    say('docs-message', `${doc.reference}: ${done}.`);
    await refresh();
  } catch (err) {
    say('docs-message', `${doc.reference}: ${err.message}`, true);
  }
}

const ALLOCATION_BADGE = { waiting: 'allocation waits', allocated: 'allocated', not_possible: 'not allocated' };

/** A credit note's allocation beside its state: a badge that is never red (waiting is not failing), and what it means. */
function allocationBadge(a) {
  if (!a) return null;
  const next = a.state === 'waiting' && a.nextCheckAt ? ` Next check: ${when(a.nextCheckAt)}.` : '';
  const detail =
    a.state === 'allocated' && a.amount !== null
      ? `${Number(a.amount).toFixed(2)} ${a.currency || ''} to ${a.invoiceNumber}${a.remainingCredit ? `; ${Number(a.remainingCredit).toFixed(2)} ${a.currency || ''} of credit left` : ''}`
      : a.message;
  return h(
    'div',
    { class: 'allocation' },
    h('span', { class: `badge allocation-${a.state}`, 'data-allocation': a.state, title: a.message + next }, ALLOCATION_BADGE[a.state] || a.state),
    ' ',
    h('span', { class: 'allocation-detail' }, detail),
    a.code ? [' ', h('code', {}, a.code)] : null,
  );
}

async function checkAllocations() {
  say('allocations-message', 'Asking the exporter to check the waiting allocations…');
  try {
    await api('POST', '/api/allocations/check', {});
    say('allocations-message', 'Allocation check requested: the exporter looks at every waiting allocation now. What it finds shows on each credit note.');
  } catch (err) {
    say('allocations-message', `Could not request the allocation check: ${err.message}`, true);
  }
}

function renderDocuments(docs) {
  const operator = state.me && (state.me.role === 'operator' || state.me.role === 'admin');
  $('docs-table')
    .querySelector('tbody')
    .replaceChildren(
      ...docs.map((d) => {
        const label = `${d.type === 'invoice' ? 'Invoice' : 'Credit note'} ${d.reference}`;
        const stateText = d.state ? (d.heldBack ? `${d.state}, held back` : d.state) : 'held back';
        const actions = [];
        if (operator && (d.state === 'failed' || d.state === 'rejected'))
          actions.push(h('button', { type: 'button', class: 'small', onclick: () => documentAction(d, 'retry') }, `Retry ${d.reference}`));
        if (operator)
          actions.push(
            d.heldBack
              ? h('button', { type: 'button', class: 'small secondary', onclick: () => documentAction(d, 'release') }, `Release ${d.reference}`)
              : h('button', { type: 'button', class: 'small secondary', onclick: () => documentAction(d, 'hold-back') }, `Hold back ${d.reference}`),
          );
        return h(
          'tr',
          { 'data-document-key': d.documentKey },
          h('td', {}, label),
          h('td', {}, d.retailer.name || d.retailer.reference || '–'),
          h('td', {}, d.documentDate || '–'),
          h('td', {}, h('span', { class: `status status-${d.state || 'held'}` }, stateText), allocationBadge(d.allocation)),
          h(
            'td',
            {},
            d.problems.length
              ? h(
                  'ul',
                  {},
                  d.problems.map((p) => h('li', {}, `${p.message} `, h('code', {}, p.code))),
                )
              : '–',
          ),
          h('td', {}, d.xero && d.xero.url ? h('a', { href: d.xero.url, target: '_blank', rel: 'noopener noreferrer' }, d.xero.number || 'open in Xero') : '–'),
          h('td', {}, h('div', { class: 'actions' }, actions)),
        );
      }),
    );
  $('docs-empty').hidden = docs.length > 0;
}

// ---- schedules and selection rules ----

function field(id, labelText, input) {
  input.id = id;
  return h('div', {}, h('label', { for: id }, labelText), input);
}

/** A settings form sends its change and says in its own status line that the poller will confirm, or why not. */
function onSave(form, msg, send) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await send();
      msg.textContent = 'Saved: the poller applies it and confirms.';
      msg.classList.remove('error');
    } catch (err) {
      msg.textContent = err.message;
      msg.classList.add('error');
    }
  });
}

/** A firing as the schedule's own clock shows it (a finance team's hours), with the zone named. */
function inZone(iso, zone) {
  try {
    return new Date(iso).toLocaleString(undefined, {
      timeZone: zone || 'UTC',
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    return when(iso);
  }
}

const EVERY_HOURS = [1, 2, 3, 4, 6, 8, 12];

/** The preset a cron expression is, when it is one (every day at, weekdays at, every N hours), else custom. */
function presetOf(cron) {
  const at = /^(\d{1,2}) (\d{1,2}) \* \* (\*|1-5)$/.exec(cron || '');
  if (at && Number(at[1]) < 60 && Number(at[2]) < 24) {
    const time = `${at[2].padStart(2, '0')}:${at[1].padStart(2, '0')}`;
    return { kind: at[3] === '*' ? 'daily' : 'weekdays', time, hours: 6 };
  }
  const every = /^0 \*\/(\d{1,2}) \* \* \*$/.exec(cron || '');
  if (every && EVERY_HOURS.includes(Number(every[1]))) return { kind: 'hours', time: '06:00', hours: Number(every[1]) };
  return { kind: cron ? 'cron' : 'weekdays', time: '06:00', hours: 6 };
}

/** The cron expression a preset stands for. */
function cronOf(kind, time, hours, custom) {
  const [hh, mm] = (time || '06:00').split(':').map(Number);
  if (kind === 'daily') return `${mm} ${hh} * * *`;
  if (kind === 'weekdays') return `${mm} ${hh} * * 1-5`;
  if (kind === 'hours') return `0 */${hours} * * *`;
  return custom.trim();
}

function scheduleForm(flow, title, s) {
  const saved = (s.pending || s.current || { value: { enabled: false, cron: '', timeZone: '' } }).value;
  const preset = presetOf(saved.cron);
  const operator = state.me && (state.me.role === 'operator' || state.me.role === 'admin');
  // On by default only for a schedule never saved: one saved off stays off.
  const enabled = h('input', { type: 'checkbox', checked: saved.enabled || (!s.current && !s.pending) });
  const kind = h(
    'select',
    {},
    ...[
      ['daily', 'Every day at'],
      ['weekdays', 'Weekdays (Monday to Friday) at'],
      ['hours', 'Every few hours'],
      ['cron', 'Custom (cron)'],
    ].map(([v, label]) => h('option', { value: v, selected: v === preset.kind }, label)),
  );
  const time = h('input', { type: 'time', value: preset.time });
  const hours = h(
    'select',
    {},
    ...EVERY_HOURS.map((n) => h('option', { value: n, selected: n === preset.hours }, n === 1 ? 'every hour' : `every ${n} hours`)),
  );
  const cron = h('input', { value: saved.cron || '', placeholder: '0 6 * * 1-5' });
  const zone = h('input', { value: saved.timeZone || s.connectionTimeZone || 'UTC', placeholder: 'Europe/Paris' });
  const timeField = field(`time-${flow}`, 'Time', time);
  const hoursField = field(`hours-${flow}`, 'How often', hours);
  const cronField = field(`cron-${flow}`, 'Cron (minute hour day month weekday)', cron);
  const preview = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite', 'data-preview': flow });
  const msg = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const status = s.current
    ? `In force: ${s.current.value.enabled ? `"${s.current.value.cron}" (${s.current.value.timeZone || s.connectionTimeZone || 'UTC'})` : 'off'}.`
    : 'The poller has not confirmed a schedule yet.';
  const pending = s.pending ? ` Requested by ${s.pending.by}, waiting for the poller.` : '';
  const next = s.nextRuns.length
    ? ` Next: ${s.nextRuns.map((iso) => inZone(iso, (s.pending || s.current).value.timeZone || s.connectionTimeZone)).join(', ')}.`
    : '';
  const chosen = () => ({
    enabled: enabled.checked,
    cron: cronOf(kind.value, time.value, hours.value, cron.value) || null,
    timeZone: zone.value.trim() || null,
  });

  // The next three firings of what the form says, as saving it would fire (the server computes them, as the poller will).
  let asked = 0;
  async function showPreview() {
    timeField.hidden = !(kind.value === 'daily' || kind.value === 'weekdays');
    hoursField.hidden = kind.value !== 'hours';
    cronField.hidden = kind.value !== 'cron';
    const body = { ...chosen(), enabled: true };
    const mine = ++asked;
    if (!body.cron) return void (preview.textContent = 'Say when it runs to see its next firings.');
    try {
      const r = await api('POST', `/api/flows/${flow}/schedule/preview`, body);
      if (mine !== asked) return;
      preview.classList.remove('error');
      preview.textContent = `It would run next: ${r.nextRuns.map((iso) => inZone(iso, r.timeZone)).join('; ')} (${r.timeZone || 'UTC'}).`;
    } catch (err) {
      if (mine !== asked) return;
      preview.classList.add('error');
      preview.textContent = err.message;
    }
  }
  for (const input of [kind, time, hours, cron, zone]) input.addEventListener(input.tagName === 'INPUT' ? 'input' : 'change', () => void showPreview());

  // Pausing (and resuming) is one click: the schedule itself is kept.
  const inForce = s.pending || s.current;
  const toggle =
    operator && inForce && inForce.value.cron
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              try {
                const v = inForce.value;
                await api('PUT', `/api/flows/${flow}/schedule`, { enabled: !v.enabled, cron: v.cron, timeZone: v.timeZone });
                msg.textContent = v.enabled ? 'Schedule paused: the poller confirms.' : 'Schedule resumed: the poller confirms.';
                msg.classList.remove('error');
                await loadSettings();
              } catch (err) {
                msg.textContent = err.message;
                msg.classList.add('error');
              }
            },
          },
          inForce.value.enabled ? `Pause schedule of ${flowName(flow)}` : `Resume schedule of ${flowName(flow)}`,
        )
      : null;
  const form = h(
    'form',
    { 'aria-label': `Schedule of ${flowName(flow)}` },
    h('h3', {}, title),
    h('p', { class: 'hint' }, status + pending + next),
    toggle,
    h('div', {}, h('label', {}, enabled, ` Run ${flowName(flow)} on a schedule`)),
    field(`when-${flow}`, 'When', kind),
    timeField,
    hoursField,
    cronField,
    field(`zone-${flow}`, 'Time zone', zone),
    preview,
    h('button', { type: 'submit' }, `Save schedule of ${flowName(flow)}`),
    msg,
  );
  onSave(form, msg, () => api('PUT', `/api/flows/${flow}/schedule`, chosen()));
  void showPreview();
  return form;
}

const SELECTION_FIELDS = [
  ['statuses', 'LNB statuses (proforma, final, cancelled)'],
  ['includeRetailers', 'Only these retailers'],
  ['excludeRetailers', 'Never these retailers'],
  ['currencies', 'Currencies'],
  ['onlyReferences', 'Only these documents'],
  ['holdBack', 'Held back (never exported)'],
];

function selectionForm(flow, title, s) {
  const rules = (
    s.pending ||
    s.current || { value: { statuses: ['final'], includeRetailers: [], excludeRetailers: [], currencies: [], onlyReferences: [], holdBack: [] } }
  ).value;
  const inputs = Object.fromEntries(SELECTION_FIELDS.map(([k]) => [k, h('input', { value: (rules[k] || []).join(', ') })]));
  const from = h('input', { type: 'date', value: rules.dateFrom || '' });
  const to = h('input', { type: 'date', value: rules.dateTo || '' });
  const msg = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const status = s.current ? `Confirmed by the poller ${when(s.current.at)}.` : 'The poller has not confirmed rules yet.';
  const form = h(
    'form',
    { 'aria-label': `Selection rules of ${flowName(flow)}` },
    h('h3', {}, title),
    h('p', { class: 'hint' }, status + (s.pending ? ` A change by ${s.pending.by} waits for the poller.` : '')),
    ...SELECTION_FIELDS.map(([k, label]) => field(`sel-${k}-${flow}`, label, inputs[k])),
    field(`sel-from-${flow}`, 'Dated from', from),
    field(`sel-to-${flow}`, 'Dated to', to),
    h('button', { type: 'submit' }, `Save selection of ${flowName(flow)}`),
    msg,
  );
  onSave(form, msg, () => {
    const body = Object.fromEntries(SELECTION_FIELDS.map(([k]) => [k, list(inputs[k].value)]));
    body.dateFrom = from.value || null;
    body.dateTo = to.value || null;
    return api('PUT', `/api/flows/${flow}/selection`, body);
  });
  return form;
}

async function loadSettings() {
  const all = await Promise.all(
    FLOWS.map(async ([flow, title]) => ({
      flow,
      title,
      schedule: await api('GET', `/api/flows/${flow}/schedule`),
      selection: await api('GET', `/api/flows/${flow}/selection`),
    })),
  );
  $('schedules').replaceChildren(...all.map((s) => scheduleForm(s.flow, s.title, s.schedule)));
  $('selections').replaceChildren(...all.map((s) => selectionForm(s.flow, s.title, s.selection)));
}

// ---- Xero ----

/**
 * An operator gets "Disconnect" while connected and "Connect to Xero" otherwise; a viewer neither, nor anyone
 * on a Xero custom connection (it connects by itself and is ended in Xero's developer portal). While a consent's
 * organisations wait for a pick, an operator gets the choice, "Connect to Xero" (to start again) and "Disconnect"
 * (to give the consent back); a viewer reads the message only.
 */
function showXeroActions(connected, grant, organisations) {
  const operator = (state.me.role === 'operator' || state.me.role === 'admin') && grant !== 'client_credentials';
  const choosing = Array.isArray(organisations);
  $('xero-connect').hidden = !operator || connected === true;
  $('xero-disconnect').hidden = !operator || (connected !== true && !choosing);
  showXeroChoice(operator && choosing ? organisations : null);
}

/** The organisations to pick from, one radio each (never typed in); drawn again only when the list changes, so a pick in hand stays. */
function showXeroChoice(organisations) {
  $('xero-choice').hidden = !organisations;
  if (!changed('xero-choice', organisations)) return;
  $('xero-choices').replaceChildren(
    ...(organisations || []).map((o, i) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'xero-organisation-choice', value: o.tenantId, required: i === 0 }),
        ` ${o.tenantName || o.tenantId}`,
      ),
    ),
  );
}

async function pickXeroOrganisation(ev) {
  ev.preventDefault();
  const picked = document.querySelector('input[name="xero-organisation-choice"]:checked');
  if (!picked) {
    say('xero-outcome', 'Pick one of the organisations first.', true);
    return;
  }
  say('xero-outcome', 'Connecting to the organisation picked…');
  try {
    const { message } = await api('POST', '/api/xero/organisation', { tenantId: picked.value });
    say('xero-outcome', message);
  } catch (err) {
    say('xero-outcome', `Could not use this organisation: ${err.message}`, true);
  }
  await refreshXero();
}

async function refreshXero() {
  try {
    const s = await api('GET', '/api/xero/status');
    $('xero-status').textContent = s.message;
    $('xero-status').className = s.connected ? 'status-completed' : 'status-failed';
    const org = s.state?.tenantName || s.state?.xeroTenantId;
    $('xero-organisation').hidden = !org;
    $('xero-organisation').textContent = org ? `Organisation: ${org}${s.state.shortCode ? `, short code ${s.state.shortCode}` : ''}` : '';
    showXeroActions(s.connected, s.state?.grant, s.state?.status === 'choosing' ? s.state.organisations || [] : null);
  } catch (err) {
    $('xero-status').textContent = `Could not ask: ${err.message}`;
    showXeroActions(null, undefined, null);
  }
}

async function disconnectXero() {
  const what = $('xero-status').textContent.match(/\(([^)]*)\)/)?.[1] || 'the Xero organisation';
  if (!confirm(`Disconnect ${what}? The app's access is revoked in Xero and nothing more is sent there until someone connects again.`)) return;
  say('xero-outcome', 'Disconnecting…');
  try {
    const { message } = await api('POST', '/api/xero/disconnect');
    say('xero-outcome', message);
  } catch (err) {
    say('xero-outcome', `Could not disconnect: ${err.message}`, true);
  }
  await refreshXero();
}

async function connectXero() {
  say('xero-outcome', 'Asking Xero for a consent page…');
  try {
    // The answer sets this browser's cookie for the callback: Xero must send this same browser back.
    const { authorizeUrl } = await api('POST', '/api/xero/connect');
    window.location.assign(authorizeUrl);
  } catch (err) {
    say('xero-outcome', `Could not start connecting to Xero: ${err.message}`, true);
  }
}

/** What Xero's callback said, left once in a cookie for this page (never a secret), then forgotten. */
function showConnectOutcome() {
  const name = 'lnbx_xero_outcome';
  const raw = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`));
  if (!raw) return;
  document.cookie = `${name}=; Max-Age=0; Path=${window.location.pathname}; SameSite=Lax`;
  try {
    const outcome = JSON.parse(decodeURIComponent(raw.slice(name.length + 1)));
    say('xero-outcome', String(outcome.message), !outcome.connected && !outcome.choosing);
  } catch {
    /* not ours to read */
  }
}

// ---- the 2-second refresh ----

let refreshing = false;
// ---- setup checklist ----

/** The connection's setup checklist, shown until every step is done (redrawn only when it changed). */
async function refreshSetup() {
  const setup = await api('GET', '/api/setup');
  $('setup').hidden = setup.done;
  if (!changed('setup', setup)) return;
  $('setup-steps').replaceChildren(
    ...setup.steps.map((step) =>
      h(
        'li',
        { 'data-step': step.id, 'data-done': step.done ? 'yes' : 'no', class: step.done ? 'done' : 'todo' },
        h('strong', {}, `${step.done ? 'Done' : 'To do'}: ${step.title}`),
        h('span', {}, ` ${step.detail}`),
      ),
    ),
  );
}

async function refresh() {
  if (!state.key || !state.me || refreshing) return;
  refreshing = true;
  try {
    const [{ runs }, { documents }] = await Promise.all([api('GET', '/api/runs?limit=30'), api('GET', `/api/documents?${docQuery()}`)]);
    state.runs = runs;
    if (changed('runs', [runs, state.selectedRun])) renderRuns(runs);
    if (changed('docs', documents)) renderDocuments(documents);
    // The Xero panel too: a connection lost, or disconnected from inside Xero, shows without a reload.
    await Promise.all([refreshRun(), refreshXero(), refreshSetup()]);
  } catch (err) {
    if (err.status === 400) say('docs-message', err.message, true);
  } finally {
    refreshing = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = $('api-key').value.trim();
    $('api-key').value = '';
    void signIn(key);
  });
  $('forget-key').addEventListener('click', () => signOut());
  $('connection').addEventListener('change', () => void chooseConnection($('connection').value));
  $('key-form').addEventListener('submit', (e) => void createKey(e));
  for (const b of document.querySelectorAll('[data-run-flow]')) b.addEventListener('click', () => requestRun(b.dataset.runFlow, b.dataset.runMode));
  for (const b of document.querySelectorAll('[data-recheck-flow]')) b.addEventListener('click', () => askFullRecheck(b.dataset.recheckFlow));
  $('recheck-confirm').addEventListener('click', () => void confirmFullRecheck());
  $('recheck-cancel').addEventListener('click', () => $('recheck-dialog').close());
  $('download-log').addEventListener('click', () => void downloadLog());
  $('retry-run').addEventListener('click', () => void retryRun());
  $('show-preview').addEventListener('click', () => void showPreview().catch((err) => say('run-message', err.message, true)));
  $('xero-refresh').addEventListener('click', () => void refreshXero());
  $('xero-connect').addEventListener('click', () => void connectXero());
  $('xero-disconnect').addEventListener('click', () => void disconnectXero());
  $('xero-choice').addEventListener('submit', (ev) => void pickXeroOrganisation(ev));
  $('check-allocations').addEventListener('click', () => void checkAllocations());
  // An allocation is a credit note's in Xero: choosing one shows documents in any state.
  $('doc-allocation').addEventListener('input', () => {
    if ($('doc-allocation').value) $('doc-state').value = '';
  });
  for (const id of ['log-level', 'log-code', 'log-text'])
    $(id).addEventListener('input', () => {
      delete state.rendered.log;
      void refresh();
    });
  for (const id of ['doc-state', 'doc-allocation', 'doc-code', 'doc-retailer', 'doc-from', 'doc-to'])
    $(id).addEventListener('input', () => {
      say('docs-message', '');
      void refresh();
    });
  for (const f of ['log-filters', 'doc-filters']) $(f).addEventListener('submit', (ev) => ev.preventDefault());
  setInterval(() => void refresh(), 2000);
  showConnectOutcome();
  if (state.key) void signIn(state.key);
});
