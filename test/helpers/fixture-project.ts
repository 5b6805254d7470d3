/** The fixture image in a fresh store, and projects of the fixture modules on it: the set-up of the loop's tests. */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { buildFixtureImage } from './fixture-image.js';
import { freshEnv, sim, type SimEnv } from './sim.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** A fresh store holding the fixture image as `demo`. */
export async function fixtureImageEnv(): Promise<SimEnv> {
  const fixture = await buildFixtureImage();
  const env = await freshEnv();
  assert.is((await sim(['image', 'add', fixture.disk, '--name', 'demo'], env)).exitCode, 0);
  return env;
}

/** A temporary project on the `demo` image: each module a copy of a fixtures/ directory, by module name. */
export async function fixtureProject(prefix: string, modules: Record<string, string>): Promise<string> {
  const project = await mkdtemp(path.join(os.tmpdir(), prefix));
  for (const [name, fixture] of Object.entries(modules)) await cp(path.join(FIXTURES, fixture), path.join(project, name), { recursive: true });
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: 'demo', modules: Object.fromEntries(Object.keys(modules).map((name) => [name, { source: name }])) }));
  return project;
}
