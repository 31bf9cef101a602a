// Add or edit a source, in the order RudderStack's setup asked: name; connection (account name, API URL,
// API key, "Test connection"); destination settings (table prefix, schedule, data to import); destination.
import { basename } from 'node:path';
import { displayPath } from '../../config/load.ts';
import { BASIC_INTERVALS } from '../../core/contracts.ts';
import { listResources, syncMode } from '../../extract/catalog.ts';
import type { ConfigState, KeyInfo, RawSettings } from '../config-store.ts';
import { DESTINATION_TYPES, describeDestination } from '../destination-types.ts';
import { html, jsonScript, type SafeHtml } from '../html.ts';
import { configBanners } from './sources.ts';

export interface FormModel {
  originalName: string | null;
  raw: RawSettings;
  key: KeyInfo | null;
  suggestedVariable: string;
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? fallback : String(v);
}

function field(
  id: string,
  label: string,
  input: SafeHtml,
  help?: string | SafeHtml,
  opts: { live?: boolean } = {},
): SafeHtml {
  return html`<div class="field" data-field="${id}">
    <label for="${id}">${label}</label>
    ${input}
    ${help ? html`<p class="help" id="${id}-help">${help}</p>` : ''}
    <p class="field-error" id="${id}-error" ${opts.live ? html`aria-live="polite"` : ''}></p>
  </div>`;
}

function connection(m: FormModel, state: ConfigState): SafeHtml {
  const secretsName = basename(state.secretsFile);
  const k = m.key;
  const storage = k?.storage === 'env' ? 'env' : 'secrets-file';
  const savedNote = !k
    ? ''
    : k.storage === 'literal'
      ? `A key is written in the config file itself. Saving moves it to ${secretsName} (or leave it to an environment variable).`
      : k.available
        ? `A key is saved (${k.storage === 'env' ? `environment variable ${k.variable}` : `${k.variable} in ${secretsName}`}). Leave this empty to keep it.`
        : `The key is read from ${k.variable}, which is not set for this process. Enter it to test the connection.`;
  return html`<section class="card step" aria-labelledby="step-connection">
    <h2 id="step-connection"><span class="step-no">2</span> Connection</h2>
    ${field(
      'accountName',
      'Account name',
      html`<input id="accountName" name="accountName" required autocomplete="off" value="${str(m.raw.accountName)}" aria-describedby="accountName-help">`,
      'Settings > Account in ActiveCampaign.',
    )}
    ${field(
      'url',
      'API URL',
      html`<input id="url" name="url" type="url" required autocomplete="off" placeholder="https://youraccount.api-us1.com" value="${str(m.raw.url)}" aria-describedby="url-help">`,
      'Settings > Developer > API Access (https; a trailing /api/3 is fine).',
    )}
    ${field(
      'apiKey',
      'API key',
      html`<input id="apiKey" name="apiKey" type="password" autocomplete="new-password" spellcheck="false" placeholder="${k?.available ? '•••••••• (saved)' : ''}" aria-describedby="apiKey-help">`,
      savedNote || 'Settings > Developer > API Access. It is never written into the config file.',
    )}
    <fieldset class="field">
      <legend>Where acsync keeps the key</legend>
      <label class="choice"><input type="radio" name="keyStorage" value="secrets-file" ${storage === 'secrets-file' ? 'checked' : ''}>
        In <code>${secretsName}</code> beside the config (mode 0600), referenced from the YAML</label>
      <label class="choice"><input type="radio" name="keyStorage" value="env" ${storage === 'env' ? 'checked' : ''}>
        In an environment variable I set myself wherever acsync runs</label>
    </fieldset>
    ${field(
      'keyVariable',
      'Variable name',
      html`<input id="keyVariable" name="keyVariable" required spellcheck="false" value="${k?.variable ?? m.suggestedVariable}" aria-describedby="keyVariable-help">`,
      html`The config file gets <code>apiKey: \${<span class="var-echo">${k?.variable ?? m.suggestedVariable}</span>}</code>.`,
    )}
    <div class="actions">
      <button type="button" id="test-connection" class="button">Test connection</button>
      <div id="connection-result" class="result" role="status" aria-live="polite"></div>
    </div>
  </section>`;
}

