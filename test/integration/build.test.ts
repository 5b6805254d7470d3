/**
 * Real builds with meson, CMake, autotools and make into a temporary prefix. Missing build
 * tools skip a test on a developer machine but fail it in CI.
 */
import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildModules } from '../../src/builders/index.js';
import { readManifest, writeManifest } from '../../src/builders/manifest.js';
import { syncTree, walk } from '../../src/builders/sync.js';
import type { SimEvent } from '../../src/core/events.js';
import { packageRoot } from '../../src/core/paths.js';
import { run, which } from '../../src/core/process.js';
import { loadProject, type Project } from '../../src/config/project.js';
import { expectSimError } from '../helpers/sim-error.js';

const LIBDIR = 'usr/lib/x86_64-linux-gnu';
const fixtures = path.join(packageRoot, 'fixtures');
let dir = '';

async function haveTools(tools: string[]): Promise<boolean> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await which(tool))) missing.push(tool);
  if (!missing.length) return true;
  if (process.env.CI === 'true') throw new Error(`build tools missing in CI: ${missing.join(', ')}`);
  console.warn(`  skipped: ${missing.join(', ')} not installed`);
  return false;
}

async function writeProject(modules: Record<string, unknown>): Promise<Project> {
  await writeFile(path.join(dir, 'sim.json'), JSON.stringify({ modules }));
  return loadProject({ cwd: dir });
}


const exists = (p: string) => lstat(p).then(() => true, () => false);

/** Everything about the installed files a running guest could notice (sim's own .sim/ state aside). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { rel, kind } of await walk(root)) {
    if (rel === '.sim' || rel.startsWith('.sim/')) continue;
    const file = path.join(root, rel);
    const s = await lstat(file);
    const content = kind === 'file' ? createHash('sha256').update(await readFile(file)).digest('hex') : kind === 'symlink' ? await readlink(file) : '';
    out[rel] = `${kind} ino=${s.ino} mtime=${s.mtimeMs} mode=${s.mode.toString(8)} ${content}`;
  }
  return out;
}

const meson = ['meson', 'ninja', 'cc', 'readelf'];
let project: Project;
let events: SimEvent[] = [];
const build = (names: string[], p = project) => buildModules(names, { project: p, libdir: LIBDIR, events: (e) => events.push(e) });
/** The last build skipped `meson install` and the sync (src/builders/install-inputs.ts). */
const skippedInstall = () => events.some((e) => e.type === 'progress' && e.message.startsWith('nothing to install'));
const hello = () => run(path.join(project.prefix, 'usr/bin/simmod-hello'), [], { env: { LD_LIBRARY_PATH: path.join(project.prefix, LIBDIR) } });

test.before(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'sim-build-')));
  await cp(path.join(fixtures, 'meson-module'), path.join(dir, 'simmod'), { recursive: true });
  await cp(path.join(fixtures, 'broken-module'), path.join(dir, 'broken'), { recursive: true });
  project = await writeProject({ simmod: { source: 'simmod' }, broken: { source: 'broken' } });
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});
test.before.each(() => {
  events = [];
});

