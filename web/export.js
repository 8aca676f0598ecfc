// Exports: the current view as PNG (its canvases) or SVG, and the raw attention as JSON. Every export
// is also kept on window.mhaDemo.lastExport ({ name, type, size, text? }) for the tests.

import { headColor, UI } from './colors.js';
import { escapeHtml } from './dom.js';

export const exports = { last: null };

export async function download(blob, name, text) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  exports.last = { name, type: blob.type, size: blob.size, text };
}

// ---- the title of a picture: a caption (model, view, layer, head(s), text) and the key of head hues ----
// title = { caption, heads: [head] } (heads: [] when the picture has no head hues)
const TITLE_FONT = '13px sans-serif';
const KEY_FONT = '12px sans-serif';
const KEY_STEP = 44; // px per head in the key
export const titleHeight = ({ heads }) => (heads.length ? 48 : 28);

/** The title as SVG elements (at the top of a picture `width` px wide). */
export function svgTitle({ caption, heads }) {
  const key = heads.map((h, n) => {
    const x = 10 + n * KEY_STEP;
    return `<circle cx="${x}" cy="36" r="5" fill="${headColor(h)}"/><text x="${x + 8}" y="40">H${h}</text>`;
  });
  return (
    `<text x="4" y="18" font-family="sans-serif" font-size="13" fill="${UI.ink}">${escapeHtml(caption)}</text>\n` +
    (key.length ? `<g font-family="sans-serif" font-size="12" fill="${UI.ink}">${key.join('')}</g>\n` : '')
  );
}

/** Draws the title at the top of a 2D context (CSS px; the caller has scaled it). */
function drawTitle(ctx, { caption, heads }) {
  ctx.fillStyle = UI.ink;
  ctx.textBaseline = 'alphabetic';
  ctx.font = TITLE_FONT;
  ctx.fillText(caption, 4, 18);
  ctx.font = KEY_FONT;
  heads.forEach((h, n) => {
    const x = 10 + n * KEY_STEP;
    ctx.fillStyle = headColor(h);
    ctx.beginPath();
    ctx.arc(x, 36, 5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = UI.ink;
    ctx.fillText(`H${h}`, x + 8, 40);
  });
}

const visibleCanvases = (canvases) => canvases.filter((c) => c.width > 0 && c.height > 0 && c.offsetParent !== null);

/** One PNG of the view's canvases stacked vertically on white, under the title. */
export function canvasesToPng(canvases, title) {
  const shown = visibleCanvases(canvases);
  const dpr = window.devicePixelRatio || 1;
  const top = Math.round(titleHeight(title) * dpr);
  const width = Math.max(
    ...shown.map((c) => c.width),
    Math.round(Math.max(400, title.heads.length * KEY_STEP + 20) * dpr),
  );
  const height = top + shown.reduce((sum, c) => sum + c.height + 16, 0);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  ctx.fillStyle = UI.paper;
  ctx.fillRect(0, 0, width, height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawTitle(ctx, title);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  let y = top;
  for (const c of shown) {
    ctx.drawImage(c, 0, y);
    y += c.height + 16;
  }
  return new Promise((done) => out.toBlob(done, 'image/png'));
}

/** An SVG with the canvases as embedded images (heatmaps are pixels by nature) under the title. */
export function canvasesToSvg(canvases, title) {
  const shown = visibleCanvases(canvases);
  const widths = shown.map((c) => parseFloat(c.style.width) || c.width);
  const heights = shown.map((c) => parseFloat(c.style.height) || c.height);
  const width = Math.max(...widths, 400, title.heads.length * KEY_STEP + 20);
  let y = titleHeight(title) + 4;
  const parts = [];
  shown.forEach((c, n) => {
    const href = c.toDataURL('image/png');
    parts.push(`<image x="0" y="${y}" width="${widths[n]}" height="${heights[n]}" href="${href}"/>`);
    y += heights[n] + 16;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n` +
    `<rect width="100%" height="100%" fill="${UI.paper}"/>\n${svgTitle(title)}${parts.join('\n')}\n</svg>`
  );
}

/** Attention [nLayer, nHead, T, T] as nested arrays [layer][head][query][key], rounded to 1e-6. */
function nestedAttention(attention, { nLayer, nHead }, T) {
  const row = (l, h, i) => {
    const start = ((l * nHead + h) * T + i) * T;
    return Array.from(attention.subarray(start, start + T), (x) => Math.round(x * 1e6) / 1e6);
  };
  const head = (l, h) => Array.from({ length: T }, (_, i) => row(l, h, i));
  return Array.from({ length: nLayer }, (_, l) => Array.from({ length: nHead }, (_, h) => head(l, h)));
}

/**
 * The attention as nested arrays [layer][head][query][key] with the tokens and the model's shape; with
 * `b` ({ text, tokens, ids, attention }: text B of the compare view) B's run too, under "b".
 */
export function attentionJson({ modelName, config, text, tokens, ids, attention, ablated, b = null }) {
  const T = tokens.length;
  const run = (x) => ({
    text: x.text,
    tokens: x.tokens,
    ids: Array.from(x.ids),
    shape: [config.nLayer, config.nHead, x.tokens.length, x.tokens.length],
    attention: nestedAttention(x.attention, config, x.tokens.length),
  });
  const { nLayer, nHead, nEmbd, nPositions, vocabSize } = config;
  return JSON.stringify({
    model: modelName,
    config: { nLayer, nHead, nEmbd, nPositions, vocabSize },
    ablatedHeads: [...ablated].sort(),
    layout: '[layer][head][query][key]; causal: key > query is 0',
    ...run({ text, tokens, ids, attention }),
    shape: [nLayer, nHead, T, T],
    ...(b ? { b: run(b) } : {}),
  });
}
