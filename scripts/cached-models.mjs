// Where scripts/setup.sh caches the pretrained models it fetches (never committed, never fetched at run
// time): $MHA_DEPS_DIR/models/<name>/, the deps folder being $MHA_DEPS_DIR, else
// $XDG_CACHE_HOME/mha-wasm, else ~/.cache/mha-wasm (the rule setup.sh uses).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The models setup.sh may cache (folder names). */
export const CACHED_MODELS = ['all-MiniLM-L6-v2'];

export function depsDir(env = process.env) {
  return env.MHA_DEPS_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mha-wasm');
}

/** The folder of a cached model, or null when setup has not completed it (setup writes .mha-complete last). */
export function cachedModelDir(name, env = process.env) {
  const folder = join(depsDir(env), 'models', name);
  return existsSync(join(folder, '.mha-complete')) ? folder : null;
}

/** URL prefix -> folder for every cached model that is present: /models/<name>/ (scripts/serve.mjs mounts these). */
export function cachedModelMounts(env = process.env) {
  const mounts = {};
  for (const name of CACHED_MODELS) {
    const folder = cachedModelDir(name, env);
    if (folder) mounts[`/models/${name}/`] = folder;
  }
  return mounts;
}