test('meson module: configured, installed at guest paths, no build RPATH', async () => {
  if (!(await haveTools(meson))) return;
  const { prefix, results } = await build(['simmod']);
  assert.is(prefix, path.join(dir, '.sim/prefix'));
  assert.is(results.length, 1);
  const [result] = results;
  assert.is(result?.configured, true);
  assert.is(result?.system, 'meson');
  for (const file of [`${LIBDIR}/libsimmod.so.0`, `${LIBDIR}/libsimmod.so.0.1.0`, `${LIBDIR}/pkgconfig/simmod.pc`, 'usr/bin/simmod-hello', 'usr/include/simmod.h']) {
    assert.ok(result?.changedFiles.includes(file), file);
    await stat(path.join(prefix, file));
  }
  assert.is(await readlink(path.join(prefix, LIBDIR, 'libsimmod.so.0')), 'libsimmod.so.0.1.0');
  // Meson's build tree uses RUNPATH $ORIGIN; the installed files must carry none, or they would ignore the guest's linker cache.
  for (const file of ['usr/bin/simmod-hello', `${LIBDIR}/libsimmod.so.0.1.0`]) {
    const { stdout } = await run('readelf', ['-d', path.join(prefix, file)]);
    assert.not.match(stdout, /RPATH|RUNPATH/, file);
  }
  assert.match(await readFile(path.join(prefix, LIBDIR, 'pkgconfig/simmod.pc'), 'utf8'), 'libdir=${prefix}/lib/x86_64-linux-gnu');
  assert.is((await hello()).stdout, 'simmod version 1.0\n');
  // Build output streams as events.
  const lines = events.filter((e) => e.type === 'build-output').map((e) => (e.type === 'build-output' ? `${e.module}: ${e.line}` : ''));
  assert.ok(lines.some((l) => /^simmod: .*Linking target libsimmod\.so/.test(l)), lines.join('\n'));
});

test('no-op rebuild: no configure, prefix untouched, about a second', async () => {
  if (!(await haveTools(meson))) return;
  const before = await snapshot(project.prefix);
  const { results } = await build(['simmod']);
  const [result] = results;
  assert.is(result?.configured, false);
  assert.equal(result?.changedFiles, []);
  assert.equal(await snapshot(project.prefix), before);
  assert.ok(result!.ms < 1500, `no-op rebuild took ${result!.ms} ms`);
  assert.ok(skippedInstall(), 'nothing changed that meson install reads: no install, no sync');
  console.log(`  no-op rebuild of the meson fixture: ${result!.ms} ms`);
});

test('a data file edited in the source is installed; a prefix file changed by hand is put back', async () => {
  if (!(await haveTools(meson))) return;
  const conf = 'usr/share/simmod/simmod.conf';
  await writeFile(path.join(dir, 'simmod/simmod.conf'), 'key=2\n');
  const [edited] = (await build(['simmod'])).results;
  assert.not.ok(skippedInstall());
  assert.equal(edited?.changedFiles, [conf]);
  assert.is(await readFile(path.join(project.prefix, conf), 'utf8'), 'key=2\n');
  // The same size, by hand: the next build compares and restores it.
  await writeFile(path.join(project.prefix, conf), 'key=9\n');
  events = [];
  const [restored] = (await build(['simmod'])).results;
  assert.not.ok(skippedInstall());
  assert.equal(restored?.changedFiles, [conf]);
  assert.is(await readFile(path.join(project.prefix, conf), 'utf8'), 'key=2\n');
  events = [];
  await build(['simmod']);
  assert.ok(skippedInstall());
});

test('a file deleted from an install_subdir directory leaves the prefix', async () => {
  if (!(await haveTools(meson))) return;
  const subdir = path.join(dir, 'subdir');
  await mkdir(path.join(subdir, 'things'), { recursive: true });
  await writeFile(path.join(subdir, 'meson.build'), "project('subdir')\ninstall_subdir('things', install_dir: get_option('datadir'))\n");
  for (const name of ['a.txt', 'b.txt']) await writeFile(path.join(subdir, 'things', name), `${name}\n`);
  const withSubdir = await writeProject({ simmod: { source: 'simmod' }, broken: { source: 'broken' }, subdir: { source: 'subdir' } });
  await build(['subdir'], withSubdir);
  assert.ok(await exists(path.join(withSubdir.prefix, 'usr/share/things/b.txt')));
  await rm(path.join(subdir, 'things', 'b.txt'));
  const [again] = (await build(['subdir'], withSubdir)).results;
  assert.equal(again?.removedFiles, ['usr/share/things/b.txt']);
  assert.not.ok(await exists(path.join(withSubdir.prefix, 'usr/share/things/b.txt')));
});

