// Heatmap drawing shared by the model, aggregate and compare views: a [T, T] array painted one
// pixel per cell into an offscreen canvas, then scaled up without smoothing (so 128 tokens cost one
// ImageData fill, not 16k DOM nodes). Rows are queries, columns keys; for a causal model (GPT-2) j > i is the
// mask, drawn grey and hatched; an encoder (causal: false) has no mask and every cell is a weight.
import { DIFF_LUT, MASKED_RGB, UI, WEIGHT_LUT } from '../colors.js';
import { t } from '../i18n.js';

// ---- layout of the large heatmap ----
const LABEL_FONT = '11px ui-monospace, "DejaVu Sans Mono", monospace';
const LABEL_GAP = 6; // between token labels and the map
const MAX_LABEL_CHARS = 12;
const MIN_CELL = 2; // px per cell at most tokens (a full context on a phone)
const MIN_THUMB = 24; // px per side of a grid's small map, at least
const MIN_LABELLED_CELL = 9; // smaller cells leave the token labels out
const MAX_CELL = 34; // px per cell at few tokens
const HATCH_SPACING = 5;

/** An RGB lookup table as one opaque RGBA pixel per entry (in the platform's byte order). */
function rgbaPixels(lut) {
  const pixels = new Uint32Array(lut.length / 3);
  const bytes = new Uint8Array(pixels.buffer);
  for (let n = 0; n < pixels.length; ++n) bytes.set([lut[3 * n], lut[3 * n + 1], lut[3 * n + 2], 255], 4 * n);
  return pixels;
}
const WEIGHT_RGBA = rgbaPixels(WEIGHT_LUT),
  DIFF_RGBA = rgbaPixels(DIFF_LUT),
  MASKED_RGBA = rgbaPixels(MASKED_RGB)[0];

// Offscreen canvases the pixels are put into before they are scaled up: one for single maps, one
// for the atlas of a whole grid (kept apart so neither is resized back and forth).
const scratch =
  typeof document !== 'undefined'
    ? { single: document.createElement('canvas'), atlas: document.createElement('canvas') }
    : null;
const images = new Map(); // scratch canvas -> its ImageData, reused while the size holds

/** The ImageData of a scratch canvas sized width x height (the canvas is resized if needed). */
function scratchImage(canvas, width, height) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  let image = images.get(canvas);
  if (!image || image.width !== width || image.height !== height)
    images.set(canvas, (image = canvas.getContext('2d').createImageData(width, height)));
  return image;
}

/**
 * Writes values [T, T] (row stride `stride`) as RGBA pixels into image at (x0, y0). kind 'weight'
 * maps [0, range] on the weight scale (sqrt: through a square root, which spreads the small
 * weights); 'diff' maps [-range, range] on the diverging one. causal: j > i gets the masked colour.
 */
function fillPixels(
  image,
  x0,
  y0,
  values,
  T,
  { kind = 'weight', range = 1, stride = T, sqrt = false, causal = true } = {},
) {
  const pixels = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
  const diverging = kind === 'diff';
  const lut = diverging ? DIFF_RGBA : WEIGHT_RGBA;
  const inverse = range > 0 ? 1 / range : 0;
  for (let i = 0; i < T; ++i) {
    const p = (y0 + i) * image.width + x0;
    const last = causal ? i : T - 1;
    for (let j = 0; j <= last; ++j) {
      const v = values[i * stride + j] * inverse;
      let t = diverging ? 0.5 + 0.5 * v : v;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      if (sqrt && !diverging) t = Math.sqrt(t);
      pixels[p + j] = lut[(t * 255 + 0.5) | 0];
    }
    if (causal) pixels.fill(MASKED_RGBA, p + i + 1, p + T);
  }
}

/** Paints values [T, T] at (x, y) with `size` px per side (options: see fillPixels). */
export function paintHeatmap(ctx, values, T, x, y, size, options = {}) {
  const image = scratchImage(scratch.single, T, T);
  fillPixels(image, 0, 0, values, T, options);
  scratch.single.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch.single, 0, 0, T, T, x, y, size, size);
}

