import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changedInputs } from '../../../src/builders/install-inputs.js';
import { planDestinations, resolveDestination } from '../../../src/builders/meson-quick-install.js';

const options = new Map([
  ['prefix', '/usr'],
  ['libdir', 'lib/x86_64-linux-gnu'],
  ['datadir', 'share'],
  ['sysconfdir', '/etc'],
  ['bindir', 'bin'],
]);

test('install plan destinations resolve against the build options', () => {
  assert.is(resolveDestination('{libdir_shared}/libglib-2.0.so.0.7400.6', options), '/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6');
  assert.is(resolveDestination('{moduledir_shared}/gio/modules/libx.so', options), '/usr/lib/x86_64-linux-gnu/gio/modules/libx.so');
  assert.is(resolveDestination('{bindir}/gio', options), '/usr/bin/gio');
  assert.is(resolveDestination('{sysconfdir}/xdg/a.conf', options), '/etc/xdg/a.conf');
  assert.is(resolveDestination('{prefix}/share/x', options), '/usr/share/x');
  assert.is(resolveDestination('share/hard-coded', options), '/usr/share/hard-coded');
  assert.is(resolveDestination('/opt/abs/file', options), '/opt/abs/file');
  assert.is(resolveDestination('{py_purelib}/x.py', options), undefined, 'an unknown placeholder: meson install does it');
  assert.is(resolveDestination('{bindir}/x', new Map([['bindir', 'bin']])), undefined, 'no prefix');
});

test('the plan maps each single file to its destination; directories are left out', () => {
  const plan = {
    targets: { '/b/gio/gio': { destination: '{bindir}/gio', tag: 'runtime' } },
    headers: { '/s/glib.h': { destination: '{includedir}/glib-2.0/glib.h' } },
    install_subdirs: { '/s/things': { destination: '{datadir}/things' } },
  };
  assert.equal([...planDestinations(plan)], [['/b/gio/gio', '{bindir}/gio'], ['/s/glib.h', '{includedir}/glib-2.0/glib.h']]);
  assert.equal([...planDestinations(null)], []);
});

test('changed inputs: the files whose stamp differs; a file not recorded means a new plan', () => {
  assert.equal(changedInputs({ a: '1', b: '2' }, { a: '1', b: '3' }), ['b']);
  assert.equal(changedInputs({ a: '1' }, { a: '1', gone: '2' }), []);
  assert.is(changedInputs({ a: '1', c: '1' }, { a: '1' }), undefined);
});

test.run();