test('a meson module with an install script installs at every build', async () => {
  if (!(await haveTools(meson))) return;
  const scripted = path.join(dir, 'scripted');
  await mkdir(scripted);
  await writeFile(path.join(scripted, 'meson.build'), "project('scripted')\ninstall_data('data.txt')\nmeson.add_install_script(find_program('true'))\n");
  await writeFile(path.join(scripted, 'data.txt'), 'data\n');
  const withScript = await writeProject({ simmod: { source: 'simmod' }, broken: { source: 'broken' }, scripted: { source: 'scripted' } });
  await build(['scripted'], withScript);
  events = [];
  const [again] = (await build(['scripted'], withScript)).results;
  assert.equal(again?.changedFiles, []);
  assert.not.ok(skippedInstall(), 'what an install script reads is unknown: it installs again');
});

test('editing version.h rebuilds the library and syncs only what changed', async () => {
  if (!(await haveTools(meson))) return;
  const lib = path.join(project.prefix, LIBDIR, 'libsimmod.so.0.1.0');
  const binBefore = await lstat(path.join(project.prefix, 'usr/bin/simmod-hello'));
  const libBefore = await lstat(lib);
  await writeFile(path.join(dir, 'simmod/version.h'), '#define SIMMOD_VERSION "2.0"\n');
  const [result] = (await build(['simmod'])).results;
  assert.is(result?.configured, false);
  assert.equal(result?.changedFiles, [`${LIBDIR}/libsimmod.so.0.1.0`]);
  // Replaced by rename (new inode), so a guest never reads a half-written file.
  assert.is.not((await lstat(lib)).ino, libBefore.ino);
  const binAfter = await lstat(path.join(project.prefix, 'usr/bin/simmod-hello'));
  assert.is(binAfter.mtimeMs, binBefore.mtimeMs);
  assert.is((await hello()).stdout, 'simmod version 2.0\n');
});

test('an edit installs without meson install, byte for byte as meson install would, install_rpath kept', async () => {
  if (!(await haveTools(meson))) return;
  // A project of its own: its files must not be owned by a second module in the shared prefix.
  const root = path.join(dir, 'rpathproject');
  const source = path.join(root, 'rpathmod');
  await cp(path.join(fixtures, 'meson-module'), source, { recursive: true });
  const mesonBuild = path.join(source, 'meson.build');
  const original = await readFile(mesonBuild, 'utf8');
  await writeFile(mesonBuild, original.replace('link_with: libsimmod, install: true', "link_with: libsimmod, install: true, install_rpath: '/usr/lib/simmod-private'"));
  await writeFile(path.join(root, 'sim.json'), JSON.stringify({ modules: { rpathmod: { source: 'rpathmod' } } }));
  const withRpath = await loadProject({ cwd: root });
  const withoutMeson = () => events.some((e) => e.type === 'progress' && e.message.includes('without meson install'));
  await build(['rpathmod'], withRpath);
  assert.not.ok(withoutMeson(), 'the first install is meson\'s');
  const bin = 'usr/bin/simmod-hello';
  const lib = `${LIBDIR}/libsimmod.so.0.1.0`;
  const edits: [string, string, string, string][] = [
    ['hello.c', 'simmod version %s', 'simmod says %s', bin],
    ['version.h', '1.0', '3.0', lib],
  ];
  for (const [file, from, to, changed] of edits) {
    events = [];
    const text = await readFile(path.join(source, file), 'utf8');
    assert.ok(text.includes(from), file);
    await writeFile(path.join(source, file), text.replace(from, to));
    const [result] = (await build(['rpathmod'], withRpath)).results;
    assert.ok(withoutMeson(), `an edit of ${file} installs without meson install`);
    assert.equal(result?.changedFiles, [changed]);
  }
  const ran = await run(path.join(withRpath.prefix, bin), [], { env: { LD_LIBRARY_PATH: path.join(withRpath.prefix, LIBDIR) } });
  assert.is(ran.stdout, 'simmod says 3.0\n');
  const { stdout } = await run('readelf', ['-d', path.join(withRpath.prefix, bin)]);
  assert.match(stdout, /RUNPATH.*\[\/usr\/lib\/simmod-private\]/);
  // What meson install itself makes of the same build dir.
  const fresh = path.join(dir, 'rpathmod-meson-install');
  await run('meson', ['install', '-C', path.join(withRpath.buildRoot, 'rpathmod'), '--no-rebuild', '--quiet', `--destdir=${fresh}`]);
  for (const file of [bin, lib]) {
    assert.ok((await readFile(path.join(withRpath.prefix, file))).equals(await readFile(path.join(fresh, file))), `${file}: the bytes meson install writes`);
    assert.is((await stat(path.join(withRpath.prefix, file))).mode, (await stat(path.join(fresh, file))).mode, `${file}: the mode meson install gives`);
  }
});

