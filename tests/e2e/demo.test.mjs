// End-to-end tests of the demo page (web/) in headless Chromium: the bundled model (the first entry of
// web/models.json) runs in the page; every test asserts numbers read from window.mhaDemo, not pixels
// only. Also takes the README screenshots (docs/*.png with MHA_UPDATE_SCREENSHOTS=1) and prints (does not assert) update latencies.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { afterUpdate, asInputFiles, SEED, tinyModelFiles, useDemoPage } from './demo-page.mjs';

// Without layer, head or hidden heads in the address the page opens on the model's most informative head
// alone; the tests of the head view's drawing and controls start from every head of layer 0 instead.
const ALL_HEADS_OF_LAYER_0 = '?layer=0&head=0';
const page_ = useDemoPage();
const onPage = page_.onPage;

const demo = (page, expression, arg) => page.evaluate(expression, arg);

test('the page loads the bundled model and renders every view of the seed sentence', { timeout: 60_000 }, async (t) => {
  await onPage(t, '', async (page, log) => {
    const s = await demo(page, () => {
      const d = window.mhaDemo,
        [L, H, T] = d.shape,
        a = d.attention;
      let maxRowError = 0,
        maxUpper = 0;
      for (let n = 0; n < L * H; ++n)
        for (let i = 0; i < T; ++i) {
          let sum = 0;
          for (let j = 0; j < T; ++j) {
            const w = a[(n * T + i) * T + j];
            if (j > i) maxUpper = Math.max(maxUpper, Math.abs(w));
            else sum += w;
          }
          maxRowError = Math.max(maxRowError, Math.abs(sum - 1));
        }
      return {
        text: d.state.text,
        view: d.state.view,
        shape: d.shape,
        length: a.length,
        tokens: d.tokens,
        ids: d.ids,
        maxRowError,
        maxUpper,
        labels: d.labels.flat().length,
        config: d.config,
        predictions: d.predictions.length,
        timing: document.querySelector('#timing').textContent,
      };
    });
    assert.equal(s.text, SEED);
    assert.equal(s.view, 'heads');
    assert.deepEqual(s.shape, [s.config.nLayer, s.config.nHead, s.tokens.length, s.tokens.length]);
    assert.equal(s.length, s.config.nLayer * s.config.nHead * s.tokens.length ** 2);
    assert.ok(s.tokens.length >= 8, `the seed sentence has ${s.tokens.length} tokens`);
    assert.equal(s.tokens.join('').replace(/␣/g, ' '), SEED);
    assert.ok(s.maxRowError < 1e-4, `rows sum to 1 (max error ${s.maxRowError})`);
    assert.equal(s.maxUpper, 0, 'the causal upper triangle is 0');
    assert.equal(s.labels, s.config.nLayer * s.config.nHead);
    assert.equal(s.predictions, 5);
    assert.match(s.timing, /\d+ tokens · forward [\d.]+ ms · update [\d.]+ ms/);
    for (const view of ['model', 'aggregate', 'compare', 'heads']) {
      await page.click(`#tab-${view}`);
      if (view === 'compare') await page.waitForFunction(() => window.mhaDemo.compare !== null);
      const size = await demo(
        page,
        (v) => [...document.querySelectorAll(`#view-${v} canvas`)].map((c) => c.width * c.height),
        view,
      );
      assert.ok(size.length && size.every((n) => n > 0), `${view}: every canvas is drawn (${size})`);
      assert.equal(await demo(page, () => window.mhaDemo.state.view), view);
    }
    assert.deepEqual(log.blocked, []);
    assert.ok(
      log.requests.every((u) => u.startsWith(page_.origin)),
      'every request stays on the local server',
    );
  });
});

test('typing changes the tokens and the attention', { timeout: 60_000 }, async (t) => {
  await onPage(t, '', async (page) => {
    const first = await demo(page, () => ({
      tokens: window.mhaDemo.tokens,
      a: Array.from(window.mhaDemo.attention.slice(0, 50)),
    }));
    await afterUpdate(page, () => page.fill('#text-input', 'Emma Woodhouse, handsome, clever, and rich'));
    const second = await demo(page, () => ({
      tokens: window.mhaDemo.tokens,
      a: Array.from(window.mhaDemo.attention.slice(0, 50)),
      shape: window.mhaDemo.shape,
      url: location.search,
    }));
    assert.notDeepEqual(second.tokens, first.tokens);
    assert.equal(second.tokens.join('').replace(/␣/g, ' '), 'Emma Woodhouse, handsome, clever, and rich');
    assert.notDeepEqual(second.a, first.a);
    assert.equal(second.shape[2], second.tokens.length);
    assert.match(second.url, /text=Emma\+Woodhouse/);
    // keystrokes are debounced into one update that sees the whole edit
    await afterUpdate(page, async () => {
      await page.focus('#text-input');
      await page.keyboard.type(' indeed', { delay: 10 });
    });
    assert.equal(
      (await demo(page, () => window.mhaDemo.tokens)).join('').replace(/␣/g, ' '),
      'Emma Woodhouse, handsome, clever, and rich indeed',
    );
    assert.equal(await page.locator('#tokens span').count(), await demo(page, () => window.mhaDemo.tokens.length));
  });
});

