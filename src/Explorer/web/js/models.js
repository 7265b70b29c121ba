// Models page: every served version with its architecture, tasks, inputs, test metrics, parity figures and the
// manifest as published (ListModels), and a link to explain or predict with it.
import { el, models, fmt } from './ui.js';

export async function modelsPage(root) {
  root.append(el('h2', {}, 'Models'));
  const status = el('p', { class: 'status' }, 'loading…');
  root.append(status);
  const list = await models(true);
  status.remove();
  if (list.length === 0) { root.append(el('p', {}, 'The server serves no model yet.')); return; }
  root.append(el('div', { class: 'cards' }, list.map(card)));
}

function card(m) {
  const metrics = Object.entries(m.metrics ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const test = metrics.filter(([k]) => k.startsWith('test/'));
  const parity = m.parity ?? {};
  let manifest = m.manifestJson ?? '';
  try { manifest = JSON.stringify(JSON.parse(manifest), null, 2); } catch { /* shown as published */ }
  return el('section', { class: 'card', 'data-model': m.name, 'data-version': m.version },
    el('h3', {}, `${m.name} `, el('small', { class: 'status' }, `version ${m.version}`)),
    el('dl', {},
      el('dt', {}, 'versions'), el('dd', {}, (m.availableVersions ?? []).join(', ')),
      el('dt', {}, 'architecture'), el('dd', {}, m.architecture ?? ''),
      el('dt', {}, 'tasks'), el('dd', {}, (m.tasks ?? []).map(t => `${t.name} (${t.type})`).join(', ')),
      el('dt', {}, 'inputs'), el('dd', {}, (m.inputs ?? []).map(i => `${i.name} [${(i.channels ?? []).join('')} × ${i.length}]`).join(', ')),
      el('dt', {}, 'parity'), el('dd', {}, `forward ${fmt(parity.forwardMaxAbsDiff ?? 0)} abs, gradient ${fmt(parity.gradientMaxAbsDiff ?? 0)} abs`),
    ),
    test.length ? el('table', { class: 'metrics' }, el('tbody', {}, test.map(([k, v]) => el('tr', {}, el('td', {}, k.slice(5)), el('td', { class: 'num' }, fmt(v)))))) : el('p', { class: 'status' }, 'no test metrics'),
    el('p', { class: 'actions' },
      el('a', { href: `#/explain?model=${encodeURIComponent(m.name)}`, 'data-action': 'explain' }, el('button', { type: 'button' }, 'Explain a sequence')),
      el('a', { href: `#/predict?model=${encodeURIComponent(m.name)}` }, el('button', { type: 'button', class: 'secondary' }, 'Predict')),
      el('a', { href: `#/variant?model=${encodeURIComponent(m.name)}` }, el('button', { type: 'button', class: 'secondary' }, 'Variant')),
      el('a', { href: `#/gia?model=${encodeURIComponent(m.name)}` }, el('button', { type: 'button', class: 'secondary' }, 'GIA')),
    ),
    el('details', {}, el('summary', {}, 'manifest.json'), el('pre', {}, manifest)),
  );
}
