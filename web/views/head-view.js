// Head view: the tokens in two columns, queries on the left and keys on the right, one line per
// visible head per (query, key) pair, one hue per head, opacity = the attention weight. Hover a token
// to see only its lines (with the weights as bars beside the other column), click to lock it.
// Drawn on one canvas: lines are batched by head and by opacity level, so the full context costs a
// few dozen strokes, not one DOM node per edge. The default export is the view (views/registry.js).
import { headColor, UI } from '../colors.js';
import { escapeHtml } from '../dom.js';
import { svgTitle, titleHeight } from '../export.js';
import { HeadChips } from './head-chips.js';
import { scaleToggle, specialLegend } from './legend.js';
import { shortToken, sizeCanvas, textWidth } from './heatmap.js';
import { t } from '../i18n.js';

// ---- layout ----
const fontFor = (row) => `${Math.min(13, row - 3)}px ui-monospace, "DejaVu Sans Mono", monospace`;
const TOP = 10;
const SIDE_PAD = 10;
const TEXT_GAP = 8; // between a token's text and its line anchor
const BAR_SLOT = 7; // px per head in the per-token weight bars
const SINGLE_BAR = 56; // bar width when one head is shown (with its number)
const BAR_NUMBER = 26; // the number after several heads' bars: the largest weight, in its head's hue
const MIN_LINKS_NARROW = 48; // narrowest space between the two columns (a phone)
const MAX_LINKS = 420;
const MIN_WEIGHT = 0.01; // lines below this weight are invisible and skipped
const ALPHA_LEVELS = 24; // opacity quantisation for batching
const MAX_LABEL_CHARS = 16;
const MIN_LABEL_CHARS = 4; // labels are cut down to this on a narrow screen
const HEAD_SPREAD = 2.2; // px between the line ends of neighbouring heads

function rowHeight(T) {
  return T <= 24 ? 24 : T <= 48 ? 19 : T <= 80 ? 16 : 14;
}

export class HeadView {
  /** onLock(lock | null); onExplain({ i, j, head }): a weight's bar was clicked; maxWidth() in CSS px */
  constructor(canvas, { onLock, onExplain, maxWidth }) {
    this.canvas = canvas;
    this.onLock = onLock;
    this.onExplain = onExplain;
    this.maxWidth = maxWidth;
    this.hover = null; // { side, index } under the pointer
    this.keyFocus = null; // keyboard cursor
    this.data = null;
    this.stats = { lines: 0, renderMs: 0, barNumbers: [] };
    this.lineBuffers = { keys: new Uint16Array(0), pairs: new Uint16Array(0), sorted: new Uint16Array(0) };
  }

  initialize() {
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => {
      c.style.cursor = this.barAt(e) ? 'pointer' : 'default';
      const at = this.tokenAt(e);
      if (JSON.stringify(at) !== JSON.stringify(this.hover)) {
        this.hover = at;
        this.draw();
      }
    });
    c.addEventListener('mouseleave', () => {
      this.hover = null;
      this.draw();
    });
    c.addEventListener('click', (e) => {
      const bar = this.barAt(e);
      if (bar) return this.onExplain?.(bar);
      const at = this.tokenAt(e);
      const lock = this.data?.lock;
      this.onLock(at && !(lock && lock.side === at.side && lock.index === at.index) ? at : null);
    });
    c.addEventListener('keydown', (e) => this.#key(e));
    c.addEventListener('blur', () => {
      this.keyFocus = null;
      this.draw();
    });
  }

