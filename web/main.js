// The page's start: reads the model list and the address, creates the views (views/registry.js) and the
// controls (controls.js), starts the model worker (model-client.js), loads the model there and runs it. With ?test=1 in the address the end-to-end tests'
// hook (test-hook.js) is installed as window.mhaDemo; the page never loads it otherwise.
import { app, createViews, showMessage } from './controller.js';
import { loadFolder, loadHub, syncModelSelect, wireControls } from './controls.js';
import { $ } from './dom.js';
import { ModelClient } from './model-client.js';
import { loadModelList } from './model-store.js';
import { FILES_MODEL, HUB_MODEL, stateFromUrl } from './state.js';
import { VIEW_IDS } from './views/registry.js';

const FILES_NOTICE =
  'This link was made with a model read from local files, which a link cannot carry: the page shows the default model. ' +
  'To see yours, load its files again with "Your own model…".';

async function start() {
  const query = new URLSearchParams(location.search);
  if (query.has('test')) (await import('./test-hook.js')).installTestHook();
  app.worker = new ModelClient();
  try {
    app.modelList = await loadModelList();
  } catch (error) {
    $('model-info').textContent = `models.json: ${error.message}`;
  }
  app.defaultModelUrl = app.modelList[0]?.url ?? '';
  app.state = stateFromUrl(location.search, app.defaultModelUrl, VIEW_IDS);
  // without a layer, head or hidden heads in the address, open on the model's most informative head
  if (!['layer', 'head', 'hide'].some((key) => query.has(key))) app.openOn = 'informative';
  if (app.state.modelUrl === FILES_MODEL) {
    app.notice = FILES_NOTICE;
    app.state.modelUrl = app.defaultModelUrl;
  }
  createViews();
  wireControls();
  syncModelSelect();
  const hub = app.state.modelUrl === HUB_MODEL ? app.state.hub : null;
  try {
    if (hub) await loadHub(hub.id, hub.revision, { openInformative: false });
    else await loadFolder(app.state.modelUrl, { openInformative: false });
  } catch (error) {
    const where = hub ? `${hub.id} from ${app.state.hubUrl}` : `the model at ${app.state.modelUrl}`;
    showMessage(`Could not load ${where}: ${error.message}. Pick one above or load your own files.`, 'error');
  }
}

start();
