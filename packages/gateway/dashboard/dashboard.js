// specmesh dashboard: polls the gateway's /specmesh/* JSON and draws it with Chart.js.
/* global Chart */

const POLL_MS = 1000;
const POINTS = 120;
const OUTCOME_COLORS = {
  draft: '#7c8db5',
  accepted: '#2e9e5b',
  rejected: '#e0a100',
  preempted: '#c2410c',
  failed: '#b42318',
  timeout: '#7f1d1d',
};

const state = { selected: null, timeline: null };

function text(el, value) {
  el.textContent = value === null || value === undefined ? '–' : String(value);
}

function row(cells, className) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    text(td, c);
    tr.appendChild(td);
  }
  if (className) tr.className = className;
  return tr;
}

function lineChart(id, series) {
  return new Chart(document.getElementById(id), {
    type: 'line',
    data: {
      labels: [],
      datasets: series.map((s) => ({
        label: s.label,
        data: [],
        borderColor: s.color,
        pointRadius: 2,
        tension: 0.2,
      })),
    },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
}

const charts = {
  throughput: lineChart('throughput', [{ label: 'tokens/s', color: '#2563eb' }]),
  latency: lineChart('latency', [
    { label: 'TTFT p50', color: '#9333ea' },
    { label: 'TPOT p50', color: '#0891b2' },
  ]),
  acceptance: lineChart('acceptance', [{ label: 'accepted / drafted', color: '#2e9e5b' }]),
};

function push(chart, label, values) {
  chart.data.labels.push(label);
  values.forEach((v, i) => {
    chart.data.datasets[i].data.push(v);
  });
  if (chart.data.labels.length > POINTS) {
    chart.data.labels.shift();
    for (const d of chart.data.datasets) d.data.shift();
  }
  chart.update();
}

// A gateway started with --api-key-file answers /specmesh/* with 401 until the page sends a key: ask
// once (one prompt however many requests failed together), keep it for this tab only, and ask again
// only when the key sent is refused. Cancelling the prompt stops the asking until the page reloads.
const KEY_STORE = 'specmesh-api-key';
let keyPrompt = null;
let keyDeclined = false;

function authHeaders(key) {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Resolves true when a key other than `refused` is now stored. */
function askForKey(refused) {
  const current = sessionStorage.getItem(KEY_STORE);
  if (current && current !== refused) return Promise.resolve(true);
  if (keyDeclined) return Promise.resolve(false);
  keyPrompt ??= Promise.resolve().then(() => {
    const key = window.prompt('This gateway requires an API key:')?.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else keyDeclined = true;
    keyPrompt = null;
    return Boolean(key);
  });
  return keyPrompt;
}

async function getJSON(path) {
  const sent = sessionStorage.getItem(KEY_STORE);
  let r = await fetch(path, { headers: authHeaders(sent) });
  if (r.status === 401 && (await askForKey(sent))) {
    r = await fetch(path, { headers: authHeaders(sessionStorage.getItem(KEY_STORE)) });
  }
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function drawTopology(instances) {
  const body = document.getElementById('instances');
  body.replaceChildren(
    ...instances.map((i) =>
      row(
        [i.role, i.id, i.pool, i.state, `${i.inflight} / ${i.queued} / ${i.capacity}`],
        `instance ${i.state}`,
      ),
    ),
  );
}

function drawStats(s) {
  const t = new Date(s.at).toLocaleTimeString();
  push(charts.throughput, t, [s.tokensPerSecond]);
  push(charts.latency, t, [s.ttftP50Ms, s.tpotP50Ms]);
  push(charts.acceptance, t, [s.acceptance]);
  document
    .getElementById('pairs')
    .replaceChildren(
      ...s.pairs.map((p) =>
        row(
          [
            p.drafter,
            p.target,
            p.acceptance.toFixed(3),
            p.tokensPerRound.toFixed(2),
            p.rounds,
            p.healthy ? 'ok' : 'unhealthy',
          ],
          p.healthy ? '' : 'unhealthy',
        ),
      ),
    );
}

function drawRequests(requests) {
  const body = document.getElementById('requests');
  body.replaceChildren(
    ...requests.map((r) => {
      const tr = row([
        r.requestId,
        r.mode,
        r.drafterId,
        r.completionTokens,
        r.ttftMs === undefined ? null : r.ttftMs.toFixed(1),
        r.durationMs.toFixed(1),
        r.spans,
      ]);
      tr.dataset.requestId = r.requestId;
      tr.addEventListener('click', () => selectRequest(r.requestId));
      return tr;
    }),
  );
  if (state.selected === null && requests.length > 0) void selectRequest(requests[0].requestId);
}

/** Lanes: the drafter, then one per target; tasks preempted before any verdict sit on the pool lane. */
function timelineData(t) {
  const drafterLane = `draft ${t.trace.drafterId}`;
  const byOutcome = new Map();
  const lanes = [drafterLane];
  for (const s of t.trace.spans) {
    const outcome = s.kind === 'draft' ? 'draft' : s.outcome || 'preempted';
    const lane =
      s.kind === 'draft' ? drafterLane : `verify ${s.verifierId || `${t.pool || 'pool'} (no verdict)`}`;
    if (!lanes.includes(lane)) lanes.push(lane);
    if (!byOutcome.has(outcome)) byOutcome.set(outcome, []);
    const end = Math.max(s.end, s.start + 0.05);
    byOutcome.get(outcome).push({ x: [s.start, end], y: lane, span: s });
  }
  const datasets = [...byOutcome].map(([outcome, data]) => ({
    label: outcome,
    data,
    backgroundColor: OUTCOME_COLORS[outcome] || '#999',
    grouped: false,
    barPercentage: 0.8,
    categoryPercentage: 0.9,
  }));
  return { lanes, datasets };
}

async function selectRequest(id) {
  state.selected = id;
  const t = await getJSON(`/specmesh/requests/${encodeURIComponent(id)}`);
  const title = document.getElementById('timeline-title');
  if (!t.trace) {
    text(title, `${id}: no timeline (the request failed before its drafter finished)`);
    return;
  }
  const { lanes, datasets } = timelineData(t);
  text(title, `${id} · ${t.trace.spans.length} spans · drafter ${t.trace.drafterId}`);
  state.timeline?.destroy();
  state.timeline = new Chart(document.getElementById('timeline'), {
    type: 'bar',
    data: { labels: lanes, datasets },
    options: {
      indexAxis: 'y',
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'ms since session start' } } },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c) => {
              const s = c.raw.span;
              const what =
                s.kind === 'draft'
                  ? `draft ${s.n}`
                  : `verify ${s.n}: ${s.outcome}, accepted ${s.accepted ?? '–'}`;
              return `${what} @${s.pos} (${s.start.toFixed(2)}–${s.end.toFixed(2)} ms)`;
            },
          },
        },
      },
    },
  });
  document.body.dataset.timeline = id;
}

async function tick() {
  try {
    const [cluster, stats, reqs] = await Promise.all([
      getJSON('/specmesh/cluster'),
      getJSON('/specmesh/stats'),
      getJSON('/specmesh/requests?limit=20'),
    ]);
    drawTopology(cluster.instances);
    drawStats(stats);
    drawRequests(reqs.requests);
    text(document.getElementById('updated'), `updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    text(document.getElementById('updated'), `error: ${err.message}`);
  }
}

void tick();
setInterval(tick, POLL_MS);
