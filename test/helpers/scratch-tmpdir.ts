/**
 * Preloaded by the test scripts (`node --import`): the temporary directories the tests make,
 * and those of the sim processes they start, go under one directory per test process, removed
 * when it exits, so that runs leave nothing behind in /tmp. Those of a run that was killed go
 * at the next run's start. What is kept between runs stays where it was: the fixture cache and
 * the failed tests' screenshots. SIM_TEST_KEEP=1 keeps this one too (its path is printed).
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/core/pids.js';

const base = os.tmpdir();
const PREFIX = 'sim-tests-';
const user = os.userInfo();

for (const name of readdirSync(base)) {
  const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
  if (pid && !isAlive(Number(pid))) {
    try {
      rmSync(path.join(base, name), { recursive: true, force: true });
    } catch {
      // Another user's: theirs to remove.
    }
  }
}

process.env.SIM_FIXTURE_CACHE ||= path.join(base, `sim-fixtures-${user.uid}`);
process.env.SIM_TEST_OUTPUT ||= path.join(base, `sim-test-output-${user.username}`);
const keep = process.env.SIM_TEST_KEEP === '1';
// A kept one has no pid in its name: the next run does not take it for a killed run's.
const dir = mkdtempSync(path.join(base, `${PREFIX}${keep ? 'kept' : process.pid}-`));
// As /tmp is: tests run programs as another user (root asking as nobody), which write temporary files too.
chmodSync(dir, 0o1777);
process.env.TMPDIR = dir;
if (keep) {
  process.on('exit', () => console.error(`SIM_TEST_KEEP: the tests' temporary files are in ${dir}`));
} else {
  process.on('exit', () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // Another user's file in it: the next run's start tries again.
    }
  });
}
