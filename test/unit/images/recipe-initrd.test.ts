import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mmdebstrapArgs } from '../../../src/images/build-debootstrap.js';
import { parseRecipe, recipeKey } from '../../../src/images/recipe.js';

const base = { name: 'x', suite: 'bookworm', packages: ['linux-image-amd64', 'dracut'] };

test("a recipe without initrd keeps its key; with it, the image's own tool makes one once", () => {
  const plain = parseRecipe(base, 'x.json');
  assert.not.ok('initrd' in plain);
  assert.is(recipeKey(plain), recipeKey(parseRecipe({ ...base }, 'y.json')));
  const own = parseRecipe({ ...base, initrd: true }, 'x.json');
  assert.is.not(recipeKey(own), recipeKey(plain));
  const hooks = (recipe: typeof own) => mmdebstrapArgs(recipe).filter((a) => a.startsWith('--customize-hook=') || a.startsWith('--essential-hook='));
  assert.not.ok(hooks(plain).some((h) => h.includes('update-initramfs -c')));
  const make = hooks(own).find((h) => h.includes('update-initramfs -c'));
  assert.ok(make, 'the initrd is made');
  assert.match(make ?? "", /dracut --force "\/boot\/initrd\.img-\$v" "\$v"/);
  // While packages install, both tools are /bin/true (dracut's kernel hook and trigger call it directly).
  const essential = hooks(own).find((h) => h.startsWith('--essential-hook='))!;
  assert.match(essential, /--add \/usr\/sbin\/update-initramfs/);
  assert.match(essential, /--add \/usr\/bin\/dracut/);
  assert.throws(() => parseRecipe({ ...base, initrd: 'yes' }, 'x.json'), /initrd/);
});

test.run();
