import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refreshCommand, refreshSteps } from '../../../src/loop/refresh.js';

test('a rebuild refreshes only what its changed files feed', () => {
  assert.equal(refreshSteps(['usr/bin/app']), []);
  assert.equal(refreshSteps(['usr/share/glib-2.0/schemas/org.x.gschema.xml', 'usr/bin/app']), ['gsettings-schemas']);
  assert.equal(refreshSteps(['usr/lib/x86_64-linux-gnu/gio/modules/libx.so']).sort(), ['gio-modules', 'ldconfig']);
  assert.equal(refreshSteps(['usr/lib/systemd/system/x.service', 'usr/share/dbus-1/system-services/x.service', 'usr/lib/udev/rules.d/70-x.rules']), ['systemd', 'dbus', 'udev']);
  assert.equal(refreshSteps(['usr/share/applications/x.desktop', 'usr/share/icons/hicolor/scalable/apps/x.svg', 'usr/share/mime/packages/x.xml', 'usr/share/fonts/x.ttf']), ['desktop-database', 'icon-cache', 'mime-database', 'fontconfig']);
});

test('the guest command names the steps, or none (only the cached lookups are dropped)', () => {
  assert.equal(refreshCommand(['ldconfig']), ['/run/sim/busybox', 'sh', '/run/sim/refresh', 'ldconfig']);
  assert.equal(refreshCommand([]), ['/run/sim/busybox', 'sh', '/run/sim/refresh', 'none']);
});

test.run();
