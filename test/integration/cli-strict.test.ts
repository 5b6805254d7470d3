/**
 * The built CLI refuses a misspelt option before it does anything: no image work, no QEMU, no
 * session. Programs sim could start are replaced on PATH by spies that record being run.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freshEnv, sim, type SimEnv } from '../helpers/sim.js';

const SPIED = ['qemu-system-x86_64', 'qemu-img', 'mmdebstrap', 'debugfs', 'mke2fs'];

let env: SimEnv & { PATH: string };
let spyLog: string;

test.before(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sim-strict-'));
  const bin = path.join(root, 'bin');
  spyLog = path.join(root, 'ran.log');
  await mkdir(bin);
  for (const program of SPIED) {
    const file = path.join(bin, program);
    await writeFile(file, `#!/bin/sh\necho "${program} $*" >> '${spyLog}'\nexit 1\n`);
    await chmod(file, 0o755);
  }
  env = { ...(await freshEnv()), PATH: `${bin}:${process.env.PATH}` };
});

const ran = () => readFile(spyLog, 'utf8').catch(() => '');
const created = async (dir: string) => readdir(dir).catch(() => [] as string[]);
/**
 * What a command line left in the cache beside the parser's own code cache (src/cli/compiled-parser.ts:
 * V8's compiled code of sim, written by whatever command loaded the parser first), which must
 * hold nothing else.
 */
const touched = async (cache: string) => {
  const codeCache = await created(path.join(cache, 'code-cache'));
  assert.ok(codeCache.every((name) => /^main-[0-9a-f]{16}-v[\d.]+-\w+\.v8$/.test(name)), `the code cache holds ${codeCache.join(', ')}`);
  return (await created(cache)).filter((name) => name !== 'code-cache');
};

test('sim boot --overlya x -- true exits 64 and starts nothing', async () => {
  const result = await sim(['boot', '--overlya', 'x', '--', 'true'], env);
  assert.is(result.exitCode, 64, result.stderr);
  assert.match(result.stderr, 'sim boot has no option --overlya.');
  assert.match(result.stderr, 'Did you mean --overlay?');
  assert.is(await ran(), '', 'a program was started');
  assert.equal(await touched(env.SIM_CACHE_DIR), [], 'the cache was touched');
  assert.equal(await created(env.SIM_RUNTIME_DIR), [], 'a session was created');
});

test('a wrong value is refused the same way, before QEMU sees it', async () => {
  const result = await sim(['boot', '--memory', 'abc', '--', 'true'], env);
  assert.is(result.exitCode, 64, result.stderr);
  assert.match(result.stderr, "--memory takes a memory size from 128M to 1T");
  assert.is(await ran(), '');
  assert.equal(await touched(env.SIM_CACHE_DIR), []);
});

// The control: the spies do notice a program being run.
test('the spies record a run (sim doctor asks QEMU its version)', async () => {
  await sim(['doctor'], env);
  assert.match(await ran(), 'qemu-system-x86_64 --version');
});

test.run();