/**
 * Paints many [T, T] maps through one ImageData: every map is written into an atlas (columns x
 * rows tiles, 1 px apart so no tile samples its neighbour), put once, then each tile is scaled to
 * its place. maps: [{ values, column, row, x, y }]; options as for fillPixels.
 */
export function paintHeatmaps(ctx, maps, T, columns, rows, size, options = {}) {
  const tile = T + 1;
  const image = scratchImage(scratch.atlas, columns * tile, rows * tile);
  for (const { values, column, row } of maps) fillPixels(image, column * tile, row * tile, values, T, options);
  scratch.atlas.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  for (const { column, row, x, y } of maps)
    ctx.drawImage(scratch.atlas, column * tile, row * tile, T, T, x, y, size, size);
}

/** Sizes a canvas for CSS size (width, height) at the device pixel ratio; returns its 2D context, cleared. */
export function sizeCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr),
    h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Empties a canvas and hides it (a view with nothing to show must not keep an old picture). */
export function clearCanvas(canvas) {
  canvas.width = 0;
  canvas.height = 0;
  canvas.style.width = '0px';
  canvas.style.height = '0px';
  canvas.hidden = true;
}

/** Diagonal hatching over the masked upper triangle of a map at (x, y) with `cell` px per cell. */
export function hatchMasked(ctx, T, x, y, cell) {
  ctx.save();
  ctx.beginPath();
  for (let i = 0; i < T - 1; ++i) ctx.rect(x + (i + 1) * cell, y + i * cell, (T - 1 - i) * cell, cell);
  ctx.clip();
  ctx.strokeStyle = 'rgba(120, 114, 98, 0.35)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  const size = T * cell;
  for (let d = -size; d < size; d += HATCH_SPACING) {
    ctx.moveTo(x + d, y + size);
    ctx.lineTo(x + d + size, y);
  }
  ctx.stroke();
  ctx.restore();
}

export function shortToken(token, limit = MAX_LABEL_CHARS) {
  return token.length > limit ? `${token.slice(0, limit - 1)}…` : token;
}

// measureText results by font and text: labels are measured on every render to lay a view out, and
// the same tokens come back render after render.
const textWidths = new Map(); // font -> Map(text -> width)
const MAX_CACHED_WIDTHS = 8192;

/** The width of `text` in `font`, which the caller has set as ctx.font (cached). */
export function textWidth(ctx, font, text) {
  let widths = textWidths.get(font);
  if (!widths) textWidths.set(font, (widths = new Map()));
  let width = widths.get(text);
  if (width === undefined) {
    if (widths.size >= MAX_CACHED_WIDTHS) widths.clear();
    width = ctx.measureText(text).width;
    widths.set(text, width);
  }
  return width;
}

/**
 * A large heatmap with token labels, hover tooltip, a keyboard cell cursor and click to select.
 * initialize() binds the canvas once; render(data) redraws.
 *   data = { values [T, T], T, tokens, kind, range, title, cell: {i, j} | null, describe(i, j) -> text,
 *            causal (default true: the upper triangle masked and hatched), special: per token, true for
 *            [CLS]/[SEP] (their labels drawn in UI.special) }
 */
