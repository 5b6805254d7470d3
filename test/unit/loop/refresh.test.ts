import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changedFiles, MAX_CHANGED, refreshCommand, refreshSteps } from '../../../src/loop/refresh.js';

test('a rebuild refreshes only what its changed files feed', () => {
  assert.equal(refreshSteps(['usr/bin/app']), []);
  assert.equal(refreshSteps(['usr/share/glib-2.0/schemas/org.x.gschema.xml', 'usr/bin/app']), ['gsettings-schemas']);
  assert.equal(refreshSteps(['usr/lib/x86_64-linux-gnu/gio/modules/libx.so']).sort(), ['gio-modules', 'ldconfig']);
  assert.equal(refreshSteps(['usr/lib/systemd/system/x.service', 'usr/share/dbus-1/system-services/x.service', 'usr/lib/udev/rules.d/70-x.rules']), ['systemd', 'dbus', 'udev']);
  assert.equal(refreshSteps(['usr/share/applications/x.desktop', 'usr/share/icons/hicolor/scalable/apps/x.svg', 'usr/share/mime/packages/x.xml', 'usr/share/fonts/x.ttf']), ['desktop-database', 'icon-cache', 'mime-database', 'fontconfig']);
});

test('the guest command names the steps, or none (only the cached lookups are dropped)', () => {
  assert.equal(refreshCommand({ steps: ['ldconfig'] }), ['/run/sim/busybox', 'sh', '/run/sim/refresh', '--complete', 'ldconfig']);
  assert.equal(refreshCommand({ steps: [] }), ['/run/sim/busybox', 'sh', '/run/sim/refresh', '--complete', 'none']);
});

test('the guest command stops, ends and looks for what the rebuild replaced, before the steps', () => {
  const argv = refreshCommand({ steps: ['systemd'], stop: ['app.service'], kill: ['app'], changed: ['usr/bin/app', 'usr/share/app/README'] });
  assert.equal(argv.slice(3), ['--stop', 'app.service', '--kill', 'app', '--changed', 'usr/bin/app', '--changed', 'usr/share/app/README', '--complete', 'systemd']);
});

test('a command runs after the refresh, after --; it waits for a reboot only when told to', () => {
  assert.equal(refreshCommand({ steps: [], command: ['app', '--version'], rebootWhenInUse: true }).slice(3), ['--complete', '--reboot-when-in-use', 'none', '--', 'app', '--version']);
  assert.equal(refreshCommand({ steps: ['ldconfig'], command: ['app'] }).slice(3), ['--complete', 'ldconfig', '--', 'app']);
  assert.equal(refreshCommand({ steps: [], command: [], rebootWhenInUse: true }).slice(3), ['--complete', 'none'], 'no command: nothing to wait for');
});

test('every replaced file is named, up to MAX_CHANGED (a settled usr/ holds copies of data files too)', () => {
  const files = ['usr/bin/app', 'usr/lib/x86_64-linux-gnu/libapp.so.1.2', 'usr/share/app/style.css', 'usr/lib/x86_64-linux-gnu/libapp.a'];
  assert.equal(changedFiles(files), files);
  assert.is(changedFiles(Array.from({ length: MAX_CHANGED + 5 }, (_, i) => `usr/share/p${i}`)).length, MAX_CHANGED);
});

test('--complete only when the list names every replaced file: otherwise the guest drops every hot copy and settles every file again', () => {
  const many = Array.from({ length: MAX_CHANGED + 1 }, (_, i) => `usr/bin/p${i}`);
  assert.not.ok(refreshCommand({ steps: [], changed: many }).includes('--complete'));
  assert.not.ok(refreshCommand({ steps: [], changed: [...many.slice(2), 'usr/share/a/data', 'usr/share/a/more'] }).includes('--complete'), 'files nobody maps count too');
  assert.ok(refreshCommand({ steps: [], changed: many.slice(1) }).includes('--complete'));
});

test('the bytes each replaced program and library should read as go along, as --expect FILE MD5', () => {
  const argv = refreshCommand({ steps: [], changed: ['usr/bin/app'], expect: [{ file: 'usr/bin/app', md5: 'd41d8cd98f00b204e9800998ecf8427e' }] });
  assert.equal(argv.slice(3), ['--changed', 'usr/bin/app', '--complete', '--expect', 'usr/bin/app', 'd41d8cd98f00b204e9800998ecf8427e', 'none']);
});

test.run();
