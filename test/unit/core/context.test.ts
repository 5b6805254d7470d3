import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheDir, contextFrom, resolveContext, runtimeDir } from '../../../src/core/context.js';
import * as library from '../../../src/index.js';

test('the cache: SIM_CACHE_DIR, else XDG_CACHE_HOME/sim, else ~/.cache/sim', () => {
  assert.is(resolveContext({ SIM_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }).dirs.cache, '/c');
  assert.is(resolveContext({ XDG_CACHE_HOME: '/x' }).dirs.cache, '/x/sim');
  assert.is(resolveContext({}).dirs.cache, path.join(os.homedir(), '.cache', 'sim'));
  // Relative settings are taken from the current directory, once.
  assert.is(resolveContext({ SIM_CACHE_DIR: 'rel' }).dirs.cache, path.resolve('rel'));
  assert.is(resolveContext({ XDG_CACHE_HOME: 'rel' }).dirs.cache, path.join(path.resolve('rel'), 'sim'));
  assert.is(resolveContext({ SIM_CACHE_DIR: '' , XDG_CACHE_HOME: '/x' }).dirs.cache, '/x/sim', 'an empty setting counts as unset');
});

test('the runtime dir: SIM_RUNTIME_DIR, else XDG_RUNTIME_DIR/sim, else the cache/run', () => {
  assert.is(resolveContext({ SIM_RUNTIME_DIR: '/r', XDG_RUNTIME_DIR: '/run/user/1' }).dirs.runtime, '/r');
  assert.is(resolveContext({ XDG_RUNTIME_DIR: '/run/user/1' }).dirs.runtime, '/run/user/1/sim');
  assert.is(resolveContext({ SIM_CACHE_DIR: '/c' }).dirs.runtime, '/c/run');
  assert.is(resolveContext({ XDG_CACHE_HOME: '/x' }).dirs.runtime, '/x/sim/run');
});

test('every directory and file sim keeps state in derives from the two roots', () => {
  const ctx = resolveContext({ SIM_CACHE_DIR: '/c', SIM_RUNTIME_DIR: '/r' });
  assert.equal(ctx.dirs, {
    cache: '/c',
    runtime: '/r',
    images: '/c/images',
    builds: '/c/build',
    initramfs: '/c/initramfs',
    snapshots: '/c/snapshots',
    demo: '/c/demo',
    sessions: '/r/sessions',
    simulators: '/r/sims',
  });
  assert.is(ctx.accelCache, '/c/accel.json');
});

test('the environment is kept as given, for children and tool lookups; the context is frozen', () => {
  const env = { SIM_CACHE_DIR: '/c', PATH: '/bin', SIM_BUSYBOX: '/bb' };
  const ctx = resolveContext(env);
  assert.is(ctx.env, env);
  assert.ok(Object.isFrozen(ctx) && Object.isFrozen(ctx.dirs));
});

test('entry points: an explicit context wins over env; env defaults to process.env', () => {
  const given = resolveContext({ SIM_CACHE_DIR: '/given' });
  assert.is(contextFrom({ context: given, env: { SIM_CACHE_DIR: '/other' } }), given);
  assert.is(contextFrom({ env: { SIM_CACHE_DIR: '/e' } }).dirs.cache, '/e');
  assert.is(contextFrom().env, process.env);
});

test('the library keeps cacheDir(env) and runtimeDir(env)', () => {
  assert.is(library.cacheDir, cacheDir);
  assert.is(library.runtimeDir, runtimeDir);
  assert.is(cacheDir({ SIM_CACHE_DIR: '/c' }), '/c');
  assert.is(runtimeDir({ SIM_CACHE_DIR: '/c' }), '/c/run');
  assert.is(runtimeDir({ XDG_RUNTIME_DIR: '/run/user/1' }), '/run/user/1/sim');
});

test.run();
