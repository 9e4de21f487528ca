//! The workbench page: one self-contained HTML document (styles and script inline, nothing
//! fetched from elsewhere) that calls the JSON API of `serve::route`.
//!
//! The page turns every lever into a `--set PATH=VALUE` override, sent only when its value
//! differs from the scenario's, so the server checks it with the command line's own code and
//! the page can show the equivalent command. It builds its elements with `textContent`, never
//! by pasting scenario text into HTML, so a name in a scenario file cannot become markup.
//!
//! Everything is reachable from the keyboard with standard HTML (buttons, labels tied to their
//! inputs): a "Skip to Run" link comes first, Enter in a lever or on a scenario in the list, or
//! Ctrl+Enter anywhere, runs, and
//! focus comes back to Run when a run ends or is cancelled. Each scenario keeps its levers as
//! the planner left them when another is chosen, so switching (which the arrow keys do in the
//! scenario list) loses nothing, and the browser asks before a reload or close loses changes
//! that are in no file (`unsavedChanges`). A run under way when the page opens is found
//! (`GET /api/runs`) and followed.
//!
//! The run levers start at quick settings, never above the file's own (`quickRun`), and carry
//! them in `data-quick`: a run sends them, a saved or downloaded file does not, so it keeps the
//! file's run settings unless the planner moved a run lever.
//!
//! For the browser test, `<body>` carries `data-state` (`loading`, `ready`, `running`, `done`,
//! `cancelled`, `error`), `data-run-id` (the last run shown) and `data-active-run` (the run being
//! followed); lever inputs carry their override path in
//! `data-path`, the staffing tables' cells included (`...staff.<i>.by_locality.<locality>`).
//! `window.unsavedChanges()` and `window.withCode(text)` (a warning's backticked names as
//! code) are there for it to call.