test(
  "head view: hover shows one token's lines, click locks, keyboard moves the lock",
  { timeout: 60_000 },
  async (t) => {
    await onPage(t, ALL_HEADS_OF_LAYER_0, async (page) => {
      const g = await demo(page, () => window.mhaDemo.geometry.headView);
      const T = (await demo(page, () => window.mhaDemo.tokens)).length;
      const i = T - 2;
      const pointerY = g.canvasTop + g.top + (i + 0.5) * g.row; // page y of query row i
      await page.mouse.move(g.canvasLeft + g.xLeftText - 5, pointerY);
      const hovered = await demo(page, () => window.mhaDemo.headView);
      assert.deepEqual(hovered.focus, { side: 'q', index: i });
      const expected = await demo(
        page,
        (q) => {
          const d = window.mhaDemo,
            [, H, T2] = d.shape,
            l = d.state.layer;
          let n = 0;
          for (const h of d.visibleHeads)
            for (let j = 0; j <= q; ++j) if (d.attention[((l * H + h) * T2 + q) * T2 + j] >= 0.01) n += 1;
          return n;
        },
        i,
      );
      assert.equal(hovered.lines, expected, 'only the lines of the hovered query are drawn');
      // a key on the right: the lines of every later query into it
      await page.mouse.move(g.canvasLeft + g.xRightText + 5, g.canvasTop + g.top + 0.5 * g.row);
      assert.deepEqual((await demo(page, () => window.mhaDemo.headView)).focus, { side: 'k', index: 0 });
      // click locks; leaving the canvas keeps the lock
      await page.mouse.click(g.canvasLeft + g.xLeftText - 5, pointerY);
      await page.mouse.move(5, 5);
      const locked = await demo(page, () => ({
        lock: window.mhaDemo.state.lock,
        focus: window.mhaDemo.headView.focus,
        url: location.search,
      }));
      assert.deepEqual(locked.lock, { side: 'q', index: i });
      assert.deepEqual(locked.focus, { side: 'q', index: i });
      assert.match(locked.url, new RegExp(`lock=q${i}`));
      // keyboard: focus the picture, move up, Enter locks there, Escape unlocks
      await page.focus('#head-canvas');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      assert.deepEqual(await demo(page, () => window.mhaDemo.state.lock), { side: 'q', index: i - 1 });
      await page.keyboard.press('Escape');
      assert.equal(await demo(page, () => window.mhaDemo.state.lock), null);
      const all = await demo(page, () => window.mhaDemo.headView.lines);
      assert.ok(all > expected, `without focus every line is drawn (${all} > ${expected})`);
    });
  },
);

