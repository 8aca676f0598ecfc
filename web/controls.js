// The page's controls outside the views: text input and presets, view tabs, layer picker, keyboard
// shortcuts, the √ scale, the model picker and "your own model" panel, exports and the link. Each one
// turns a DOM event into an action of the controller (controller.js).
import { $, escapeHtml, setHtml } from './dom.js';
import {
  app,
  frame,
  generate,
  relayout,
  setState,
  showMessage,
  stopGeneration,
  update,
  useModel,
  viewById,
  writeUrl,
} from './controller.js';
import { attentionJson, canvasesToPng, canvasesToSvg, download } from './export.js';
import { downloadBytes, HUB_MODELS } from './hub-models.js';
import { language, LANGUAGE_NAMES, t } from './i18n.js';
import { checkModelFiles, fileLimitText } from './model-store.js';
import { formatBytes } from '../dist/runtime.js';
import { COMPARE_PAIR, COMPARE_PAIR_BN, FILES_MODEL, HUB_MODEL, isHubId, PRESETS } from './state.js';
import { VIEW_IDS } from './views/registry.js';

const RESIZE_DEBOUNCE_MS = 100;

/** Binds every control once (the views bind their own panels in controller.createViews). */
export function wireControls() {
  wireText();
  wirePresets();
  wireTabs();
  wireShortcuts();
  wireModelChoice();
  wireHub();
  wireFiles();
  wireGenerate();
  wireExports();
  wireLanguage();
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(relayout, RESIZE_DEBOUNCE_MS);
  });
}

// ---- text, presets, tabs, layer, keyboard ---------------------------------------------------------

function wireText() {
  const text = $('text-input');
  text.value = app.state.text;
  text.addEventListener('input', () => setState({ text: text.value }, { recompute: true, debounce: true }));
}

/** Sets text A (and the input box) and runs the model. */
function setText(text, patch = {}) {
  $('text-input').value = text;
  setState({ text, lock: null, cell: null, ...patch }, { recompute: true });
}

/** The preset buttons in the current language (rewritten when the language changes). */
export function renderPresets() {
  const buttons = PRESETS.map(
    (p, n) =>
      `<button type="button" data-preset="${n}" title="${escapeHtml(p.title ? t(p.title) : p.text)}"` +
      `${p.title ? '' : ' data-raw-title'}>` +
      `${escapeHtml(t(p.label))}</button>`,
  );
  const encoder = pairModel();
  const button = (preset, label, title) =>
    `<button type="button" data-preset="${preset}" title="${escapeHtml(title)}">${escapeHtml(label)}</button>`;
  const encoderPair = encoder
    ? button(
        'encoder-pair',
        t('preset.encoderPair', { name: encoder.name }),
        t('preset.encoderPairTitle', { name: encoder.name }),
      )
    : '';
  setHtml(
    $('presets'),
    buttons.join('') +
      button('pair', t('preset.pair'), t('preset.pairTitle')) +
      button('pair-bn', t('preset.bnPair'), t('preset.bnPairTitle')) +
      encoderPair +
      button('long', t('preset.long'), t('preset.longTitle')),
  );
}

function wirePresets() {
  renderPresets();
  $('presets').addEventListener('click', async (e) => {
    const preset = e.target.closest('button')?.dataset.preset;
    if (preset === undefined || !app.model) return;
    if (preset === 'pair') return setText(COMPARE_PAIR[0], { textB: COMPARE_PAIR[1], view: 'compare' });
    if (preset === 'pair-bn') return setText(COMPARE_PAIR_BN[0], { textB: COMPARE_PAIR_BN[1], view: 'compare' });
    if (preset === 'encoder-pair') return openEncoderPair(pairModel());
    if (preset === 'long') return setText(await app.worker.request('presetText', { kind: 'long' }));
    const chosen = PRESETS[Number(preset)];
    const text = chosen.random
      ? await app.worker.request('presetText', { kind: 'random', options: chosen.random })
      : (chosen.text ?? '');
    app.openOn = chosen.open ?? null;
    return setText(text);
  });
}

/** The models.json entry the encoder-pair preset opens (marked `pairPreset`), or undefined. */
const pairModel = () => app.modelList.find((m) => m.pairPreset);

/**
 * The encoder-pair preset: loads the entry's model unless it is in use, then compares the seed pair on the
 * head of its measured table that moves "it" most (L3H1 for all-MiniLM-L6-v2), else layer 0 head 0.
 */
