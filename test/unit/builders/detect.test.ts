import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { autotoolsPlan } from '../../../src/builders/autotools.js';
import { cmakePlan } from '../../../src/builders/cmake.js';
import { commandsPlan } from '../../../src/builders/commands.js';
import { detectBuildSystem, listSource } from '../../../src/builders/detect.js';
import { guestLibdir } from '../../../src/builders/libdir.js';
import { makePlan } from '../../../src/builders/make.js';
import { mesonPlan } from '../../../src/builders/meson.js';
import { planBuild, resolveBuildSystem } from '../../../src/builders/build-plan.js';
import { FailureLog } from '../../../src/builders/failure-log.js';
import { configureKey } from '../../../src/builders/staleness.js';
import type { PlanInput } from '../../../src/builders/types.js';
import { SimError } from '../../../src/core/errors.js';
import { packageRoot } from '../../../src/core/paths.js';
import type { ModuleSpec } from '../../../src/config/project.js';

const fixtures = path.join(packageRoot, 'fixtures', 'build-systems');

function input(module: Partial<ModuleSpec> = {}, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    module: { name: 'mod', source: '/src/mod', options: [], env: {}, ...module },
    srcdir: '/src/mod',
    builddir: '/p/.sim/build/mod',
    libdir: 'usr/lib/x86_64-linux-gnu',
    destdir: '/p/.sim/build/mod/.sim-stage',
    jobs: 4,
    srcEntries: [],
    ...extra,
  };
}

test('detects each fixture tree', async () => {
  for (const system of ['meson', 'cmake', 'autotools', 'make'] as const) {
    assert.is(detectBuildSystem(await listSource(path.join(fixtures, system))), system);
  }
});

test('detection order: meson, cmake, autotools, make; nothing known -> undefined', () => {
  assert.is(detectBuildSystem(['Makefile', 'configure', 'meson.build']), 'meson');
  assert.is(detectBuildSystem(['Makefile', 'CMakeLists.txt', 'configure.ac']), 'cmake');
  assert.is(detectBuildSystem(['Makefile', 'configure']), 'autotools');
  assert.is(detectBuildSystem(['autogen.sh']), 'autotools');
  assert.is(detectBuildSystem(['configure.in']), 'autotools');
  assert.is(detectBuildSystem(['GNUmakefile']), 'make');
  assert.is(detectBuildSystem(['README', 'src']), undefined);
});

test('an explicit buildSystem wins; none detectable is CONFIG_INVALID naming the field', () => {
  assert.is(resolveBuildSystem({ module: input({ buildSystem: 'make' }).module, srcEntries: ['meson.build'] }), 'make');
  try {
    resolveBuildSystem({ module: input().module, srcEntries: ['README'] });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SimError);
    assert.is((error as SimError).code, 'CONFIG_INVALID');
    assert.match((error as SimError).hint, 'modules.mod.buildSystem');
  }
});

test('guest libdir flavours', () => {
  assert.equal(guestLibdir('usr/lib/x86_64-linux-gnu'), { absolute: '/usr/lib/x86_64-linux-gnu', prefixRelative: 'lib/x86_64-linux-gnu' });
  assert.equal(guestLibdir('/usr/lib64/'), { absolute: '/usr/lib64', prefixRelative: 'lib64' });
  assert.equal(guestLibdir('usr/lib'), { absolute: '/usr/lib', prefixRelative: 'lib' });
  assert.equal(guestLibdir('lib64'), { absolute: '/lib64', prefixRelative: '/lib64' });
  assert.throws(() => guestLibdir('usr/../etc'));
  assert.throws(() => guestLibdir('/'));
});

test('meson plan', () => {
  const env = { CFLAGS: '-O0' };
  assert.equal(mesonPlan(input({ options: ['-Dman=false'], env })), {
    system: 'meson',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: ['meson', 'setup', '--prefix=/usr', '--libdir=lib/x86_64-linux-gnu', '-Dman=false', '/p/.sim/build/mod', '/src/mod'], cwd: '/src/mod', env }],
    build: [{ phase: 'build', argv: ['ninja', '-C', '/p/.sim/build/mod'], cwd: '/p/.sim/build/mod', env }],
    install: [{ phase: 'install', argv: ['meson', 'install', '-C', '/p/.sim/build/mod', '--no-rebuild', '--quiet', '--only-changed', '--destdir=/p/.sim/build/mod/.sim-stage'], cwd: '/p/.sim/build/mod', env }],
    configuredMarker: 'build.ninja',
    incrementalInstall: 'meson',
  });
});

test('cmake plan', () => {
  const b = '/p/.sim/build/mod';
  assert.equal(cmakePlan(input({ options: ['-DBUILD_TESTING=OFF'] }, { libdir: 'usr/lib64' })), {
    system: 'cmake',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: ['cmake', '-S', '/src/mod', '-B', b, '-DCMAKE_INSTALL_PREFIX=/usr', '-DCMAKE_INSTALL_LIBDIR=lib64', '-DBUILD_TESTING=OFF'], cwd: b, env: {} }],
    build: [{ phase: 'build', argv: ['cmake', '--build', b, '--parallel', '4'], cwd: b, env: {} }],
    install: [{ phase: 'install', argv: ['cmake', '--install', b], cwd: b, env: { DESTDIR: `${b}/.sim-stage` } }],
    configuredMarker: 'CMakeCache.txt',
  });
});

