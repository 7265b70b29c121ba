// Hash router: #/models, #/predict, #/explain, #/variant, #/gia (query parameters preselect a model, e.g.
// #/explain?model=rbfox2). The bearer token lives in this tab's sessionStorage only.
import { el, showError } from './ui.js';
import { modelsPage } from './models.js';
import { predictPage } from './predict.js';
import { explainPage } from './explain.js';
import { variantPage } from './variant.js';
import { giaPage } from './gia.js';

const pages = { models: modelsPage, predict: predictPage, explain: explainPage, variant: variantPage, gia: giaPage };

const token = document.getElementById('token');
token.value = sessionStorage.getItem('rbp-token') ?? '';
token.addEventListener('change', () => { sessionStorage.setItem('rbp-token', token.value.trim()); route(); });

async function route() {
  const name = (location.hash.replace(/^#\//, '').split('?')[0]) || 'models';
  const page = pages[name] ?? modelsPage;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === name);
  const root = document.getElementById('page');
  root.replaceChildren();
  root.dataset.page = name;
  try {
    await page(root);
  } catch (e) {
    root.append(el('p', { class: 'error', 'data-error-for': 'page' }));
    showError(root, e, 'page');
  }
  root.dataset.ready = 'true';
}

window.addEventListener('hashchange', route);
route();