/// What the page may load: itself and its own API, the run reports in a frame, nothing else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>joinedup workbench</title>
<link rel="icon" href="data:,">
<style>
:root { color-scheme: light; --blue: #0072b2; --grey: #666; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #1a1a1a; margin: 0; line-height: 1.4; }
header { background: #f4f8fb; border-bottom: 3px solid var(--blue); padding: 0.6rem 1.2rem; }
header h1 { margin: 0; font-size: 1.5rem; }
header p { margin: 0.2rem 0 0; color: #333; }
.layout { display: grid; grid-template-columns: minmax(360px, 440px) 1fr; gap: 0 1.5rem; padding: 0 1.2rem 2rem; }
aside { border-right: 1px solid #ddd; padding-right: 1rem; position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto; }
h2 { font-size: 1.1rem; margin: 1rem 0 0.4rem; color: var(--blue); }
.hint { color: var(--grey); font-size: 0.88rem; margin: 0.2rem 0 0.5rem; }
.choice { display: block; padding: 0.15rem 0.4rem; border-radius: 4px; cursor: pointer; }
.list { max-height: 15rem; overflow-y: auto; border: 1px solid #e2e2e2; border-radius: 4px; padding: 0.2rem; }
#scenario-about { font-size: 0.9rem; margin: 0.4rem 0; }
.choice:hover { background: #eef4f9; }
.choice small { display: block; color: var(--grey); margin-left: 1.5rem; }
.choice.invalid { color: #a63d00; }
details { border: 1px solid #e2e2e2; border-radius: 4px; margin: 0.4rem 0; padding: 0.2rem 0.5rem; }
details > summary { cursor: pointer; font-weight: 600; padding: 0.2rem 0; }
.lever { display: grid; grid-template-columns: 1fr 6.5rem; align-items: center; gap: 0.2rem 0.5rem; margin: 0.35rem 0; }
.lever label { font-size: 0.92rem; }
.lever input[type=range] { grid-column: 1 / 3; width: 100%; }
.lever input[type=number], .lever select { width: 100%; }
.lever.changed label { font-weight: 700; }
.lever.changed input[type=number] { background: #fff3d6; }
.model-card { border-left: 4px solid var(--blue); padding: 0.1rem 0 0.3rem 0.6rem; margin: 0.6rem 0; }
.model-card h3 { font-size: 1rem; margin: 0.2rem 0; }
.conditions label { display: block; font-size: 0.88rem; }
.localities label { display: inline-block; margin-right: 0.6rem; font-size: 0.88rem; }
textarea { width: 100%; min-height: 4rem; font-family: ui-monospace, monospace; font-size: 0.85rem; }
#actions { position: sticky; top: 0; background: #fff; padding: 0.7rem 0; border-bottom: 1px solid #eee; z-index: 1; display: flex; gap: 0.7rem; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: 0.35rem 0.9rem; border-radius: 4px; border: 1px solid #888; background: #fafafa; cursor: pointer; }
button.primary { background: var(--blue); color: #fff; border-color: var(--blue); font-weight: 600; }
button:disabled { opacity: 0.5; cursor: default; }
progress { width: 14rem; }
#warnings { background: #fffbe6; border-left: 4px solid #b8860b; padding: 0 0.6rem; font-size: 0.9rem; }
#warnings code { background: #f3ecd0; padding: 0 0.2rem; border-radius: 3px; }
#error { background: #fff3e0; border-left: 4px solid #d55e00; padding: 0.6rem; white-space: pre-wrap; font-size: 0.9rem; }
#command-line { font-size: 0.85rem; color: #333; }
#command { word-break: break-all; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; vertical-align: top; }
th { background: #f6f6f6; text-align: left; }
td .was { display: block; color: var(--grey); font-size: 0.8rem; }
#report { width: 100%; border: 1px solid #ddd; min-height: 40rem; }
#downloads a { margin-right: 0.9rem; }
.saved { color: #00734f; }
.refused { color: #b00020; }
.staffing-table { margin: 0.3rem 0 0.7rem; }
.staffing-table caption { text-align: left; font-size: 0.9rem; font-weight: 600; padding: 0.2rem 0; }
.staffing-table th, .staffing-table td { padding: 0.1rem 0.3rem; }
.staffing-table th[scope=row] { font-weight: normal; font-size: 0.85rem; }
.staffing-table tr.average th, .staffing-table tr.average td { background: #f4f8fb; }
.staffing-table input { width: 4.2rem; }
.staffing-table input.derived { color: var(--grey); font-style: italic; }
.staffing-table td.changed input { background: #fff3d6; font-weight: 700; color: inherit; font-style: normal; }
/* A staffing table with many professions is wider than the sidebar: it scrolls on its own
   rather than pushing the sidebar (or the page) sideways. */
.table-scroll { overflow-x: auto; max-width: 100%; }
#headline { overflow-x: auto; }
.kept { color: #8a5a00; font-style: italic; }
/* Keyboard focus must be seen: the browser's own ring is faint on the blue Run button. */
:focus-visible { outline: 3px solid #d55e00; outline-offset: 2px; }
.skip { position: absolute; left: 0.5rem; top: -4rem; z-index: 10; background: #fff; padding: 0.4rem 0.8rem; border: 2px solid var(--blue); border-radius: 4px; }
.skip:focus { top: 0.5rem; }
main, aside { min-width: 0; }
/* A phone, or a narrow window: one column, the controls above the results, nothing wider than
   the screen. */
@media (max-width: 800px) {
  .layout { grid-template-columns: minmax(0, 1fr); padding: 0 0.6rem 2rem; }
  aside { position: static; max-height: none; overflow: visible; border-right: none; padding-right: 0; }
  header { padding: 0.6rem; }
  progress { width: 8rem; }
}
</style>
</head>
<body data-state="loading">
<a class="skip" id="skip-to-run" href="#actions">Skip to Run</a>
<header>
<h1>joinedup workbench</h1>
<p>Pick a scenario, move the levers, run it, and see how the structures compare. Everything runs on this computer, with the same engine and files as <code>joinedup run</code>.</p>
</header>
<div class="layout">
<aside id="controls">
<h2>1. Scenario</h2>
<div id="scenario-list" class="list" role="radiogroup" aria-label="Scenario"></div>
<p id="scenario-about"></p>
<h2>2. Models to compare</h2>
<p class="hint">The first one ticked is the baseline every other is compared with. Fewer models run faster.</p>
<div id="model-list" class="list"></div>
<h2>3. Levers</h2>
<p class="hint">Only levers you change are sent; each becomes a <code>--set</code> the command line would take.</p>
<div id="levers"></div>
</aside>
<main>
<div id="actions" tabindex="-1">
<button id="run" class="primary" disabled>Run</button>
<button id="reset" disabled>Reset levers</button>
<button id="cancel" hidden>Cancel run</button>
<progress id="progress" max="1" value="0" hidden></progress>
<span id="status" role="status">Loading scenarios…</span>
<span class="hint" id="keys">Enter in a lever or on a scenario, or Ctrl+Enter anywhere, runs.</span>
</div>
<pre id="error" hidden></pre>
<div id="warnings" role="status" hidden></div>
<p id="command-line">Same run from the command line: <code id="command"></code><span id="command-note"></span></p>
<p id="placeholder" class="hint">Press Run to see how the ticked models compare: key numbers here, then the full report with every chart and the summary in words.</p>
<section id="results" hidden>
<h2>Results <small id="run-label"></small></h2>
<p id="downloads"></p>
<p class="hint">Key numbers: mean across replications [95% confidence interval]. Grey: the previous run of the same scenario. Every measure, the charts and the plain-language summary are in the report below.</p>
<div id="headline"></div>
<p class="hint" id="cut-at-zero" hidden>An interval's lower end is shown as 0 where it falls below: the measure cannot be negative.</p>
<iframe id="report" title="Report of the latest run"></iframe>
</section>
<section id="save">
<h2>Save this scenario</h2>
<p class="hint">Saves the scenario with your levers as a RON file in the scenarios folder, which <code>joinedup run</code> can run. Downloading gives you the same file.</p>
<p class="hint" id="save-run-note"></p>
<div class="lever"><label for="save-name">File name</label><input id="save-name" type="text" placeholder="my_plan" style="grid-column: 1 / 3"></div>
<label><input id="save-overwrite" type="checkbox"> replace a file with that name</label>
<p><button id="save-button" disabled>Save to scenarios folder</button> <button id="download-ron" disabled>Download .ron</button></p>
<p id="save-message" role="status"></p>
</section>
</main>
</div>
<script>
'use strict';
var KEY_METRICS = ['wait_service_start_days', 'lost_episodes', 'handoffs_per_episode', 'story_retellings_per_episode', 'unmet_need_child_days', 'staff_cost'];
var QUICK_REPLICATIONS = 3;
var QUICK_YEARS = 3;
var catalogue = null;
var current = null;
var previous = null;
var running = false;
// The run being followed: its id once the server has given it, until it ends or is cancelled.
var activeRun = null;
// Said before the progress of a run this page did not start (one found under way on opening).
var followNote = '';
// Each scenario's levers as the planner left them, kept when another scenario is chosen, so
// that switching (which the arrow keys do in the scenario list) throws no edit away: scenario id
// -> {entry: the catalogue entry they were built from, as JSON; models, levers: their elements;
// pristine: the request they made before any edit}.
var kept = {};
// The request the current scenario's levers made as built, to tell whether they were edited.
var pristine = null;
// Problems the page finds before asking the server (a restructure without a day), from the
// last overrides().
var pageProblems = [];
// Each scenario's request (as JSON) when it was last saved or downloaded: its lever changes are
// then in a file, and leaving the page loses nothing.
var savedRequest = {};

function $(id) { return document.getElementById(id); }
function el(tag, attrs) {
  var node = document.createElement(tag);
  for (var key in (attrs || {})) {
    var value = attrs[key];
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'dataset') { for (var d in value) node.dataset[d] = value[d]; }
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
function setState(state) { document.body.dataset.state = state; }
function showError(message) { var e = $('error'); e.textContent = message; e.hidden = !message; }
function status(text) { $('status').textContent = text; }
function num(value) { return String(value); }
var uid = 0;

// A number lever: a label, an optional slider and a number box carrying the override path.
function numberLever(label, path, value, options) {
  options = options || {};
  var id = 'lever-' + (++uid);
  var box = el('input', {type: 'number', id: id, step: options.step || 'any', min: options.min, max: options.max, value: num(value),
    dataset: {path: path, original: options.original !== undefined ? options.original : num(value), scale: options.scale || '', quick: options.quick}});
  var row = el('div', {'class': 'lever'}, el('label', {'for': id, text: label}), box);
  if (options.slider) {
    var range = el('input', {type: 'range', min: options.min, max: options.max, step: options.step || 'any', value: num(value), 'aria-label': label});
    range.addEventListener('input', function () { box.value = range.value; changed(); });
    box.addEventListener('input', function () { range.value = box.value; });
    row.appendChild(range);
  }
  if (options.note) row.appendChild(el('small', {'class': 'hint', style: 'grid-column: 1 / 3', text: options.note}));
  return row;
}

function checkboxLever(label, path, value) {
  return el('label', {}, el('input', {type: 'checkbox', checked: !!value, dataset: {path: path, original: String(!!value)}}), ' ' + label.replace(/_/g, ' '));
}

function section(title, open) {
  var d = el('details', {open: open});
  d.appendChild(el('summary', {text: title}));
  return d;
}

function loadCatalogue(keep) {
  return fetch('/api/scenarios').then(function (r) { return r.json(); }).then(function (data) {
    catalogue = data;
    var list = $('scenario-list');
    list.textContent = '';
    data.scenarios.forEach(function (s) {
      var label = s.id === 'county' ? 'Default county (built in)' : s.id;
      var input = el('input', {type: 'radio', name: 'scenario', value: s.id, disabled: !!s.error && !s.models});
      var choice = el('label', {'class': 'choice' + (s.error ? ' invalid' : ''), title: s.error ? 'Does not load: ' + s.error : (s.description || s.name)},
        input, ' ' + label + (s.error ? ' (does not load)' : ''), el('span', {'class': 'kept'}));
      input.addEventListener('change', function () { choose(s.id); });
      list.appendChild(choice);
    });
    var pick = keep && data.scenarios.some(function (s) { return s.id === keep; }) ? keep : 'county';
    if (!keep || !current || current.id !== pick) choose(pick);
    else document.querySelector('input[name=scenario][value="' + CSS.escape(pick) + '"]').checked = true;
    markKept();
  });
}

// Whether the current scenario's levers or ticked models differ from how they were built.
function edited() { return current !== null && pristine !== null && JSON.stringify(requestBody()) !== pristine; }

// Whether leaving the page (reloading or closing it) would lose lever changes that are in no
// file: the current scenario's or those kept for another, unless saved (or downloaded) as they
// are now. The page asks before it goes only then (beforeunload, below).
function unsavedChanges() {
  if (edited() && savedRequest[current.id] !== JSON.stringify(requestBody())) return true;
  return Object.keys(kept).some(function (id) { return savedRequest[id] !== kept[id].request; });
}
window.unsavedChanges = unsavedChanges;

// Notes, in the scenario list, each scenario whose changed levers are kept for it.
function markKept() {
  document.querySelectorAll('input[name=scenario]').forEach(function (input) {
    var note = input.parentNode.querySelector('.kept');
    if (note) note.textContent = kept[input.value] ? ' (your changes kept)' : '';
  });
}

function choose(id) {
  var next = catalogue.scenarios.filter(function (s) { return s.id === id; })[0];
  var left = null;
  if (current && current.id !== id) {
    // What the planner did to the scenario being left is kept for it, not thrown away.
    if (edited()) {
      kept[current.id] = {entry: JSON.stringify(current), models: Array.from($('model-list').childNodes), levers: Array.from($('levers').childNodes), pristine: pristine,
        request: JSON.stringify(requestBody())};
      left = current.id;
    } else {
      delete kept[current.id];
    }
  }
  current = next;
  document.querySelector('input[name=scenario][value="' + CSS.escape(id) + '"]').checked = true;
  var models = $('model-list');
  models.textContent = '';
  var back = kept[id];
  delete kept[id];
  // Edits made to a file that has changed since (saved over it) would no longer fit it.
  var stale = back && back.entry !== JSON.stringify(current);
  if (back && !stale) {
    $('levers').textContent = '';
    back.models.forEach(function (node) { models.appendChild(node); });
    back.levers.forEach(function (node) { $('levers').appendChild(node); });
    pristine = back.pristine;
    showModelCards();
    changed();
  } else {
    (current.models || []).forEach(function (m, i) {
      var input = el('input', {type: 'checkbox', name: 'model', value: m.name, checked: i < 3});
      input.addEventListener('change', function () { showModelCards(); changed(); });
      models.appendChild(el('label', {'class': 'choice', title: m.description || ''}, input, ' ' + m.name));
    });
    buildLevers();
  }
  markKept();
  $('scenario-about').textContent = (current.description || '') + (current.file ? ' (' + current.file + ')' : ' (built into joinedup)');
  showError(current.error || '');
  $('reset').disabled = $('save-button').disabled = $('download-ron').disabled = false;
  // A run under way goes on (its progress and Cancel stay): choosing a scenario does not stop it.
  if (running) return;
  $('run').disabled = false;
  setState('ready');
  var words = [];
  if (left) words.push('Your changes to ' + left + ' are kept for it: choose it again to get them back.');
  if (back && !stale) words.push('Your earlier changes to this scenario are back (Reset levers starts again).');
  if (stale) words.push('This scenario\'s file has changed since you changed its levers, so they start again from the file.');
  words.push(current.error ? 'This scenario does not load as it is; a lever may fix it.' : 'Move a lever, then Run.');
  status('Ready. ' + words.join(' '));
  followRunInProgress();
}

// The page's quick settings for a scenario's run: 3 replications of 3 years, but never more
// than the file itself asks for (a file of one replication of England stays one), since they
// are there to make a first look quicker. The warm-up is the file's while it leaves some of the
// shorter horizon to measure, else its first third.
function quickRun(run) {
  var years = Math.min(QUICK_YEARS, run.horizon_days / 365.25);
  var horizonDays = years * 365.25;
  return {
    replications: Math.min(QUICK_REPLICATIONS, run.replications),
    years: years,
    warmup_days: run.warmup_days < horizonDays ? run.warmup_days : Math.floor(horizonDays / 3)
  };
}

function buildLevers() {
  var s = current;
  var root = $('levers');
  root.textContent = '';

  var demand = section('Demand', true);
  demand.appendChild(numberLever('New presentations per family per year', 'population.presentations_per_family_year',
    s.population.presentations_per_family_year, {slider: true, min: 0, max: Math.max(1, s.population.presentations_per_family_year * 3).toFixed(2), step: 0.01,
    note: 'Referral rate before re-referrals and hidden need. ' + s.population.n_families.toLocaleString('en-GB') + ' families.'}));
  root.appendChild(demand);

  if (s.services.length) {
    var staffing = section('Staffing of the county\'s services', true);
    staffing.id = 'staffing';
    staffing.appendChild(el('p', {'class': 'hint', text: 'Every preset structure rearranges these staff. A locality service has a team in each locality: ' +
      'its first row is written for a locality of average size and scaled to each locality\'s share of families (the grey numbers); ' +
      'type a number in a locality\'s row to staff that locality exactly.'}));
    s.services.forEach(function (service) {
      if (service.scope === 'Locality') {
        staffing.appendChild(el('div', {'class': 'table-scroll'}, staffingTable(service.name + ' (a team in each locality)', 'workforce.services.' + service.name, service.staff, s.localities)));
        return;
      }
      service.staff.forEach(function (staff, i) {
        staffing.appendChild(numberLever(service.name + ': ' + staff.profession.replace(/_/g, ' ') + ' (in all)',
          'workforce.services.' + service.name + '.staff.' + i + '.n_practitioners', staff.n_practitioners, {min: 0, step: 1}));
      });
    });
    root.appendChild(staffing);
  }

  var structures = section('Structures: panels, restructures, conditions', true);
  structures.id = 'model-levers';
  s.models.forEach(function (m) {
    var card = el('div', {'class': 'model-card', dataset: {model: m.name}});
    card.appendChild(el('h3', {text: m.name + (m.preset ? ' (preset ' + m.preset.name + ')' : '')}));
    var base = 'models.' + m.name;
    if (m.preset && m.has_panel) {
      card.appendChild(numberLever('Days between panel meetings', base + '.preset.panel_cadence_days', m.preset.panel_cadence_days, {slider: true, min: 1, max: 56, step: 1}));
      card.appendChild(numberLever('Share of panel members attending', base + '.preset.panel_attendance', m.preset.panel_attendance, {slider: true, min: 0, max: 1, step: 0.05}));
    }
    m.units.forEach(function (unit) {
      if (unit.scope === 'Locality') {
        card.appendChild(el('div', {'class': 'table-scroll'}, staffingTable(unit.name + ' (one in each locality it covers)', base + '.units.' + unit.name, unit.staff, unit.localities || s.localities)));
        return;
      }
      unit.staff.forEach(function (staff, i) {
        card.appendChild(numberLever(unit.name + ': ' + staff.profession.replace(/_/g, ' ') + ' (in all)',
          base + '.units.' + unit.name + '.staff.' + i + '.n_practitioners', staff.n_practitioners, {min: 0, step: 1}));
      });
    });
    if (m.preset) card.appendChild(restructureLever(m));
    var conditions = el('details', {'class': 'conditions'});
    conditions.appendChild(el('summary', {text: 'Conditions for collaborative advantage'}));
    if (m.n_conditions !== null && m.n_conditions !== undefined) {
      conditions.appendChild(numberLever('Number of conditions present (the first N)', base + '.collaboration.n_conditions', m.n_conditions, {min: 0, max: catalogue.conditions.length, step: 1}));
    } else {
      catalogue.conditions.forEach(function (c) { conditions.appendChild(checkboxLever(c, base + '.collaboration.conditions.' + c, m.conditions[c])); });
    }
    card.appendChild(conditions);
    structures.appendChild(card);
  });
  root.appendChild(structures);

  // The run levers start at the page's quick settings (quickRun), each marked with it
  // (data-quick): a run sends them, but a saved file keeps the file's own unless the planner
  // moved the lever.
  var quick = quickRun(s.run);
  var run = section('Run', true);
  run.appendChild(numberLever('Replications per model', 'run.replications', quick.replications, {min: 1, step: 1, original: num(s.run.replications),
    quick: num(quick.replications), note: 'The scenario asks for ' + s.run.replications + '; a few give quick answers with wider intervals.'}));
  run.appendChild(numberLever('Years simulated (warm-up included)', 'run.horizon_days', quick.years, {min: 0.5, step: 0.5, scale: '365.25',
    original: num(s.run.horizon_days / 365.25), quick: num(quick.years), note: 'The scenario asks for ' + (s.run.horizon_days / 365.25).toFixed(1) + ' years.'}));
  run.appendChild(numberLever('Warm-up days (not counted)', 'run.warmup_days', quick.warmup_days, {min: 0, step: 1, original: num(s.run.warmup_days),
    quick: num(quick.warmup_days)}));
  run.appendChild(numberLever('Seed', 'run.seed', s.run.seed, {min: 0, step: 1, quick: num(s.run.seed),
    note: 'The same seed and levers give the same numbers, here and on the command line.'}));
  root.appendChild(run);

  var advanced = section('Advanced: any --set', false);
  advanced.id = 'advanced';
  advanced.appendChild(el('p', {'class': 'hint', text: 'One PATH=VALUE a line, as joinedup run --set takes it (docs/scenarios.md).'}));
  var extra = el('textarea', {id: 'extra-sets', 'aria-label': 'Extra overrides', placeholder: 'population.misdirected_probability=0.05'});
  advanced.appendChild(extra);
  root.appendChild(advanced);

  root.querySelectorAll('input, select, textarea').forEach(function (input) {
    input.addEventListener('input', changed);
    input.addEventListener('change', changed);
  });
  showModelCards();
  changed();
  pristine = JSON.stringify(requestBody());
}

// Practitioners in a locality's copy of a unit written for a locality of average size: as the
// engine counts them (model::scaled_staff), from the scales the server computed.
function scaledStaff(n, locality) {
  var scale = current.locality_scales[current.localities.indexOf(locality)];
  return Math.max(1, Math.round(n * scale));
}

// A locality service's or unit's staffing: one column per profession, a first row for a
// locality of average size (the n_practitioners lever) and a row per locality whose cells are
// that locality's exact count (by_locality). A cell the file does not set shows the scaled
// count in grey and follows the first row; typing in it makes it exact.
function staffingTable(caption, base, staff, localities) {
  var table = el('table', {'class': 'staffing-table', dataset: {base: base}});
  table.appendChild(el('caption', {text: caption}));
  var head = el('tr', {}, el('th', {text: 'practitioners'}));
  staff.forEach(function (member) { head.appendChild(el('th', {scope: 'col', text: member.profession.replace(/_/g, ' ')})); });
  table.appendChild(head);
  var average = el('tr', {'class': 'average'}, el('th', {scope: 'row', text: 'locality of average size'}));
  staff.forEach(function (member, i) {
    var input = el('input', {type: 'number', min: 1, step: 1, value: num(member.n_practitioners), 'aria-label': 'average locality: ' + member.profession,
      dataset: {path: base + '.staff.' + i + '.n_practitioners', original: num(member.n_practitioners), column: String(i)}});
    input.addEventListener('input', function () { followAverage(table, i, input.value); });
    average.appendChild(el('td', {}, input));
  });
  table.appendChild(average);
  localities.forEach(function (locality) {
    var row = el('tr', {}, el('th', {scope: 'row', text: locality}));
    staff.forEach(function (member, i) {
      var exact = member.by_locality && Object.prototype.hasOwnProperty.call(member.by_locality, locality);
      var value = exact ? member.by_locality[locality] : scaledStaff(member.n_practitioners, locality);
      var input = el('input', {type: 'number', min: 0, step: 1, value: num(value), 'class': exact ? 'exact' : 'derived',
        'aria-label': locality + ': ' + member.profession,
        dataset: {path: base + '.staff.' + i + '.by_locality.' + locality, original: num(value), column: String(i), locality: locality, exact: exact ? '1' : ''}});
      input.addEventListener('input', function () { input.classList.toggle('derived', !input.dataset.exact && input.value === input.dataset.original); });
      row.appendChild(el('td', {}, input));
    });
    table.appendChild(row);
  });
  return table;
}

// The first row changed: cells that follow it (not set in the file, not typed in) show the
// new scaled count, which is also what they are compared with.
function followAverage(table, column, text) {
  var n = Number(text);
  if (text.trim() === '' || !isFinite(n) || n < 1) return;
  table.querySelectorAll('input[data-locality][data-column="' + column + '"]').forEach(function (cell) {
    if (cell.dataset.exact) return;
    var scaled = num(scaledStaff(n, cell.dataset.locality));
    if (cell.value === cell.dataset.original) cell.value = scaled;
    cell.dataset.original = scaled;
    cell.classList.toggle('derived', cell.value === scaled);
  });
}

// The restructure lever of a preset model: to which preset, on which day, in which localities.
function restructureLever(m) {
  var r = m.restructure;
  var box = el('div', {'class': 'restructure', dataset: {model: m.name, original: r ? JSON.stringify(r) : ''}});
  var selectId = 'lever-' + (++uid);
  var select = el('select', {id: selectId, 'class': 'restructure-to'});
  select.appendChild(el('option', {value: '', text: 'no restructure'}));
  catalogue.presets.forEach(function (p) {
    if (p.name !== m.preset.name) select.appendChild(el('option', {value: p.name, text: 'restructure to ' + p.name}));
  });
  select.value = r ? r.to : '';
  var id = 'lever-' + (++uid);
  var day = el('input', {type: 'number', id: id, 'class': 'restructure-day', min: 1, step: 1, value: num(r ? r.day : 730)});
  var places = el('div', {'class': 'localities'});
  current.localities.forEach(function (name) {
    var ticked = !r || !r.localities || r.localities.indexOf(name) >= 0;
    places.appendChild(el('label', {}, el('input', {type: 'checkbox', value: name, checked: ticked}), ' ' + name));
  });
  box.appendChild(el('div', {'class': 'lever'}, el('label', {'for': selectId, text: 'Restructure'}), select));
  box.appendChild(el('div', {'class': 'lever'}, el('label', {'for': id, text: 'on day (from the start of the run)'}), day));
  box.appendChild(el('p', {'class': 'hint', text: 'In these localities:'}));
  box.appendChild(places);
  return box;
}

function restructureOverrides(box, sets) {
  var model = box.dataset.model;
  var path = 'models.' + model + '.restructure';
  var original = box.dataset.original ? JSON.parse(box.dataset.original) : null;
  var to = box.querySelector('.restructure-to').value;
  var day = box.querySelector('.restructure-day').value.trim();
  var ticked = [], all = [];
  box.querySelectorAll('.localities input').forEach(function (c) { all.push(c.value); if (c.checked) ticked.push(c.value); });
  var localities = ticked.length === all.length ? null : ticked;
  if (!to) { if (original) sets.push(path + '=null'); return; }
  // An empty day box (or one the browser could not read as a number) would make the whole
  // restructure unreadable, and the command line's message would quote all of it: say what
  // is missing instead.
  if (day === '') {
    pageProblems.push('The restructure of ' + model + ' has no day: type the day it happens, a whole number of days from the start of the run.');
    return;
  }
  if (!original) {
    var text = '(day: ' + day + ', to: (name: "' + to + '")' + (localities ? ', localities: ' + JSON.stringify(localities) : '') + ')';
    sets.push(path + '=' + text);
    return;
  }
  if (to !== original.to) sets.push(path + '.to.name=' + to);
  if (day !== num(original.day)) sets.push(path + '.day=' + day);
  var before = original.localities ? JSON.stringify(original.localities) : null;
  var after = localities ? JSON.stringify(localities) : null;
  if (before !== after) sets.push(path + '.localities=' + (after || 'null'));
}

function valueOf(input) {
  if (input.type === 'checkbox') return String(input.checked);
  var text = input.value.trim();
  if (input.dataset.scale && text !== '' && isFinite(Number(text))) return num(Number(text) * Number(input.dataset.scale));
  return text;
}

function originalOf(input) {
  if (input.dataset.scale) return num(Number(input.dataset.original) * Number(input.dataset.scale));
  return input.dataset.original;
}

function chosenModels() {
  var chosen = [], all = [];
  document.querySelectorAll('input[name=model]').forEach(function (c) { all.push(c.value); if (c.checked) chosen.push(c.value); });
  return chosen.length === all.length ? null : chosen;
}

function showModelCards() {
  var chosen = chosenModels();
  document.querySelectorAll('.model-card').forEach(function (card) {
    card.hidden = chosen !== null && chosen.indexOf(card.dataset.model) < 0;
  });
}

// Whether the planner moved a run lever from the quick setting the page gave it.
function moved(input) {
  return input.value.trim() === '' || Number(input.value) !== Number(input.dataset.quick);
}

// Every changed lever as a --set, in page order; levers of models left out are not sent. For a
// saved file (forSave), a run lever still at its quick setting is not sent either, so the file
// keeps its own run settings: the quick settings are for looking, not for the study.
function overrides(forSave) {
  var sets = [];
  pageProblems = [];
  document.querySelectorAll('#levers [data-path]').forEach(function (input) {
    if (input.closest('[hidden]')) return;
    var value = valueOf(input);
    var differs = value !== originalOf(input);
    var quick = input.dataset.quick !== undefined;
    // Bold marks what the planner changed; the quick settings are the page's doing.
    input.closest('.lever, label, td').classList.toggle('changed', quick ? moved(input) && differs : differs);
    if (differs && !(forSave && quick && !moved(input))) sets.push(input.dataset.path + '=' + value);
  });
  document.querySelectorAll('#levers .restructure').forEach(function (box) {
    if (!box.closest('[hidden]')) restructureOverrides(box, sets);
  });
  var extra = $('extra-sets');
  if (extra) extra.value.split('\n').forEach(function (line) { if (line.trim()) sets.push(line.trim()); });
  return sets;
}

function requestBody(forSave) {
  var body = {scenario: current.id, set: overrides(forSave)};
  var models = chosenModels();
  if (models) body.models = models;
  return body;
}

function shellQuote(text) {
  return /^[A-Za-z0-9_\-.\/=,:+@%]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'";
}

function changed() {
  if (!current) return;
  var body = requestBody();
  var words = ['joinedup', 'run'];
  if (current.file) words.push(current.file);
  body.set.forEach(function (s) { words.push('--set', s); });
  $('command').textContent = body.models ? '' : words.map(shellQuote).join(' ');
  $('command-note').textContent = body.models ? 'none, as only some of the models are ticked, which the command line cannot do: save the scenario below and run the saved file.' : '';
  $('save-run-note').textContent = saveRunNote();
}

// Which run settings a saved file will have, said beside Save: the file's own, except the run
// levers the planner moved, never the page's quick settings.
function saveRunNote() {
  var lever = function (path) { return document.querySelector('#levers [data-path="' + path + '"]'); };
  var parts = [];
  var anyMoved = false;
  var setting = function (path, fileValue, words) {
    var input = lever(path);
    var mine = input && moved(input) && valueOf(input) !== originalOf(input);
    anyMoved = anyMoved || mine;
    parts.push(words(mine ? input.value.trim() : fileValue) + (mine ? ' (yours)' : ''));
  };
  var plural = function (n, word) { return n + ' ' + word + (Number(n) === 1 ? '' : 's'); };
  var run = current.run;
  setting('run.replications', num(run.replications), function (n) { return plural(n, 'replication'); });
  // A file's horizon in years to two decimals at most (a validation run's 36,500 days are 99.93).
  setting('run.horizon_days', String(Math.round(run.horizon_days / 365.25 * 100) / 100), function (n) { return plural(n, 'year'); });
  setting('run.warmup_days', num(run.warmup_days), function (n) { return n + ' days of warm-up'; });
  setting('run.seed', num(run.seed), function (n) { return 'seed ' + n; });
  return (anyMoved ? 'Saved with these run settings: ' : 'Saved with the file\'s run settings: ') + parts[0] + ' of ' + parts[1] + ', ' + parts[2] + ', ' + parts[3] +
    '; the page\'s quick settings are not saved' + (anyMoved ? ' (a run lever you moved is).' : '.');
}

function run() {
  if (running || !current) return;
  running = true;
  $('run').disabled = true;
  showError('');
  $('warnings').hidden = true;
  setState('running');
  status('Checking the scenario…');
  var body = requestBody();
  if (pageProblems.length) return fail(pageProblems.join('\n'));
  body.wait = false;
  var scenarioId = current.id;
  fetch('/api/run', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
    .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
    .then(function (answer) {
      if (!answer.ok) return fail(answer.body.error);
      follow(answer.body.id, scenarioId, '');
    })
    .catch(function (e) { fail('The workbench did not answer: ' + e + '. Is joinedup serve still running?'); });
}

// Follows a run to its end: its progress, Cancel, then its results. The id is kept for this
// tab (sessionStorage outlives a reload), so a reloaded page follows its own run first.
function follow(id, scenarioId, note) {
  running = true;
  activeRun = id;
  followNote = note;
  document.body.dataset.activeRun = id;
  try { sessionStorage.setItem('joinedup-run', id); } catch (e) { /* storage refused: the oldest run is followed instead */ }
  $('run').disabled = true;
  var cancel = $('cancel');
  cancel.hidden = false;
  cancel.disabled = false;
  setState('running');
  poll(id, scenarioId);
}

// A run goes on in the server when the page is reloaded (or another tab started it), and holds
// up the next: ask for one under way and follow it, with its progress, Cancel and, when it
// ends, its results. This tab's own last run comes first, else the oldest (the one running).
function followRunInProgress() {
  if (running) return;
  fetch('/api/runs').then(function (r) { return r.json(); }).then(function (list) {
    if (running || !list.runs || !list.runs.length) return;
    var mine = null;
    try { mine = sessionStorage.getItem('joinedup-run'); } catch (e) { /* storage refused: follow the oldest */ }
    var found = list.runs.filter(function (r) { return r.id === mine; })[0] || list.runs[0];
    showError('');
    follow(found.id, found.scenario, 'Run ' + found.id + ' of ' + found.scenario + ', started before this page was opened, is still going. ');
  }).catch(function (e) { showError('Cannot ask the workbench whether a run is going: ' + e + '. Is joinedup serve still running?'); });
}

// A button disabled or hidden while it had the focus drops it to the page's body, and a
// keyboard user would start again from the top: give it to Run, the next step, unless the
// planner has gone on to something else meanwhile.
function focusRunIfLost() {
  var active = document.activeElement;
  if (!active || active === document.body || active === $('run') || active === $('cancel')) $('run').focus();
}

// Back to a page ready for the next run, whatever ended this one.
function idle() {
  running = false;
  activeRun = null;
  delete document.body.dataset.activeRun;
  $('run').disabled = false;
  $('progress').hidden = true;
  $('cancel').hidden = true;
  focusRunIfLost();
}

function fail(message) {
  idle();
  showError(message);
  status('Not run: see the message.');
  setState('error');
}

function cancelled() {
  idle();
  showError('');
  status('Cancelled: the run was stopped and nothing was saved. Change the levers and Run again.');
  setState('cancelled');
}

// Asks the server to stop the run being followed; the answer (or the next poll) says when
// it has.
function cancelRun() {
  var id = activeRun;
  if (!id) return;
  $('cancel').disabled = true;
  status('Cancelling…');
  fetch('/api/runs/' + encodeURIComponent(id) + '/cancel', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})
    .then(function (r) { return r.json(); })
    .then(function (s) { if (activeRun === id && s.state === 'cancelled') cancelled(); })
    .catch(function (e) { if (activeRun === id) fail('The workbench did not answer: ' + e + '. Is joinedup serve still running?'); });
}

function poll(id, scenarioId) {
  if (activeRun !== id) return;
  fetch('/api/runs/' + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (s) {
    if (activeRun !== id) return;
    // An answer without a state (the server restarted and no longer knows the run) ends the
    // wait rather than showing "undefined of undefined" for ever.
    if (!s.state) return fail(s.error || 'The workbench no longer knows this run (was joinedup serve restarted?). Run again.');
    if (s.state === 'failed') return fail(s.error);
    if (s.state === 'cancelled') return cancelled();
    if (s.state === 'done') return show(s, scenarioId);
    var bar = $('progress');
    bar.hidden = false;
    if (s.total > 0) { bar.max = s.total; bar.value = s.done; } else { bar.removeAttribute('value'); }
    if (s.stopping) status('Cancelling…');
    // The server counts one replication of one model as one piece of work.
    else status(followNote + (s.state === 'queued' ? 'Waiting for the run before it…' : 'Running: ' + s.done + ' of ' + s.total + ' model replications finished.'));
    setTimeout(function () { poll(id, scenarioId); }, 300);
  }).catch(function (e) { if (activeRun === id) fail('The workbench did not answer: ' + e + '. Is joinedup serve still running?'); });
}

// A sentence written for the terminal, with each `name` in backticks shown as code (as the
// report shows it): built from text nodes, so a name cannot become markup. A backtick without
// its pair stays as it is.
function withCode(text) {
  var out = document.createDocumentFragment();
  var parts = text.split('`');
  parts.forEach(function (part, i) {
    if (i % 2 === 1 && i < parts.length - 1) out.appendChild(el('code', {text: part}));
    else out.appendChild(document.createTextNode((i % 2 === 1 ? '`' : '') + part));
  });
  return out;
}
window.withCode = withCode;

function show(s, scenarioId) {
  activeRun = null;
  // What `joinedup run` prints after its table: a structure that cannot keep up, or
  // coordination beyond the staff's hours.
  var warnings = $('warnings');
  warnings.textContent = '';
  (s.warnings || []).forEach(function (w) { warnings.appendChild(el('p', {}, 'Warning: ', withCode(w))); });
  warnings.hidden = !(s.warnings && s.warnings.length);
  $('cancel').hidden = true;
  $('results').hidden = false;
  $('placeholder').hidden = true;
  $('run-label').textContent = 'run ' + s.id;
  var links = $('downloads');
  links.textContent = 'Download: ';
  [['report.html', 'report'], ['replications.csv', 'tidy CSV (every replication)'], ['timeseries.csv', 'monthly CSV'], ['summary.json', 'summary.json'], ['scenario.ron', 'scenario.ron (resolved)']]
    .forEach(function (f) { links.appendChild(el('a', {href: s.files[f[0]] + '?download=1', download: s.id + '-' + f[0], text: f[1]})); });
  var table = el('table', {id: 'headline-table'});
  var head = el('tr', {}, el('th', {text: 'measure'}));
  s.table.models.forEach(function (m) { head.appendChild(el('th', {text: m})); });
  table.appendChild(head);
  var wasSame = previous && previous.scenario === scenarioId;
  KEY_METRICS.forEach(function (name) {
    var def = catalogue.metrics.filter(function (m) { return m.name === name; })[0];
    var row = el('tr', {}, el('th', {title: def.unit, text: def.title}));
    s.table.rows[name].forEach(function (cell, i) {
      var model = s.table.models[i];
      var td = el('td', {dataset: {model: model, metric: name}}, el('span', {'class': 'now', text: cell}));
      if (wasSame) {
        var j = previous.table.models.indexOf(model);
        if (j >= 0) td.appendChild(el('span', {'class': 'was', text: 'was ' + previous.table.rows[name][j]}));
      }
      row.appendChild(td);
    });
    table.appendChild(row);
  });
  var headline = $('headline');
  headline.textContent = '';
  headline.appendChild(table);
  $('cut-at-zero').hidden = !(s.table.cut_at_zero || []).some(function (m) { return KEY_METRICS.indexOf(m) >= 0; });
  previous = {scenario: scenarioId, table: s.table};
  window.lastSummary = s.summary;
  var frame = $('report');
  frame.onload = function () {
    var doc = frame.contentDocument;
    if (doc && doc.body) frame.style.height = (doc.documentElement.scrollHeight + 20) + 'px';
    running = false;
    delete document.body.dataset.activeRun;
    $('run').disabled = false;
    $('progress').hidden = true;
    focusRunIfLost();
    document.body.dataset.runId = s.id;
    status('Done: run ' + s.id + '.');
    setState('done');
  };
  frame.src = s.files['report.html'];
}

function saveOrDownload(save) {
  var body = requestBody(true);
  // What the levers are as saved, to tell later whether anything is left unsaved.
  var request = JSON.stringify(requestBody());
  var scenarioId = current.id;
  if (pageProblems.length) {
    $('save-message').className = 'refused';
    $('save-message').textContent = pageProblems.join(' ');
    return;
  }
  var name = $('save-name').value.trim();
  if (save) { body.save_as = name; body.overwrite = $('save-overwrite').checked; }
  var message = $('save-message');
  message.textContent = '';
  // A refusal is shown beside the buttons that asked: the page's error box is at its top,
  // out of sight from here.
  var refused = function (text) { message.className = 'refused'; message.textContent = text; };
  fetch('/api/scenario', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
    .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
    .then(function (answer) {
      if (!answer.ok) { refused(answer.body.error); return; }
      savedRequest[scenarioId] = request;
      if (save) {
        message.className = 'saved';
        message.textContent = 'Saved as ' + answer.body.saved.path + '. Run it with: joinedup run ' + shellQuote(answer.body.saved.path);
        loadCatalogue(current.id);
      } else {
        var link = el('a', {href: URL.createObjectURL(new Blob([answer.body.ron], {type: 'text/plain'})), download: (name || current.name) + '.ron'});
        document.body.appendChild(link);
        link.click();
        link.remove();
      }
    })
    .catch(function (e) { refused('The workbench did not answer (' + e + '); is joinedup serve still running?'); });
}

$('run').addEventListener('click', run);
// The Run button comes after every lever in the tab order: the link before everything goes
// straight to it (or to Cancel while a run goes on).
$('skip-to-run').addEventListener('click', function (e) {
  e.preventDefault();
  if (!$('run').disabled) $('run').focus();
  else if (!$('cancel').hidden) $('cancel').focus();
  else $('actions').focus();
});
// Enter in a lever (not in the free-text box, where it starts a new line) or on a scenario in
// the list, or Ctrl+Enter anywhere, runs, as the Run button would; Enter in the file name saves.
// (A radio button does nothing on Enter by itself, outside a form.)
document.addEventListener('keydown', function (e) {
  if (e.key !== 'Enter' || e.defaultPrevented || e.isComposing || e.altKey || e.shiftKey) return;
  var target = e.target;
  var tag = target.tagName;
  if (!(e.ctrlKey || e.metaKey)) {
    if (target.id === 'save-name') { e.preventDefault(); saveOrDownload(true); return; }
    if (!target.closest || !target.closest('#levers, #model-list, #scenario-list') || tag === 'TEXTAREA' || tag === 'BUTTON' || tag === 'SUMMARY') return;
  }
  e.preventDefault();
  // The scenario with the focus is the one chosen (the arrow keys choose as they move), but
  // Enter runs the one the planner is on, whatever the list says.
  if (target.name === 'scenario' && target.type === 'radio' && (!current || current.id !== target.value)) choose(target.value);
  if (!$('run').disabled) run();
});
$('cancel').addEventListener('click', cancelRun);
$('reset').addEventListener('click', function () { buildLevers(); });
$('save-button').addEventListener('click', function () { saveOrDownload(true); });
$('download-ron').addEventListener('click', function () { saveOrDownload(false); });
// Reloading or closing the page loses lever changes that are in no file: ask first, but only
// then, so a page with nothing to lose goes at once.
window.addEventListener('beforeunload', function (e) {
  if (!unsavedChanges()) return;
  e.preventDefault();
  // Older browsers ask only when returnValue is set as well.
  e.returnValue = true;
});
loadCatalogue(null).catch(function (e) { showError('Cannot list the scenarios: ' + e); setState('error'); });
</script>
</body>
</html>
"##;
