import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError } from '../../../src/core/errors.js';
import { planRootRunner, subordinateRange, unshareArgs, type HostFacts } from '../../../src/images/userns.js';

const SUBIDS = 'root:200000:65536\nalice:100000:65536\n1002:300000:65536\n';

test('subordinate ranges are found by user name or uid', () => {
  assert.equal(subordinateRange(SUBIDS, { name: 'alice', id: 1001 }), { start: 100000, count: 65536 });
  assert.equal(subordinateRange(SUBIDS, { name: 'bob', id: 1002 }), { start: 300000, count: 65536 });
  assert.is(subordinateRange(SUBIDS, { name: 'carol', id: 1003 }), undefined);
  assert.is(subordinateRange('alice:x:65536\n', { name: 'alice', id: 1001 }), undefined);
});

const user: HostFacts = {
  user: 'alice',
  uid: 1001,
  subuid: { start: 100000, count: 65536 },
  subgid: { start: 100000, count: 65536 },
  newuidmap: true,
  newgidmap: true,
  sysctl: { unprivilegedUsernsClone: '1', maxUserNamespaces: '15000' },
};

test('root runs build steps directly', () => {
  const runner = planRootRunner({ ...user, uid: 0, subuid: undefined, newuidmap: false });
  assert.ok(!(runner instanceof SimError));
  assert.is(runner.namespaced, false);
  assert.equal(runner.wrap('mke2fs', ['-q']), ['mke2fs', ['-q']]);
});

test('a normal user runs them as root in a namespace over the subordinate ids, keeping its own id mapped', () => {
  const runner = planRootRunner(user);
  assert.ok(!(runner instanceof SimError));
  assert.is(runner.namespaced, true);
  assert.equal(runner.wrap('mke2fs', ['-q', 'disk']), ['unshare', [...unshareArgs(user.subuid!, user.subgid!), 'mke2fs', '-q', 'disk']]);
  assert.equal(unshareArgs({ start: 100000, count: 65536 }, { start: 200000, count: 70000 }), [
    '--map-users=100000,0,65536',
    '--map-groups=200000,0,70000',
    '--map-user=65537',
    '--map-group=70001',
    '--setuid=0',
    '--setgid=0',
    '--',
  ]);
});

const failure = (facts: HostFacts): SimError => {
  const result = planRootRunner(facts);
  assert.instance(result, SimError);
  return result as SimError;
};

test('each missing piece is one sentence and the command that fixes it', () => {
  const noIds = failure({ ...user, subuid: undefined, subgid: undefined });
  assert.is(noIds.code, 'USERNS_UNAVAILABLE');
  assert.is(noIds.exitCode, 69);
  assert.match(noIds.message, /alice has fewer \(or none\) in \/etc\/subuid and \/etc\/subgid/);
  assert.match(noIds.hint, /sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice/);
  assert.match(failure({ ...user, subgid: { start: 1, count: 1000 } }).message, /in \/etc\/subgid\.$/);

  const noMap = failure({ ...user, newgidmap: false });
  assert.is(noMap.code, 'TOOL_MISSING');
  assert.match(noMap.hint, /sudo apt-get install uidmap/);

  assert.match(failure({ ...user, sysctl: { unprivilegedUsernsClone: '0' } }).hint, /sysctl -w kernel\.unprivileged_userns_clone=1/);
  assert.match(failure({ ...user, sysctl: { maxUserNamespaces: '0' } }).hint, /user\.max_user_namespaces/);
  assert.match(failure({ ...user, sysctl: { apparmorRestrict: '1' } }).hint, /apparmor_restrict_unprivileged_userns=0/);
});

test.run();