async function openEncoderPair(entry) {
  try {
    if (app.state.modelUrl !== entry.url) {
      app.notice = '';
      await loadFolder(entry.url, { openInformative: false });
    }
  } catch (error) {
    return showMessage(t('load.failed', { name: entry.name, message: error.message }), 'error');
  }
  const top = app.measured?.heads.reduce((a, b) => (b.right - b.wrong > a.right - a.wrong ? b : a));
  const head = top ? { layer: top.layer, head: top.head } : { layer: 0, head: 0 };
  setText(COMPARE_PAIR[0], { textB: COMPARE_PAIR[1], view: 'compare', hiddenHeads: new Set(), ...head });
}

/** Opens a view; runs the model when the view needs text B and B has not run. */
function openView(view) {
  setState({ view }, { recompute: Boolean(viewById(view).needsTextB && !app.runB) });
}

function wireTabs() {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener('click', () => openView(tab.dataset.view));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = VIEW_IDS[(VIEW_IDS.indexOf(tab.dataset.view) + step + VIEW_IDS.length) % VIEW_IDS.length];
      openView(next);
      $(`tab-${next}`).focus();
    });
  }
  $('layer-picker').addEventListener('click', (e) => {
    const layer = e.target.closest('button')?.dataset.layer;
    if (layer !== undefined) setState({ layer: Number(layer) });
  });
}

function wireShortcuts() {
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('textarea, input, select') || !app.model) return;
    if (e.key !== '[' && e.key !== ']') return;
    const layer = app.state.layer + (e.key === ']' ? 1 : -1);
    setState({ layer: Math.max(0, Math.min(app.model.config.nLayer - 1, layer)) });
  });
  $('units-toggle').addEventListener('click', () => {
    const units = app.state.units === 'words' ? 'tokens' : 'words';
    setState({ units, lock: null, cell: null }, { recompute: true });
  });
  $('special-toggle').addEventListener('click', () => {
    const special = app.state.special === 'hide' ? 'show' : 'hide';
    setState({ special, lock: null, cell: null }, { recompute: true });
  });
  $('about-model').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-layer]');
    if (row) setState({ layer: Number(row.dataset.layer), head: Number(row.dataset.head), view: 'model' });
  });
  $('legend').addEventListener('click', (e) => {
    if (e.target.closest('#scale-toggle')) setState({ scale: app.state.scale === 'sqrt' ? 'linear' : 'sqrt' });
  });
  $('tokens').addEventListener('click', (e) => {
    const n = Number(e.target.closest('[data-index]')?.dataset.index);
    if (Number.isInteger(n)) setState({ view: 'heads', lock: { side: 'q', index: n } });
  });
}

// ---- model choice --------------------------------------------------------------------------------

/**
 * The model picker's options: the models.json entries, the Hub entries (hub-models.js, with their download
 * sizes), plus the model of the address (a folder not in the list, a Hub id not in it, or local files) as its
 * own option, so that choosing a listed model is always a change. Values: 'n' (models.json), 'hub:n', 'other'.
 */
export function syncModelSelect() {
  const s = app.state,
    url = s.modelUrl;
  const index = app.modelList.findIndex((m) => m.url === url);
  const hubIndex = url === HUB_MODEL ? HUB_MODELS.findIndex((m) => m.id === s.hub?.id) : -1;
  const builtIn = app.modelList.map((m, n) => `<option value="${n}">${escapeHtml(m.name)}</option>`);
  const hub = HUB_MODELS.map(
    (m, n) => `<option value="hub:${n}" data-hub="${escapeHtml(m.id)}">${escapeHtml(hubOptionText(m))}</option>`,
  );
  let other = '';
  if (url === FILES_MODEL) other = `<option value="other">${escapeHtml(t('model.yourFiles'))}</option>`;
  else if (url === HUB_MODEL && hubIndex < 0 && s.hub)
    other = `<option value="other" data-hub="${escapeHtml(s.hub.id)}">${escapeHtml(t('model.hubOther', { id: s.hub.id }))}</option>`;
  else if (url !== HUB_MODEL && index < 0 && url) other = `<option value="other">${escapeHtml(url)}</option>`;
  const select = $('model-select');
  setHtml(
    select,
    `<optgroup label="${escapeHtml(t('model.builtInGroup'))}">${builtIn.join('')}${other}</optgroup>` +
      `<optgroup label="${escapeHtml(t('model.hubGroup'))}">${hub.join('')}</optgroup>`,
  );
  select.value = index >= 0 ? String(index) : hubIndex >= 0 ? `hub:${hubIndex}` : 'other';
}