  #key(e) {
    if (!this.data) return;
    const T = this.data.T;
    this.keyFocus ??= this.data.lock ? { ...this.data.lock } : { side: 'q', index: T - 1 };
    const f = this.keyFocus;
    if (e.key === 'ArrowUp') f.index = Math.max(0, f.index - 1);
    else if (e.key === 'ArrowDown') f.index = Math.min(T - 1, f.index + 1);
    else if (e.key === 'ArrowLeft') f.side = 'q';
    else if (e.key === 'ArrowRight') f.side = 'k';
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.onLock({ ...f });
      return;
    } else if (e.key === 'Escape') {
      this.keyFocus = null;
      this.onLock(null);
      return;
    } else return;
    e.preventDefault();
    this.draw();
  }

  /**
   * The laid-out geometry for the current data, within maxWidth(): on a narrow screen the space between
   * the columns shrinks first (down to MIN_LINKS_NARROW), then the token labels are cut shorter.
   */
  layout() {
    const { tokens, T } = this.data;
    const ctx = this.canvas.getContext('2d');
    const font = (ctx.font = fontFor(rowHeight(T)));
    const maxWidth = this.maxWidth?.() ?? 700;
    const bars = Math.max(SINGLE_BAR, this.data.visible.length * BAR_SLOT + BAR_NUMBER) + 8;
    let label = 0;
    for (let chars = MAX_LABEL_CHARS; chars >= MIN_LABEL_CHARS; --chars) {
      this.labels = tokens.map((t) => shortToken(t, chars));
      label = 0;
      for (const text of this.labels) label = Math.max(label, textWidth(ctx, font, text));
      label = Math.ceil(label);
      if (maxWidth - 2 * (SIDE_PAD + label + TEXT_GAP + bars) >= MIN_LINKS_NARROW) break;
    }
    const available = maxWidth - 2 * (SIDE_PAD + label + TEXT_GAP + bars);
    const links = Math.max(MIN_LINKS_NARROW, Math.min(MAX_LINKS, available));
    const row = rowHeight(T);
    const xLeftText = SIDE_PAD + bars + label; // right edge of the query labels
    const xLeft = xLeftText + TEXT_GAP;
    const xRight = xLeft + links;
    const xRightText = xRight + TEXT_GAP;
    const width = xRightText + label + bars + SIDE_PAD;
    return { top: TOP, font, row, label, bars, xLeftText, xLeft, xRight, xRightText, width, height: TOP * 2 + T * row };
  }

  /** The pointer's place: { x, index } (x in CSS px from the canvas's left, index the token row), or null. */
  pointerAt(event) {
    if (!this.data || !this.geometry) return null;
    const r = this.canvas.getBoundingClientRect();
    const index = Math.floor((event.clientY - r.top - TOP) / this.geometry.row);
    return index >= 0 && index < this.data.T ? { x: event.clientX - r.left, index } : null;
  }

  /** True for x over a column of weight bars (left of the query labels, right of the key labels). */
  overBars(x) {
    const g = this.geometry;
    return x < SIDE_PAD + g.bars || x > g.xRightText + g.label;
  }

  /** The token under the pointer, { side, index }, or null (also over the weight bars). */
  tokenAt(event) {
    const at = this.pointerAt(event);
    if (!at || this.overBars(at.x)) return null;
    const g = this.geometry;
    return { side: at.x < (g.xLeft + g.xRight) / 2 ? 'q' : 'k', index: at.index };
  }

  /** The weight whose bar is under the pointer: { i, j, head } (the head whose number is printed), or null. */
  barAt(event) {
    const at = this.pointerAt(event),
      focus = this.focus();
    if (!at || !focus || !this.overBars(at.x)) return null;
    const barsRight = at.x > this.geometry.xRightText;
    if (barsRight !== (focus.side === 'q')) return null; // the bars are beside the other column
    const printed = this.stats.barNumbers.find((b) => b.index === at.index);
    if (!printed) return null;
    const [i, j] = focus.side === 'q' ? [focus.index, at.index] : [at.index, focus.index];
    return { i, j, head: printed.head };
  }

  /** Line opacity of a weight: the weight itself, or its square root with the √ scale. */
  opacity(w) {
    return this.data.sqrt ? Math.sqrt(w) : w;
  }

  /** The token whose lines are shown: the pointer, else the keyboard cursor, else the lock. */
  focus() {
    return this.hover ?? this.keyFocus ?? this.data?.lock ?? null;
  }

  /**
   * data = { attention, T, nHead, layer, tokens, visible: [head], lock, sqrt, causal (false: an encoder, a
   * query's lines go to every key), special (per token: [CLS]/[SEP], labels drawn in UI.special) }
   */
  render(data) {
    this.data = data;
    this.geometry = this.layout();
    const g = this.geometry;
    sizeCanvas(this.canvas, g.width, g.height);
    this.draw();
  }

  /** The lines to draw for a focus: [{ head, i, j, w }] through a callback (no allocation per line). */
  forEachLine(focus, visit) {
    const { attention, T, nHead, layer, visible } = this.data;
    const causal = this.data.causal ?? true;
    for (const h of visible) {
      const base = (layer * nHead + h) * T * T;
      if (!focus) {
        for (let i = 0; i < T; ++i)
          for (let j = 0; j <= (causal ? i : T - 1); ++j) {
            const w = attention[base + i * T + j];
            if (w >= MIN_WEIGHT) visit(h, i, j, w);
          }
      } else if (focus.side === 'q') {
        const i = focus.index;
        for (let j = 0; j <= (causal ? i : T - 1); ++j) {
          const w = attention[base + i * T + j];
          if (w >= MIN_WEIGHT) visit(h, i, j, w);
        }
      } else {
        const j = focus.index;
        for (let i = causal ? j : 0; i < T; ++i) {
          const w = attention[base + i * T + j];
          if (w >= MIN_WEIGHT) visit(h, i, j, w);
        }
      }
    }
  }

  /**
   * The lines of a focus grouped by (head, opacity level) without an array per group: a counting sort
   * of the (query, key) pairs into `sorted`. Batches come in the order their first line was met (the
   * stroke order, which decides how overlapping hues blend). Returns { lines, batches: [{ key,
   * start, end }] (line ranges in `sorted`), sorted: [query, key, ...] }.
   */
  batchLines(focus) {
    const { T, visible, sqrt } = this.data;
    const capacity = (this.data.causal ?? true) ? (visible.length * T * (T + 1)) / 2 : visible.length * T * T;
    const buffers = this.lineBuffers;
    if (buffers.keys.length < capacity)
      Object.assign(buffers, {
        keys: new Uint16Array(capacity),
        pairs: new Uint16Array(2 * capacity),
        sorted: new Uint16Array(2 * capacity),
      });
    const { keys, pairs, sorted } = buffers;
    const counts = new Uint32Array(visible.length && (Math.max(...visible) + 1) * (ALPHA_LEVELS + 1));
    const order = []; // keys in the order of their first line
    let lines = 0;
    this.forEachLine(focus, (h, i, j, w) => {
      const key = h * (ALPHA_LEVELS + 1) + Math.min(ALPHA_LEVELS, Math.round((sqrt ? Math.sqrt(w) : w) * ALPHA_LEVELS));
      if (counts[key]++ === 0) order.push(key);
      keys[lines] = key;
      pairs[2 * lines] = i;
      pairs[2 * lines + 1] = j;
      lines += 1;
    });
    const next = new Uint32Array(counts.length); // where the next line of each key goes
    const batches = [];
    let start = 0;
    for (const key of order) {
      batches.push({ key, start, end: start + counts[key] });
      next[key] = start;
      start += counts[key];
    }
    for (let n = 0; n < lines; ++n) {
      const at = 2 * next[keys[n]]++;
      sorted[at] = pairs[2 * n];
      sorted[at + 1] = pairs[2 * n + 1];
    }
    return { lines, batches, sorted };
  }

  draw() {
    if (!this.data) return;
    const start = performance.now();
    const g = this.geometry;
    const ctx = this.canvas.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);
    const focus = this.focus();
    this.stats.lines = this.drawLines(ctx, focus);
    this.drawLabels(ctx, focus);
    if (focus) this.drawBars(ctx, focus);
    else this.stats.barNumbers = [];
    this.stats.renderMs = performance.now() - start;
    this.stats.focus = focus;
  }

  /** The lines, batched per head and opacity level: one path and one stroke per batch. Returns their count. */
  drawLines(ctx, focus) {
    const { lines, batches, sorted } = this.batchLines(focus);
    ctx.lineWidth = focus ? 2 : 1.4;
    ctx.lineCap = 'round';
    const offset = this.headOffsets();
    const { xLeft, xRight, row } = this.geometry,
      yFirst = TOP + 0.5 * row;
    let stroke = -1; // the head whose hue is the strokeStyle (a colour string is parsed on every set)
    for (const { key, start, end } of batches) {
      const h = Math.floor(key / (ALPHA_LEVELS + 1)),
        level = key % (ALPHA_LEVELS + 1);
      const y0 = yFirst + offset[h];
      if (h !== stroke) ctx.strokeStyle = headColor((stroke = h));
      ctx.globalAlpha = Math.max(0.04, level / ALPHA_LEVELS);
      ctx.beginPath();
      for (let n = 2 * start; n < 2 * end; n += 2) {
        ctx.moveTo(xLeft, y0 + sorted[n] * row);
        ctx.lineTo(xRight, y0 + sorted[n + 1] * row);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    return lines;
  }

  /** The token labels of both columns: the focused and locked ones highlighted, those out of reach faint. */
  drawLabels(ctx, focus) {
    const g = this.geometry,
      labels = this.labels,
      { T, lock } = this.data;
    const y = (n) => TOP + (n + 0.5) * g.row;
    ctx.font = g.font;
    ctx.textBaseline = 'middle';
    let fill = null; // the current fillStyle
    const highlight = (x, n, align) => {
      const w = textWidth(ctx, g.font, labels[n]) + 8;
      ctx.fillStyle = fill = UI.accent;
      ctx.beginPath();
      ctx.roundRect?.(align === 'right' ? x - w + 4 : x - 4, y(n) - g.row / 2 + 1, w, g.row - 2, 4);
      if (!ctx.roundRect) ctx.rect(align === 'right' ? x - w + 4 : x - 4, y(n) - g.row / 2 + 1, w, g.row - 2);
      ctx.fill();
    };
    const causal = this.data.causal ?? true,
      special = this.data.special;
    const outOfReach = (side, n) =>
      causal &&
      focus &&
      ((focus.side === 'q' && side === 'k' && n > focus.index) ||
        (focus.side === 'k' && side === 'q' && n < focus.index));
    for (const [side, x, align] of [
      ['q', g.xLeftText, 'right'],
      ['k', g.xRightText, 'left'],
    ]) {
      ctx.textAlign = align;
      for (let n = 0; n < T; ++n) {
        const focused = focus && focus.side === side && focus.index === n;
        const locked = lock && lock.side === side && lock.index === n;
        if (focused || locked) highlight(x, n, align);
        const color =
          focused || locked ? UI.paper : outOfReach(side, n) ? UI.faint : special?.[n] ? UI.special : UI.ink;
        if (color !== fill) ctx.fillStyle = fill = color; // a colour string is parsed on every set
        ctx.fillText(labels[n], x, y(n));
      }
    }
  }

  /**
   * The focused token's weights as bars beside the other column, with the numbers: one bar and its weight
   * for one visible head; for several, one bar per head and the largest weight in that head's hue.
   * stats.barNumbers = [{ index, head, text }] (what is printed, for the tests).
   */
  drawBars(ctx, focus) {
    const g = this.geometry,
      { T, visible, attention, nHead, layer } = this.data;
    const y = (n) => TOP + (n + 0.5) * g.row;
    const other = focus.side === 'q' ? 'k' : 'q';
    const causal = this.data.causal ?? true;
    const from = other === 'k' || !causal ? 0 : focus.index,
      to = other === 'k' && causal ? focus.index : T - 1;
    const barX = other === 'k' ? g.xRightText + g.label + 8 : SIDE_PAD;
    const weight = (h, n) => {
      const i = other === 'k' ? focus.index : n,
        j = other === 'k' ? n : focus.index;
      return attention[(layer * nHead + h) * T * T + i * T + j];
    };
    ctx.font = '10px ui-monospace, "DejaVu Sans Mono", monospace';
    ctx.textAlign = 'left';
    this.stats.barNumbers = [];
    for (let n = from; n <= to; ++n) {
      const single = visible.length === 1;
      if (single) this.drawSingleBar(ctx, barX, y(n), visible[0], weight(visible[0], n));
      else this.drawHeadBars(ctx, barX, y(n), (h) => weight(h, n));
      const top = visible.reduce((best, h) => (weight(h, n) > weight(best, n) ? h : best), visible[0]);
      const text = weight(top, n).toFixed(2);
      ctx.fillStyle = single ? UI.inkSoft : headColor(top);
      ctx.fillText(text, barX + (single ? SINGLE_BAR - 22 : visible.length * BAR_SLOT + 2), y(n));
      this.stats.barNumbers.push({ index: n, head: top, text });
    }
  }

  drawSingleBar(ctx, x, y, head, w) {
    ctx.fillStyle = UI.track;
    ctx.fillRect(x, y - 4, SINGLE_BAR - 24, 8);
    ctx.fillStyle = headColor(head);
    ctx.fillRect(x, y - 4, (SINGLE_BAR - 24) * w, 8);
  }

  drawHeadBars(ctx, x, y, weightOf) {
    const barHeight = this.geometry.row - 6;
    this.data.visible.forEach((h, slot) => {
      const w = weightOf(h);
      ctx.fillStyle = UI.track;
      ctx.fillRect(x + slot * BAR_SLOT, y - barHeight / 2, BAR_SLOT - 2, barHeight);
      ctx.fillStyle = headColor(h);
      ctx.fillRect(x + slot * BAR_SLOT, y + barHeight / 2 - barHeight * w, BAR_SLOT - 2, barHeight * w);
    });
  }

  /**
   * Vertical offset of each head's line ends inside a token's row: the visible heads fan out over
   * part of the row, so their hues stay apart instead of mixing into one colour.
   */
  headOffsets() {
    const { visible, nHead } = this.data;
    const offsets = new Float32Array(nHead);
    const spread = visible.length > 1 ? Math.min(HEAD_SPREAD, (this.geometry.row - 4) / (visible.length - 1)) : 0;
    visible.forEach((h, k) => {
      offsets[h] = (k - (visible.length - 1) / 2) * spread;
    });
    return offsets;
  }

  /** An SVG document of what is drawn now (vector lines and text) under the title (export.svgTitle). */
  toSvg(title) {
    const g = this.geometry,
      { T } = this.data;
    const y = (n) => TOP + (n + 0.5) * g.row;
    const top = titleHeight(title) + 4;
    const width = Math.max(g.width, 400),
      height = g.height + top;
    const parts = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      `<rect width="100%" height="100%" fill="${UI.paper}"/>`,
      svgTitle(title),
      `<g transform="translate(0, ${top})">`,
    ];
    const focus = this.focus();
    const offset = this.headOffsets();
    this.forEachLine(focus, (h, i, j, w) => {
      parts.push(
        `<line x1="${g.xLeft}" y1="${(y(i) + offset[h]).toFixed(1)}" x2="${g.xRight}" y2="${(y(j) + offset[h]).toFixed(1)}" stroke="${headColor(h)}" stroke-opacity="${this.opacity(w).toFixed(3)}" stroke-width="${focus ? 2 : 1.4}"/>`,
      );
    });
    parts.push(`<g font-family="monospace" font-size="13" fill="${UI.ink}">`);
    for (let n = 0; n < T; ++n) {
      const text = escapeHtml(this.labels[n]);
      parts.push(`<text x="${g.xLeftText}" y="${y(n) + 4}" text-anchor="end">${text}</text>`);
      parts.push(`<text x="${g.xRightText}" y="${y(n) + 4}">${text}</text>`);
    }
    parts.push('</g></g></svg>');
    return parts.join('\n');
  }
}

