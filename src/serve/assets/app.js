// The dashboard's only script (served as is: no build step). Pages are rendered on the server; this adds
// the live parts: previews, tests, saving, sync buttons, Server-Sent Events progress and uPlot charts.
// It builds DOM with textContent only, never innerHTML from data, except the server-rendered history fragment.
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const csrf = $('meta[name="csrf-token"]')?.content ?? '';
  const fmt = (n) => Number(n).toLocaleString('en-US');

  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body ?? {}),
    });
    let data;
    try {
      data = await res.json();
    } catch {
      data = { error: `the server answered ${res.status}` };
    }
    return { status: res.status, data };
  }

  async function getJson(url) {
    const res = await fetch(url, { credentials: 'same-origin' });
    return res.json();
  }

  function debounce(fn, ms) {
    let t;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  /** Replaces an element's content with a line of text and an optional list, marked ok/error/pending. */
  function show(el, kind, text, items) {
    el.textContent = '';
    el.dataset.kind = kind;
    const p = document.createElement('p');
    p.textContent = text;
    el.append(p);
    if (items?.length) {
      const ul = document.createElement('ul');
      for (const item of items) {
        const li = document.createElement('li');
        li.textContent = item;
        ul.append(li);
      }
      el.append(ul);
    }
  }

  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pill(status) {
    return el('span', { class: `pill pill-${status}` }, status);
  }

  // ───────────── charts (uPlot, served from node_modules) ─────────────
  const BLUE = '#2358c4';
  const GREEN = '#1e7a46';

  function sparkline(node) {
    const values = JSON.parse(node.dataset.values);
    const xs = values.map((_, i) => i);
    new uPlot(
      {
        width: 140,
        height: 36,
        cursor: { show: false },
        legend: { show: false },
        select: { show: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
        axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: BLUE, width: 2, fill: 'rgba(35,88,196,0.12)', points: { show: false } }],
      },
      [xs, values],
      node,
    );
  }

  function runChart(node, labels, values, color, unit) {
    const xs = values.map((_, i) => i);
    const width = () => Math.max(260, node.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 200,
        legend: { show: false },
        cursor: { points: { show: false } },
        scales: {
          x: { time: false, range: [-0.6, Math.max(values.length - 0.4, 0.4)] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          {
            incrs: [1, 2, 5, 10, 20, 50],
            values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
            stroke: '#444',
            grid: { show: false },
          },
          { values: (_u, splits) => splits.map((v) => fmt(v) + unit), stroke: '#444', size: 60 },
        ],
        series: [
          {},
          {
            label: node.id,
            stroke: color,
            fill: color,
            paths: uPlot.paths.bars({ size: [0.6, 48] }),
            points: { show: false },
          },
        ],
      },
      [xs, values],
      node,
    );
    window.addEventListener(
      'resize',
      debounce(() => chart.setSize({ width: width(), height: 200 }), 100),
    );
  }

  function drawHistoryCharts() {
    const data = $('#chart-data');
    if (!data || typeof uPlot === 'undefined') return;
    const runs = JSON.parse(data.textContent);
    // MM-DD HH:MM, with seconds when two runs would otherwise share a label.
    let labels = runs.map((r) => new Date(r.t * 1000).toISOString().slice(5, 16).replace('T', ' '));
    if (new Set(labels).size < labels.length)
      labels = runs.map((r) => new Date(r.t * 1000).toISOString().slice(5, 19).replace('T', ' '));
    runChart(
      $('#chart-events'),
      labels,
      runs.map((r) => r.events),
      BLUE,
      '',
    );
    runChart(
      $('#chart-duration'),
      labels,
      runs.map((r) => r.seconds ?? 0),
      GREEN,
      ' s',
    );
  }

  // ───────────── sources list ─────────────
  function sourcesPage() {
    if (typeof uPlot !== 'undefined') $$('.sparkline').forEach(sparkline);
  }

  // ───────────── add / edit a source ─────────────
  function formPage() {
    const form = $('#source-form');
    const original = form.dataset.original || null;
    const radio = (name) => $(`input[name="${name}"]:checked`)?.value;
    const value = (id) => $(`#${id}`)?.value ?? '';

    // Show only the parts that the chosen radio/select needs (hidden parts are out of the tab order too).
    function sync() {
      const sched = radio('scheduleType');
      $$('.schedule-detail').forEach((d) => {
        d.hidden = d.dataset.schedule !== sched;
      });
      $('.resource-picker').hidden = radio('resourcesMode') !== 'list';
      const mode = radio('destinationMode');
      $$('[data-destination]').forEach((d) => {
        d.hidden = d.dataset.destination !== mode;
      });
      const type = value('destinationType');
      $$('.destination-fields').forEach((d) => {
        d.hidden = d.dataset.type !== type;
      });
    }

    function destinationType() {
      if (radio('destinationMode') === 'new') return value('destinationType');
      return $('#destinationName')?.selectedOptions[0]?.dataset.type ?? 'duckdb';
    }

    function destination() {
      if (radio('destinationMode') === 'existing')
        return { mode: 'existing', name: value('destinationName') };
      const type = value('destinationType');
      const settings = {};
      $$(`.destination-fields[data-type="${type}"] [data-setting]`).forEach((i) => {
        settings[i.dataset.setting] = i.value;
      });
      return { mode: 'new', name: value('newDestinationName'), type, settings };
    }

    const prefixPreview = debounce(async () => {
      const out = $('#tablePrefix-preview');
      const r = await getJson(
        `/api/preview/prefix?prefix=${encodeURIComponent(value('tablePrefix'))}&type=${encodeURIComponent(destinationType())}`,
      );
      if (r.problem) show(out, 'error', `Table prefix: ${r.problem}`);
      else show(out, 'ok', `Tables will be named: ${r.tables.join(', ')}, …`);
    }, 150);

    const schedulePreview = debounce(async () => {
      const out = $('#schedule-preview');
      const type = radio('scheduleType');
      if (type === 'manual')
        return show(out, 'info', 'Runs only when you press "Sync now" or run acsync sync.');
      const q = new URLSearchParams({
        type,
        every: value('every'),
        startAt: value('startAt'),
        expression: value('expression'),
        timezone: value('timezone'),
      });
      const r = await getJson(`/api/preview/schedule?${q}`);
      if (r.problem) show(out, 'error', `Schedule: ${r.problem}`);
      else
        show(
          out,
          'ok',
          'Next five runs (UTC):',
          r.runs.map((t) => t.slice(0, 16).replace('T', ' ')),
        );
    }, 200);

    function resourceFilter() {
      const q = $('#resource-search').value.trim().toLowerCase();
      let shown = 0;
      const items = $$('.resource-list li');
      items.forEach((li) => {
        const match = !q || li.dataset.name.includes(q);
        li.hidden = !match;
        if (match) shown++;
      });
      const picked = $$('input[name="resource"]:checked').length;
      $('#resource-count').textContent = `${picked} selected · showing ${shown} of ${items.length}`;
    }

    // A new source proposes its key variable from its name until the variable is edited by hand.
    let variableEdited = !!original;
    $('#keyVariable').addEventListener('input', () => {
      variableEdited = true;
      $('.var-echo').textContent = value('keyVariable');
    });
    $('#name').addEventListener('input', () => {
      if (variableEdited) return;
      const slug = value('name')
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '');
      $('#keyVariable').value = `ACSYNC_${slug || 'SOURCE'}_API_KEY`;
      $('.var-echo').textContent = value('keyVariable');
    });

    form.addEventListener('change', (e) => {
      sync();
      if (e.target.name === 'resource') resourceFilter();
      if (['scheduleType', 'every', 'startAt'].includes(e.target.name)) schedulePreview();
      if (['destinationMode', 'destinationType', 'destinationName'].includes(e.target.name)) prefixPreview();
    });
    $('#tablePrefix').addEventListener('input', prefixPreview);
    $('#expression').addEventListener('input', schedulePreview);
    $('#timezone').addEventListener('input', schedulePreview);
    $('#resource-search').addEventListener('input', resourceFilter);
    // Enter in the search box filters; it must not submit the form.
    $('#resource-search').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') e.preventDefault();
    });

    $('#test-connection').addEventListener('click', async () => {
      const out = $('#connection-result');
      show(out, 'pending', 'Testing the connection…');
      const { data } = await post('/api/test-connection', {
        originalName: original,
        accountName: value('accountName'),
        url: value('url'),
        apiKey: value('apiKey'),
        keyVariable: value('keyVariable'),
      });
      if (data.ok)
        show(
          out,
          'ok',
          `Connected. The key belongs to ${data.user.username || 'an unnamed user'}${data.user.email ? ` (${data.user.email})` : ''}.`,
        );
      else show(out, 'error', `${data.cause ?? 'Refused'}: ${data.error}`);
    });

    $('#test-destination').addEventListener('click', async () => {
      const out = $('#destination-result');
      show(out, 'pending', 'Connecting to the destination…');
      const { data } = await post('/api/test-destination', {
        sourceName: value('name'),
        tablePrefix: value('tablePrefix'),
        destination: destination(),
      });
      if (data.ok) show(out, 'ok', `Reached. Schema ${data.schema}; contacts load into ${data.table}.`);
      else show(out, 'error', `Cannot use this destination: ${data.error}`);
    });

    function fieldFor(field) {
      if (field === 'destination.name')
        return radio('destinationMode') === 'new' ? 'newDestinationName' : 'destinationName';
      if (field?.startsWith('destination.')) return `dest-${value('destinationType')}-${field.slice(12)}`;
      return field;
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      $$('.field-error').forEach((p) => {
        p.textContent = '';
      });
      $$('[aria-invalid]').forEach((i) => {
        i.removeAttribute('aria-invalid');
      });
      const box = $('#save-problems');
      box.hidden = true;
      const save = $('#save');
      save.disabled = true;
      const body = {
        originalName: original,
        name: value('name'),
        accountName: value('accountName'),
        url: value('url'),
        apiKey: value('apiKey'),
        keyStorage: radio('keyStorage'),
        keyVariable: value('keyVariable'),
        tablePrefix: value('tablePrefix'),
        schedule: {
          type: radio('scheduleType'),
          every: value('every'),
          startAt: value('startAt'),
          expression: value('expression'),
          timezone: value('timezone'),
        },
        resources:
          radio('resourcesMode') === 'all' ? 'all' : $$('input[name="resource"]:checked').map((i) => i.value),
        destination: destination(),
      };
      try {
        const { data } = await post('/api/sources', body);
        if (data.ok) {
          window.location.assign(`/sources/${encodeURIComponent(data.name)}?saved=1`);
          return;
        }
        const problems = data.problems ?? [{ field: null, message: data.error ?? 'could not save' }];
        show(
          box,
          'error',
          'Nothing was saved:',
          problems.map((p) => p.message),
        );
        box.hidden = false;
        for (const p of problems) {
          const id = fieldFor(p.field);
          const target = id && $(`#${CSS.escape(id)}-error`);
          if (target) target.textContent = p.message;
          const input = id && $(`#${CSS.escape(id)}`);
          if (input) input.setAttribute('aria-invalid', 'true');
        }
        box.focus?.();
      } finally {
        save.disabled = false;
      }
    });

    sync();
    resourceFilter();
    prefixPreview();
    schedulePreview();
  }

  // ───────────── a source's page ─────────────
  function sourcePage() {
    drawHistoryCharts();
    const panel = $('#sync-panel');
    const href = panel.dataset.href;
    const status = $('#run-status');
    const table = $('#progress');
    let lastState = null;

    function secs(s) {
      if (s === null || s === undefined) return '—';
      if (s < 60) return `${s} s`;
      return `${Math.floor(s / 60)} min ${s % 60} s`;
    }

    function render(run) {
      const running = run && run.state !== 'finished';
      $('#sync-now').disabled = !!running;
      $('#stop-sync').disabled = !running || run.state === 'stopping';
      if (!run) {
        status.textContent = 'Idle.';
        return;
      }
      const events = run.resources.reduce((n, r) => n + r.events, 0);
      if (run.state === 'running') status.textContent = `Syncing: ${fmt(events)} records so far.`;
      else if (run.state === 'stopping')
        status.textContent = `Stopping: the current batches commit with their cursors (${fmt(events)} records).`;
      else if (run.error) status.textContent = `The sync could not start: ${run.error}`;
      else if (run.result)
        status.textContent = `Sync finished: ${run.result.status}, ${fmt(run.result.events)} events in ${(run.result.durationMs / 1000).toFixed(1)} s.${run.result.error ? ` ${run.result.error}` : ''}`;
      status.dataset.state = run.state;
      const body = table.tBodies[0];
      body.textContent = '';
      for (const r of run.resources) {
        const tr = el('tr', { 'data-resource': r.name });
        tr.append(el('th', { scope: 'row' }, r.name));
        tr.append(
          el(
            'td',
            { class: 'num' },
            r.total !== null ? `${fmt(r.events)} of ${fmt(r.total)}` : fmt(r.events),
          ),
        );
        tr.append(el('td', { class: 'num' }, fmt(r.pages)));
        tr.append(el('td', { class: 'num' }, r.rate ? `${fmt(Math.round(r.rate))}/s` : '—'));
        tr.append(el('td', { class: 'num' }, secs(r.etaSeconds)));
        const td = el('td');
        td.append(pill(r.status));
        if (r.error) td.append(el('span', { class: 'error-text small' }, ` ${r.error}`));
        tr.append(td);
        body.append(tr);
      }
      table.hidden = run.resources.length === 0;
      if (lastState && lastState !== 'finished' && run.state === 'finished') refreshHistory();
      lastState = run.state;
    }

    async function refreshHistory() {
      const res = await fetch(`${href}/history`, { credentials: 'same-origin' });
      if (!res.ok) return;
      const tpl = document.createElement('template');
      tpl.innerHTML = await res.text(); // server-rendered, escaped HTML of this same page
      $('#history').replaceWith(tpl.content);
      drawHistoryCharts();
    }

    const initial = JSON.parse($('#live-run').textContent);
    render(initial);
    lastState = initial?.state ?? null;
    const events = new EventSource(`${href}/events`);
    events.addEventListener('run', (e) => render(JSON.parse(e.data)));

    $('#sync-now').addEventListener('click', async () => {
      $('#sync-now').disabled = true;
      const { data } = await post(`/api${href}/sync`);
      if (data.error) {
        status.textContent = `Could not start: ${data.error}`;
        $('#sync-now').disabled = false;
      } else render(data.run);
    });
    $('#stop-sync').addEventListener('click', async () => {
      const { data } = await post(`/api${href}/stop`);
      if (data.error) status.textContent = data.error;
    });
    const dialog = $('#reset-dialog');
    $('#reset-open').addEventListener('click', () => {
      dialog.returnValue = ''; // Escape keeps the previous value: never let it repeat a confirmation
      dialog.showModal();
    });
    dialog.addEventListener('close', async () => {
      if (dialog.returnValue !== 'confirm') return;
      const list = $('#reset-resources')
        .value.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { data } = await post(`/api${href}/reset`, list.length ? { resources: list } : {});
      status.textContent = data.ok ? data.message : `Reset failed: ${data.error}`;
    });
  }

  const pages = { sources: sourcesPage, 'source-form': formPage, source: sourcePage };
  pages[document.body.dataset.page]?.();
})();