/** The page's own server's address of a folder, or an Error that says it is elsewhere. */
function folderSource(url) {
  const folder = new URL(url, location.href);
  if (folder.origin !== location.origin)
    throw new Error(t('files.notOnServer', { url: folder.href, origin: location.origin }));
  return { kind: 'folder', url: folder.href };
}

/** A Hub entry's option: its name (and note), its id and the bytes its files download. */
function hubOptionText(entry) {
  const name = entry.note ? `${entry.name} (${t(entry.note)})` : entry.name;
  return t('model.hubOption', { name, id: entry.id, bytes: formatBytes(downloadBytes(entry)) });
}

/** Loads a model folder on this server (a models.json entry, or any folder) and runs it; false when replaced. */
export async function loadFolder(url, { openInformative = true } = {}) {
  const entry = app.modelList.find((m) => m.url === url) ?? { name: url, url };
  if (openInformative) app.openOn = 'informative';
  let adopted;
  try {
    adopted = await useModel(folderSource(entry.url), {
      name: entry.name,
      modelUrl: entry.url,
      patternsFile: entry.patterns,
      measuredFile: entry.measured,
    });
  } finally {
    syncModelSelect();
  }
  if (adopted) await update();
  return adopted;
}

/** Loads a model from the Hub (state.hubUrl) by id and revision, and runs it; false when replaced. */
export async function loadHub(id, revision = 'main', { openInformative = true } = {}) {
  if (!isHubId(id)) throw new Error(t('hub.idInvalid', { id }));
  if (openInformative) app.openOn = 'informative';
  const name = HUB_MODELS.find((m) => m.id === id)?.name ?? id;
  const hubUrl = app.state.hubUrl;
  let adopted;
  try {
    adopted = await useModel(
      { kind: 'hub', id, revision, hubUrl },
      { name, modelUrl: HUB_MODEL, hub: { id, revision } },
    );
  } finally {
    syncModelSelect();
  }
  if (adopted) await update();
  return adopted;
}

function wireModelChoice() {
  const select = $('model-select');
  select.addEventListener('change', async () => {
    const hubEntry = select.value.startsWith('hub:') ? HUB_MODELS[Number(select.value.slice(4))] : null;
    const entry = hubEntry ? null : app.modelList[Number(select.value)];
    if (!entry && !hubEntry) return;
    app.notice = '';
    try {
      if (hubEntry) await loadHub(hubEntry.id);
      else await loadFolder(entry.url);
    } catch (error) {
      showMessage(t('load.failed', { name: hubEntry?.id ?? entry.name, message: error.message }), 'error');
    }
  });
  const filesButton = $('model-files-button');
  filesButton.addEventListener('click', () => {
    const panel = $('model-files-panel');
    panel.hidden = !panel.hidden;
    filesButton.setAttribute('aria-expanded', String(!panel.hidden));
  });
  $('model-url-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const url = $('model-url').value.trim();
    if (!url) return;
    const message = $('load-message');
    message.classList.remove('error');
    try {
      app.notice = '';
      if (await loadFolder(url)) message.textContent = t('files.loadedUrl', { url });
    } catch (error) {
      message.classList.add('error');
      const keeps = app.model ? t('files.keeps', { name: app.modelName }) : '';
      message.textContent = t('files.failedUrl', { url, message: error.message }) + keeps;
    }
  });
}

/** The "any Hub id" form: an id, a revision, and the Hub's address (kept in the URL when not the default). */
function wireHub() {
  $('hub-url').value = app.state.hubUrl;
  $('hub-url').addEventListener('change', () => {
    const value = $('hub-url').value.trim();
    if (/^https?:\/\/\S+$/.test(value)) setState({ hubUrl: value.endsWith('/') ? value : `${value}/` });
  });
  $('hub-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('hub-id').value.trim(),
      revision = $('hub-revision').value.trim() || 'main';
    if (!id) return;
    const message = $('load-message');
    message.classList.remove('error');
    try {
      app.notice = '';
      if (await loadHub(id, revision)) message.textContent = t('hub.loaded', { id });
    } catch (error) {
      message.classList.add('error');
      const keeps = app.model ? t('files.keeps', { name: app.modelName }) : '';
      message.textContent = t('hub.failed', { id, message: error.message }) + keeps;
    }
  });
}

// ---- generation ----------------------------------------------------------------------------------

function wireGenerate() {
  $('generate-button').addEventListener('click', () => {
    const count = Math.max(1, Math.min(512, Math.floor(Number($('generate-count').value)) || 20));
    generate({ maxNewTokens: count });
  });
  $('stop-button').addEventListener('click', stopGeneration);
}

// ---- your own files ------------------------------------------------------------------------------

