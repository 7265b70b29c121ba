// Predict page: sequences pasted or uploaded (FASTA or one per line, up to a few thousand) → Predict calls of
// CHUNK sequences each (progress, cancel) → a sortable table of the values per task, downloadable as TSV.
import { api } from './api.js';
import { el, field, pageForm, showError, parseSequences, sortableTable, download, fmt, job, models, modelSelect, params } from './ui.js';

const CHUNK = 256;
const MAX_SEQUENCES = 20000;

export async function predictPage(root) {
  const list = await models();
  const model = modelSelect(list, params().get('model'));
  const text = el('textarea', { rows: 8, placeholder: '>id\nACGU…' });
  const file = el('input', { type: 'file', accept: '.fa,.fasta,.txt,.fa.txt' });
  const resize = el('input', { type: 'checkbox' });
  const submit = el('button', { type: 'submit' }, 'Predict');
  const status = el('div', { class: 'actions' });
  const results = el('div', { class: 'results' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const form = pageForm(root, 'Predict', results, {
    fields: [
      field('Model', model, 'model'),
      el('label', { class: 'check' }, resize, 'Crop or pad sequences to the model length'),
      field('Sequences (FASTA or one per line)', text, 'sequences', 'wide'),
      field('…or upload a file', file, 'file')
    ],
    submit, status,
    onSubmit: async () => {
      let input;
      try {
        input = parseSequences(text.value);
        if (input.sequences.length > MAX_SEQUENCES) throw new Error(`${input.sequences.length} sequences; the page takes at most ${MAX_SEQUENCES} (use rbp predict for more)`);
      } catch (e) { showError(form, e, 'sequences'); return; }
      submit.disabled = true;
      const work = job(status);
      try {
        let tasks = null;
        const rows = [];
        for (let start = 0; start < input.sequences.length; start += CHUNK) {
          work.progress(start, input.sequences.length, 'sequences');
          const reply = await api.predict({
            model: model.value, sequences: input.sequences.slice(start, start + CHUNK),
            sequenceIds: input.ids.slice(start, start + CHUNK), allowResize: resize.checked,
          }, work.signal);
          tasks ??= reply.tasks ?? [];
          for (const [i, p] of (reply.predictions ?? []).entries())
            rows.push([p.sequenceId, input.sequences[start + i], ...(p.values ?? []).map(Number)]);
        }
        work.finish(`${rows.length} sequences predicted by ${model.value}`);
        const columns = [{ name: 'id' }, { name: 'sequence', class: 'seq' }, ...tasks.map(t => ({ name: t, numeric: true, format: fmt }))];
        const tsv = () => [columns.map(c => c.name).join('\t'), ...rows.map(r => r.join('\t'))].join('\n') + '\n';
        results.append(
          el('p', { class: 'actions' }, el('button', { type: 'button', class: 'secondary', 'data-action': 'download-tsv', onclick: () => download(`${model.value}-predictions.tsv`, tsv()) }, 'Download TSV')),
          sortableTable(columns, rows));
      } catch (e) {
        work.finish('');
        showError(form, e, e.code === 5 ? 'model' : 'sequences');
      } finally {
        submit.disabled = false;
      }
    },
  });
}