test('changed options reconfigure', async () => {
  if (!(await haveTools(meson))) return;
  project = await writeProject({ simmod: { source: 'simmod', options: ['-Doptimization=2'] }, broken: { source: 'broken' } });
  const [result] = (await build(['simmod'])).results;
  assert.is(result?.configured, true);
  const [again] = (await build(['simmod'])).results;
  assert.is(again?.configured, false);
});

test('a file the module stops installing is removed, with its empty directory', async () => {
  if (!(await haveTools(meson))) return;
  const mesonBuild = path.join(dir, 'simmod/meson.build');
  const original = await readFile(mesonBuild, 'utf8');
  await writeFile(mesonBuild, original.replace("install_headers('simmod.h')\n", ''));
  const [result] = (await build(['simmod'])).results;
  assert.equal(result?.removedFiles, ['usr/include/simmod.h']);
  assert.ok(result?.changedFiles.includes('usr/include/simmod.h'));
  assert.not.ok(await exists(path.join(project.prefix, 'usr/include')), 'the emptied directory is pruned');
  assert.not.ok((await readManifest(project.prefix, 'simmod')).includes('usr/include/simmod.h'));
  await writeFile(mesonBuild, original);
  const [restored] = (await build(['simmod'])).results;
  assert.equal(restored?.changedFiles, ['usr/include/simmod.h']);
});

test('a broken module fails with the compiler message and leaves the prefix alone', async () => {
  if (!(await haveTools(meson))) return;
  const before = await snapshot(project.prefix);
  const error = await expectSimError(build(['broken']), 'BUILD_FAILED');
  assert.match(error.message, "module 'broken'");
  assert.match(error.message, 'build step');
  assert.ok(error.detailLines.some((l) => /error: .*sim_undeclared_identifier/.test(l)), error.detailLines.join('\n'));
  assert.equal(await snapshot(project.prefix), before);
  assert.ok(events.some((e) => e.type === 'build-output' && e.module === 'broken' && e.line.includes('sim_undeclared_identifier')));
  // The next attempt fails the same way (the failed configure/build left nothing stale behind).
  await expectSimError(build(['broken']), 'BUILD_FAILED');
});

test('an unknown module is refused before anything is built', async () => {
  const error = await expectSimError(build(['simmod', 'nope']), 'MODULE_NOT_FOUND');
  assert.match(error.hint, 'simmod, broken');
  assert.is(events.length, 0);
});

for (const [system, tools] of [
  ['cmake', ['cmake', 'cc']],
  ['make', ['make', 'cc']],
  ['autotools', ['autoreconf', 'automake', 'make', 'cc']],
] as const) {
  test(`${system}: builds out of the image's libdir conventions into the prefix`, async () => {
    if (!(await haveTools([...tools]))) return;
    await cp(path.join(fixtures, 'build-systems', system), path.join(dir, system), { recursive: true });
    const p = await writeProject({ [system]: { source: system } });
    const [result] = (await build([system], p)).results;
    assert.is(result?.system, system);
    assert.equal(result?.changedFiles, [`usr/bin/hello-${system}`, `${LIBDIR}/marker-${system}.txt`]);
    assert.is((await run(path.join(p.prefix, `usr/bin/hello-${system}`), [])).stdout, 'hello\n');
    const [again] = (await build([system], p)).results;
    assert.is(again?.configured, false);
    assert.equal(again?.changedFiles, []);
  });
}