async function loadFiles(files) {
  const message = $('load-message');
  message.classList.remove('error');
  message.textContent = t('files.reading');
  try {
    checkModelFiles(files);
    const meta = { name: t('model.yourModel'), modelUrl: FILES_MODEL };
    if (!(await useModel({ kind: 'files', files: [...files] }, meta))) return;
    app.openOn = 'informative';
    app.notice = '';
    syncModelSelect();
    message.textContent = t('files.loaded', { names: [...files].map((f) => f.name).join(', ') });
    await update();
  } catch (error) {
    message.classList.add('error');
    const kept = app.model ? t('files.keeps', { name: app.modelName }) : '';
    message.textContent = t('files.failed', { message: error.message.replace(/([^.।])$/, '$1.') }) + kept;
  }
}

function wireFiles() {
  $('model-files').addEventListener('change', (e) => {
    if (e.target.files.length) loadFiles(e.target.files);
  });
  const drop = $('drop-zone');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) loadFiles(e.dataTransfer.files);
  });
  drop.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    $('model-files').click();
  });
}

// ---- exports and the link ------------------------------------------------------------------------

const baseName = () => `attention-${app.modelName.replace(/\W+/g, '-')}-${app.state.view}-L${app.state.layer}`;
const viewCanvases = () => [...$(`view-${app.state.view}`).querySelectorAll('canvas')];

/** The exports' title: a caption (model, view, layer, head(s), text) and the heads of the hue key. */
function exportTitle() {
  const s = app.state,
    view = app.views.get(s.view);
  const heads = view.keyHeads?.(frame()) ?? Array.from({ length: app.model.config.nHead }, (_, h) => h);
  const text = s.text.length > 80 ? `${s.text.slice(0, 79)}…` : s.text;
  const shows = view.shows(frame());
  const caption = t('export.caption', {
    model: app.modelName,
    view: s.view,
    viewName: t(viewById(s.view).label),
    layer: s.layer,
    shows,
    text,
  });
  return { caption, heads };
}

/** Runs an export when there is something to export; says so instead when no model has run. */
function exporter(run) {
  return async () => {
    if (!app.run) return showMessage(t('export.nothing'), 'error');
    await run();
  };
}

function wireExports() {
  $('export-png').addEventListener(
    'click',
    exporter(async () => download(await canvasesToPng(viewCanvases(), exportTitle()), `${baseName()}.png`)),
  );
  $('export-svg').addEventListener(
    'click',
    exporter(() => {
      const view = app.views.get(app.state.view);
      const title = exportTitle();
      const svg = view.exportSvg ? view.exportSvg(title) : canvasesToSvg(viewCanvases(), title);
      download(new Blob([svg], { type: 'image/svg+xml' }), `${baseName()}.svg`, svg);
    }),
  );
  $('export-json').addEventListener(
    'click',
    exporter(() => {
      const { tokens, ids, attention } = app.run;
      const json = attentionJson({
        modelName: app.modelName,
        config: app.model.config,
        text: app.state.text,
        tokens,
        ids,
        attention,
        ablated: app.state.ablated,
        b: app.runB && viewById(app.state.view).needsTextB ? { text: app.state.textB, ...app.runB } : null,
      });
      download(new Blob([json], { type: 'application/json' }), `${baseName()}.json`, json);
    }),
  );
  $('copy-link').addEventListener('click', copyLink);
}

async function copyLink() {
  const button = $('copy-link');
  writeUrl();
  const files = app.state.modelUrl === FILES_MODEL ? t('toolbar.withoutFiles') : '';
  try {
    await navigator.clipboard.writeText(location.href);
    button.textContent = t('toolbar.copied', { files });
  } catch {
    button.textContent = t('toolbar.seeAddress', { files });
  }
  setTimeout(() => {
    button.textContent = t('toolbar.link');
  }, 1500);
}

// ---- language ------------------------------------------------------------------------------------

/** The English / বাংলা toggle: the language goes into the state (and the URL, lang=bn). */
function wireLanguage() {
  const group = $('lang-toggle');
  for (const button of group.querySelectorAll('button')) button.textContent = LANGUAGE_NAMES[button.dataset.lang];
  group.addEventListener('click', (e) => {
    const lang = e.target.closest('button[data-lang]')?.dataset.lang;
    if (lang && lang !== language()) setState({ lang }, { recompute: true }); // (the messages of a run follow it)
  });
}

/** The file limit as files.intro shows it (the tests read #size-limit). */
export const staticParams = () => ({ limit: `<strong id="size-limit">${escapeHtml(fileLimitText())}</strong>` });
