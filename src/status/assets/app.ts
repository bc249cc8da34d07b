/**
 * The status page script: polls /api/status every 2 s and renders it with DOM
 * APIs only (textContent, never innerHTML: rejected payloads are untrusted).
 * With tokens configured, the token typed into the form stays in this tab's
 * sessionStorage and travels as `Authorization: Bearer`.
 */
import type { StatusReport } from '../report.ts';

const REFRESH_MS = 2000;
const TOKEN_KEY = 'qb-agent.status.token';
const SVG = 'http://www.w3.org/2000/svg';
const OUTCOMES = ['accepted', 'duplicate', 'rejected'] as const;
const STATUS_CLASSES = ['s2xx', 's4xx', 's5xx'] as const;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | number, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m} min`;
  return `${s}s`;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

function rows(tableId: string, build: (tbody: HTMLTableSectionElement) => void): void {
  const tbody = $<HTMLTableElement>(tableId).tBodies[0]!;
  tbody.replaceChildren();
  build(tbody);
}

function facts(id: string, entries: Array<[string, string]>): void {
  const dl = $(id);
  dl.replaceChildren();
  for (const [k, v] of entries) dl.append(el('dt', k), el('dd', v));
}

/** Stacked bars, one per bucket; series are CSS classes so colours live in the stylesheet. */
function stackedBars(svg: SVGSVGElement, stacks: number[][], classes: readonly string[], bucketSeconds: number): void {
  const width = svg.clientWidth || 600;
  const height = svg.clientHeight || 150;
  const pad = { left: 34, right: 4, top: 6, bottom: 16 };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const max = Math.max(1, ...stacks.map((s) => s.reduce((a, b) => a + b, 0)));
  const plotH = height - pad.top - pad.bottom;
  const slot = (width - pad.left - pad.right) / Math.max(1, stacks.length);
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  add('line', { x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH, class: 'axis' });
  add('line', { x1: pad.left, x2: width - pad.right, y1: pad.top, y2: pad.top, class: 'axis' });
  add('text', { x: pad.left - 4, y: pad.top + 8, 'text-anchor': 'end' }, fmt(max));
  add('text', { x: pad.left - 4, y: pad.top + plotH, 'text-anchor': 'end' }, '0');
  add('text', { x: pad.left, y: height - 3 }, `-${duration(stacks.length * bucketSeconds)}`);
  add('text', { x: width - pad.right, y: height - 3, 'text-anchor': 'end' }, 'now');
  stacks.forEach((stack, i) => {
    let y = pad.top + plotH;
    stack.forEach((value, j) => {
      if (value <= 0) return;
      const h = Math.max(1, (value / max) * plotH);
      y -= h;
      const rect = add('rect', { x: pad.left + i * slot + 1, y, width: Math.max(1, slot - 2), height: h, class: classes[j]!, rx: 1 });
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${classes[j]}: ${value}`;
      rect.append(title);
    });
  });
}

