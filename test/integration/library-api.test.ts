/** The package's library API used directly, as an IDE would: typed events, exit status. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFixtureImage, buildFixturePrefix } from '../helpers/fixture-image.js';
import { freshEnv } from '../helpers/sim.js';
import * as sim from '../../dist/index.js';

test('importImage + boot with events, validated against the exported schema', async () => {
  const fixture = await buildFixtureImage();
  const env = { ...process.env, ...(await freshEnv()) };
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
  const meta = await sim.importImage(fixture.disk, { name: 'demo', env });
  assert.equal(meta.names, ['demo']);

  const events: sim.SimEvent[] = [];
  const result = await sim.boot({ image: 'demo', overlay: prefix, noInit: true, command: ['sh', '-c', 'demo-app; exit 7'], env, events: (e) => events.push(sim.simEventSchema.parse(e)) });
  assert.is(result.exitCode, 7);
  assert.ok(['kvm', 'tcg'].includes(result.accel));
  const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
  assert.ok(phases.indexOf('qemu-started') < phases.indexOf('guest-ready'));
  assert.is(events.filter((e) => e.type === 'output').map((e) => (e as { data: string }).data).join(''), 'libdemo version 2\n');

  const error = await sim.boot({ image: 'missing', env }).catch((e: unknown) => e);
  assert.ok(sim.isSimError(error));
  assert.is((error).code, 'IMAGE_NOT_FOUND');
  assert.is((error).exitCode, sim.ExitCode.image);
});

test('the built package serves the web console: its page and code beside the server, not in place of it', async () => {
  const env = { ...process.env, ...(await freshEnv()) };
  const server = await sim.startWebConsole({ env });
  try {
    const page = await fetch(server.url);
    assert.is(page.status, 200);
    const html = await page.text();
    const script = html.match(/src="([^"]*app\.js[^"]*)"/)?.[1];
    assert.ok(script, `the page names no app.js:\n${html.slice(0, 500)}`);
    const code = await fetch(new URL(script, server.url));
    assert.is(code.status, 200);
    assert.ok((await code.text()).length > 10_000, "the page's code is not the bundle");
  } finally {
    await server.close();
  }
});

test.run();