test(
  'head chips toggle (click) and solo (double-click); the layer selector switches layers',
  { timeout: 60_000 },
  async (t) => {
    await onPage(t, ALL_HEADS_OF_LAYER_0, async (page) => {
      const { nHead, nLayer } = await demo(page, () => window.mhaDemo.config);
      const linesAll = await demo(page, () => window.mhaDemo.headView.lines);
      await page.click('.chip[data-head="1"]');
      let s = await demo(page, () => ({
        visible: window.mhaDemo.visibleHeads,
        lines: window.mhaDemo.headView.lines,
        pressed: document.querySelector('.chip[data-head="1"]').getAttribute('aria-pressed'),
      }));
      assert.ok(!s.visible.includes(1) && s.visible.length === nHead - 1);
      assert.equal(s.pressed, 'false');
      assert.ok(s.lines < linesAll, `hiding a head removes its lines (${s.lines} < ${linesAll})`);
      await page.dblclick('.chip[data-head="3"]');
      s = await demo(page, () => ({ visible: window.mhaDemo.visibleHeads, url: location.search }));
      assert.deepEqual(s.visible, [3]);
      assert.match(s.url, /hide=0%2C1%2C2%2C4/);
      await page.dblclick('.chip[data-head="3"]'); // solo again = everything back
      assert.equal((await demo(page, () => window.mhaDemo.visibleHeads)).length, nHead);
      // keyboard solo
      await page.focus('.chip[data-head="2"]');
      await page.keyboard.press('s');
      assert.deepEqual(await demo(page, () => window.mhaDemo.visibleHeads), [2]);
      // layer switch: state, pressed button, and the chips' labels are those of the new layer
      const last = nLayer - 1;
      await page.click(`#layer-picker button[data-layer="${last}"]`);
      const layer = await demo(
        page,
        (l) => ({
          layer: window.mhaDemo.state.layer,
          pressed: document.querySelector(`#layer-picker button[data-layer="${l}"]`).getAttribute('aria-pressed'),
          chip: document.querySelector('.chip[data-head="0"] .label').textContent,
          label: window.mhaDemo.labels[l][0],
        }),
        last,
      );
      assert.equal(layer.layer, last);
      assert.equal(layer.pressed, 'true');
      // a chip shows the score that earned its head's first label and that score's chance on this text
      const expectedChip =
        layer.label.label === null
          ? ''
          : `${layer.label.short} ${layer.label.score.toFixed(2)} (chance ${layer.label.chance.toFixed(2)})`;
      assert.equal(layer.chip, expectedChip, `chip of layer ${last} head 0`);
      // the model's offline head statistics (head_patterns.json), when models.json names them
      const entry = JSON.parse(await readFile(new URL('../../web/models.json', import.meta.url), 'utf8'))[0];
      if (entry.patterns) {
        const offline = await demo(
          page,
          (l) => ({
            patterns: window.mhaDemo.patterns,
            title: document.querySelector('.chip[data-head="0"]').title,
            l,
          }),
          last,
        );
        assert.ok(offline.patterns && offline.patterns[`${last}.0`], 'head_patterns.json loaded');
        const names = offline.patterns[`${last}.0`].labels.map((x) => x.name);
        assert.match(
          offline.title,
          new RegExp(`on held-out text: ${names.length ? names[0].replace(/[()]/g, '\\$&') : 'no label'}`),
        );
      }
      await page.keyboard.press('Escape');
      await page.click('#tab-heads');
      await page.keyboard.press('[');
      assert.equal(await demo(page, () => window.mhaDemo.state.layer), last - 1);
    });
  },
);

test(
  'opens on the head head_patterns.json ranks first (open_on); induction presets open the strongest induction head',
  { timeout: 60_000 },
  async (t) => {
    const entry = JSON.parse(await readFile(new URL('../../web/models.json', import.meta.url), 'utf8'))[0];
    const patterns =
      entry.patterns &&
      JSON.parse(await readFile(new URL(`../../web/${entry.url}${entry.patterns}`, import.meta.url), 'utf8'));
    // the model has an induction head by the standard score (tools/train/head_patterns.py): then the presets'
    // texts must show it too, with a score that earns the label on that very text
    const hasInductionHead = Boolean(patterns?.heads.some((h) => h.labels.includes('induction')));
    await onPage(t, '', async (page) => {
      const s = await demo(page, () => ({
        state: window.mhaDemo.state,
        nHead: window.mhaDemo.config.nHead,
        url: location.search,
      }));
      if (patterns?.open_on) {
        // expected: the head tools/train/head_patterns.py ranked first by the same rule (open_on)
        const best = patterns.open_on;
        assert.deepEqual([s.state.layer, s.state.head], [best.layer, best.head]);
        assert.deepEqual(
          s.state.hiddenHeads,
          Array.from({ length: s.nHead }, (_, h) => h).filter((h) => h !== best.head),
          'the opened head alone',
        );
        assert.match(s.url, new RegExp(`layer=${best.layer}&head=${best.head}`));
      } else if (patterns) assert.deepEqual([s.state.layer, s.state.head], [0, 0], 'no labelled head: layer 0 head 0');
      // "Repeated phrase": the model view on the head with the highest induction score on that text
      for (const preset of ['Repeated phrase', 'Random tokens, repeated']) {
        await afterUpdate(page, () => page.click(`#presets button:text-is("${preset}")`));
        const r = await demo(page, () => ({
          state: window.mhaDemo.state,
          labels: window.mhaDemo.labels,
          chance: window.mhaDemo.chance,
          tokens: window.mhaDemo.tokens,
          ids: window.mhaDemo.ids,
          title: document.querySelector('#large-title').textContent,
        }));
        assert.equal(r.state.view, 'model', preset);
        let top = { layer: -1, head: -1, score: -1 };
        r.labels.forEach((row, layer) =>
          row.forEach((h, head) => {
            if (h.scores.induction > top.score) top = { layer, head, score: h.scores.induction };
          }),
        );
        assert.deepEqual(
          [r.state.layer, r.state.head],
          [top.layer, top.head],
          `${preset}: the strongest induction head`,
        );
        assert.match(
          r.title,
          new RegExp(`induction ${top.score.toFixed(2)} \\(chance ${r.chance.induction.toFixed(2)}`),
        );
        if (hasInductionHead) {
          const { min_ratio: ratio, min_margin: margin } = patterns.label_rule; // head_patterns.py's rule
          const threshold = Math.max(ratio * r.chance.induction, r.chance.induction + margin);
          assert.ok(
            top.score >= threshold,
            `${preset}: induction ${top.score.toFixed(3)} at layer ${top.layer} head ${top.head}, label at ${threshold.toFixed(3)}`,
          );
        } else
          t.diagnostic(
            `${preset}: head_patterns.json labels no induction head; the label on this text is not asserted`,
          );
        if (preset.startsWith('Random')) {
          // 50 distinct word tokens, then the same 50: induction counts the second copy, whose chance is the
          // mean of 1 / (i + 1) over its positions i = 50..99
          const L = r.ids.length / 2;
          assert.equal(L, 50);
          assert.deepEqual(r.ids.slice(L), r.ids.slice(0, L));
          assert.equal(new Set(r.ids.slice(0, L)).size, L);
          let chance = 0;
          for (let i = L; i < 2 * L; ++i) chance += 1 / (i + 1) / L;
          assert.ok(
            Math.abs(r.chance.induction - chance) < 1e-12,
            `induction chance ${r.chance.induction} = ${chance}`,
          );
        }
      }
    });
  },
);

