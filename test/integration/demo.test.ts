/**
 * `sim demo`, the README's first command, end to end in the user's cache (the default image and
 * the demo's GLib are built once there, so later runs are cache hits): Debian's GLib rebuilt and
 * shown winning in the booted image. Its guest script is checked to fail where the rebuilt GLib
 * does not win (a prefix without it), and to pass in path mode too.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GUEST_SCRIPT_FILE, missingRequirements } from '../../src/demo/demo.js';
import { resolveContext } from '../../src/core/context.js';
import { parseEvents, sim } from '../helpers/sim.js';

let skip: string | undefined;
let script = '';
let prefix = '';

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

function stdoutOf(events: ReturnType<typeof parseEvents>): string {
  return events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('');
}

test('setup: what the demo needs', async () => {
  const missing = (await missingRequirements(['boot', 'build', 'source'])).map((r) => r.what);
  skip = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (skip && process.env.CI === 'true') throw new Error(`the demo test cannot run in CI: ${skip}`);
  if (skip) console.warn(`skipping the demo test: ${skip}`);
  script = await readFile(GUEST_SCRIPT_FILE, 'utf8');
  prefix = path.join(resolveContext().dirs.demo, 'prefix');
});

it('sim demo rebuilds GLib and shows it winning for PATH, the linker and a systemd service', async () => {
  const run = await sim(['demo', '--json'], {}, { timeout: 1_800_000 });
  const events = parseEvents(String(run.stdout));
  const output = stdoutOf(events);
  assert.is(run.exitCode, 0, `${String(run.stderr)}\n${output}`);
  assert.match(output, /rebuilt by sim/);
  assert.is((output.match(/ -> ok: /g) ?? []).length, 4, output);
  assert.match(output, /The rebuilt GLib wins/);
});

it("the demo's guest script passes in path mode and fails without the rebuilt GLib", async () => {
  const pathMode = await sim(['boot', '--json', '--overlay', prefix, '--overlay-mode', 'path', '--', 'sh', '-c', script], {});
  const pathOutput = stdoutOf(parseEvents(String(pathMode.stdout)));
  assert.is(pathMode.exitCode, 0, `${String(pathMode.stderr)}\n${pathOutput}`);
  assert.match(pathOutput, /^\/run\/sim\/overlay\/usr\/bin\/gio$/m);

  const empty = await mkdtemp(path.join(os.tmpdir(), 'sim-demo-empty-'));
  try {
    const without = await sim(['boot', '--json', '--overlay', empty, '--', 'sh', '-c', script], {});
    const output = stdoutOf(parseEvents(String(without.stdout)));
    assert.is(without.exitCode, 1, `${String(without.stderr)}\n${output}`);
    assert.is((output.match(/ -> NOT OK: /g) ?? []).length, 4, output);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test.run();
