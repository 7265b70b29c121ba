// Pictures rendered by the server (src/Visualization, the SVGs the CLI writes). Every letter and heatmap cell
// carries data-position (1-based), data-base, data-value (and data-label where the axis has labels); hovering
// shows them.
import { api } from './api.js';
import { el, download, fmt } from './ui.js';

export const BASES = ['A', 'C', 'G', 'U'];

/** Per-position sum over the channels: what the projected logo draws on the observed base. */
export function projected(values, length) {
  return Array.from({ length }, (_, i) => BASES.reduce((s, _b, c) => s + values[c * length + i], 0));
}

/** A figure panel: the SVG inline, a hover read-out, and Download SVG / TSV buttons. */
export function figurePanel(name, svgText, tsvText, fileStem, extraBar = []) {
  const holder = el('div', { class: 'svg-holder' });
  holder.innerHTML = svgText;
  const hover = el('div', { class: 'hover', 'data-hover': name }, 'hover a letter or cell for position, base and value');
  holder.addEventListener('mouseover', (event) => {
    const d = event.target?.dataset;
    if (d?.position !== undefined) hover.textContent = `position ${d.label ?? d.position}  base ${d.base}  value ${fmt(Number(d.value))}`;
  });
  return el('div', { class: 'figure', 'data-figure': name },
    el('div', { class: 'bar' }, el('strong', {}, name), ...extraBar,
      el('button', { type: 'button', class: 'secondary', 'data-action': 'download-svg', onclick: () => download(`${fileStem}.svg`, svgText, 'image/svg+xml') }, 'Download SVG'),
      el('button', { type: 'button', class: 'secondary', 'data-action': 'download-tsv', onclick: () => download(`${fileStem}.tsv`, tsvText) }, 'Download TSV')),
    holder, hover);
}

/** The attribution logo of one Attribution message; `view` is 'projected' or 'channels'. */
export async function attributionLogo(attribution, view, title, signal) {
  const map = attribution.maps.find(m => m.input === 'sequence') ?? attribution.maps[0];
  const length = Number(map.length);
  const values = map.values.map(Number);
  const svg = await api.render('attribution-logo', { attribution, view, title }, signal);
  const panel = figurePanel(view === 'projected' ? 'attribution logo (projected on the observed base)' : 'attribution logo (per channel)',
    svg, attributionTsv(values, length, attribution.sequence ?? ''), `attribution-${view}`);
  panel.dataset.view = view;
  return panel;
}

export function attributionTsv(values, length, sequence) {
  const sums = projected(values, length);
  const lines = ['position\tbase\tA\tC\tG\tU\tprojected'];
  for (let i = 0; i < length; i++) lines.push([i + 1, sequence[i] ?? 'N', ...BASES.map((_, c) => values[c * length + i]), sums[i]].join('\t'));
  return lines.join('\n') + '\n';
}

/** The ISM heatmap (with its norm logo) of one MutagenesisResponse message. */
export async function ismHeatmap(response, title, signal) {
  const length = Number(response.windowLength);
  const start = Number(response.windowStart ?? 0);
  const deltas = response.targetDeltas.map(Number);
  const svg = await api.render('ism-heatmap', { mutagenesis: response, title }, signal);
  const lines = ['position\treference\tA\tC\tG\tU\tnorm'];
  for (let i = 0; i < length; i++)
    lines.push([start + i + 1, response.sequence[start + i], ...BASES.map((_, c) => deltas[c * length + i]), response.positionNorms[i]].join('\t'));
  return figurePanel('in-silico mutagenesis (Δ target, alt − ref) with its norm logo', svg, lines.join('\n') + '\n', 'ism');
}