test('model view: clicking a cell explains it with the weight the page shows', { timeout: 60_000 }, async (t) => {
  await onPage(t, '?view=model&layer=1&head=2', async (page) => {
    const T = (await demo(page, () => window.mhaDemo.tokens)).length;
    const g = await demo(page, () => window.mhaDemo.geometry.large);
    const [i, j] = [T - 3, 1];
    const cellX = g.canvasLeft + g.left + (j + 0.5) * g.cell,
      cellY = g.canvasTop + g.top + (i + 0.5) * g.cell;
    await page.mouse.move(cellX, cellY);
    const tip = await page.textContent('#tooltip');
    assert.match(tip, new RegExp(`query ${i} [\\s\\S]*key   ${j} [\\s\\S]*weight \\d\\.\\d{4}`));
    await page.mouse.click(cellX, cellY);
    await page.waitForFunction(() => window.mhaDemo.explained !== null); // (q, k, v come from the worker)
    const e = await demo(page, () => window.mhaDemo.explained);
    assert.deepEqual([e.layer, e.head, e.i, e.j], [1, 2, i, j]);
    const page_ = await demo(
      page,
      ([l, h, a, b]) => {
        const d = window.mhaDemo,
          [, H, T2] = d.shape;
        return d.attention[((l * H + h) * T2 + a) * T2 + b];
      },
      [1, 2, i, j],
    );
    assert.ok(
      Math.abs(e.weight - page_) <= 1e-4 + 1e-3 * page_,
      `recomputed weight ${e.weight} = attention[1][2][${i}][${j}] ${page_}`,
    );
    assert.equal(e.shown, page_);
    const shownText = await page.textContent('#explain [data-weight]');
    assert.equal(Number(shownText), Number(e.weight.toFixed(4)));
    assert.ok(Math.abs(e.score - e.dot * e.scale) < 1e-9);
    assert.equal(e.scale, 1 / Math.sqrt((await demo(page, () => window.mhaDemo.config)).headDim));
    const text = await page.textContent('#explain');
    const { nHead, nEmbd, headDim } = await demo(page, () => window.mhaDemo.config);
    assert.ok(text.includes(`Concat(head1, …, head${nHead})`), "MultiHead formula with this model's head count");
    assert.ok(text.includes(`${nEmbd}×${headDim}`), 'W_i^Q dimensions');
    // keyboard: Enter on the focused map explains the cursor cell
    await page.focus('#large-canvas');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    assert.deepEqual(await demo(page, () => window.mhaDemo.state.cell), { i, j: j - 1 });
    // clicking another head in the grid opens it
    await page.focus('#grid-canvas');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await demo(page, () => [window.mhaDemo.state.layer, window.mhaDemo.state.head]), [1, 3]);
  });
});

