// Explain page: one sequence → Attribute (the chosen task, method and baseline) drawn as an attribution logo
// (projected on the observed base by default, per channel one switch away), then Mutagenesis drawn as the ISM
// heatmap with its norm logo. Prediction, baseline prediction and the convergence delta are shown with them.
import { api } from './api.js';
import { el, field, pageForm, showError, parseSequences, fmt, job, models, modelSelect, modelByName, taskNames, params } from './ui.js';
import { attributionLogo, ismHeatmap } from './figures.js';

const METHODS = [['ATTRIBUTION_METHOD_INTEGRATED_GRADIENTS', 'integrated gradients'], ['ATTRIBUTION_METHOD_SALIENCY', 'saliency'],
  ['ATTRIBUTION_METHOD_GRADIENT_TIMES_INPUT', 'gradient × input']];
const BASELINES = [['KIND_DINUCLEOTIDE_SHUFFLE', 'dinucleotide shuffles'], ['KIND_SHUFFLE', 'shuffles'], ['KIND_ZEROS', 'zeros'], ['KIND_UNIFORM', 'uniform (0.25)']];

/** Server messages that name a request field → the form field that shows them. */
const HINTS = { 'steps': 'steps', 'baseline': 'baseline', 'target': 'task' };

export async function explainPage(root) {
  const list = await models();
  const model = modelSelect(list, params().get('model'));
  const task = el('select');
  const fillTasks = () => task.replaceChildren(...taskNames(modelByName(list, model.value)).map(t => el('option', { value: t }, t)));
  model.addEventListener('change', fillTasks);
  fillTasks();
  const method = el('select', {}, METHODS.map(([v, t]) => el('option', { value: v }, t)));
  const baseline = el('select', {}, BASELINES.map(([v, t]) => el('option', { value: v }, t)));
  const steps = el('input', { type: 'number', value: 50 });
  const samples = el('input', { type: 'number', value: 10 });
  const space = el('select', {}, el('option', { value: 'TARGET_SPACE_RAW' }, 'raw (logit / score)'), el('option', { value: 'TARGET_SPACE_PROBABILITY' }, 'probability'));
  const sequence = el('textarea', { rows: 4, placeholder: 'ACGU… (one sequence; FASTA header optional)' });
  const resize = el('input', { type: 'checkbox', checked: true });
  const ism = el('input', { type: 'checkbox', checked: true });
  const submit = el('button', { type: 'submit' }, 'Explain');
  const status = el('div', { class: 'actions' });
  const results = el('div', { class: 'results' });
  const example = modelByName(list, model.value)?.inputs?.[0];
  if (example && !sequence.value) sequence.placeholder = `${example.length} bases of ${(example.channels ?? []).join('')}`;

  const form = pageForm(root, 'Explain', results, {
    fields: [
      field('Model', model, 'model'), field('Task', task, 'task'), field('Method', method, 'method'),
      field('Baseline', baseline, 'baseline'), field('Steps (integrated gradients)', steps, 'steps'), field('Baselines per sequence', samples, 'samples'),
      field('Target space', space, 'space'),
      el('label', { class: 'check' }, resize, 'Crop or pad to the model length'),
      el('label', { class: 'check' }, ism, 'Also run in-silico mutagenesis'),
      field('Sequence', sequence, 'sequence', 'wide')
    ],
    submit, status,
    onSubmit: async () => {
      let input;
      try {
        input = parseSequences(sequence.value);
        if (input.sequences.length !== 1) throw new Error(`${input.sequences.length} sequences: the explain page takes one (rbp explain takes many)`);
      } catch (e) { showError(form, e, 'sequence'); return; }
      const inputs = { sequences: input.sequences, sequenceIds: input.ids, allowResize: resize.checked };
      const target = { weights: { [task.value]: 1 }, space: space.value };
      const shuffled = baseline.value.endsWith('SHUFFLE');
      const request = {
        model: model.value, inputs, method: method.value, target, steps: Number(steps.value),
        baseline: { kind: baseline.value, samples: shuffled ? Number(samples.value) : 0, seed: '1' },
      };
      submit.disabled = true;
      const work = job(status);
      try {
        work.progress(0, ism.checked ? 2 : 1, 'steps: attribution');
        let attribution = null;
        await api.attribute(request, (m) => { attribution ??= m.attributions?.[0]; }, work.signal);
        if (!attribution) throw new Error('the server sent no attribution');
        const facts = el('div', { class: 'facts', 'data-facts': 'attribution' },
          el('span', {}, 'f(x) = ', el('b', { 'data-fact': 'prediction' }, fmt(attribution.prediction ?? 0))),
          el('span', {}, 'f(baseline) = ', el('b', { 'data-fact': 'baseline' }, fmt(attribution.baselinePrediction ?? 0))),
          el('span', {}, 'convergence delta = ', el('b', { 'data-fact': 'convergence-delta' }, method.value.endsWith('INTEGRATED_GRADIENTS') ? fmt(attribution.convergenceDelta ?? 0) : 'n/a (integrated gradients only)')));
        const title = `${attribution.sequenceId}  ${task.value}  f(x) = ${fmt(attribution.prediction ?? 0)}`;
        const slot = el('div');
        const view = el('select', { 'data-action': 'view' }, el('option', { value: 'projected' }, 'projected on the observed base'), el('option', { value: 'channels' }, 'per channel'));
        const draw = async () => slot.replaceChildren(await attributionLogo(attribution, view.value, title, work.signal));
        view.addEventListener('change', () => draw().catch(e => showError(form, e, 'form')));
        await draw();
        results.append(facts, el('label', { class: 'check' }, 'Logo:', view), slot);
        if (ism.checked) {
          work.progress(1, 2, 'steps: mutagenesis');
          let response = null;
          await api.mutagenesis({ model: model.value, inputs, target }, (m) => { response ??= m; }, work.signal);
          results.append(await ismHeatmap(response, `${attribution.sequenceId}  ${task.value}: in-silico mutagenesis`, work.signal));
        }
        work.finish('done');
      } catch (e) {
        work.finish('');
        showError(form, e, e.code === 5 ? 'model' : 'sequence', HINTS);
      } finally {
        submit.disabled = false;
      }
    },
  });
}
