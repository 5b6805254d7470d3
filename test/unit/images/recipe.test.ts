import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError } from '../../../src/core/errors.js';
import { canonicalJson, loadRecipe, parseRecipe, parseSize, recipeKey, withIncludes, type Recipe } from '../../../src/images/recipe.js';

const minimal = { name: 'mini', suite: 'bookworm', packages: ['udev', 'systemd-sysv'] };

/** Run `fn`, expect a SimError with `code`, return it. */
async function rejects(fn: () => unknown, code: string): Promise<SimError> {
  try {
    await fn();
  } catch (error) {
    assert.instance(error, SimError);
    assert.is((error as SimError).code, code);
    return error as SimError;
  }
  throw new assert.Assertion({ message: `expected a ${code} error`, operator: 'throws', expects: code, actual: undefined });
}

let dir: string;
test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-recipe-test-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the shipped debian recipe is valid and has what a bootable image needs', async () => {
  const { recipe, path: file, key } = await loadRecipe('debian');
  assert.ok(file.endsWith(path.join('images', 'debian.json')));
  assert.is(recipe.name, 'debian');
  assert.is(recipe.suite, 'bookworm');
  assert.is(recipe.variant, 'minbase');
  for (const pkg of ['systemd-sysv', 'udev', 'libglib2.0-bin', 'linux-image-amd64']) assert.ok(recipe.packages.includes(pkg), pkg);
  assert.is(recipe.rootPassword, '');
  assert.is(parseSize(recipe.size) % 4096, 0);
  assert.match(key, /^[0-9a-f]{64}$/);
});

test('defaults fill in what a recipe leaves out', () => {
  const recipe = parseRecipe(minimal, 'mini.json');
  assert.equal({ variant: recipe.variant, size: recipe.size, hostname: recipe.hostname, files: recipe.files, rootPassword: recipe.rootPassword, mirror: recipe.mirror }, {
    variant: 'minbase',
    size: '2G',
    hostname: 'sim',
    files: {},
    rootPassword: '',
    mirror: undefined,
  });
});

test('a bad field is named in the error', async () => {
  const error = await rejects(() => parseRecipe({ ...minimal, packages: 'systemd' }, 'mini.json'), 'RECIPE_INVALID');
  assert.match(error.message, /packages/);
  assert.match(error.message, /mini\.json/);
  assert.ok(error.hint);
  assert.match((await rejects(() => parseRecipe({ ...minimal, size: 'big' }, 'x'), 'RECIPE_INVALID')).message, /size/);
  assert.match((await rejects(() => parseRecipe({ ...minimal, packages: ['ok', 'not ok'] }, 'x'), 'RECIPE_INVALID')).message, /packages\.1/);
  assert.match((await rejects(() => parseRecipe({ ...minimal, files: { 'etc/motd': 'x' } }, 'x'), 'RECIPE_INVALID')).message, /files/);
  assert.match((await rejects(() => parseRecipe({ ...minimal, files: { '/etc/../motd': 'x' } }, 'x'), 'RECIPE_INVALID')).message, /files/);
  assert.match((await rejects(() => parseRecipe({ ...minimal, hostname: 'Bad_Host' }, 'x'), 'RECIPE_INVALID')).message, /hostname/);
  assert.match((await rejects(() => parseRecipe({ suite: 'bookworm' }, 'x'), 'RECIPE_INVALID')).message, /name/);
});

test('a misspelt field is an error, not silently ignored', async () => {
  const error = await rejects(() => parseRecipe({ ...minimal, pacakges: ['less'] }, 'x'), 'RECIPE_INVALID');
  assert.match(error.message, /pacakges/);
});

test('an unknown recipe name says which recipes exist', async () => {
  const error = await rejects(() => loadRecipe('no-such-recipe'), 'RECIPE_INVALID');
  assert.match(error.message, /no-such-recipe/);
  assert.match(error.hint, /debian/);
});

test('a recipe path is read; broken JSON is reported as such', async () => {
  const good = path.join(dir, 'good.json');
  await writeFile(good, JSON.stringify(minimal));
  const loaded = await loadRecipe(good);
  assert.is(loaded.path, good);
  assert.is(loaded.recipe.name, 'mini');
  const bad = path.join(dir, 'bad.json');
  await writeFile(bad, '{ "name": "x", }');
  assert.match((await rejects(() => loadRecipe(bad), 'RECIPE_INVALID')).message, /not valid JSON/);
  assert.match((await rejects(() => loadRecipe(path.join(dir, 'missing.json')), 'RECIPE_INVALID')).message, /missing\.json/);
});

test('--include merges into packages: split on commas, sorted, no duplicates', async () => {
  const recipe = parseRecipe(minimal, 'x');
  assert.equal(withIncludes(recipe, ['strace,gdb', 'udev', ' less ']).packages, ['gdb', 'less', 'strace', 'systemd-sysv', 'udev']);
  assert.match((await rejects(() => withIncludes(recipe, ['ok,rm -rf']), 'RECIPE_INVALID')).message, /rm -rf/);
  const file = path.join(dir, 'inc.json');
  await writeFile(file, JSON.stringify(minimal));
  const loaded = await loadRecipe(file, { include: ['strace'] });
  assert.ok(loaded.recipe.packages.includes('strace'));
  assert.is.not(loaded.key, (await loadRecipe(file)).key);
});

test('the key is stable: same bits, same key; different bits, different key', () => {
  const recipe = parseRecipe(minimal, 'x');
  const key = recipeKey(recipe);
  // Pinned: a change here means every built image is rebuilt; bump BUILDER_VERSION on purpose.
  assert.is(key, '01a79073831fa869da35c7c03e2dddb17f2b7549cdaa12fee224c6c3ef7aafbe');
  const reordered: Recipe = parseRecipe({ packages: ['systemd-sysv', 'udev'], suite: 'bookworm', name: 'mini' }, 'x');
  assert.is(recipeKey(reordered), key);
  // Name and description do not change the disk.
  assert.is(recipeKey({ ...recipe, name: 'other', description: 'words' }), key);
  assert.is(recipeKey(withIncludes(recipe, [])), key);
  assert.is.not(recipeKey(withIncludes(recipe, ['less'])), key);
  assert.is.not(recipeKey({ ...recipe, size: '3G' }), key);
  assert.is.not(recipeKey({ ...recipe, files: { '/etc/motd': 'hi' } }), key);
  assert.is.not(recipeKey({ ...recipe, mirror: 'http://deb.debian.org/debian' }), key);
});

test('canonical JSON sorts keys at every level', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } }), '{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
});

test('sizes use binary units and whole 4 KiB blocks', async () => {
  assert.is(parseSize('2G'), 2 * 1024 ** 3);
  assert.is(parseSize('1536M'), 1536 * 1024 ** 2);
  assert.is(parseSize('1.5G'), 1.5 * 1024 ** 3);
  assert.is(parseSize('5K'), 4096);
  await rejects(() => parseSize('2GB'), 'RECIPE_INVALID');
});

test.run();
