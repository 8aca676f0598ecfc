// The head view's chips: one per head of the layer, with the head's hue and its label on this text.
// Click toggles a head, double-click or S solos it (again: all heads back).
import { headColor } from '../colors.js';
import { setAttribute, setText } from '../dom.js';
import { chipText, describeOffline, describeScores, headName } from '../head-text.js';
import { t } from '../i18n.js';

export class HeadChips {
  /** container: the chips' element; actions.setState(patch) */
  constructor(container, actions) {
    this.container = container;
    this.actions = actions;
    this.frame = null; // the last rendered frame
  }

  initialize() {
    const headOf = (e) => Number(e.target.closest('.chip')?.dataset.head);
    this.container.addEventListener('click', (e) => {
      const h = headOf(e);
      if (Number.isInteger(h)) this.toggle(h);
    });
    this.container.addEventListener('dblclick', (e) => {
      const h = headOf(e);
      if (Number.isInteger(h)) this.solo(h);
    });
    this.container.addEventListener('keydown', (e) => {
      const h = headOf(e);
      if (!Number.isInteger(h) || e.key.toLowerCase() !== 's') return;
      e.preventDefault();
      this.solo(h);
    });
  }

  toggle(h) {
    const hidden = new Set(this.frame.state.hiddenHeads);
    if (hidden.has(h)) hidden.delete(h);
    else hidden.add(h);
    this.actions.setState({ hiddenHeads: hidden });
  }

  solo(h) {
    const { nHead } = this.frame.config,
      hidden = this.frame.state.hiddenHeads;
    const others = Array.from({ length: nHead }, (_, n) => n).filter((n) => n !== h);
    const alreadySolo = hidden.size === nHead - 1 && !hidden.has(h);
    this.actions.setState({ hiddenHeads: alreadySolo ? new Set() : new Set(others) });
  }

  /** frame: controller.frame() */
  render(frame) {
    this.frame = frame;
    const { state: s, config, labels, patterns } = frame;
    this.build(config);
    for (const chip of this.container.children) {
      const h = Number(chip.dataset.head);
      setAttribute(chip, 'aria-pressed', String(!s.hiddenHeads.has(h)));
      const off = s.ablated.has(`${s.layer}.${h}`);
      setText(chip.querySelector('.label'), chipText(labels, s.layer, h) + (off ? t('heads.off') : ''));
      const offline = describeOffline(patterns, s.layer, h);
      const title =
        `${t('heads.chipTitle', { head: h })}\n${describeScores(labels, s.layer, h)}` +
        (offline ? `\n${offline}` : '') +
        `\n${t('heads.chipHelp')}`;
      if (chip.title !== title) chip.title = title;
    }
  }

  build(config) {
    const { nHead } = config;
    const names = Array.from({ length: nHead }, (_, h) => headName(config, h));
    if (this.container.dataset.names === names.join()) return;
    this.container.dataset.names = names.join();
    const chip = (h) =>
      `<button type="button" class="chip" data-head="${h}"><span class="swatch" ` +
      `style="background:${headColor(h)};color:${headColor(h)}"></span>${names[h]} <span class="label"></span></button>`;
    this.container.innerHTML = names.map((_, h) => chip(h)).join('');
  }
}
