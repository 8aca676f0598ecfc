// The page's start: reads the model list and the address, creates the views (views/registry.js) and the
// controls (controls.js), starts the model worker (model-client.js), loads the model there and runs it. With ?test=1 in the address the end-to-end tests'
// hook (test-hook.js) is installed as window.mhaDemo; the page never loads it otherwise.
import { app, applyLanguage, createViews, showMessage } from './controller.js';
import { loadFolder, loadHub, syncModelSelect, wireControls } from './controls.js';
import { t } from './i18n.js';
import { $ } from './dom.js';
import { ModelClient } from './model-client.js';
import { loadModelList } from './model-store.js';
import { FILES_MODEL, HUB_MODEL, stateFromUrl } from './state.js';
import { VIEW_IDS } from './views/registry.js';

async function start() {
  const query = new URLSearchParams(location.search);
  if (query.has('test')) (await import('./test-hook.js')).installTestHook();
  app.worker = new ModelClient();
  try {
    app.modelList = await loadModelList();
  } catch (error) {
    $('model-info').textContent = t('model.listError', { message: error.message });
  }
  app.defaultModelUrl = app.modelList[0]?.url ?? '';
  app.state = stateFromUrl(location.search, app.defaultModelUrl, VIEW_IDS);
  // without a layer, head or hidden heads in the address, open on the model's most informative head
  if (!['layer', 'head', 'hide'].some((key) => query.has(key))) app.openOn = 'informative';
  if (app.state.modelUrl === FILES_MODEL) {
    app.notice = 'files.notice'; // (an i18n key: the message follows the language)
    app.state.modelUrl = app.defaultModelUrl;
  }
  createViews();
  wireControls();
  applyLanguage();
  syncModelSelect();
  const hub = app.state.modelUrl === HUB_MODEL ? app.state.hub : null;
  try {
    if (hub) await loadHub(hub.id, hub.revision, { openInformative: false });
    else await loadFolder(app.state.modelUrl, { openInformative: false });
  } catch (error) {
    const params = { url: app.state.modelUrl, hub: hub?.id, hubUrl: app.state.hubUrl, message: error.message };
    showMessage(t(hub ? 'load.failedStartHub' : 'load.failedStart', params), 'error');
  }
}

start();