test('commands: placeholders reach the commands; a missing program is TOOL_MISSING', async () => {
  await mkdir(path.join(dir, 'cmd'), { recursive: true });
  const p = await writeProject({
    cmd: {
      source: 'cmd',
      env: { GREETING: 'hi' },
      commands: {
        build: [['sh', '-c', 'printf "%s %s" "$GREETING" "$1" > out.txt', 'sh', '{libdir}']],
        install: [['install', '-D', '-m', '644', 'out.txt', '{destdir}{libdir}/cmd-marker.txt']],
      },
    },
    missing: { source: 'cmd', commands: { build: [['sim-test-no-such-program']], install: [] } },
  });
  const [result] = (await build(['cmd'], p)).results;
  assert.is(result?.system, 'commands');
  assert.equal(result?.changedFiles, [`${LIBDIR}/cmd-marker.txt`]);
  assert.is(await readFile(path.join(p.prefix, LIBDIR, 'cmd-marker.txt'), 'utf8'), `hi /${LIBDIR}`);
  await expectSimError(build(['missing'], p), 'TOOL_MISSING');
  assert.is(await readFile(path.join(dir, '.sim/.gitignore'), 'utf8'), '*\n');
});

test('sync: modules share a prefix; files another module installs are kept; symlinks and types are replaced', async () => {
  const root = path.join(dir, 'sync');
  const stage = path.join(root, 'stage');
  const prefix = path.join(root, 'prefix');
  await mkdir(path.join(stage, 'usr/lib'), { recursive: true });
  await writeFile(path.join(stage, 'usr/lib/liba.so.1'), 'a1');
  await symlink('liba.so.1', path.join(stage, 'usr/lib/liba.so'));
  await mkdir(path.join(prefix, 'usr/lib/liba.so.1'), { recursive: true }); // a directory in the way
  const first = await syncTree(stage, prefix, { previous: [], ownedByOthers: new Set() });
  assert.equal(first.changed, ['usr/lib/liba.so', 'usr/lib/liba.so.1']);
  assert.is(await readFile(path.join(prefix, 'usr/lib/liba.so.1'), 'utf8'), 'a1');

  // b owns shared.h; a used to install it and no longer does: it stays.
  await mkdir(path.join(prefix, 'usr/include'), { recursive: true });
  await writeFile(path.join(prefix, 'usr/include/shared.h'), 'b');
  await writeManifest(prefix, 'b', ['usr/include/shared.h']);
  await rm(path.join(stage, 'usr/lib/liba.so'));
  await symlink('liba.so.2', path.join(stage, 'usr/lib/liba.so'));
  const second = await syncTree(stage, prefix, { previous: ['usr/lib/liba.so', 'usr/lib/liba.so.1', 'usr/include/shared.h', '../escape'], ownedByOthers: new Set(['usr/include/shared.h']) });
  assert.equal(second.changed, ['usr/lib/liba.so']);
  assert.equal(second.removed, []);
  assert.is(await readlink(path.join(prefix, 'usr/lib/liba.so')), 'liba.so.2');
  assert.is(await readFile(path.join(prefix, 'usr/include/shared.h'), 'utf8'), 'b');
  // A mode change alone is a change.
  await chmod(path.join(stage, 'usr/lib/liba.so.1'), 0o755);
  const third = await syncTree(stage, prefix, { previous: second.files, ownedByOthers: new Set() });
  assert.equal(third.changed, ['usr/lib/liba.so.1']);
  assert.is((await stat(path.join(prefix, 'usr/lib/liba.so.1'))).mode & 0o777, 0o755);
});

test.run();
