// The graphical recipe: valid, and set up to show a GNOME app on the screen without a GPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { loadRecipe, parseSize } from '../../../src/images/recipe.js';

test('images/gnome.json is a valid recipe for a bootable image with a GNOME app in a kiosk', async () => {
  const { recipe, path: file } = await loadRecipe('gnome');
  assert.ok(file.endsWith(path.join('images', 'gnome.json')));
  assert.is(recipe.name, 'gnome');
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

test.run();