test('ablation: switching heads off changes later layers and the next-token top-5', { timeout: 60_000 }, async (t) => {
  await onPage(t, '', async (page) => {
    const before = await demo(page, () => ({
      p: window.mhaDemo.predictions,
      a: Array.from(window.mhaDemo.attention),
      shape: window.mhaDemo.shape,
    }));
    const [L, H] = before.shape;
    for (let h = 0; h < H; ++h) await afterUpdate(page, () => page.click(`#ablation-grid button[data-key="0.${h}"]`));
    const after_ = await demo(page, () => ({
      p: window.mhaDemo.predictions,
      a: Array.from(window.mhaDemo.attention),
      base: window.mhaDemo.baselineProbabilities,
      state: window.mhaDemo.state,
      url: location.search,
    }));
    assert.equal(after_.state.ablated.length, H);
    assert.match(after_.url, /ablate=0\.0%2C0\.1/);
    const T = before.shape[2],
      per = T * T;
    const maxDiff = (from, to) => {
      let m = 0;
      for (let n = from; n < to; ++n) m = Math.max(m, Math.abs(before.a[n] - after_.a[n]));
      return m;
    };
    assert.equal(maxDiff(0, H * per), 0, 'layer 0 attention is computed before its heads are zeroed: unchanged');
    assert.ok(maxDiff(H * per, L * H * per) > 1e-4, 'later layers see a different residual stream');
    const changed = after_.p.some(
      (p, n) => p.id !== before.p[n].id || Math.abs(p.probability - before.p[n].probability) > 1e-6,
    );
    assert.ok(changed, 'the top-5 changes');
    // baseline = the same tokens' probabilities with every head on
    for (const [n, p] of after_.p.entries()) {
      const same = before.p.find((q) => q.id === p.id);
      if (same) assert.ok(Math.abs(after_.base[n] - same.probability) < 1e-5);
    }
    assert.match(await page.textContent('#predictions'), /[▲▼]/);
    await afterUpdate(page, () => page.click('#ablation-grid button[data-key="0.0"]'));
    assert.equal((await demo(page, () => window.mhaDemo.state.ablated)).length, H - 1);
  });
});

test('compare: two inputs side by side with per-head differences', { timeout: 60_000 }, async (t) => {
  await onPage(t, '', async (page) => {
    await afterUpdate(page, () => page.click('#presets button[data-preset="pair"]'));
    const c = await demo(page, () => {
      const d = window.mhaDemo;
      return { view: d.state.view, compare: d.compare, tokens: d.tokens, textB: d.state.textB };
    });
    assert.equal(c.view, 'compare');
    assert.match(c.textB, /wide$/);
    assert.ok(c.compare.range > 0, 'the texts differ somewhere');
    const firstDifferent = c.tokens.findIndex((tok, n) => tok !== c.compare.tokensB[n]);
    assert.ok(firstDifferent > 0);
    // causal attention: rows before the first differing token cannot differ, in any head
    for (let i = 0; i < firstDifferent; ++i)
      assert.equal(c.compare.rowMaxAbs[i], 0, `row ${i} precedes the first different token`);
    assert.ok(Math.max(...c.compare.rowMaxAbs.slice(firstDifferent)) > 1e-4);
    assert.equal((await page.locator('#compare-tokens-b span.focus').count()) > 0, true);
    assert.match(await page.textContent('#compare-hint'), /Largest changes: L\d+H\d+/);
    assert.equal(await page.locator('#compare-predictions li').count(), 10);
    // editing B recomputes the difference
    await afterUpdate(page, () => page.fill('#text-b', c.tokens.join('').replace(/␣/g, ' ')));
    assert.equal((await demo(page, () => window.mhaDemo.compare)).range, 0, 'identical texts: no difference');
  });
});

test('aggregate: mean and max over heads, rollout over layers', { timeout: 60_000 }, async (t) => {
  await onPage(t, '?view=aggregate&layer=1', async (page) => {
    const check = async (mode) => {
      await page.click(`#aggregate-modes button[data-agg="${mode}"]`);
      return demo(
        page,
        (m) => {
          const d = window.mhaDemo,
            [, H, T] = d.shape,
            l = d.state.layer,
            a = d.attention,
            agg = d.aggregate;
          let maxError = 0,
            rowError = 0;
          for (let i = 0; i < T; ++i) {
            let sum = 0;
            for (let j = 0; j < T; ++j) {
              let expected = m === 'max' ? 0 : 0;
              for (let h = 0; h < H; ++h) {
                const w = a[((l * H + h) * T + i) * T + j];
                expected = m === 'max' ? Math.max(expected, w) : expected + w / H;
              }
              if (m !== 'rollout') maxError = Math.max(maxError, Math.abs(agg[i * T + j] - expected));
              sum += agg[i * T + j];
            }
            rowError = Math.max(rowError, Math.abs(sum - 1));
          }
          return { maxError, rowError, url: location.search };
        },
        mode,
      );
    };
    const mean = await check('mean');
    assert.ok(mean.maxError < 1e-6 && mean.rowError < 1e-4);
    const max = await check('max');
    assert.ok(max.maxError < 1e-6);
    const rollout = await check('rollout');
    assert.ok(rollout.rowError < 1e-4, 'rollout rows sum to 1');
    assert.match(rollout.url, /agg=rollout/);
  });
});

