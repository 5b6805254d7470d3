import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childEnv, run, systemPath, which } from '../../../src/core/process.js';

// A normal Debian user's PATH: no sbin directories, where sfdisk, mke2fs and debugfs live.
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

test('systemPath appends the sbin directories after PATH, once', () => {
  assert.is(systemPath(USER_PATH), `${USER_PATH}:/usr/local/sbin:/usr/sbin:/sbin`);
  assert.is(systemPath('/usr/sbin:/opt/bin'), '/usr/sbin:/opt/bin:/usr/local/sbin:/sbin');
  assert.is(systemPath(undefined), '/usr/local/sbin:/usr/sbin:/sbin');
  assert.is(childEnv({ PATH: USER_PATH, X: '1' }).X, '1');
});

test('which finds sbin-only programs with a user PATH', async () => {
  for (const tool of ['sfdisk', 'debugfs', 'mke2fs']) {
    const found = await which(tool, { PATH: USER_PATH });
    assert.ok(found, `${tool} not found`);
    assert.match(found, /^(\/usr)?\/sbin\//, `${tool}: ${found}`);
  }
});

test('run finds an sbin program when sim itself has a user PATH, and children get the sbin PATH', async () => {
  const saved = process.env.PATH;
  process.env.PATH = USER_PATH;
  try {
    const sfdisk = await run('sfdisk', ['--version']);
    assert.match(sfdisk.stdout, /sfdisk from util-linux/);
    const explicit = await run('debugfs', ['-V'], { env: { PATH: USER_PATH } });
    assert.match(explicit.stderr + explicit.stdout, /debugfs \d/);
    const env = await run('env', []);
    const childPath = /^PATH=(.*)$/m.exec(env.stdout)?.[1] ?? '';
    assert.ok(childPath.split(':').includes('/usr/sbin'), childPath);
  } finally {
    process.env.PATH = saved;
  }
});

test.run();
