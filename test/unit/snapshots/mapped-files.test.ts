// What a quick boot hands the guest as the files its processes may map: found by one walk of the prefix on the host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prefixElfFiles } from '../../../src/snapshots/mapped-files.js';

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

test("the prefix's ELF files by their first bytes, wherever they are; not sim's record, headers or docs, nor links", async () => {
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-elf-'));
  try {
    const files: [string, Buffer | string][] = [
      ['usr/bin/app', ELF],
      ['usr/bin/app-script', '#!/bin/sh\n'],
      ['usr/lib/x86_64-linux-gnu/libapp.so.1.0', ELF],
      ['usr/lib/x86_64-linux-gnu/gio/modules/libmod.so', ELF],
      ['usr/share/app/data.bin', ELF],
      ['usr/share/app/short', 'EL'],
      ['.sim/record/app', ELF],
      ['usr/include/app.h', ELF],
      ['usr/share/doc/app/example', ELF],
    ];
    for (const [file, data] of files) {
      await mkdir(path.dirname(path.join(prefix, file)), { recursive: true });
      await writeFile(path.join(prefix, file), data);
    }
    await symlink('libapp.so.1.0', path.join(prefix, 'usr/lib/x86_64-linux-gnu/libapp.so.1'));
    assert.equal(await prefixElfFiles(prefix), ['usr/bin/app', 'usr/lib/x86_64-linux-gnu/gio/modules/libmod.so', 'usr/lib/x86_64-linux-gnu/libapp.so.1.0', 'usr/share/app/data.bin']);
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
});

test('a missing prefix has none', async () => {
  assert.equal(await prefixElfFiles(path.join(os.tmpdir(), 'sim-no-such-prefix')), []);
});

test.run();
