// Shared harness for the headless-browser tests: Chromium driven by playwright-core, pages served from
// 127.0.0.1 only. Every request the page makes is recorded; any request that would leave the machine is
// aborted and makes the page check fail, as do console errors and uncaught page errors.
//
//   import { skipWithoutChromium, launchBrowser, withPage, startRepoServer, startStaticServer } from '../e2e/browser.mjs';
//
//   test('page works', { timeout: 60_000 }, async (t) => {
//     if (skipWithoutChromium(t)) return;
//     const server = await startRepoServer(); t.after(() => closeServer(server));
//     const text = await withPage(`${serverUrl(server)}/web/`, (page) => page.textContent('#result'));
//   });
//
// Chromium: /usr/bin/chromium (override with MHA_CHROMIUM). Tests skip only when that file is absent;
// any other failure to launch is an error.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.MHA_CHROMIUM || '/usr/bin/chromium';

// Flags that work as root with no network (see TOOLCHAIN.md). --user-data-dir is set per launch.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for URLs that stay on this machine: 127.0.0.1 / localhost / [::1], or data:, blob:, about:. */
export function isLocalUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return true;
  return ['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol) && LOCAL_HOSTS.has(parsed.hostname);
}

/** Marks the test skipped (with the reason) and returns true when Chromium is not installed. */
export function skipWithoutChromium(t) {
  if (existsSync(CHROMIUM_PATH)) return false;
  t.skip(
    `headless browser tests need Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or run scripts/setup.sh)`,
  );
  return true;
}

async function importPlaywright() {
  try {
    return await import('playwright-core');
  } catch (error) {
    throw new Error(`playwright-core is not installed (run npm install, or scripts/setup.sh): ${error.message}`, {
      cause: error,
    });
  }
}

/**
 * Launches headless Chromium with a fresh profile in a temporary directory. Returns a session:
 *   { context, blocked, newPage(), close() }   close() is idempotent and removes the profile directory.
 * Every request of the context goes through a guard that lets 127.0.0.1 / localhost / [::1] (and
 * data:/blob:) through and aborts anything else, recording it in `blocked`.
 * A process 'exit' hook kills the browser and removes the profile if close() was never reached.
 */