export class LargeHeatmap {
  constructor(canvas, tooltip, { onSelect, maxWidth } = {}) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.onSelect = onSelect;
    this.maxWidth = maxWidth;
    this.data = null;
    this.cursor = null;
  }

  initialize() {
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => this.#hover(e));
    c.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
    });
    c.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      if (cell && this.onSelect) this.onSelect(cell);
    });
    c.addEventListener('keydown', (e) => this.#key(e));
    c.addEventListener('blur', () => {
      this.tooltip.hidden = true;
    });
  }

  /** Geometry for T tokens in the available width. */
  layout(T, tokens) {
    const ctx = this.canvas.getContext('2d');
    ctx.font = LABEL_FONT;
    let labelWidth = 0;
    for (const t of tokens) labelWidth = Math.max(labelWidth, textWidth(ctx, LABEL_FONT, shortToken(t)));
    labelWidth = Math.ceil(labelWidth) + LABEL_GAP;
    const maxWidth = this.maxWidth?.() ?? 600;
    const cellIn = (width) => Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(width / T)));
    let cell = cellIn(Math.max(160, maxWidth - labelWidth - 8));
    const showLabels = cell >= MIN_LABELLED_CELL;
    if (!showLabels) cell = cellIn(maxWidth - 8); // without labels the map takes their room
    const left = showLabels ? labelWidth : 4,
      top = showLabels ? labelWidth : 4;
    return { cell, left, top, showLabels, width: left + T * cell + 4, height: top + T * cell + 4 };
  }

  render(data) {
    this.data = data;
    if (!data) return;
    const { values, T, tokens, kind = 'weight', range = 1 } = data;
    const g = (this.geometry = this.layout(T, tokens));
    this.canvas.hidden = false;
    const ctx = sizeCanvas(this.canvas, g.width, g.height);
    const causal = data.causal ?? true;
    paintHeatmap(ctx, values, T, g.left, g.top, T * g.cell, { kind, range, sqrt: data.sqrt, causal });
    if (causal) hatchMasked(ctx, T, g.left, g.top, g.cell);
    const labelColor = (n) => (data.special?.[n] ? UI.special : UI.ink);
    if (g.showLabels) {
      ctx.font = LABEL_FONT;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      for (let i = 0; i < T; ++i) {
        ctx.fillStyle = labelColor(i);
        ctx.fillText(shortToken(tokens[i]), g.left - LABEL_GAP, g.top + (i + 0.5) * g.cell);
      }
      ctx.save();
      ctx.translate(g.left, g.top - LABEL_GAP);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      for (let j = 0; j < T; ++j) {
        ctx.fillStyle = labelColor(j);
        ctx.fillText(shortToken(tokens[j]), 0, (j + 0.5) * g.cell);
      }
      ctx.restore();
    } else if (data.special?.some(Boolean)) {
      // no room for labels: a tick in UI.special beside the rows and above the columns of special tokens
      ctx.fillStyle = UI.special;
      for (let n = 0; n < T; ++n)
        if (data.special[n]) {
          ctx.fillRect(g.left - 3, g.top + n * g.cell, 2, g.cell);
          ctx.fillRect(g.left + n * g.cell, g.top - 3, g.cell, 2);
        }
    }
    const mark = (cell, color, width) => {
      if (!cell || cell.i >= T || cell.j >= T) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(g.left + cell.j * g.cell + 0.5, g.top + cell.i * g.cell + 0.5, g.cell - 1, g.cell - 1);
    };
    mark(data.cell, UI.mark, 2.5);
    if (this.cursor && document.activeElement === this.canvas) mark(this.cursor, UI.accent, 1.5);
  }

  /** Forgets the data and empties the canvas. */
  clear() {
    this.data = null;
    this.geometry = null;
    clearCanvas(this.canvas);
  }

  cellAt(event) {
    const g = this.geometry;
    if (!g || !this.data) return null;
    const r = this.canvas.getBoundingClientRect();
    const x = event.clientX - r.left - g.left,
      y = event.clientY - r.top - g.top;
    const i = Math.floor(y / g.cell),
      j = Math.floor(x / g.cell);
    if (i < 0 || j < 0 || i >= this.data.T || j >= this.data.T) return null;
    return { i, j };
  }

  #hover(event) {
    const cell = this.cellAt(event);
    if (!cell) {
      this.tooltip.hidden = true;
      return;
    }
    this.showTooltip(cell, event.clientX + 14, event.clientY + 14);
  }

  showTooltip(cell, x, y) {
    this.tooltip.textContent = this.data.describe(cell.i, cell.j);
    this.tooltip.hidden = false;
    const w = this.tooltip.offsetWidth,
      h = this.tooltip.offsetHeight;
    this.tooltip.style.left = `${Math.min(x, window.innerWidth - w - 8)}px`;
    this.tooltip.style.top = `${Math.min(y, window.innerHeight - h - 8)}px`;
  }

  #key(event) {
    if (!this.data) return;
    const T = this.data.T;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    this.cursor ??= this.data.cell ? { ...this.data.cell } : { i: T - 1, j: 0 };
    if (moves[event.key]) {
      event.preventDefault();
      const [di, dj] = moves[event.key];
      this.cursor = {
        i: Math.max(0, Math.min(T - 1, this.cursor.i + di)),
        j: Math.max(0, Math.min(T - 1, this.cursor.j + dj)),
      };
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.onSelect?.({ ...this.cursor });
      return;
    } else return;
    this.render(this.data);
    const r = this.canvas.getBoundingClientRect(),
      g = this.geometry;
    this.showTooltip(
      this.cursor,
      r.left + g.left + (this.cursor.j + 1) * g.cell + 6,
      r.top + g.top + (this.cursor.i + 1) * g.cell + 6,
    );
  }
}

