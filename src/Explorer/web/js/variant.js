// Variant page: a pasted sequence window with a 1-based position and REF/ALT (or chrom:pos:ref:alt on the server's
// reference FASTA) → the windows of each model (variant-windows endpoint, score-variants' rules) → Predict on the
// REF and ALT windows of both strands → per model and task the effect ALT − REF per strand; then Mutagenesis of the
// chosen model's REF window around the variant, drawn as the ISM heatmap.
import { api } from './api.js';
import { el, field, pageForm, showError, sortableTable, download, fmt, job, models, modelSelect, modelByName, taskNames, params } from './ui.js';
import { ismHeatmap } from './figures.js';

const FLANK = 10;
const HINTS = { 'sequence': 'sequence', 'position': 'position', 'ref': 'ref', 'alt': 'alt', 'locus': 'locus' };

export async function variantPage(root) {
  const list = await models();
  const config = await api.config().catch(() => ({ referenceFasta: false }));
  const ismModel = modelSelect(list, params().get('model'));
  const task = el('select');
  const fillTasks = () => task.replaceChildren(...taskNames(modelByName(list, ismModel.value)).map(t => el('option', { value: t }, t)));
  ismModel.addEventListener('change', fillTasks);
  fillTasks();
  const sequence = el('textarea', { rows: 4, placeholder: 'the sequence around the variant (A, C, G, U/T, N)' });
  const position = el('input', { type: 'number', value: 1 });
  const ref = el('input', { type: 'text', size: 6, placeholder: 'A' });
  const alt = el('input', { type: 'text', size: 6, placeholder: 'G' });
  const locus = el('input', { type: 'text', placeholder: config.referenceFasta ? 'chr1:12345:A:G' : 'needs rbp serve --reference-fasta', disabled: !config.referenceFasta });
  const submit = el('button', { type: 'submit' }, 'Score variant');
  const status = el('div', { class: 'actions' });
  const results = el('div', { class: 'results' });
  const form = pageForm(root, 'Variant effect', results, {
    fields: [
      field('Sequence window', sequence, 'sequence', 'wide'),
      field('Variant position in the window (1-based)', position, 'position'), field('REF', ref, 'ref'), field('ALT', alt, 'alt'),
      field('…or chrom:pos:ref:alt on the server\'s reference', locus, 'locus'),
      field('ISM view: model', ismModel, 'model'), field('ISM view: task', task, 'task')
    ],
    submit, status,
    onSubmit: async () => {
      submit.disabled = true;
      const work = job(status);
      try {
        const request = locus.value.trim() ? { locus: locus.value.trim() } : { sequence: sequence.value, position: Number(position.value), ref: ref.value, alt: alt.value };
        const resolved = await api.variantWindows(request, work.signal);
        const rows = [];
        for (const [k, w] of resolved.windows.entries()) {
          work.progress(k, resolved.windows.length + 1, 'models');
          const reply = await api.predict({ model: w.model, sequences: [w.refForward, w.altForward, w.refReverse, w.altReverse] }, work.signal);
          const [rf, af, rr, ar] = reply.predictions.map(p => (p.values ?? []).map(Number));
          for (const [t, name] of (reply.tasks ?? []).entries()) {
            const plus = af[t] - rf[t], minus = ar[t] - rr[t];
            rows.push([w.model, name, rf[t], af[t], plus, rr[t], ar[t], minus, Math.abs(plus) >= Math.abs(minus) ? plus : minus]);
          }
        }
        const columns = [{ name: 'model' }, { name: 'task' }, ...['ref (+)', 'alt (+)', 'effect (+)', 'ref (−)', 'alt (−)', 'effect (−)', 'larger |effect|'].map(n => ({ name: n, numeric: true, format: fmt }))];
        const tsv = () => [columns.map(c => c.name).join('\t'), ...rows.map(r => r.join('\t'))].join('\n') + '\n';
        results.append(el('p', {}, `variant ${resolved.variant}; effect = ALT − REF in the data's scale, per strand`),
          el('p', { class: 'actions' }, el('button', { type: 'button', class: 'secondary', 'data-action': 'download-tsv', onclick: () => download('variant-effects.tsv', tsv()) }, 'Download TSV')),
          sortableTable(columns, rows));

        const w = resolved.windows.find(x => x.model === ismModel.value) ?? resolved.windows[0];
        work.progress(resolved.windows.length, resolved.windows.length + 1, 'models (ISM view)');
        const start = Math.max(0, w.refStart - FLANK);
        const end = Math.min(w.length, w.refEnd + FLANK);
        let response = null;
        await api.mutagenesis({ model: w.model, inputs: { sequences: [w.refForward], sequenceIds: ['ref'] }, target: { weights: { [task.value]: 1 } },
          windowStart: start, windowLength: end - start }, (m) => { response ??= m; }, work.signal);
        results.append(await ismHeatmap(response, `${w.model} ${task.value}: in-silico mutagenesis of the REF window around ${resolved.variant}`, work.signal));
        work.finish('done');
      } catch (e) {
        work.finish('');
        showError(form, e, e.code === 5 ? 'model' : (locus.value.trim() ? 'locus' : 'sequence'), HINTS);
      } finally {
        submit.disabled = false;
      }
    },
  });
}
