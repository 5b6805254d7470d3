import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { editDistance, suggest, usageError } from '../../../src/cli/usage.js';
import { commandTable, misspell, runCli } from '../../helpers/cli.js';

const table = await commandTable();
/** Arguments that satisfy a command's required positionals (a URL or URI must look like one, push's and pull's paths be absolute). */
const positionals = (demanded: string[]) =>
  demanded.map((name) => (name === 'url' || name === 'uri' ? 'https://example.org/some-url/' : name === 'source' || name === 'destination' ? `/some-${name}` : `some-${name}`));

test('the command table read back from yargs has every command and its options', () => {
  const paths = table.map((c) => c.path.join(' '));
  for (const expected of ['boot', 'image', 'image add', 'image build', 'rebuild-and-boot', 'exec', 'stop', 'doctor']) assert.ok(paths.includes(expected), expected);
  const boot = table.find((c) => c.path.join(' ') === 'boot')!;
  for (const option of ['overlay', 'memory', 'kernel-arg', 'no-init', 'detach', 'json']) assert.ok(boot.options.includes(option), option);
  assert.equal(table.find((c) => c.path.join(' ') === 'image add')!.demanded, ['file']);
});

test('each command, as given with its required arguments, reaches its handler (the control for the test below)', async () => {
  for (const command of table.filter((c) => !c.parent)) {
    const run = await runCli([...command.path, ...positionals(command.demanded)]);
    assert.ok(run.reached, `${command.path.join(' ')}: ${run.output}`);
  }
});

test('a misspelling of any option of any command is refused with exit 64 before anything runs', async () => {
  let checked = 0;
  for (const command of table) {
    for (const option of command.options) {
      const typo = misspell(option);
      const run = await runCli([...command.path, ...positionals(command.demanded), `--${typo}`]);
      const label = `sim ${command.path.join(' ')} --${typo}`;
      assert.is(run.code, 64, `${label}: ${run.output}`);
      assert.not.ok(run.reached, `${label} reached the handler`);
      assert.match(run.output, `has no option --${typo}`, label);
      assert.match(run.output, `Did you mean --${option}?`, label);
      checked++;
    }
  }
  assert.ok(checked > 40, `only ${checked} options walked`);
});

test('unknown commands and subcommands are refused, with the close one suggested', async () => {
  let run = await runCli(['boto', '--overlay', 'x']);
  assert.is(run.code, 64);
  assert.not.ok(run.reached);
  assert.match(run.output, "sim has no command 'boto'");
  assert.match(run.output, "Did you mean 'sim boot'?");
  run = await runCli(['image', 'ad', 'disk.qcow2']);
  assert.is(run.code, 64);
  assert.match(run.output, "sim image has no command 'ad'");
  assert.match(run.output, "Did you mean 'sim image add'?");
  run = await runCli(['image']);
  assert.is(run.code, 64);
  assert.match(run.output, 'sim image needs a command: add, pull, update, publish, ls, rm, verify, build');
  run = await runCli([]);
  assert.is(run.code, 64);
  assert.match(run.output, 'sim needs a command: boot');
});

test('a stray word is not silently taken: boot and exec want the guest command after --', async () => {
  for (const argv of [['boot', 'uname'], ['exec', 'dev', 'uname'], ['stop', 'a', 'b']]) {
    const run = await runCli(argv);
    assert.is(run.code, 64, argv.join(' '));
    assert.not.ok(run.reached, argv.join(' '));
    assert.match(run.output, `does not take '${argv.at(-1)}'`);
  }
});

test('words after -- go to the guest, options among them included', async () => {
  const run = await runCli(['boot', '--overlay', 'p', '--', 'prog', '--overlya', '-x']);
  assert.is(run.code, 1); // the test's stop at the handler
  assert.equal(run.reached?.['--'], ['prog', '--overlya', '-x']);
  assert.is(run.reached?.overlay, 'p');
});

test('--no-init is a flag of its own, not the negation of --init', async () => {
  const run = await runCli(['boot', '--no-init', '--init', '/bin/sh', '--', 'true']);
  assert.is(run.reached?.['no-init'], true);
  assert.is(run.reached?.init, '/bin/sh');
});

test('usage errors are reported as events with --json', async () => {
  const run = await runCli(['boot', '--json', '--overlya', 'x']);
  const events = run.output.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(events.map((e) => e.type), ['error', 'result']);
  assert.is(events[0].code, 'USAGE');
  assert.is(events[1].exitCode, 64);
});

test('suggestions: one slip or a shortened name, never a far one', () => {
  assert.is(editDistance('overlya', 'overlay'), 1);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(suggest('overlya', ['overlay', 'image']), 'overlay');
  assert.is(suggest('mem', ['memory', 'cpus']), 'memory');
  assert.is(suggest('cpu', ['memory', 'cpus']), 'cpus');
  assert.is(suggest('colour', ['memory', 'cpus']), undefined);
  assert.is(suggest('x', ['memory', 'cpus']), undefined);
});

test('yargs messages become sentences naming the command; unknown options are told from stray words', () => {
  const context = { command: ['boot'], options: ['overlay', 'memory', 'json'], commands: [], argv: ['boot', '--overlya', 'x', 'extra'] };
  let error = usageError('Unknown arguments: overlya, extra', context);
  assert.is(error.exitCode, 64);
  assert.is(error.message, 'sim boot has no option --overlya.');
  error = usageError('Unknown arguments: foo-bar, fooBar', { ...context, argv: ['boot', '--foo-bar'] });
  assert.is(error.message, 'sim boot has no option --foo-bar.');
  error = usageError('Not enough arguments following: memory', context);
  assert.is(error.message, '--memory needs a value.');
  error = usageError('Not enough non-option arguments: got 0, need at least 1', { command: [], options: ['json', 'help'], commands: ['boot'], argv: ['--helpp'] });
  assert.is(error.message, 'sim has no option --helpp.');
  assert.match(error.hint, 'Did you mean --help?');
});

test.run();