export async function launchBrowser({ timeout = 60_000 } = {}) {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  const { chromium } = await importPlaywright();
  const profile = await mkdtemp(join(tmpdir(), 'mha-chromium-'));
  let context;
  try {
    // launchPersistentContext passes the directory to Chromium as --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout,
      serviceWorkers: 'block',
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  let pid;
  try {
    pid = findBrowserPid(profile);
  } catch {
    /* not Linux: rely on close() and playwright's own exit handlers */
  }
  const onExit = () => {
    // Only reached when close() was not: the test process is exiting (e.g. node --test-force-exit).
    // playwright starts Chromium as the leader of its own process group: kill that group.
    if (pid)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    try {
      rmSync(profile, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  };
  process.once('exit', onExit);
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(30_000);
  // The network guard sits on the whole context, so it also covers workers and popups.
  const blocked = [];
  try {
    await context.route('**/*', (route) => {
      const requestUrl = route.request().url();
      if (isLocalUrl(requestUrl)) return route.continue();
      blocked.push(requestUrl);
      return route.abort('blockedbyclient');
    });
  } catch (error) {
    await context.close().catch(() => {});
    onExit();
    process.removeListener('exit', onExit);
    throw error;
  }
  let closing = null;
  return {
    context,
    /** Every non-local request aborted in this browser so far. */
    blocked,
    profile,
    newPage: () => context.newPage(),
    pid,
    close() {
      closing ??= (async () => {
        process.removeListener('exit', onExit);
        try {
          await context.close();
        } catch {
          /* browser already gone */
        }
        await rm(profile, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}

// The pid of the Chromium we started (our child whose command line names this profile), read from /proc;
// undefined elsewhere. playwright-core gives no process handle for a persistent context.
function findBrowserPid(profile) {
  if (!existsSync('/proc/self')) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(`--user-data-dir=${profile}`))
        return Number(entry);
    } catch {
      /* process went away */
    }
  }
  return undefined;
}

/**
 * Opens `url` in a new page and calls `body(page, log)`; returns what it returns. Fails (after body) when
 * the page logged console errors, threw uncaught errors, or tried to reach a non-local address (those
 * requests are aborted). `log` = { requests: [urls], blocked: [urls], consoleErrors: [], pageErrors: [] }.
 * Options: browser (a session from launchBrowser(), reused and left open; otherwise one is launched and
 * closed), allowConsoleErrors (default false), waitUntil (default 'load').
 */
export async function withPage(url, body, { browser, allowConsoleErrors = false, waitUntil = 'load' } = {}) {
  const session = browser ?? (await launchBrowser());
  const blockedBefore = session.blocked.length;
  const log = {
    requests: [],
    consoleErrors: [],
    pageErrors: [],
    get blocked() {
      return session.blocked.slice(blockedBefore);
    }, // from the session's network guard
  };
  let page;
  try {
    page = await session.newPage();
    page.on('request', (request) => log.requests.push(request.url()));
    page.on('websocket', (socket) => {
      log.requests.push(socket.url()); // not routable; checkLog flags non-local ones from `requests`
    });
    page.on('console', (message) => {
      if (message.type() === 'error') log.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => log.pageErrors.push(String(error?.stack ?? error)));
    await page.goto(url, { waitUntil });
    const result = await body(page, log);
    checkLog(log, { allowConsoleErrors });
    return result;
  } finally {
    if (page) await page.close().catch(() => {});
    if (!browser) await session.close();
  }
}

/** Throws one error listing every problem recorded in `log`. */
export function checkLog(log, { allowConsoleErrors = false } = {}) {
  const problems = [];
  const nonLocal = log.requests.filter((u) => !isLocalUrl(u));
  const blocked = [...new Set([...log.blocked, ...nonLocal])];
  if (blocked.length) problems.push(`requests that would leave 127.0.0.1 (aborted):\n  ${blocked.join('\n  ')}`);
  if (log.pageErrors.length) problems.push(`uncaught page errors:\n  ${log.pageErrors.join('\n  ')}`);
  if (!allowConsoleErrors && log.consoleErrors.length)
    problems.push(`console errors:\n  ${log.consoleErrors.join('\n  ')}`);
  if (problems.length) throw new Error(`browser page check failed\n${problems.join('\n')}`);
}

/**
 * Waits for the page to publish a result: polls `globalThis[name]` until it is set, and rejects early
 * if the page throws. The page sets `globalThis[name] = { ok: true, ... }` or `{ ok: false, error }`.
 */
export async function waitForResult(page, log, name = 'testResult', timeout = 30_000) {
  let onPageError;
  const pageFailed = new Promise((_, fail) => {
    onPageError = (error) => fail(new Error(`page error while waiting for ${name}: ${error.message}`));
    page.once('pageerror', onPageError);
  });
  try {
    const handle = await Promise.race([
      page.waitForFunction((key) => globalThis[key] !== undefined, name, { timeout }),
      pageFailed,
    ]);
    await handle.dispose();
  } finally {
    page.off('pageerror', onPageError);
  }
  const result = await page.evaluate((key) => JSON.parse(JSON.stringify(globalThis[key])), name);
  if (result && result.ok === false)
    throw new Error(`page reported failure: ${result.error}\n${log.consoleErrors.join('\n')}`);
  return result;
}

// ---- servers -------------------------------------------------------------------------------------

/** The project's own server (scripts/serve.mjs: repository root, COOP/COEP) on a free 127.0.0.1 port. */
export async function startRepoServer() {
  const { startServer } = await import('../../scripts/serve.mjs');
  return startServer({ port: 0 });
}

/**
 * Serves `folder` (static files, same COOP/COEP headers as the demo server unless `isolated` is false) on a
 * free 127.0.0.1 port.
 */
export async function startStaticServer(folder, { isolated = true } = {}) {
  const { startServer } = await import('../../scripts/serve.mjs');
  return startServer({ port: 0, root: folder, index: null, isolated });
}

/** http://127.0.0.1:<port> of a listening server. */
export function serverUrl(server) {
  return `http://127.0.0.1:${server.address().port}`;
}

/** Closes a server, dropping keep-alive connections so the process can exit. */
export function closeServer(server) {
  if (!server?.listening) return Promise.resolve();
  server.closeAllConnections?.();
  return new Promise((done) => server.close(() => done()));
}