function schedule(m: FormModel): SafeHtml {
  const s = (m.raw.schedule ?? { type: 'manual' }) as Record<string, unknown>;
  const type = str(s.type, 'manual');
  const radio = (value: string, label: string, help: string) =>
    html`<label class="choice"><input type="radio" name="scheduleType" value="${value}" ${type === value ? 'checked' : ''}>
      <strong>${label}</strong> <span class="muted">${help}</span></label>`;
  return html`<fieldset class="field" id="schedule">
    <legend>Schedule</legend>
    ${radio('basic', 'Basic', 'runs at a fixed interval from a start time (UTC)')}
    ${radio('cron', 'CRON', 'runs on a CRON expression, at least 15 minutes apart')}
    ${radio('manual', 'Manual', 'runs only when you sync it')}
    <div class="schedule-detail" data-schedule="basic">
      ${field(
        'every',
        'Run every',
        html`<select id="every" name="every">${BASIC_INTERVALS.map(
          (i) => html`<option value="${i}" ${str(s.every, '1h') === i ? 'selected' : ''}>${i}</option>`,
        )}</select>`,
      )}
      ${field(
        'startAt',
        'Sync starting at (UTC)',
        html`<input id="startAt" name="startAt" type="time" value="${str(s.startAt, '00:00')}">`,
      )}
    </div>
    <div class="schedule-detail" data-schedule="cron">
      ${field(
        'expression',
        'CRON expression',
        html`<input id="expression" name="expression" spellcheck="false" placeholder="0 */6 * * *" value="${str(s.expression)}" aria-describedby="expression-help">`,
        'Five fields: minute hour day-of-month month day-of-week.',
      )}
      ${field(
        'timezone',
        'Time zone',
        html`<input id="timezone" name="timezone" spellcheck="false" value="${str(s.timezone, 'UTC')}" aria-describedby="timezone-help">`,
        'An IANA name such as UTC or Europe/Berlin.',
      )}
    </div>
    <div id="schedule-preview" class="result" role="status" aria-live="polite"></div>
  </fieldset>`;
}

function resources(m: FormModel): SafeHtml {
  const selected = Array.isArray(m.raw.resources) ? (m.raw.resources as unknown[]).map(String) : null;
  const catalog = listResources().map((d) => ({ name: d.name, mode: syncMode(d) }));
  // Names the catalog does not list (custom_object_<slug>) stay selectable, so saving keeps them.
  for (const n of selected ?? [])
    if (!catalog.some((c) => c.name === n))
      catalog.push({ name: n, mode: 'custom object (found at sync time)' });
  return html`<fieldset class="field" id="resources">
    <legend>Data to import</legend>
    <label class="choice"><input type="radio" name="resourcesMode" value="all" ${selected ? '' : 'checked'}>
      <strong>All data</strong> <span class="muted">every resource (${catalog.length}), custom objects included</span></label>
    <label class="choice"><input type="radio" name="resourcesMode" value="list" ${selected ? 'checked' : ''}>
      <strong>Choose resources</strong></label>
    <div class="resource-picker">
      <div class="picker-head">
        <label for="resource-search" class="visually-hidden">Search resources</label>
        <input id="resource-search" type="search" placeholder="Search resources, e.g. contact" autocomplete="off">
        <span id="resource-count" class="muted" aria-live="polite"></span>
      </div>
      <ul class="resource-list" role="list">
        ${catalog.map(
          (r) => html`<li data-name="${r.name}"><label>
            <input type="checkbox" name="resource" value="${r.name}" ${selected?.includes(r.name) ? 'checked' : ''}>
            <span class="resource-name">${r.name}</span> <span class="muted small">${r.mode}</span></label></li>`,
        )}
      </ul>
    </div>
  </fieldset>`;
}

