import * as assert from 'uvu/assert';
import { SimError } from '../../src/core/errors.js';

/** Await `promise` (or call it) and assert it fails with a SimError of `code`; returns the error. */
export async function expectSimError(promise: Promise<unknown> | (() => unknown), code: string): Promise<SimError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    assert.instance(error, SimError);
    assert.is((error as SimError).code, code, (error as Error).message);
    return error as SimError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}
