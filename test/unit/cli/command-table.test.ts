/**
 * main.ts lists each command's name and description itself, so that `sim --help` and
 * `sim ls` load no command module but the one run: they must stay the modules' own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../../../src/cli/main.js';

test("each command of the table loads the module it names, with that module's own name and description", async () => {
  const names = new Set<string>();
  for (const entry of commands) {
    const module = await entry.load();
    assert.is(entry.command, module.command, `${entry.name}: the command line differs from its module's`);
    assert.is(entry.describe, module.describe, `${entry.name}: the description differs from its module's`);
    assert.is(entry.name, String(module.command).split(' ')[0]);
    names.add(entry.name);
  }
  assert.is(names.size, commands.length, 'two entries share a name');
});

test.run();
