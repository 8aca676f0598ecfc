// DOM helpers: lookup, escaping, and writes that are skipped when nothing changed. The page re-renders
// every panel on each update, and rewriting identical markup still costs a parse here plus style and
// layout work in the next frame.

export const $ = (id) => document.getElementById(id);

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(value) {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const writtenHtml = new WeakMap(); // element -> the markup this module last wrote into it

/** Sets element.innerHTML unless it already holds this markup; true when it wrote. */
export function setHtml(element, html) {
  if (writtenHtml.get(element) === html) return false;
  element.innerHTML = html;
  writtenHtml.set(element, html);
  return true;
}

export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

export function setAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}
