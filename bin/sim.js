#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.js), which starts faster than the files tsc emits
// (dist/cli/launcher.js). CommonJS, as bin/package.json says: an ES module entry costs each
// command Node's module loader, about 15 ms.
'use strict';
const { run } = require('../dist/cli-bundle/launcher.cjs');

// A closed pipe on stdout (`sim ls --json | head -1`) ends the output, not the program with a trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Once nothing is left to do, exit at once: the teardown of a natural exit (freeing the
// environment and the heap) took 30 ms of each command's end (13 ms more than this).
process.once('beforeExit', () => process.exit());

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