const visibleHeads = (state, { nHead }) =>
  Array.from({ length: nHead }, (_, h) => h).filter((h) => !state.hiddenHeads.has(h));

const MARKUP = `
  <div class="chips" id="head-chips" role="group" data-i18n-aria="heads.chips"></div>
  <p class="hint" data-i18n="heads.hint"></p>
  <div class="canvas-scroll" id="head-scroll"><canvas id="head-canvas" tabindex="0"
    data-i18n-aria="heads.canvas"></canvas></div>`;

export default {
  id: 'heads',
  label: 'heads.tab',
  markup: MARKUP,
  create({ panel, actions, widths }) {
    const canvas = panel.querySelector('#head-canvas');
    const view = new HeadView(canvas, {
      onLock: (lock) => actions.setState({ lock }),
      onExplain: ({ i, j, head }) => actions.setState({ head, cell: { i, j } }),
      maxWidth: widths.view,
    });
    const chips = new HeadChips(panel.querySelector('#head-chips'), actions);
    view.initialize();
    chips.initialize();
    return {
      render(frame) {
        const { state: s, config, attention, T, tokens, causal, special } = frame;
        const visible = visibleHeads(s, config);
        const sqrt = s.scale === 'sqrt';
        const data = { attention, T, nHead: config.nHead, layer: s.layer, tokens, visible, lock: s.lock, sqrt };
        view.render({ ...data, causal, special: special?.flags });
        chips.render(frame);
      },
      legend: ({ state, special }) => {
        const opacity = t(state.scale === 'sqrt' ? 'legend.opacitySqrt' : 'legend.opacityWeight');
        return (
          `<span>${t('legend.lines', { opacity, min: MIN_WEIGHT })}</span>` +
          `<span>${t('legend.bars')}</span>` +
          specialLegend({ special }) +
          scaleToggle(state)
        );
      },
      exportSvg: (title) => view.toSvg(title),
      shows: ({ state, config }) => {
        const visible = config.nHead - state.hiddenHeads.size;
        return visible === config.nHead
          ? t('heads.every')
          : t('heads.some', { list: visibleHeads(state, config).join(', ') });
      },
      keyHeads: ({ state, config }) => visibleHeads(state, config),
      inspect: () => {
        const r = canvas.getBoundingClientRect();
        const geometry = view.geometry && { ...view.geometry, canvasLeft: r.left, canvasTop: r.top };
        return { ...view.stats, focus: view.focus(), geometry };
      },
    };
  },
};
