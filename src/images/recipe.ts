/**
 * Image recipes: a JSON file describing a Debian image that `sim image build` turns into a disk.
 * The recipe's key (a hash of everything that changes the disk's bits) is the image's id in the
 * store, so building the same recipe twice is a cache hit.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from './meta.js';
import { SimError } from '../core/errors.js';
import { diskSize, imageName, packageName, sizeBytes } from '../config/option-values.js';
import { recipesDir } from '../core/paths.js';
import { sha256 } from './hash.js';

/** Bump when the builder's output for the same recipe changes: it invalidates built images. */
export const BUILDER_VERSION = 1;


/** Absolute guest paths without '..' and without characters tar or debugfs would mangle. */
const guestPath = z
  .string()
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .regex(/^\/[^\0-\x1f]+$/, 'an absolute path')
  .refine((p) => !p.endsWith('/') && !p.split('/').some((part) => part === '..' || part === '.'), 'a normalized path naming a file');

export const recipeSchema = z
  .object({
    /** Name given to the built image in the store (not part of the key). */
    name: imageName,
    /** Free text for people reading the recipe (not part of the key). */
    description: z.string().optional(),
    suite: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a Debian suite or codename (like bookworm)'),
    /** Package mirror URL; mmdebstrap's default (deb.debian.org with -updates and -security) if absent. */
    mirror: z.string().regex(/^(https?|file):\/\/\S+$/, 'an http(s):// or file:// URL').optional(),
    variant: z.enum(['minbase', 'required', 'important', 'standard']).default('minbase'),
    packages: z.array(packageName).default([]),
    /** ext4 filesystem size with a binary unit: "2G", "1536M". */
    size: diskSize.default('2G'),
    hostname: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a host name (lower-case letters, digits, "-")').default('sim'),
    /** Extra files: guest path -> content. Owned by root, mode 0644. */
    files: z.record(guestPath, z.string()).default({}),
    /**
     * Generate the image's own initrd (with its initramfs-tools or dracut, whichever the packages
     * bring), for `sim boot --initrd image`. Absent (the default): none, which saves the build
     * about 20 s; sim boots with its own initramfs. Only a recipe that sets it has it in its key.
     */
    initrd: z.boolean().optional(),
    /** '' = root logs in without a password; otherwise root's password (set with chpasswd). */
    rootPassword: z.string().regex(/^[^\n:]*$/, 'a single line without ":"').default(''),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;

export interface LoadedRecipe {
  /** Absolute path of the recipe file. */
  path: string;
  /** The effective recipe: defaults applied, --include merged. */
  recipe: Recipe;
  /** Image id of the result: recipeKey(recipe). */
  key: string;
}

/** Validate a parsed recipe; the error names the bad field. Pure. */
export function parseRecipe(value: unknown, label: string): Recipe {
  return parseOrThrow(recipeSchema, value, `The recipe ${label}`, 'RECIPE_INVALID', 'Fix the field named above; images/debian.json is a working example.');
}

/** Merge `--include a,b --include c` into the packages (sorted, deduplicated). Pure. */
export function withIncludes(recipe: Recipe, include: readonly string[] = []): Recipe {
  const extra = include.flatMap((item) => item.split(',')).map((p) => p.trim()).filter(Boolean);
  for (const pkg of extra) {
    if (!packageName.safeParse(pkg).success) {
      throw new SimError('RECIPE_INVALID', `--include: '${pkg}' is not a Debian package name.`, 'Give package names separated by commas, like --include strace,gdb.');
    }
  }
  return { ...recipe, packages: [...new Set([...recipe.packages, ...extra])].sort() };
}

/** JSON with object keys sorted at every level, so equal recipes hash equally. Pure. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The image id for a recipe: what changes the disk's bits, plus the builder version. Pure. */
export function recipeKey(recipe: Recipe): string {
  const { name: _name, description: _description, ...bits } = recipe;
  const normalized = { ...bits, packages: [...new Set(bits.packages)].sort() };
  return sha256(canonicalJson({ builder: BUILDER_VERSION, recipe: normalized }));
}

/** "2G" -> bytes (binary units), rounded down to whole 4 KiB blocks. Pure. */
export function parseSize(size: string): number {
  const bytes = sizeBytes(size);
  if (bytes === undefined) throw new SimError('RECIPE_INVALID', `size: '${size}' is not a size like "2G".`, 'Use a number with K, M, G or T.');
  return Math.floor(bytes / 4096) * 4096;
}

/** Names of the recipes shipped in images/. */
export async function listRecipes(): Promise<string[]> {
  const entries = await readdir(recipesDir).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('.json')).map((e) => e.slice(0, -5)).sort();
}

/** A bare name means images/<name>.json; anything with a slash or ending in .json is a path. */
export function recipePath(nameOrPath: string): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  return isPath ? path.resolve(nameOrPath) : path.join(recipesDir, `${nameOrPath}.json`);
}

export async function loadRecipe(nameOrPath: string, options: { include?: readonly string[] } = {}): Promise<LoadedRecipe> {
  const file = recipePath(nameOrPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    if (file.startsWith(recipesDir + path.sep) && !nameOrPath.includes('/')) {
      const known = await listRecipes();
      throw new SimError('RECIPE_INVALID', `There is no recipe named '${nameOrPath}'.`, known.length ? `Known recipes: ${known.join(', ')}; or give the path of a recipe file.` : 'Give the path of a recipe file.');
    }
    throw new SimError('RECIPE_INVALID', `The recipe file ${file} cannot be read.`, 'Check the path and its permissions.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SimError('RECIPE_INVALID', `The recipe ${file} is not valid JSON: ${(error as Error).message}.`, 'Fix the JSON syntax (no comments or trailing commas).');
  }
  const recipe = withIncludes(parseRecipe(json, file), options.include);
  return { path: file, recipe, key: recipeKey(recipe) };
}
