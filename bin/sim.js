#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.js), which starts faster than the files tsc emits (dist/cli/launcher.js).
import { run } from '../dist/cli-bundle/launcher.js';

// A closed pipe on stdout (`sim ls --json | head -1`) ends the output, not the program with a trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
