import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { installInputs } from '../../../src/builders/install-inputs.js';
import { sameStamp, type FileStamp } from '../../../src/builders/sync-record.js';

test("meson's install plan: files from every section, directories copied whole apart", () => {
  const plan = {
    targets: { '/b/glib/libglib-2.0.so.0.7400.6': { destination: '{libdir_shared}/libglib-2.0.so.0.7400.6', tag: 'runtime' } },
    headers: { '/s/glib/glib.h': { destination: '{includedir}/glib-2.0/glib.h', tag: 'devel' } },
    data: { '/b/meson-private/glib-2.0.pc': { destination: '/usr/lib/x86_64-linux-gnu/pkgconfig/glib-2.0.pc', tag: 'devel' } },
    install_subdirs: { '/s/d': { destination: '{prefix}/share/x/d', tag: null } },
  };
  assert.equal(installInputs(plan), {
    files: ['/b/glib/libglib-2.0.so.0.7400.6', '/b/meson-private/glib-2.0.pc', '/s/glib/glib.h'],
    dirs: ['/s/d'],
  });
  assert.equal(installInputs({}), { files: [], dirs: [] });
});

test('an install plan sim cannot read has no inputs (the install always runs)', () => {
  assert.is(installInputs(null), undefined);
  assert.is(installInputs('plan'), undefined);
  assert.is(installInputs({ targets: 3 }), undefined);
  assert.is(installInputs({ data: { 'relative/file': {} } }), undefined);
});

test('a file stamp matches only when every field does', () => {
  const a: FileStamp = ['10', '1700000000000000001', '10', '1700000000000000002', '42'];
  assert.ok(sameStamp(a, [...a] as unknown as FileStamp));
  for (let i = 0; i < a.length; i++) {
    const b = [...a];
    b[i] = `${b[i]}0`;
    assert.not.ok(sameStamp(a, b as unknown as FileStamp), `field ${i}`);
  }
});

test.run();
