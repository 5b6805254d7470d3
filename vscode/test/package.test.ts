// The .vsix that `npm run package` makes (vsce package), and what is in it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { zipEntries } from './zip-entries';

const root = path.resolve(__dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  contributes: { commands: { command: string }[]; menus: Record<string, { command: string; when?: string }[]>; configuration: { properties: Record<string, { default: unknown }> } };
  activationEvents: string[];
};

test('the manifest contributes the commands, the run button when there is a sim.json, and the settings', () => {
  assert.equal(manifest.contributes.commands.map((c) => c.command).sort(), ['sim.pickSimulator', 'sim.runInSimulator', 'sim.screenshot', 'sim.showScreen', 'sim.stopSimulator']);
  assert.equal(manifest.contributes.menus['editor/title/run'], [{ command: 'sim.runInSimulator', when: 'sim.hasProject', group: 'navigation@10' }]);
  assert.ok(manifest.activationEvents.includes('workspaceContains:sim.json'));
  assert.is(manifest.contributes.configuration.properties['sim.path']?.default, 'sim');
  assert.is(manifest.contributes.configuration.properties['sim.openScreenOnRun']?.default, true);
});

test('vsce packages the extension with its manifest and bundle', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'sim-vsix-'));
  try {
    const vsix = path.join(out, `${manifest.name}-${manifest.version}.vsix`);
    // The same tool and flags as `npm run package` (which also builds; npm test has built).
    execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: root, stdio: 'pipe' });
    const entries = zipEntries(vsix);
    for (const expected of ['extension/package.json', 'extension/dist/extension.js', 'extension/readme.md', 'extension/LICENSE.txt', 'extension.vsixmanifest']) {
      assert.ok(entries.includes(expected), `${expected} is missing from ${entries.join(', ')}`);
    }
    assert.not.ok(entries.some((e) => e.includes('node_modules') || e.startsWith('extension/src/') || e.startsWith('extension/test/')), entries.join(', '));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
