/** The parser has zod check documents without compiling a checker per schema (src/cli/main.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('once the parser is loaded, zod runs jitless', async () => {
  await import('../../../src/cli/main.js');
  const { z } = await import('zod');
  assert.is(z.config().jitless, true);
});

test.run();