test('export: PNG, SVG and the raw attention as JSON', { timeout: 60_000 }, async (t) => {
  await onPage(t, '', async (page) => {
    const save = async (button) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
    };
    const json = await save('#export-json');
    assert.match(json.name, /\.json$/);
    const data = JSON.parse(json.bytes.toString('utf8'));
    const page_ = await demo(page, () => ({
      shape: window.mhaDemo.shape,
      tokens: window.mhaDemo.tokens,
      a: Array.from(window.mhaDemo.attention),
    }));
    assert.deepEqual(data.shape, page_.shape);
    assert.deepEqual(data.tokens, page_.tokens);
    const [L, H, T] = page_.shape;
    for (const [l, h, i, j] of [
      [0, 0, T - 1, 0],
      [L - 1, H - 1, T - 1, T - 1],
      [1, 2, 3, 1],
    ])
      assert.ok(Math.abs(data.attention[l][h][i][j] - page_.a[((l * H + h) * T + i) * T + j]) < 1e-6);
    const png = await save('#export-png');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.bytes.length > 2000);
    const svg = await save('#export-svg');
    const text = svg.bytes.toString('utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const lines = (text.match(/<line /g) ?? []).length;
    assert.equal(lines, await demo(page, () => window.mhaDemo.headView.lines), 'one SVG line per drawn line');
    await page.click('#tab-model');
    const gridSvg = (await save('#export-svg')).bytes.toString('utf8');
    assert.match(gridSvg, /<image [^>]*href="data:image\/png;base64,/);
  });
});

test('the URL holds the whole state and restores it', { timeout: 60_000 }, async (t) => {
  let url, expected;
  await onPage(t, ALL_HEADS_OF_LAYER_0, async (page) => {
    await afterUpdate(page, () => page.fill('#text-input', 'She was the youngest of the two daughters.'));
    await page.click('#tab-model');
    await page.click('#layer-picker button[data-layer="2"]');
    await page.click('#scale-toggle');
    assert.equal(await demo(page, () => window.mhaDemo.state.scale), 'sqrt');
    await afterUpdate(page, () => page.click('#ablation-grid button[data-key="1.3"]'));
    await page.focus('#large-canvas');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.click('#tab-heads');
    await page.click('.chip[data-head="0"]');
    url = await demo(page, () => location.href);
    expected = await demo(page, () => ({
      state: window.mhaDemo.state,
      tokens: window.mhaDemo.tokens,
      a: Array.from(window.mhaDemo.attention.slice(-200)),
    }));
  });
  if (!url) return;
  await onPage(t, url.slice(url.indexOf('?')), async (page) => {
    const got = await demo(page, () => ({
      state: window.mhaDemo.state,
      tokens: window.mhaDemo.tokens,
      a: Array.from(window.mhaDemo.attention.slice(-200)),
    }));
    assert.deepEqual(got.state, expected.state);
    assert.equal(got.state.view, 'heads');
    assert.equal(got.state.layer, 2);
    assert.deepEqual(got.state.ablated, ['1.3']);
    assert.deepEqual(got.state.hiddenHeads, [0]);
    assert.equal(got.state.scale, 'sqrt');
    assert.ok(got.state.cell);
    assert.deepEqual(got.tokens, expected.tokens);
    assert.deepEqual(got.a, expected.a);
    assert.equal(await page.inputValue('#text-input'), 'She was the youngest of the two daughters.');
  });
});