/**
 * Grid of small heatmaps (layers x heads) on one canvas. initialize() binds events; render() draws.
 *   data = { nLayer, nHead, T, get(l, h) -> [T, T], kind, range, causal (default true), selected: {layer, head}, caption(l, h) -> text,
 *            ablated(l, h) -> bool, headColor(h), headName(h) -> the column heading (default "H<h>") }
 */
export class HeatmapGrid {
  static PAD = 8;
  static HEADER = 18;
  static ROW_LABEL = 26;
  static CAPTION = 14;

  constructor(canvas, { onSelect, maxWidth, tooltip } = {}) {
    this.canvas = canvas;
    this.onSelect = onSelect;
    this.maxWidth = maxWidth;
    this.tooltip = tooltip;
    this.data = null;
  }

  initialize() {
    this.canvas.addEventListener('click', (e) => {
      const at = this.at(e);
      if (at) this.onSelect?.(at);
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const at = this.at(e);
      this.canvas.style.cursor = at ? 'pointer' : 'default';
      if (!this.tooltip || !this.data) return;
      if (!at) {
        this.tooltip.hidden = true;
        return;
      }
      this.tooltip.textContent = this.data.describeHead?.(at.layer, at.head) ?? `layer ${at.layer} head ${at.head}`;
      this.tooltip.hidden = false;
      this.tooltip.style.left = `${e.clientX + 14}px`;
      this.tooltip.style.top = `${e.clientY + 14}px`;
    });
    this.canvas.addEventListener('mouseleave', () => {
      if (this.tooltip) this.tooltip.hidden = true;
    });
    this.canvas.addEventListener('keydown', (e) => {
      if (!this.data) return;
      const s = this.data.selected,
        { nLayer, nHead } = this.data;
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (!moves[e.key]) return;
      e.preventDefault();
      const [dl, dh] = moves[e.key];
      this.onSelect?.({
        layer: Math.max(0, Math.min(nLayer - 1, s.layer + dl)),
        head: Math.max(0, Math.min(nHead - 1, s.head + dh)),
      });
    });
  }

  /** Forgets the data and empties the canvas. */
  clear() {
    this.data = null;
    clearCanvas(this.canvas);
  }

  thumbSize(nHead) {
    const { PAD, ROW_LABEL } = HeatmapGrid;
    const available = (this.maxWidth?.() ?? 600) - ROW_LABEL - 4;
    return Math.max(MIN_THUMB, Math.min(96, Math.floor(available / nHead) - PAD));
  }

  render(data) {
    this.data = data;
    const { nLayer, nHead, T } = data;
    const { PAD, HEADER, ROW_LABEL, CAPTION } = HeatmapGrid;
    const size = (this.size = this.thumbSize(nHead));
    const width = ROW_LABEL + nHead * (size + PAD);
    const height = HEADER + nLayer * (size + PAD + CAPTION);
    this.canvas.hidden = false;
    const ctx = sizeCanvas(this.canvas, width, height);
    if (data.headers !== false) this.drawHeaders(ctx, nHead, data.headColor, data.headName);
    const maps = [];
    for (let l = 0; l < nLayer; ++l)
      for (let h = 0; h < nHead; ++h) {
        const x = ROW_LABEL + h * (size + PAD),
          y = HEADER + l * (size + PAD + CAPTION);
        maps.push({ values: data.get(l, h), column: h, row: l, x, y });
      }
    const causal = data.causal ?? true;
    paintHeatmaps(ctx, maps, T, nHead, nLayer, size, { kind: data.kind, range: data.range, sqrt: data.sqrt, causal });
    this.decorate(ctx, maps);
  }

