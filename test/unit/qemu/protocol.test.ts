// The guest scripts (initramfs/) and the host's table (src/qemu/protocol.ts) speak one protocol,
// written down in docs/guest-protocol.md: these checks fail when one side adds or renames a word.
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseControlLine } from '../../../src/qemu/channel.js';
import { GUEST_PORTS, GUEST_WORDS, HOST_WORDS, STREAM_END } from '../../../src/qemu/protocol.js';

const root = new URL('../../../', import.meta.url);
/** Every guest script: the entries (init, agent, refresh) and the function files they source. */
const scripts = readdir(new URL('guest/lib/', root))
  .then((names) => ['guest/init', 'guest/agent', 'guest/refresh', 'guest/attach', ...names.filter((n) => n.endsWith('.sh')).map((n) => `guest/lib/${n}`)])
  .then((files) => Promise.all(files.map((f) => readFile(new URL(f, root), 'utf8'))))
  .then((t) => t.join('\n'));

/** The first word of every line the scripts send on sim.ctl: `say WORD ...` and `echo "WORD ..." >&4`. */
function sentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const m of text.matchAll(/\bsay "?([a-z-]+)/g)) words.add(m[1]!);
  for (const m of text.matchAll(/\becho "([a-z-]+)[^"]*" >&4/g)) words.add(m[1]!);
  return words;
}

test('every word the guest sends is in the host table, and every word in the table is sent', async () => {
  const sent = sentWords(await scripts);
  assert.ok(sent.size >= 5, `found the words the scripts send (${[...sent].join(', ')})`);
  assert.equal([...sent].sort(), Object.keys(GUEST_WORDS).sort());
});

test('the host understands every guest word', () => {
  for (const word of Object.keys(GUEST_WORDS)) {
    const samples: Record<string, string> = { exit: 'exit 0', 'in-use': 'in-use 7 app /usr/bin/app' };
    const sample = samples[word] ?? `${word} x`;
    assert.is.not(parseControlLine(sample).kind, 'unknown', word);
  }
  assert.is(parseControlLine('no-such-word').kind, 'unknown');
  assert.equal(parseControlLine('in-use 812 gnome-shell /usr/lib/My Dir/libshell-12.so'), { kind: 'in-use', pid: 812, command: 'gnome-shell', path: '/usr/lib/My Dir/libshell-12.so' });
  assert.is(parseControlLine('in-use x y z').kind, 'unknown');
  assert.equal(parseControlLine('exit r7 0'), { kind: 'exit', id: 'r7', status: 0 });
  assert.equal(parseControlLine('exit r7 1 stdout stderr'), { kind: 'exit', id: 'r7', status: 1, unmarked: ['stdout', 'stderr'] }, 'streams a leftover process holds');
  assert.is(parseControlLine('exit r7 1 other').kind, 'unknown');
});

test('the ports the guest looks for are the ports the host creates', async () => {
  const looked = new Set([...(await scripts).matchAll(/\bport (sim\.[a-z]+)/g)].map((m) => m[1]!));
  assert.equal([...looked].sort(), Object.values(GUEST_PORTS).sort());
});

test('the end-of-stream marker is spelled the same on both sides', async () => {
  const printed = [...(await scripts).matchAll(/printf '((?:\\0\d\d|[a-z-])+)'/g)].map((m) => m[1]!.replace(/\\0(\d\d)/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  assert.ok(printed.length >= 1, 'the agent prints the marker (mark_end, for both streams)');
  for (const marker of printed) assert.is(marker, STREAM_END);
});

test('docs/guest-protocol.md names every port and word', async () => {
  const doc = await readFile(new URL('docs/guest-protocol.md', root), 'utf8');
  for (const name of [...Object.values(GUEST_PORTS), ...Object.keys(GUEST_WORDS), ...Object.keys(HOST_WORDS)]) {
    assert.ok(doc.includes(`\`${name}\``), `${name} is documented`);
  }
});

test.run();
