import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseProjectFile } from '../src/project';

const has = (...files: string[]) => (file: string) => files.includes(file);

test('the project of the folder holding the active file, else the first folder with a sim.json', () => {
  const folders = ['/w/a', '/w/b', '/w/c'];
  const exists = has('/w/b/sim.json', '/w/c/sim.json');
  assert.is(chooseProjectFile(folders, '/w/c/src/main.c', exists), '/w/c/sim.json');
  assert.is(chooseProjectFile(folders, '/w/a/x.c', exists), '/w/b/sim.json');
  assert.is(chooseProjectFile(folders, undefined, exists), '/w/b/sim.json');
  assert.is(chooseProjectFile(folders, '/w/cc/x.c', has('/w/c/sim.json', '/w/b/sim.json')), '/w/b/sim.json', 'a folder is not a prefix of its sibling');
  assert.is(chooseProjectFile(folders, undefined, has()), undefined);
});

test.run();
