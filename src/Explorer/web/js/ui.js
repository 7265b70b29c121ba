// Small DOM helpers shared by the pages: elements, fields with their error slots, sortable tables, downloads,
// FASTA/sequence parsing, and the progress + cancel bar of long work.
import { api, ApiError, statusName } from './api.js';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** A labelled control with an error slot below it; `name` identifies it for errors routed to the field. */
export function field(labelText, control, name, extraClass) {
  control.name = name;
  control.id = `f-${name}`;
  return el('label', { class: extraClass, 'data-field': name }, labelText, control, el('span', { class: 'field-error', 'data-error-for': name, role: 'alert' }));
}

/**
 * A page's form: its fields, the submit button with the form's own error slot, and the status line, under the page's
 * title and above its results. On submit the previous errors and results are cleared before `onSubmit` runs.
 */
export function pageForm(root, title, results, { fields, submit, status, onSubmit }) {
  const form = el('form', {}, fields,
    el('div', { class: 'actions' }, submit, el('span', { class: 'field-error', 'data-error-for': 'form' })),
    status);
  root.append(el('h2', {}, title), form, results);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    results.replaceChildren();
    await onSubmit();
  });
  return form;
}

export function clearErrors(root) {
  for (const slot of root.querySelectorAll('.field-error, .error[data-error-for]')) slot.textContent = '';
}

/** Shows an error next to the field it names (by the request field the server's message starts with), else at `fallback`. */
export function showError(root, error, fallbackField, fieldHints = {}) {
  const text = error instanceof ApiError ? `${statusName(error.code)}: ${error.message}` : String(error?.message ?? error);
  let target = fallbackField;
  if (error instanceof ApiError) {
    for (const [prefix, name] of Object.entries(fieldHints)) if (error.message.startsWith(prefix)) { target = name; break; }
  }
  const slot = root.querySelector(`[data-error-for="${target}"]`) ?? root.querySelector('[data-error-for="form"]');
  slot.textContent = text;
}

/** Parses FASTA (>id lines) or one sequence per line into {ids, sequences}. */
export function parseSequences(text) {
  const ids = [], sequences = [];
  const lines = text.split(/\r?\n/);
  if (lines.some(l => l.startsWith('>'))) {
    let current = null;
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (line.startsWith('>')) { current = { id: line.slice(1).split(/\s/)[0] || `seq${ids.length + 1}`, seq: '' }; ids.push(current.id); sequences.push(''); }
      else if (current === null) throw new Error(`line 1: expected '>' to start a FASTA record, found '${line.slice(0, 20)}'`);
      else sequences[sequences.length - 1] += line;
    }
  } else {
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      ids.push(`seq${ids.length + 1}`);
      sequences.push(line);
    }
  }
  if (sequences.length === 0) throw new Error('no sequences: paste FASTA or one sequence per line');
  return { ids, sequences };
}

/** A table whose header cells sort its rows (numbers numerically, text alphabetically; a second click reverses). */
export function sortableTable(columns, rows) {
  const tbody = el('tbody');
  const render = () => { tbody.replaceChildren(...rows.map(r => el('tr', {}, r.map((v, i) => el('td', { class: columns[i].numeric ? 'num' : columns[i].class, 'data-value': columns[i].numeric ? String(v) : undefined }, columns[i].format ? columns[i].format(v) : v))))); };
  let sorted = -1, direction = 1;
  const head = el('tr', {}, columns.map((c, i) => el('th', {
    'data-sort': i, onclick: () => {
      direction = sorted === i ? -direction : (c.numeric ? -1 : 1);
      sorted = i;
      rows.sort((a, b) => (c.numeric ? (a[i] - b[i]) : String(a[i]).localeCompare(String(b[i]))) * direction);
      render();
    },
  }, c.name)));
  render();
  return el('table', {}, el('thead', {}, head), tbody);
}

export function download(filename, text, type = 'text/tab-separated-values') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const fmt = (v) => (typeof v === 'number' && Number.isFinite(v)) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4)) : String(v);

/**
 * The status line of long work: a progress bar (or elapsed seconds when the amount is unknown) and a Cancel button
 * that aborts the HTTP request, which cancels the call on the server.
 */
export function job(container) {
  const controller = new AbortController();
  const bar = el('progress', { max: 1 });
  bar.removeAttribute('value');
  const label = el('span', { class: 'status' }, 'working…');
  const cancel = el('button', { type: 'button', class: 'secondary', 'data-action': 'cancel', onclick: () => controller.abort() }, 'Cancel');
  const started = performance.now();
  const ticker = setInterval(() => { if (!bar.hasAttribute('value')) label.textContent = `working… ${((performance.now() - started) / 1000).toFixed(0)} s`; }, 500);
  const line = el('div', { class: 'actions job' }, bar, label, cancel);
  container.replaceChildren(line);
  return {
    signal: controller.signal,
    progress(done, total, what) { bar.max = total; bar.value = done; label.textContent = `${done} / ${total} ${what}`; },
    finish(text) { clearInterval(ticker); container.replaceChildren(el('span', { class: 'status' }, text ?? '')); },
  };
}

let modelsCache = null;
/** The served models (ListModels), fetched once per page load; `refresh` asks again. */
export async function models(refresh = false) {
  if (!modelsCache || refresh) modelsCache = api.listModels().then(r => r.models ?? []).catch(e => { modelsCache = null; throw e; });
  return modelsCache;
}

/** A <select> of model names (newest version of each) with the given one preselected. */
export function modelSelect(list, selected) {
  const names = [...new Set(list.map(m => m.name))];
  return el('select', {}, names.map(n => el('option', { value: n, selected: n === selected }, n)));
}

export const modelByName = (list, name) => list.find(m => m.name === name);

/** Output columns of a model: task names, task/class for multiclass tasks are not listed in ListModels, so tasks. */
export const taskNames = (model) => (model?.tasks ?? []).map(t => t.name);

export function params() {
  const q = location.hash.split('?')[1] ?? '';
  return new URLSearchParams(q);
}
