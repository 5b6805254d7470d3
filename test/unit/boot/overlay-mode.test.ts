import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_OVERLAY_MODE, overlayModeContribution, overlayModeLine } from '../../../src/boot/overlay-mode.js';
import { combine, lostModuleWarnings } from '../../../src/boot/contribution.js';
import { overlayMode } from '../../../src/config/option-values.js';
import { renderGuestConfig } from '../../../src/initramfs/guest-config.js';
import { parseControlLine } from '../../../src/qemu/channel.js';
import { baseEntries } from '../../../src/initramfs/build.js';
import { projectFileSchema } from '../../../src/config/project.js';

test('merge is the default and asks for overlayfs (optional); path asks for nothing; no overlay, no contribution', () => {
  assert.is(DEFAULT_OVERLAY_MODE, 'merge');
  const merge = overlayModeContribution(undefined, true);
  assert.equal(merge.guestConfig, { SIM_OVERLAY_MODE: 'merge' });
  assert.equal(merge.initramfsModules?.map((m) => m.name), ['overlay']);
  assert.match(merge.initramfsModules?.[0]?.optional?.lost ?? '', /falls back to path mode/);
  assert.equal(overlayModeContribution('path', true).guestConfig, { SIM_OVERLAY_MODE: 'path' });
  assert.equal(overlayModeContribution('path', true).initramfsModules, []);
  assert.equal(overlayModeContribution('merge', false), { name: 'overlayMode' });
});

test('combined with the display, the guest gets SIM_OVERLAY_MODE and a stored kernel without overlayfs is a warning', () => {
  const combined = combine([overlayModeContribution('merge', true)]);
  assert.match(renderGuestConfig({ rootDevice: '/dev/vda', fstype: 'ext4', libdirs: [], bindirs: [], cacheMode: 'none', mode: 'init', autologin: false, extra: combined.guestConfig }), /^SIM_OVERLAY_MODE='merge'$/m);
  assert.match(lostModuleWarnings(['overlay'], combined.initramfsModules).join('\n'), /has no overlay: merge mode falls back to path mode/);
});

test('the log line names the mode the guest used, and why merge was not used', () => {
  assert.match(overlayModeLine('merge', undefined), /^overlay: merge mode/);
  assert.match(overlayModeLine('path', 'merge'), /^overlay: path mode .*could not be done/);
  assert.not.match(overlayModeLine('path', 'path'), /could not/);
});

test('--overlay-mode and sim.json take merge or path only', () => {
  assert.is(overlayMode.parse('merge'), 'merge');
  assert.is(overlayMode.parse(' PATH '), 'path');
  const bad = overlayMode.safeParse('union');
  assert.not.ok(bad.success);
  assert.match(bad.error!.issues[0]!.message, /one of merge, path/);
  assert.ok(projectFileSchema.safeParse({ overlayMode: 'path', modules: {} }).success);
  assert.not.ok(projectFileSchema.safeParse({ overlayMode: 'both', modules: {} }).success);
});

test('the guest reports the mode and each trigger; the host reads them', () => {
  assert.equal(parseControlLine('overlay-mounted /run/sim/overlay merge'), { kind: 'overlay-mounted', path: '/run/sim/overlay', mode: 'merge' });
  assert.equal(parseControlLine('trigger gsettings-schemas ok 42'), { kind: 'trigger', name: 'gsettings-schemas', status: 'ok', ms: 42 });
  assert.equal(parseControlLine('trigger icon-cache missing gtk-update-icon-cache'), { kind: 'trigger', name: 'icon-cache', status: 'missing', tool: 'gtk-update-icon-cache' });
  assert.equal(parseControlLine('trigger fontconfig failed 7'), { kind: 'trigger', name: 'fontconfig', status: 'failed', ms: 7 });
});

test('the base archive carries the function files under sim/lib and the refresh script', () => {
  const entries = baseEntries({ init: Buffer.from('i'), agent: Buffer.from('a'), refresh: Buffer.from('r'), lib: [['log.sh', Buffer.from('l')]], busybox: Buffer.from('b'), modules: [] });
  const names = entries.map((e) => e.name);
  for (const name of ['init', 'sim/agent', 'sim/refresh', 'sim/lib', 'sim/lib/log.sh']) assert.ok(names.includes(name), name);
});

test.run();
