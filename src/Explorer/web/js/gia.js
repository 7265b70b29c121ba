// GIA page: a k-mer scan (GlobalImportance kmer_scan) on backgrounds made from pasted reference sequences →
// the ranked table of k-mers with their global importance and standard error, and the k-mer alignment motif logo.
import { api } from './api.js';
import { el, field, pageForm, showError, parseSequences, sortableTable, download, fmt, job, models, modelSelect, modelByName, taskNames, params } from './ui.js';
import { figurePanel } from './figures.js';

const BACKGROUNDS = [['KIND_DINUCLEOTIDE_SHUFFLE', 'dinucleotide shuffles of the reference'], ['KIND_SHUFFLE', 'shuffles of the reference'],
  ['KIND_PROFILE', 'position profile of the reference'], ['KIND_CUSTOM', 'the reference sequences as they are']];
const HINTS = { 'kmer_scan.k': 'k', 'kmer_scan.top': 'top', 'kmer_scan.position': 'position', 'kmer_scan': 'k', 'background.count': 'count', 'background': 'reference' };

export async function giaPage(root) {
  const list = await models();
  const model = modelSelect(list, params().get('model'));
  const task = el('select');
  const fillTasks = () => task.replaceChildren(...taskNames(modelByName(list, model.value)).map(t => el('option', { value: t }, t)));
  model.addEventListener('change', fillTasks);
  fillTasks();
  const kind = el('select', {}, BACKGROUNDS.map(([v, t]) => el('option', { value: v }, t)));
  const count = el('input', { type: 'number', value: 200 });
  const k = el('input', { type: 'number', value: 4 });
  const position = el('input', { type: 'number', value: 0 });
  const top = el('input', { type: 'number', value: 50 });
  const reference = el('textarea', { rows: 6, placeholder: 'reference sequences the backgrounds are made from (FASTA or one per line)' });
  const file = el('input', { type: 'file' });
  file.addEventListener('change', async () => { if (file.files[0]) reference.value = await file.files[0].text(); });
  const submit = el('button', { type: 'submit' }, 'Run k-mer scan');
  const status = el('div', { class: 'actions' });
  const results = el('div', { class: 'results' });
  const form = pageForm(root, 'Global importance: k-mer scan', results, {
    fields: [
      field('Model', model, 'model'), field('Task', task, 'task'), field('Background', kind, 'kind'), field('Backgrounds', count, 'count'),
      field('k', k, 'k'), field('Position (0-based start of the k-mer)', position, 'position'), field('Rows in the table', top, 'top'),
      field('Reference sequences', reference, 'reference', 'wide'), field('…or upload a file', file, 'file')
    ],
    submit, status,
    onSubmit: async () => {
      let input;
      try { input = parseSequences(reference.value); } catch (e) { showError(form, e, 'reference'); return; }
      submit.disabled = true;
      const work = job(status);
      try {
        const conditions = [];
        let summary = null;
        await api.globalImportance({
          model: model.value, target: { weights: { [task.value]: 1 } },
          background: { kind: kind.value, count: Number(count.value), seed: '1', reference: { sequences: input.sequences, sequenceIds: input.ids, allowResize: true } },
          kmerScan: { k: Number(k.value), position: Number(position.value), top: Number(top.value) },
        }, (m) => { conditions.push(...(m.conditions ?? [])); if (m.done) summary = m; else work.progress(conditions.length, Number(top.value), 'k-mers'); }, work.signal);
        const rows = conditions.map((c, i) => [i + 1, c.pattern || c.label, Number(c.globalImportance ?? 0), Number(c.standardError ?? 0)]);
        const columns = [{ name: 'rank', numeric: true, format: String }, { name: 'k-mer' }, { name: 'global importance', numeric: true, format: fmt }, { name: 'standard error', numeric: true, format: fmt }];
        const tsv = () => [columns.map(c => c.name).join('\t'), ...rows.map(r => r.join('\t'))].join('\n') + '\n';
        results.append(el('p', {}, `${summary?.backgrounds ?? '?'} backgrounds, mean prediction ${fmt(summary?.backgroundMean ?? 0)}`,
          ...(summary?.notes ?? []).map(n => el('span', { class: 'status' }, ` — ${n}`))));
        if (summary?.motif) {
          const svg = await api.render('motif-logo', { motif: summary.motif, title: 'k-mer alignment motif' }, work.signal);
          const m = summary.motif;
          const lines = ['position\tA\tC\tG\tU'];
          for (let w = 0; w < m.width; w++) lines.push([w + 1, ...m.probabilities.slice(w * 4, w * 4 + 4)].join('\t'));
          results.append(figurePanel('k-mer alignment motif', svg, lines.join('\n') + '\n', 'kmer-motif'));
        } else results.append(el('p', { class: 'status' }, 'no k-mer raised the prediction: no motif to align'));
        results.append(el('p', { class: 'actions' }, el('button', { type: 'button', class: 'secondary', 'data-action': 'download-tsv', onclick: () => download('kmer-scan.tsv', tsv()) }, 'Download TSV')),
          sortableTable(columns, rows));
        work.finish(`${rows.length} k-mers`);
      } catch (e) {
        work.finish('');
        showError(form, e, e.code === 5 ? 'model' : 'form', HINTS);
      } finally {
        submit.disabled = false;
      }
    },
  });
}
