// Exports: the current view as PNG (its canvases) or SVG, and the raw attention as JSON. Every export
// is also kept on window.mhaDemo.lastExport ({ name, type, size, text? }) for the tests.

import { UI } from './colors.js';
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

/** One PNG of several canvases stacked vertically (the view's pictures), on white. */
export function canvasesToPng(canvases) {
  const shown = canvases.filter((c) => c.width > 0 && c.height > 0 && c.offsetParent !== null);
  const width = Math.max(...shown.map((c) => c.width));
  const height = shown.reduce((sum, c) => sum + c.height + 16, 0);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  ctx.fillStyle = UI.paper;
  ctx.fillRect(0, 0, width, height);
  let y = 0;
  for (const c of shown) {
    ctx.drawImage(c, 0, y);
    y += c.height + 16;
  }
  return new Promise((done) => out.toBlob(done, 'image/png'));
}

/** An SVG with the canvases as embedded images (heatmaps are pixels by nature) and a caption. */
export function canvasesToSvg(canvases, caption) {
  const shown = canvases.filter((c) => c.width > 0 && c.height > 0 && c.offsetParent !== null);
  const widths = shown.map((c) => parseFloat(c.style.width) || c.width);
  const heights = shown.map((c) => parseFloat(c.style.height) || c.height);
  const width = Math.max(...widths, 400);
  let y = 28;
  const parts = [];
  shown.forEach((c, n) => {
    parts.push(
      `<image x="0" y="${y}" width="${widths[n]}" height="${heights[n]}" href="${c.toDataURL('image/png')}"/>`,
    );
    y += heights[n] + 16;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n` +
    `<rect width="100%" height="100%" fill="${UI.paper}"/>\n<text x="4" y="18" font-family="sans-serif" font-size="13">${escapeHtml(caption)}</text>\n${parts.join('\n')}\n</svg>`
  );
}

/** The attention as nested arrays [layer][head][query][key] with the tokens and the model's shape. */
export function attentionJson({ modelName, config, text, tokens, ids, attention, ablated }) {
  const T = tokens.length;
  const nested = [];
  for (let l = 0; l < config.nLayer; ++l) {
    const layer = [];
    for (let h = 0; h < config.nHead; ++h) {
      const head = [];
      for (let i = 0; i < T; ++i) {
        const start = ((l * config.nHead + h) * T + i) * T;
        head.push(Array.from(attention.subarray(start, start + T), (x) => Math.round(x * 1e6) / 1e6));
      }
      layer.push(head);
    }
    nested.push(layer);
  }
  return JSON.stringify({
    model: modelName,
    config: {
      nLayer: config.nLayer,
      nHead: config.nHead,
      nEmbd: config.nEmbd,
      nPositions: config.nPositions,
      vocabSize: config.vocabSize,
    },
    text,
    tokens,
    ids: Array.from(ids),
    ablatedHeads: [...ablated].sort(),
    layout: '[layer][head][query][key]; causal: key > query is 0',
    shape: [config.nLayer, config.nHead, T, T],
    attention: nested,
  });
}