test(
  'bring your own model: files through the file input, a corrupted safetensors is refused clearly',
  { timeout: 90_000 },
  async (t) => {
    const files = await tinyModelFiles();
    await onPage(
      t,
      '',
      async (page) => {
        const original = await demo(page, () => ({ name: window.mhaDemo.modelName, config: window.mhaDemo.config }));
        await page.click('#model-files-button');
        // corrupted: the header claims more bytes than the file has
        const corrupt = Buffer.from(files['model.safetensors']);
        const broken = corrupt.subarray(0, corrupt.length - 1000);
        await page.setInputFiles('#model-files', asInputFiles({ ...files, 'model.safetensors': broken }));
        await page.waitForFunction(() => document.querySelector('#load-message').classList.contains('error'));
        const message = await page.textContent('#load-message');
        assert.match(message, /Could not load this model: .*safetensors.*data_offsets/);
        assert.match(message, /keeps using/);
        assert.equal(await demo(page, () => window.mhaDemo.modelName), original.name);
        // the page keeps working on the old model
        await afterUpdate(page, () => page.fill('#text-input', 'Still working after a bad file'));
        assert.equal((await demo(page, () => window.mhaDemo.config)).nLayer, original.config.nLayer);
        // missing files are named
        await page.setInputFiles('#model-files', asInputFiles({ 'config.json': files['config.json'] }));
        await page.waitForFunction(() =>
          /Missing model\.safetensors, vocab\.json, merges\.txt/.test(
            document.querySelector('#load-message').textContent,
          ),
        );
        // the drop zone takes files too; an empty file is named
        await page.evaluate(() => {
          const data = new DataTransfer();
          for (const name of ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'])
            data.items.add(new File(name === 'model.safetensors' ? [] : ['{}'], name));
          document
            .querySelector('#drop-zone')
            .dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        });
        await page.waitForFunction(() =>
          /model\.safetensors is empty/.test(document.querySelector('#load-message').textContent),
        );
        // good files: the page switches to the new model
        await afterUpdate(page, () => page.setInputFiles('#model-files', asInputFiles(files)));
        const loaded = await demo(page, () => ({
          name: window.mhaDemo.modelName,
          config: window.mhaDemo.config,
          shape: window.mhaDemo.shape,
          info: document.querySelector('#model-info').textContent,
        }));
        assert.equal(loaded.name, 'your model');
        assert.deepEqual([loaded.config.nLayer, loaded.config.nHead, loaded.config.nEmbd], [2, 2, 16]);
        assert.deepEqual(loaded.shape.slice(0, 2), [2, 2]);
        assert.match(loaded.info, /2 layers × 2 heads/);
        assert.match(await page.textContent('#load-message'), /^Loaded: /);
      },
      { allowConsoleErrors: false },
    );
  },
);

test('a shared link cannot point the page at a model on another host', { timeout: 60_000 }, async (t) => {
  await page_.withUrl(
    t,
    page_.testUrl(`model=${encodeURIComponent('http://192.0.2.1/models/x/')}`),
    async (page, log) => {
      await page.waitForFunction(() => document.querySelector('#input-message').classList.contains('error'));
      assert.match(await page.textContent('#input-message'), /not on this page's server/);
      assert.deepEqual(log.blocked, [], 'nothing was requested from the other host');
    },
  );
});

test('phone-sized viewport: no horizontal page overflow, views still render', { timeout: 60_000 }, async (t) => {
  await onPage(
    t,
    '',
    async (page) => {
      for (const view of ['heads', 'model']) {
        await page.click(`#tab-${view}`);
        const s = await demo(page, () => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
        assert.ok(s.scroll <= s.width + 1, `${view}: page width ${s.scroll} fits ${s.width}`);
      }
      await page.click('#tab-heads');
    },
    { viewport: { width: 390, height: 844 } },
  );
});

// The README's screenshots are rewritten only on request (MHA_UPDATE_SCREENSHOTS=1), so that a plain
// `npm test` leaves the work tree clean; otherwise they go to build/screenshots/ for a look.
function screenshotPath(name) {
  const folder = process.env.MHA_UPDATE_SCREENSHOTS === '1' ? '../../docs/' : '../../build/screenshots/';
  const url = new URL(folder, import.meta.url);
  mkdirSync(url, { recursive: true });
  return new URL(name, url).pathname;
}

test(
  'update latency at 16, 32, 64 and full-context tokens, 1 and all threads (recorded, not asserted); README screenshot',
  { timeout: 90_000 },
  async (t) => {
    await onPage(t, ALL_HEADS_OF_LAYER_0, async (page) => {
      const nPositions = (await demo(page, () => window.mhaDemo.config)).nPositions;
      const rows = [];
      const threads = await demo(page, () => window.mhaDemo.threads);
      for (const target of [16, 32, 64, nPositions]) {
        const text = await demo(
          page,
          async (n) => {
            const words = "the animal didn't cross the street because it was tired and the road was wide".split(' ');
            let text = 'The';
            for (let k = 0; (await window.mhaDemo.tokenCount(text)) < n; ++k) text += ` ${words[k % words.length]}`;
            while ((await window.mhaDemo.tokenCount(text)) > n) text = text.slice(0, text.lastIndexOf(' '));
            return text;
          },
          target,
        );
        await afterUpdate(page, () => page.fill('#text-input', text));
        for (const view of ['heads', 'model'])
          for (const count of threads.maxThreads > 1 ? [1, threads.maxThreads] : [1]) {
            await page.click(`#tab-${view}`);
            await demo(page, (n) => window.mhaDemo.setThreads(n), count);
            const samples = await demo(page, async () => {
              const all = [];
              for (let n = 0; n < 7; ++n) all.push(await window.mhaDemo.updateNow());
              return all;
            });
            const median = (key) => samples.map((s) => s[key]).sort((a, b) => a - b)[3];
            rows.push({
              tokens: samples[0].tokens,
              view,
              threads: count,
              forwardMs: median('forwardMs'),
              updateMs: median('updateMs'),
            });
          }
      }
      await demo(page, (n) => window.mhaDemo.setThreads(n), threads.threads);
      console.log(
        `# demo update latency (median of 7, ms; ${threads.build} build): forward = wasm forward pass, update = forward + analysis + drawing`,
      );
      for (const r of rows)
        console.log(
          `#   ${String(r.tokens).padStart(4)} tokens  ${r.view.padEnd(6)} ${r.threads} thread(s)  forward ${r.forwardMs.toFixed(1).padStart(6)}  update ${r.updateMs.toFixed(1).padStart(6)}`,
        );
      // README screenshot: the seed sentence, a locked query token, in the head view
      await afterUpdate(page, () => page.click('#presets button[data-preset="0"]'));
      await page.click('#tab-heads');
      const T = (await demo(page, () => window.mhaDemo.tokens)).length;
      const itIndex = (await demo(page, () => window.mhaDemo.tokens)).findIndex((tok) => tok === '␣it');
      const locked = itIndex >= 0 ? itIndex : T - 3;
      // show the layer where the locked token puts the most weight on an earlier word (not the first token)
      const layer = await demo(
        page,
        (i) => {
          const d = window.mhaDemo,
            [L, H, T2] = d.shape;
          let best = { layer: 0, head: 0, j: 0, w: 0 };
          for (let l = 0; l < L; ++l)
            for (let h = 0; h < H; ++h)
              for (let j = 1; j < i; ++j) {
                const w = d.attention[((l * H + h) * T2 + i) * T2 + j];
                if (w > best.w) best = { layer: l, head: h, j, w };
              }
          return best;
        },
        locked,
      );
      await page.click(`#layer-picker button[data-layer="${layer.layer}"]`);
      await demo(page, () => window.scrollTo(0, 0));
      const g = await demo(page, () => window.mhaDemo.geometry.headView);
      await page.mouse.click(g.canvasLeft + g.xLeftText - 5, g.canvasTop + g.top + (locked + 0.5) * g.row);
      await page.mouse.move(2, 2);
      assert.deepEqual(await demo(page, () => window.mhaDemo.state.lock), { side: 'q', index: locked });
      await page.screenshot({ path: screenshotPath('demo.png'), clip: { x: 0, y: 0, width: 1400, height: 880 } });
      // second picture: that head in the model view, with the strongest weight explained
      await page.click('#tab-model');
      await page.focus('#grid-canvas');
      for (let h = 0; h < layer.head; ++h) await page.keyboard.press('ArrowRight');
      const cellGeometry = await demo(page, () => window.mhaDemo.geometry.large);
      await page.mouse.click(
        cellGeometry.canvasLeft + cellGeometry.left + (layer.j + 0.5) * cellGeometry.cell,
        cellGeometry.canvasTop + cellGeometry.top + (locked + 0.5) * cellGeometry.cell,
      );
      await page.mouse.move(2, 2);
      // q, k and v come from the model's worker: wait for this cell's explanation
      await page.waitForFunction(({ i, j }) => window.mhaDemo.explained?.i === i && window.mhaDemo.explained?.j === j, {
        i: locked,
        j: layer.j,
      });
      const explained = await demo(page, () => window.mhaDemo.explained);
      assert.deepEqual(
        [explained.layer, explained.head, explained.i, explained.j],
        [layer.layer, layer.head, locked, layer.j],
      );
      const bottom = await demo(
        page,
        () =>
          Math.max(
            document.querySelector('.view-card').getBoundingClientRect().bottom,
            document.querySelector('.side').getBoundingClientRect().bottom,
          ) + window.scrollY,
      );
      await page.setViewportSize({ width: 1400, height: Math.ceil(bottom) + 16 });
      await page.screenshot({
        path: screenshotPath('demo-model.png'),
        clip: { x: 0, y: 300, width: 1400, height: Math.ceil(bottom) - 292 },
      });
    });
  },
);
