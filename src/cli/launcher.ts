/**
 * What bin/sim.js runs. The argument lists an IDE polls, `sim ls` and `sim ls --json`, and
 * `sim --version` are answered without the parser: loading and setting up yargs is most of what
 * the launcher adds to Node's own start-up. Only these exact lists; any other word or option, a
 * misspelled one included, goes to the parser (src/cli/main.ts), which checks it: the built CLI
 * loads it from one bundle through a code cache (src/cli/compiled-parser.ts); tests that run the
 * sources pass `() => import('./main.js')`.
 */
import { loadCompiledParser, type ParserModule } from './compiled-parser.js';
import { simVersion } from './version.js';

export async function run(argv: readonly string[], loadParser: () => Promise<ParserModule> = loadCompiledParser): Promise<number> {
  const line = argv.join('\0');
  if (line === '--version') {
    process.stdout.write(`${simVersion()}\n`);
    return 0;
  }
  if (line === 'ls' || line === 'ls\0--json') {
    const { lsCommand } = await import('./commands/ls.js');
    await lsCommand.handler({ _: ['ls'], $0: 'sim', json: argv.length === 2 });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  }
  return (await loadParser()).main([...argv]);
}
