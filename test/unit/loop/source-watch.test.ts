// Watching modules' sources (rebuild-and-boot --watch): which changes count, and the events of
// one save handed on together.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isSourceChange, watchSources } from '../../../src/loop/source-watch.js';
import { modulesToRebuild } from '../../../src/loop/watch.js';

test('sources count; hidden paths, editor files and the project build and prefix do not', () => {
  const ignored = ['/p/.sim/build', '/p/out'];
  for (const rel of ['hello.c', 'src/meson.build', 'data/app.desktop.in', 'po/de.po']) assert.ok(isSourceChange('/p', rel, ignored), rel);
  for (const rel of ['', '.git/index', '.sim/prefix/usr/bin/x', 'src/.hello.c.swp', 'hello.c~', '.#hello.c', '#hello.c#', 'src/4913', 'hello.c.swo', 'out/x.o', 'out']) assert.not.ok(isSourceChange('/p', rel, ignored), rel);
  assert.ok(isSourceChange('/p', 'outside.c', ignored), 'a name that only starts like an ignored directory');
});

test('a save touches the modules whose source holds it; all of the asked ones when their source is shared', () => {
  const sources = { lib: '/p/lib', app: '/p/app', all: '/p' };
  assert.equal(modulesToRebuild(sources, ['lib', 'app'], ['/p/app/main.c']), ['app']);
  assert.equal(modulesToRebuild(sources, [], ['/p/app/main.c']), ['app', 'all']);
  assert.equal(modulesToRebuild(sources, ['lib'], ['/p/app/main.c']), []);
  assert.equal(modulesToRebuild(sources, ['lib', 'app'], ['/p/library.c']), [], 'a prefix of the name is not the directory');
});

test("an editor's save (a temporary file renamed over the source) is one change, of the source", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-watch-'));
  await mkdir(path.join(dir, 'src'));
  await writeFile(path.join(dir, 'src/main.c'), 'int main(void) { return 0; }\n');
  const batches: string[][] = [];
  const watcher = watchSources([dir], [path.join(dir, 'build')], (paths) => batches.push(paths), { settleMs: 50 });
  try {
    await mkdir(path.join(dir, 'build'));
    await writeFile(path.join(dir, 'build/main.o'), 'x');
    await writeFile(path.join(dir, 'src/.main.c.swp'), 'x');
    await writeFile(path.join(dir, 'src/main.c.tmp~'), 'int main(void) { return 1; }\n');
    await rename(path.join(dir, 'src/main.c.tmp~'), path.join(dir, 'src/main.c'));
    for (let i = 0; i < 50 && !batches.length; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(batches, [[path.join(dir, 'src/main.c')]]);
  } finally {
    watcher.close();
  }
});

test.run();
