import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  aptSourcesList, DEMO_REQUIREMENTS, demoMarker, demoProjectFile, GUEST_SCRIPT_FILE, missingPackagesError, missingRequirements,
  patchGioVersion, privateAptOptions,
} from '../../../src/demo/demo.js';
import { parseProjectFile } from '../../../src/config/project.js';

test('deb-src lines: the suite with -updates and -security, or only the recipe mirror', () => {
  assert.is(
    aptSourcesList({ suite: 'bookworm' }, '/usr/share/keyrings/debian-archive-keyring.gpg'),
    [
      'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
      'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main',
      'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
      '',
    ].join('\n'),
  );
  assert.is(aptSourcesList({ suite: 'sid' }), 'deb-src http://deb.debian.org/debian sid main\n');
  assert.is(aptSourcesList({ suite: 'bookworm', mirror: 'http://mirror.example/debian' }), 'deb-src http://mirror.example/debian bookworm main\n');
});

test("apt state stays in the demo's own directory", () => {
  const args = privateAptOptions('/c/demo/apt', false);
  assert.ok(args.includes('Dir::Etc::SourceList=/c/demo/apt/sources.list'));
  assert.ok(args.includes('Dir::Etc::SourceParts=/dev/null'));
  assert.ok(args.includes('Dir::State::Lists=/c/demo/apt/lists'));
  assert.ok(args.includes('Dir::Cache=/c/demo/apt/cache'));
  assert.not.ok(args.some((a) => a.startsWith('APT::Sandbox')));
  assert.ok(privateAptOptions('/c/demo/apt', true).includes('APT::Sandbox::User=root'));
});

test("the patch changes only gio version's line, and only for a plain Debian version", () => {
  const source = 'int x;\n  g_print ("%d.%d.%d\\n", glib_major_version, glib_minor_version, glib_micro_version);\n';
  const patched = patchGioVersion(source, '2.74.6-2+deb12u9');
  assert.is(patched, `int x;\n  g_print ("%d.%d.%d (${demoMarker('2.74.6-2+deb12u9')})\\n", glib_major_version, glib_minor_version, glib_micro_version);\n`);
  assert.is(patchGioVersion('int x;\n', '2.74.6-2'), undefined);
  assert.is(patchGioVersion(source, '1"); system("x'), undefined);
});

test('the missing packages: one error, each package once, with the apt-get command', () => {
  const error = missingPackagesError(
    [
      { what: 'mke2fs', pkg: 'e2fsprogs' },
      { what: 'debugfs', pkg: 'e2fsprogs' },
      { what: 'libpcre2-8.pc', pkg: 'libpcre2-dev' },
      { what: 'meson', pkg: 'meson' },
    ],
    false,
  );
  assert.is(error.code, 'TOOL_MISSING');
  assert.is(error.message, 'The demo needs 3 Debian packages that are not installed: e2fsprogs (mke2fs, debugfs), libpcre2-dev (libpcre2-8.pc), meson.');
  assert.is(error.hint, 'Install them with: sudo apt-get install e2fsprogs libpcre2-dev meson');
  assert.is(missingPackagesError([{ what: 'xz', pkg: 'xz-utils' }], true).hint, 'Install it with: apt-get install xz-utils');
});

test('missing requirements are found with an empty PATH, for the needs asked about only', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-demo-test-'));
  try {
    const env = { PATH: dir };
    const missing = await missingRequirements(['boot', 'build'], env);
    const packages = new Set(missing.map((r) => r.pkg));
    for (const pkg of ['qemu-system-x86', 'qemu-utils', 'meson', 'ninja-build', 'gcc', 'libpcre2-dev']) assert.ok(packages.has(pkg), pkg);
    assert.not.ok(packages.has('mmdebstrap'), 'image tools only when the image must be built');
    assert.not.ok(packages.has('dpkg-dev'), 'source tools only when the source must be fetched');
    assert.ok(DEMO_REQUIREMENTS.every((r) => r.pkg && r.what));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the demo's sim.json is a valid project file", () => {
  const text = JSON.stringify(demoProjectFile({ package: 'glib2.0', version: '2.74.6-2', dir: 'src/glib2.0-2.74.6-2' }));
  const file = parseProjectFile(text, '/c/demo/sim.json');
  assert.is(file.modules.glib?.buildSystem, 'meson');
  assert.ok(file.modules.glib?.options.includes('--wrap-mode=nodownload'));
});

test('the guest script ships with the package', async () => {
  const script = await readFile(GUEST_SCRIPT_FILE, 'utf8');
  assert.match(script, /rebuilt by sim/);
  assert.match(demoMarker('1'), /rebuilt by sim/);
});

test.run();
