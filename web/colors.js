// Colour scales, all readable by colour-blind viewers:
//   head hues      Okabe & Ito's eight-colour palette (distinct under protan-, deutan- and tritanopia),
//                  extended by lighter/darker variants past 8 heads;
//   weights        a sequential scale whose lightness falls monotonically (0 = paper, 1 = ink), so it
//                  reads the same in greyscale;
//   differences    a diverging blue / white / orange scale (the blue-orange axis survives red-green
//                  colour blindness).

const OKABE_ITO = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#b8a300', '#555555'];

/** The hue of head h as '#rrggbb'. */
export function headColor(h) {
  const base = OKABE_ITO[h % OKABE_ITO.length];
  const round = Math.floor(h / OKABE_ITO.length);
  if (round === 0) return base;
  // further rounds: alternate darker / lighter versions of the same hue
  const factor = round % 2 === 1 ? 0.65 : 1.35;
  const [r, g, b] = hexToRgb(base).map((c) =>
    Math.max(0, Math.min(255, Math.round(factor < 1 ? c * factor : c + (255 - c) * (factor - 1)))),
  );
  return rgbToHex(r, g, b);
}

export function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(r, g, b) {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

// Anchors of the weight scale (position, colour); lightness decreases along it.
const WEIGHT_ANCHORS = [
  [0.0, [251, 250, 245]],
  [0.12, [214, 234, 226]],
  [0.3, [140, 200, 196]],
  [0.55, [58, 140, 170]],
  [0.8, [35, 78, 140]],
  [1.0, [22, 30, 80]],
];
const DIFF_NEGATIVE = [33, 102, 172]; // blue: B > A
const DIFF_ZERO = [247, 247, 247];
const DIFF_POSITIVE = [200, 100, 0]; // orange: A > B

/** The masked (causal upper triangle) cell colour; the large views add a hatch on top. */
export const MASKED_RGB = [226, 223, 214];

function buildLut(colorAt) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let n = 0; n < 256; ++n) lut.set(colorAt(n / 255), n * 3);
  return lut;
}

function interpolate(anchors, x) {
  for (let n = 1; n < anchors.length; ++n) {
    const [x1, c1] = anchors[n];
    if (x <= x1 || n === anchors.length - 1) {
      const [x0, c0] = anchors[n - 1];
      const t = Math.max(0, Math.min(1, (x - x0) / (x1 - x0)));
      return c0.map((c, k) => Math.round(c + (c1[k] - c) * t));
    }
  }
  return anchors[anchors.length - 1][1];
}

/** 256-entry RGB lookup tables. */
export const WEIGHT_LUT = buildLut((x) => interpolate(WEIGHT_ANCHORS, x));
export const DIFF_LUT = buildLut((x) =>
  x < 0.5
    ? interpolate(
        [
          [0, DIFF_NEGATIVE],
          [1, DIFF_ZERO],
        ],
        x * 2,
      )
    : interpolate(
        [
          [0, DIFF_ZERO],
          [1, DIFF_POSITIVE],
        ],
        (x - 0.5) * 2,
      ),
);

/** A CSS linear-gradient of a lookup table, for legends. */
export function lutGradient(lut) {
  const stops = [];
  for (let n = 0; n <= 8; ++n) {
    const k = Math.round((n / 8) * 255) * 3;
    stops.push(`rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]}) ${n * 12.5}%`);
  }
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

// Colours of the page's own drawing (text, tracks, highlights) on canvases and in exports: the CSS
// variables of style.css hold the same values for the DOM.
export const UI = {
  ink: '#1d2433', // text
  inkSoft: '#475467', // numbers beside bars
  muted: '#667085', // secondary text, a neutral hue where no head is meant
  faint: '#c2c0b8', // tokens outside the causal reach of the focus
  rule: '#d6d3c8', // zero lines, grid rules
  track: '#efede5', // the empty part of a bar
  paper: '#ffffff', // export background
  accent: '#0072b2', // focus highlight, positive values
  negative: '#d55e00', // negative values
  mark: '#e69f00', // the explained cell
  special: '#8e44ad', // the labels of special tokens ([CLS], [SEP]); .tokens span.special in style.css
  ablated: '#3a3a3a', // an ablated head's cross
  veil: 'rgba(255,255,255,0.6)', // over an ablated head's map
};