test('autotools plan, with a generated configure script', () => {
  const b = '/p/.sim/build/mod';
  assert.equal(autotoolsPlan(input({ options: ['--disable-nls'] }, { srcEntries: ['configure', 'configure.ac'] })), {
    system: 'autotools',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: ['/src/mod/configure', '--prefix=/usr', '--libdir=/usr/lib/x86_64-linux-gnu', '--sysconfdir=/etc', '--localstatedir=/var', '--disable-nls'], cwd: b, env: {} }],
    build: [{ phase: 'build', argv: ['make', '-j4'], cwd: b, env: {} }],
    install: [{ phase: 'install', argv: ['make', 'install', `DESTDIR=${b}/.sim-stage`], cwd: b, env: {} }],
    configuredMarker: 'config.status',
  });
});

test('autotools bootstrap: autogen.sh with NOCONFIGURE, else autoreconf; not part of the configure key', () => {
  const autogen = autotoolsPlan(input({}, { srcEntries: ['autogen.sh', 'configure.ac'] }));
  assert.equal(autogen.bootstrap, [{ phase: 'bootstrap', argv: ['/src/mod/autogen.sh'], cwd: '/src/mod', env: { NOCONFIGURE: '1' } }]);
  const reconf = autotoolsPlan(input({}, { srcEntries: ['configure.ac'] }));
  assert.equal(reconf.bootstrap, [{ phase: 'bootstrap', argv: ['autoreconf', '--install'], cwd: '/src/mod', env: {} }]);
  // Once bootstrapped, configure exists: that alone must not force a new configure.
  assert.is(configureKey(reconf), configureKey(autotoolsPlan(input({}, { srcEntries: ['configure', 'configure.ac'] }))));
});

test('make plan: in-tree, PREFIX/LIBDIR in both spellings, options as make arguments', () => {
  const vars = ['PREFIX=/usr', 'prefix=/usr', 'LIBDIR=/usr/lib/x86_64-linux-gnu', 'libdir=/usr/lib/x86_64-linux-gnu'];
  assert.equal(makePlan(input({ options: ['CFLAGS=-O2 -g'] })), {
    system: 'make',
    bootstrap: [],
    configure: [],
    build: [{ phase: 'build', argv: ['make', '-C', '/src/mod', '-j4', ...vars, 'CFLAGS=-O2 -g'], cwd: '/src/mod', env: {} }],
    install: [{ phase: 'install', argv: ['make', '-C', '/src/mod', 'install', ...vars, 'DESTDIR=/p/.sim/build/mod/.sim-stage', 'CFLAGS=-O2 -g'], cwd: '/src/mod', env: {} }],
  });
});

test('commands plan substitutes placeholders and leaves other braces alone', () => {
  const b = '/p/.sim/build/mod';
  const commands = {
    configure: [['{srcdir}/configure', '--prefix={prefix}', '--libdir={libdir}', '--bindir={bindir}']],
    build: [['make', '-j{jobs}', '-C', '{builddir}'], ['sh', '-c', 'echo ${HOME} {unknown}']],
    install: [['make', 'install', 'DESTDIR={destdir}']],
  };
  assert.equal(commandsPlan(input({ buildSystem: 'commands', commands, env: { A: '1' } })), {
    system: 'commands',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: ['/src/mod/configure', '--prefix=/usr', '--libdir=/usr/lib/x86_64-linux-gnu', '--bindir=/usr/bin'], cwd: b, env: { A: '1' } }],
    build: [
      { phase: 'build', argv: ['make', '-j4', '-C', b], cwd: b, env: { A: '1' } },
      { phase: 'build', argv: ['sh', '-c', 'echo ${HOME} {unknown}'], cwd: b, env: { A: '1' } },
    ],
    install: [{ phase: 'install', argv: ['make', 'install', `DESTDIR=${b}/.sim-stage`], cwd: b, env: { A: '1', DESTDIR: `${b}/.sim-stage` } }],
  });
});

test('planBuild dispatches on the detected system', () => {
  assert.is(planBuild(input({}, { srcEntries: ['CMakeLists.txt'] })).system, 'cmake');
  assert.is(planBuild(input({ buildSystem: 'meson' }, { srcEntries: ['Makefile'] })).system, 'meson');
});

test('configure key: stable, and changed by options, env or libdir but not by jobs', () => {
  const key = (m: Partial<ModuleSpec>, extra: Partial<PlanInput> = {}) => configureKey(mesonPlan(input(m, extra)));
  assert.is(key({}), key({}));
  assert.is(key({ env: { A: '1', B: '2' } }), key({ env: { B: '2', A: '1' } }));
  assert.is.not(key({}), key({ options: ['-Dx=y'] }));
  assert.is.not(key({}), key({ env: { CFLAGS: '-O2' } }));
  assert.is.not(key({}), key({}, { libdir: 'usr/lib64' }));
  assert.is(configureKey(cmakePlan(input())), configureKey(cmakePlan(input({}, { jobs: 64 }))));
});

test('failure log keeps the first error lines and the tail, in order', () => {
  const log = new FailureLog();
  log.push('[1/40] Compiling C object a.o');
  log.push('../src/a.c:3:12: error: ‘x’ undeclared (first use in this function)');
  for (let i = 0; i < 30; i++) log.push(`noise ${i}`);
  log.push('ninja: build stopped: subcommand failed.');
  const lines = log.lines();
  assert.is(lines[0], '../src/a.c:3:12: error: ‘x’ undeclared (first use in this function)');
  assert.is(lines.at(-1), 'ninja: build stopped: subcommand failed.');
  assert.is(lines.length, 16);
  assert.not.ok(lines.includes('noise 0'));
  // "-Werror=..." flags in a command line are not error lines.
  const quiet = new FailureLog();
  quiet.push('cc -Werror=implicit-function-declaration -c a.c');
  quiet.push('-Wno-error');
  assert.equal(quiet.lines(), ['cc -Werror=implicit-function-declaration -c a.c', '-Wno-error']);
});

test.run();
