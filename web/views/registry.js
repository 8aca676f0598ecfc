// The page's views, in tab order. A view is one module whose default export is
//   { id, label, markup, needsTextB?, create(context) -> { render(frame), legend(frame), exportSvg?(), inspect?() } }
//   id          the view's name in the URL; its tab is #tab-<id>, its panel #view-<id>
//   label       the tab's text
//   markup      the panel's HTML (the controller creates the tab and the panel)
//   needsTextB  the view shows text B's run (the controller runs B only while such a view is open)
//   tokensOnly  the view draws the runs' sub-word pieces even when state.units is 'words'
//   create      binds the panel once: context = { panel, tooltip, actions, widths }
//                 actions = { setState(patch, { recompute, debounce }), selectHead({ layer, head }) }
//                 widths  = { view(), split() }: the px a picture may take, full width or half of a split
//   render      draws from frame = { state, config, run, T, tokens, attention, labels, patterns, focusScore,
//                 runB, difference, predictions, predictionsB, internals(layer) } (controller.frame())
//   legend      the markup of the legend under the view
//   exportSvg   exportSvg(title): the SVG export, when the view draws vectors (else its canvases are embedded);
//                 title = { caption, heads } (export.js)
//   keyHeads    keyHeads(frame): the heads whose hues the exports' key shows (default: every head)
//   shows       shows(frame): what the picture holds, for the exports' caption (e.g. 'heads 0, 3')
//   inspect     numbers for the end-to-end tests (the test hook, ?test=1)
// Adding a view: write its module and add one line to this list.
const MODULES = [
  './head-view.js', // one layer's heads as lines from queries to keys
  './model-view.js', // every layer x head as a heatmap, one opened large
  './aggregate-view.js', // heads combined: mean, max, rollout over layers
  './compare-view.js', // two texts and their difference per head
  './steps-view.js', // one query token through one head, step by step, on this run's numbers
  './kinds-view.js', // the seed's three kinds of head (grammar, pronoun, meaning), measured against chance
];

export const VIEWS = (await Promise.all(MODULES.map((path) => import(path)))).map((module) => module.default);
export const VIEW_IDS = VIEWS.map((view) => view.id);
