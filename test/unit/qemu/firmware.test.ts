import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findQboot } from '../../../src/qemu/firmware.js';

test('qboot.rom is found in the first data dir that has it, else none', async () => {
  const a = await mkdtemp(path.join(os.tmpdir(), 'sim-fw-'));
  const b = await mkdtemp(path.join(os.tmpdir(), 'sim-fw-'));
  assert.is(await findQboot([a, b]), undefined);
  await writeFile(path.join(b, 'qboot.rom'), '');
  assert.is(await findQboot([a, b]), path.join(b, 'qboot.rom'));
});

test.run();
