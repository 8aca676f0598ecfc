// Three kinds of head (the seed example's grammar, pronoun and meaning heads), measured on this model and
// text by analysis.headKinds: for each kind the best head, its score beside chance and the label threshold,
// or plainly that no head clears it. The similarity kind needs the model's token embeddings (embeddings.js),
// which the model worker reads from its model.safetensors (frame.embeddings). The default export is the view (views/registry.js).
import { headKinds } from '../analysis.js';
import { escapeHtml, setHtml } from '../dom.js';
import { t } from '../i18n.js';

const KINDS = ['syntax', 'pronoun', 'semantic'];

const MARKUP = `
  <p class="hint" data-i18n="kinds.hint"></p>
  <div id="kinds-list" class="kinds"></div>`;

const token = (text) => `<code data-raw>${escapeHtml(text)}</code>`;
const headName = ({ layer, head }) => `L${layer}H${head}`;

/** The words of one kind's result. */
function kindResult(kind, result, tokens) {
  if (result.missing) return `<p class="muted">${t(`kinds.missing.${result.missing}`)}</p>`;
  const { best, chance, threshold, clears } = result;
  const p = {
    head: `<button type="button" data-layer="${best.layer}" data-head="${best.head}">${headName(best)}</button>`,
    score: best.score.toFixed(3),
    chance: chance.toFixed(3),
    threshold: threshold.toFixed(3),
  };
  let detail = '';
  if (kind === 'pronoun')
    detail = t('kinds.pronounDetail', {
      pronoun: token(result.words.pronoun),
      antecedent: token(result.words.antecedent),
      other: token(result.words.other),
      score: p.score,
      otherScore: best.other.toFixed(3),
    });
  if (kind === 'semantic') {
    const example = result.rows.reduce((a, b) => (b.cosine > a.cosine ? b : a));
    detail = t('kinds.semanticDetail', {
      query: token(tokens[example.query]),
      key: token(tokens[example.keys[0]]),
      cosine: example.cosine.toFixed(2),
      n: result.rows.length,
    });
  }
  return `<p data-verdict="${clears ? 'clears' : 'none'}">${t(clears ? 'kinds.clears' : 'kinds.none', p)}</p>${detail ? `<p class="small">${detail}</p>` : ''}`;
}

class KindsView {
  constructor(panel, actions) {
    this.list = panel.querySelector('#kinds-list');
    this.actions = actions;
    this.result = null;
  }

  initialize() {
    this.list.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-layer]');
      if (button)
        this.actions.setState({
          layer: Number(button.dataset.layer),
          head: Number(button.dataset.head),
          view: 'model',
        });
    });
  }

  /** frame: controller.frame() */
  render({ config, run, causal, delimiters, embeddings }) {
    const skip = Array.from(run.ids, (_, n) => Boolean(run.special?.[n]) || Boolean(delimiters[n]));
    const value = embeddings(run.ids); // { rows, dim }, null (none) or undefined (the worker reads them)
    const embedded = value === undefined ? { loading: true } : (value ?? {});
    const { tokens, ids, attention } = run;
    const options = {
      attention,
      config,
      tokens,
      ids,
      skip,
      causal,
      embeddings: embedded.rows ?? null,
      dim: embedded.dim,
    };
    const result = headKinds(options);
    if (embedded.loading) result.semantic = { missing: 'loading' };
    this.result = result;
    const sections = KINDS.map(
      (kind) =>
        `<section class="kind" data-kind="${kind}"><h4>${t(`kinds.title.${kind}`)}</h4>` +
        `<p class="small muted">${t(`kinds.proxy.${kind}`)}</p>${kindResult(kind, result[kind], tokens)}</section>`,
    );
    setHtml(this.list, sections.join(''));
  }
}

/** The numbers of a result for the tests (no row lists). */
const summary = (result) =>
  result && Object.fromEntries(KINDS.map((kind) => [kind, { ...result[kind], rows: result[kind].rows?.length ?? 0 }]));

export default {
  id: 'kinds',
  label: 'kinds.tab',
  markup: MARKUP,
  tokensOnly: true,
  create({ panel, actions }) {
    const view = new KindsView(panel, actions);
    view.initialize();
    return {
      render: (frame) => view.render(frame),
      legend: () => `<span>${t('kinds.legend')}</span>`,
      keyHeads: () => [],
      shows: () => t('kinds.shows'),
      inspect: () => summary(view.result),
    };
  },
};