  /** The head dots and names above the columns. */
  drawHeaders(ctx, nHead, headColor, headName = (h) => `H${h}`) {
    const { PAD, HEADER, ROW_LABEL } = HeatmapGrid;
    ctx.font = '11px system-ui, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    for (let h = 0; h < nHead; ++h) {
      const x = ROW_LABEL + h * (this.size + PAD);
      ctx.fillStyle = headColor(h);
      ctx.beginPath();
      ctx.arc(x + 6, HEADER / 2, 4.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = UI.ink;
      ctx.fillText(headName(h), x + 14, HEADER / 2, Math.max(8, this.size - 14));
    }
  }

  /** Layer names, tile frames, ablated crosses, the selection and the captions, in passes (each style set once). */
  decorate(ctx, maps) {
    const data = this.data,
      size = this.size;
    const { PAD, HEADER, CAPTION } = HeatmapGrid;
    ctx.font = '11px system-ui, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = UI.muted;
    ctx.textAlign = 'left';
    for (let l = 0; l < data.nLayer; ++l) ctx.fillText(`L${l}`, 2, HEADER + l * (size + PAD + CAPTION) + size / 2);
    ctx.strokeStyle = UI.rule;
    ctx.lineWidth = 1;
    for (const { x, y } of maps) ctx.strokeRect(x - 0.5, y - 0.5, size + 1, size + 1); // (one path of rects would round the corners)
    for (const { x, y, row, column } of maps) if (data.ablated?.(row, column)) this.crossOut(ctx, x, y);
    // the selection outline over the captions of the tiles before it and under its own (they touch)
    const selected =
      data.selected && maps.find((m) => m.row === data.selected.layer && m.column === data.selected.head);
    ctx.fillStyle = UI.inkSoft;
    ctx.font = '10px ui-monospace, "DejaVu Sans Mono", monospace';
    for (const map of maps) {
      if (map === selected) {
        ctx.strokeStyle = UI.mark;
        ctx.lineWidth = 3;
        ctx.strokeRect(selected.x - 2, selected.y - 2, size + 4, size + 4);
      }
      const caption = data.caption?.(map.row, map.column);
      if (caption) ctx.fillText(caption, map.x, map.y + size + CAPTION / 2 + 1, size + PAD - 2);
    }
  }

  /** An ablated head's tile: veiled and crossed out. */
  crossOut(ctx, x, y) {
    const size = this.size;
    ctx.fillStyle = UI.veil;
    ctx.fillRect(x, y, size, size);
    ctx.strokeStyle = UI.ablated;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + size, y + size);
    ctx.moveTo(x + size, y);
    ctx.lineTo(x, y + size);
    ctx.stroke();
  }

  at(event) {
    if (!this.data) return null;
    const { PAD, HEADER, ROW_LABEL, CAPTION } = HeatmapGrid;
    const r = this.canvas.getBoundingClientRect();
    const x = event.clientX - r.left - ROW_LABEL,
      y = event.clientY - r.top - HEADER;
    const head = Math.floor(x / (this.size + PAD)),
      layer = Math.floor(y / (this.size + PAD + CAPTION));
    if (head < 0 || layer < 0 || head >= this.data.nHead || layer >= this.data.nLayer) return null;
    if (x - head * (this.size + PAD) > this.size || y - layer * (this.size + PAD + CAPTION) > this.size) return null;
    return { layer, head };
  }
}

/** Tooltip text of cell (i, j): query and key tokens, then the weight (or `extra(i, j)`); causal: j > i is masked. */
export function describeCell(tokens, values, T, extra, causal = true) {
  return (i, j) => {
    const [query, key] = [t('cell.query'), t('cell.key')];
    const width = Math.max(query.length, key.length);
    const head = `${query.padEnd(width)} ${i} ${JSON.stringify(tokens[i])}\n${key.padEnd(width)} ${j} ${JSON.stringify(tokens[j])}\n`;
    if (causal && j > i) return head + t('cell.masked');
    return head + (extra ? extra(i, j) : t('cell.weight', { w: values[i * T + j].toFixed(4) }));
  };
}
