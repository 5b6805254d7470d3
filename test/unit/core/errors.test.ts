import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { permissionError } from '../../../src/core/errors.js';

const own = [
  { dir: '/home/a/.cache/sim/run', variable: 'SIM_RUNTIME_DIR' },
  { dir: '/home/a/.cache/sim', variable: 'SIM_CACHE_DIR' },
];
const denied = (path: string, code = 'EACCES') => Object.assign(new Error(`${code}: permission denied, mkdir '${path}'`), { code, path });

test('a refused write in the cache says how to take it back', () => {
  const error = permissionError(denied('/home/a/.cache/sim/images/x'), own, 'alice');
  assert.is(error?.code, 'PERMISSION_DENIED');
  assert.is(error?.exitCode, 64);
  assert.is(error?.message, 'sim cannot write /home/a/.cache/sim/images/x: permission denied.');
  assert.match(error!.hint, /sudo chown -R alice: \/home\/a\/\.cache\/sim', or set SIM_CACHE_DIR/);
  assert.match(permissionError(denied('/home/a/.cache/sim/run/s', 'EPERM'), own, 'alice')!.hint, /SIM_RUNTIME_DIR/);
  assert.match(permissionError(denied('/srv/x', 'EROFS'), own, 'alice')!.message, /read-only/);
});

test('other errors are not permission errors', () => {
  assert.is(permissionError(Object.assign(new Error('x'), { code: 'ENOENT', path: '/x' }), own, 'alice'), undefined);
  assert.is(permissionError(new Error('no code'), own, 'alice'), undefined);
  assert.is(permissionError(undefined, own, 'alice'), undefined);
});

test.run();