function destination(m: FormModel, state: ConfigState): SafeHtml {
  const names = Object.keys(state.rawDestinations);
  const current = str(m.raw.destination, names[0] ?? '');
  const mode = names.length > 0 ? 'existing' : 'new';
  return html`<section class="card step" aria-labelledby="step-destination">
    <h2 id="step-destination"><span class="step-no">4</span> Destination</h2>
    <fieldset class="field">
      <legend>Warehouse</legend>
      <label class="choice"><input type="radio" name="destinationMode" value="existing" ${mode === 'existing' ? 'checked' : ''} ${names.length === 0 ? 'disabled' : ''}>
        <strong>Use an existing destination</strong></label>
      <label class="choice"><input type="radio" name="destinationMode" value="new" ${mode === 'new' ? 'checked' : ''}>
        <strong>Create a new destination</strong></label>
    </fieldset>
    <div data-destination="existing">
      ${field(
        'destinationName',
        'Destination',
        html`<select id="destinationName" name="destinationName">${names.map(
          (n) =>
            html`<option value="${n}" data-type="${str(state.rawDestinations[n]?.type)}" ${n === current ? 'selected' : ''}>${n} — ${describeDestination(state.rawDestinations[n] ?? {})}</option>`,
        )}</select>`,
      )}
    </div>
    <div data-destination="new">
      ${field(
        'newDestinationName',
        'Name',
        html`<input id="newDestinationName" name="newDestinationName" value="${names.includes('warehouse') ? '' : 'warehouse'}" spellcheck="false" aria-describedby="newDestinationName-help">`,
        'Letters, digits, - and _; sources refer to it by this name.',
      )}
      ${field(
        'destinationType',
        'Type',
        html`<select id="destinationType" name="destinationType">${DESTINATION_TYPES.map(
          (t) => html`<option value="${t.type}">${t.label}</option>`,
        )}</select>`,
      )}
      ${DESTINATION_TYPES.map(
        (t) => html`<div class="destination-fields" data-type="${t.type}">
          ${t.fields.map((f) =>
            field(
              `dest-${t.type}-${f.key}`,
              f.required ? f.label : `${f.label} (optional)`,
              html`<input id="dest-${t.type}-${f.key}" data-setting="${f.key}" spellcheck="false" autocomplete="off" ${f.required ? 'required' : ''} placeholder="${f.placeholder ?? ''}" value="${t.type === 'duckdb' && f.key === 'path' ? './warehouse.duckdb' : ''}" aria-describedby="dest-${t.type}-${f.key}-help">`,
              f.help,
            ),
          )}
        </div>`,
      )}
    </div>
    <div class="actions">
      <button type="button" id="test-destination" class="button">Test destination</button>
      <div id="destination-result" class="result" role="status" aria-live="polite"></div>
    </div>
  </section>`;
}

export function sourceFormPage(state: ConfigState, m: FormModel): SafeHtml {
  const editing = m.originalName !== null;
  return html`<div class="page-head">
    <h1>${editing ? html`Edit “${m.originalName}”` : 'Add a source'}</h1>
    <p class="muted">ActiveCampaign · saved to <code>${displayPath(state.file)}</code></p>
  </div>
  ${configBanners(state)}
  <form id="source-form" novalidate data-original="${m.originalName ?? ''}">
    <section class="card step" aria-labelledby="step-source">
      <h2 id="step-source"><span class="step-no">1</span> Source</h2>
      ${field(
        'name',
        'Source name',
        html`<input id="name" name="name" required autocomplete="off" value="${str(m.raw.name)}" aria-describedby="name-help">`,
        'Shown in the dashboard and in acsync --source; also the default schema name (snake_case).',
      )}
    </section>
    ${connection(m, state)}
    <section class="card step" aria-labelledby="step-settings">
      <h2 id="step-settings"><span class="step-no">3</span> Destination settings</h2>
      ${field(
        'tablePrefix',
        'Table prefix',
        html`<input id="tablePrefix" name="tablePrefix" spellcheck="false" autocomplete="off" placeholder="test_" value="${str(m.raw.tablePrefix)}" aria-describedby="tablePrefix-help tablePrefix-preview">`,
        'Used as typed: no separator is added, so end it with _ (test_ → test_rudder_contacts).',
      )}
      <div id="tablePrefix-preview" class="result" role="status" aria-live="polite"></div>
      ${schedule(m)}
      ${resources(m)}
    </section>
    ${destination(m, state)}
    <div id="save-problems" class="banner banner-error" role="alert" hidden></div>
    <div class="form-actions">
      <button type="submit" class="button primary" id="save">Save source</button>
      <a class="button" href="${editing ? `/sources/${encodeURIComponent(m.originalName!)}` : '/'}">Cancel</a>
    </div>
  </form>
  ${jsonScript('form-data', { originalName: m.originalName })}`;
}
