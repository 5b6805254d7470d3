// The graphical recipes: valid, and set up to show GNOME on the screen without a GPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { listRecipes, loadRecipe, parseSize } from '../../../src/images/recipe.js';
import { mmdebstrapArgs } from '../../../src/images/build-debootstrap.js';

test('images/kiosk.json is a valid recipe for a bootable image with a GNOME app in a kiosk', async () => {
  const { recipe, path: file } = await loadRecipe('kiosk');
  assert.ok(file.endsWith(path.join('images', 'kiosk.json')));
  assert.is(recipe.name, 'kiosk');
  for (const pkg of ['systemd-sysv', 'udev', 'libpam-systemd', 'polkitd', 'linux-image-amd64', 'cage', 'gnome-calculator', 'fonts-cantarell']) assert.ok(recipe.packages.includes(pkg), pkg);
  assert.ok(parseSize(recipe.size) >= 2 * 1024 ** 3);
  const kiosk = recipe.files['/etc/systemd/system/getty@tty1.service.d/50-sim-kiosk.conf'] ?? '';
  assert.match(kiosk, /WLR_RENDERER=pixman/, 'software rendering in the compositor');
  assert.match(kiosk, /GSK_RENDERER=cairo/, 'software rendering in GTK');
  assert.match(kiosk, /^User=sim$/m, 'Cage refuses to run as root');
  assert.match(kiosk, /^PAMName=sim-kiosk$/m, 'a logind session on seat0');
  assert.match(recipe.files['/etc/pam.d/sim-kiosk'] ?? '', /pam_systemd\.so/);
  assert.match(recipe.files['/etc/sysusers.d/sim-kiosk.conf'] ?? '', /^u sim /m);
});

test('images/gnome.json: GDM logs an unprivileged user into gnome-shell on Wayland, with the core apps', async () => {
  const { recipe, path: file } = await loadRecipe('gnome');
  assert.ok(file.endsWith(path.join('images', 'gnome.json')));
  assert.is(recipe.name, 'gnome');
  const wanted = {
    session: ['gdm3', 'gnome-session', 'gnome-shell', 'gnome-settings-daemon', 'dbus-user-session', 'libpam-systemd', 'polkitd'],
    apps: ['gnome-control-center', 'nautilus', 'gnome-console', 'gnome-text-editor'],
    'software rendering': ['libgl1-mesa-dri', 'libegl-mesa0'],
    boot: ['systemd-sysv', 'udev', 'linux-image-amd64'],
  };
  for (const [what, pkgs] of Object.entries(wanted)) for (const pkg of pkgs) assert.ok(recipe.packages.includes(pkg), `${what}: ${pkg}`);
  assert.not.ok(recipe.packages.includes('cage'), 'gnome-shell is the compositor');
  assert.ok(parseSize(recipe.size) >= 4 * 1024 ** 3);
  const gdm = recipe.files['/etc/gdm3/daemon.conf'] ?? '';
  assert.match(gdm, /^\[daemon\]$/m);
  assert.match(gdm, /^AutomaticLoginEnable=true$/m);
  assert.match(gdm, /^AutomaticLogin=sim$/m);
  assert.match(gdm, /^WaylandEnable=true$/m);
  // An ordinary user: uid 1000 (GDM and AccountsService hide system users), a home, a shell.
  assert.match(recipe.files['/etc/sysusers.d/sim-user.conf'] ?? '', /^u sim 1000 "sim" \/home\/sim \/bin\/bash$/m);
  assert.match(recipe.files['/etc/tmpfiles.d/sim-user.conf'] ?? '', /^d \/home\/sim 0700 sim sim -$/m);
  const defaults = recipe.files['/usr/share/glib-2.0/schemas/90_sim.gschema.override'] ?? '';
  assert.match(defaults, /^\[org\.gnome\.desktop\.session\]\nidle-delay=0$/m, 'no blank screen after five idle minutes');
  assert.match(defaults, /^lock-enabled=false$/m);
  // Masked (an empty unit file): what costs minutes of CPU under emulation.
  for (const unit of ['tracker-miner-fs-3.service', 'tracker-extract-3.service']) assert.is(recipe.files[`/etc/systemd/user/${unit}`], '', unit);
  // The override only counts once the schemas are compiled: the build's last hook does that.
  assert.ok(mmdebstrapArgs(recipe).some((arg) => arg.startsWith('--customize-hook=') && arg.includes('glib-compile-schemas')));
});

test('the recipes shipped: debian, gnome and kiosk', async () => {
  const names = await listRecipes();
  for (const name of ['debian', 'gnome', 'kiosk']) assert.ok(names.includes(name), name);
});

test.run();