function render(r: StatusReport): void {
  const now = Date.parse(r.now);
  $('version').textContent = `v${r.version}`;
  $('uptime').textContent = `up ${duration(r.uptimeSeconds)}`;
  const windowText = `last ${duration(r.ingest.windowSeconds)}`;
  for (const n of document.querySelectorAll('[data-window]')) n.textContent = windowText;
  for (const n of document.querySelectorAll('[data-bucket]')) n.textContent = `${r.ingest.bucketSeconds} s`;

  const sum = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const counts of Object.values(r.ingest.totals.events)) for (const o of OUTCOMES) sum[o] += counts[o];
  $('kpi-accepted').textContent = fmt(sum.accepted);
  $('kpi-duplicate').textContent = fmt(sum.duplicate);
  const rejected = $('kpi-rejected');
  rejected.textContent = fmt(sum.rejected);
  rejected.className = `kpi-value${sum.rejected > 0 ? ' bad' : ''}`;
  const rejections = $('kpi-rejections');
  rejections.textContent = fmt(r.rejections.total);
  rejections.className = `kpi-value${r.rejections.total > 0 ? ' bad' : ''}`;

  const push = $('kpi-push');
  push.textContent = !r.push.enabled ? 'off' : r.push.consecutiveFailures > 0 ? 'failing' : r.push.successes > 0 ? 'healthy' : 'pending';
  push.className = `kpi-value ${!r.push.enabled ? 'off' : r.push.consecutiveFailures > 0 ? 'bad' : 'ok'}`;
  $('kpi-push-sub').textContent = r.push.enabled ? `last success ${ago(r.push.lastSuccess, now)}` : 'no otlp.endpoint';
  const state = $('kpi-state');
  state.textContent = r.durableState.enabled ? 'on' : 'off';
  state.className = `kpi-value ${r.durableState.enabled ? 'ok' : 'off'}`;
  $('kpi-state-sub').textContent = r.durableState.enabled ? `journal ${bytes(r.durableState.journalBytes)}` : 'not available';

  const buckets = r.ingest.buckets;
  stackedBars(
    document.getElementById('chart-events') as unknown as SVGSVGElement,
    buckets.map((b) => OUTCOMES.map((o) => Object.values(b.events).reduce((a, c) => a + c[o], 0))),
    OUTCOMES,
    r.ingest.bucketSeconds,
  );
  stackedBars(
    document.getElementById('chart-requests') as unknown as SVGSVGElement,
    buckets.map((b) => STATUS_CLASSES.map((c) => Object.entries(b.requests).reduce((a, [code, n]) => a + (`s${code[0]}xx` === c ? n : 0), 0))),
    STATUS_CLASSES,
    r.ingest.bucketSeconds,
  );
  const chips = $('status-codes');
  chips.replaceChildren(...Object.entries(r.ingest.totals.requests).map(([code, n]) => el('span', `${code}: ${fmt(n)}`, 'chip')));

  rows('types', (tbody) => {
    const types = Object.entries(r.ingest.totals.events);
    if (types.length === 0) tbody.append(rowOf([el('td', 'no events in this window', 'muted')]));
    for (const [type, c] of types) {
      tbody.append(rowOf([el('td', type, 'mono'), el('td', fmt(c.accepted), 'num'), el('td', fmt(c.duplicate), 'num'), el('td', fmt(c.rejected), c.rejected > 0 ? 'num bad' : 'num')]));
    }
  });

  $('rejections-note').textContent = `the last ${r.rejections.capacity}, newest first`;
  $('rejections-empty').hidden = r.rejections.recent.length > 0;
  rows('rejections', (tbody) => {
    for (const x of r.rejections.recent) {
      const answer = el('td');
      answer.append(el('span', x.error, 'code rej-error'), el('div', `HTTP ${x.status}`, 'muted'));
      const problem = el('td', undefined, 'rej-problem');
      if (x.details.length === 0) problem.append(el('div', x.message));
      for (const d of x.details) {
        const line = el('div');
        if (d.index !== undefined) line.append(el('span', `#${d.index} `, 'muted'));
        if (d.path) line.append(el('span', `${d.path} `, 'path mono'));
        line.append(document.createTextNode(d.message));
        problem.append(line);
      }
      if (x.detailsTotal > x.details.length) problem.append(el('div', `… ${x.detailsTotal - x.details.length} more`, 'muted'));
      const payload = el('td');
      payload.append(x.payload === null ? el('span', 'not read', 'muted') : el('pre', x.payload + (x.payloadTruncated ? ' …' : ''), 'payload mono'));
      const time = el('td', new Date(x.time).toLocaleTimeString(), 'mono');
      time.title = x.time;
      tbody.append(rowOf([time, el('td', x.client, 'mono'), answer, problem, payload]));
    }
  });

  rows('cardinality', (tbody) => {
    for (const c of r.cardinality) {
      const bar = el('div', undefined, 'bar');
      const fill = el('span');
      fill.style.width = `${Math.min(100, (c.series / c.limit) * 100)}%`;
      bar.append(fill);
      bar.title = `${c.series} of ${c.limit}`;
      const use = el('td');
      use.append(bar);
      const name = el('td', c.metric.replace(/^quality_billing_/, ''), 'mono');
      name.title = c.metric;
      const row = rowOf([name, use, el('td', `${fmt(c.series)} / ${fmt(c.limit)}`, 'num'), el('td', fmt(c.overflowed), c.overflowed > 0 ? 'num bad' : 'num')]);
      if (c.overflowed > 0) row.className = 'overflow';
      tbody.append(row);
    }
  });

  facts('paths', [
    ['Pull', `${r.paths.pull.path} (Prometheus)`],
    ['Push', r.paths.push.enabled ? `${r.paths.push.endpoint} every ${r.paths.push.intervalMs / 1000} s` : 'off'],
    ['Durable state', r.paths.durableState.enabled ? 'on' : 'off / not available'],
    ['Agent', `v${r.version} on Node ${r.node}, started ${new Date(r.startedAt).toLocaleString()}`],
  ]);
  facts(
    'push',
    r.push.enabled
      ? [
          ['Last success', ago(r.push.lastSuccess, now)],
          ['Exports', `${fmt(r.push.successes)} ok, ${fmt(r.push.failures)} failed`],
          ['Consecutive failures', fmt(r.push.consecutiveFailures)],
          ['Last error', r.push.lastError ? `${r.push.lastError} (${ago(r.push.lastErrorAt, now)})` : 'none'],
        ]
      : [['Status', 'off: no otlp.endpoint configured']],
  );
  facts(
    'state',
    r.durableState.enabled
      ? [
          ['Directory', r.durableState.dir],
          ['Journal', `${bytes(r.durableState.journalBytes)}, ${fmt(r.durableState.journalRecords)} records`],
          ['Last snapshot', ago(r.durableState.lastSnapshot, now)],
          ['Last error', r.durableState.lastError ?? 'none'],
        ]
      : [['Status', 'off / not available: counters restart from zero with the agent']],
  );
  const config = $('config');
  const text = JSON.stringify(r.config, null, 2);
  if (config.textContent !== text) config.textContent = text;
}

