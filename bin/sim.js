#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// A closed pipe on stdout (`sim ls --json | head -1`) ends the output, not the program with a trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
