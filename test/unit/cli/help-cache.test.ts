/**
 * yargs renders a command's whole help as its handler starts (about 14 ms of every command), in
 * case the handler asks for it; sim's parser turns that off (src/cli/main.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs, { type Argv } from 'yargs';
import { createCli } from '../../../src/cli/main.js';

interface UsageInternals {
  getInternalMethods(): { getUsageInstance(): { hasCachedHelpMessage(): boolean } };
}
const helpCached = (cli: Argv) => (cli as unknown as UsageInternals).getInternalMethods().getUsageInstance().hasCachedHelpMessage();

test('yargs on its own renders the help of the command it runs (the control)', async () => {
  const cli = yargs(['hello']).command('hello', 'says nothing', {}, () => {});
  await cli.parseAsync();
  assert.ok(helpCached(cli));
});

test("sim's parser runs a command without rendering its help", async () => {
  const saved = process.env.SIM_RUNTIME_DIR;
  process.env.SIM_RUNTIME_DIR = await mkdtemp(path.join(os.tmpdir(), 'sim-help-cache-'));
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const write = process.stdout.write;
  let output = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((output += chunk.toString()), true));
  try {
    const cli = createCli(['ls']);
    await cli.parseAsync();
    assert.match(output, /^NAME\s+STATUS/, 'ls did not run');
    assert.not.ok(helpCached(cli));
  } finally {
    process.stdout.write = write;
    if (saved === undefined) delete process.env.SIM_RUNTIME_DIR;
    else process.env.SIM_RUNTIME_DIR = saved;
  }
});

test.run();