function rowOf(cells: HTMLElement[]): HTMLTableRowElement {
  const tr = el('tr');
  tr.append(...cells);
  return tr;
}

function setConnection(text: string, kind: 'ok' | 'wait' | 'bad'): void {
  const pill = $('conn');
  pill.textContent = text;
  pill.className = `pill pill-${kind}`;
}

let timer: number | undefined;
let lastOk = 0;

async function refresh(): Promise<void> {
  window.clearTimeout(timer);
  const token = sessionStorage.getItem(TOKEN_KEY);
  try {
    const res = await fetch('/api/status', { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
    if (res.status === 401) {
      $('main').hidden = true;
      $('login').hidden = false;
      $('logout').hidden = true;
      $('login-error').textContent = token ? 'That token was not accepted.' : '';
      if (token) sessionStorage.removeItem(TOKEN_KEY);
      setConnection('token required', 'bad');
      return; // no polling until a token is entered
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    render((await res.json()) as StatusReport);
    lastOk = Date.now();
    $('login').hidden = true;
    $('main').hidden = false;
    $('logout').hidden = !token;
    setConnection('live', 'ok');
  } catch (err) {
    const since = lastOk ? `, last update ${Math.round((Date.now() - lastOk) / 1000)}s ago` : '';
    setConnection(`unreachable${since}`, 'bad');
    console.warn('status refresh failed', err);
  }
  timer = window.setTimeout(() => void refresh(), REFRESH_MS);
}

function start(): void {
  $<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('token');
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    void refresh();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    void refresh();
  });
  void refresh();
}

start();
