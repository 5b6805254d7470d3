/**
 * The verbs an IDE calls (simctl's and adb's), on one detached simulator of the fixture image:
 * `sim ls --watch` sees it appear, become ready and stop; `sim logs` reads the guest's log (the
 * kernel's: the fixture has no journald; the GNOME test reads a journal) and follows it;
 * `sim push`/`pull` carry files and directories both ways, bytes and modes intact; `sim record`
 * writes a WebM of the screen; `sim console --follow` streams the serial console read-only; `sim launch`/`open` say there is no graphical session (the GNOME
 * test launches, terminates and opens for real). Every --json line is checked against the
 * exported event schema (parseEvents).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureImageEnv } from '../helpers/fixture-project.js';
import { parseEvents, sim, SIM_BIN, type SimEnv } from '../helpers/sim.js';
import { until, collectEvents } from '../helpers/wait.js';
import type { SimEvent } from '../../src/core/events.js';

const NAME = 'verbs';
let env: SimEnv;
let work: string;
let watch: ResultPromise<{ env: SimEnv; buffer: false; reject: false }> | undefined;
const watched: SimEvent[] = [];

/** A long-running sim command's NDJSON lines as they come, each checked against the schema. */
async function guest(script: string): Promise<string> {
  const run = await sim(['exec', NAME, '--', 'sh', '-c', script], env);
  assert.is(run.exitCode, 0, `${script}: ${String(run.stderr)}`);
  return String(run.stdout);
}

test('setup: ls --watch, then a detached simulator appears and becomes ready in it', async () => {
  env = await fixtureImageEnv();
  work = await mkdtemp(path.join(os.tmpdir(), 'sim-verbs-'));
  watch = execa('node', [SIM_BIN, 'ls', '--watch', '--json'], { env, buffer: false, reject: false });
  collectEvents(watch, watched);
  const first = await until('the first list', () => watched.find((e) => e.type === 'simulators'), 20_000);
  assert.equal(first.type === 'simulators' && first.simulators, []);
  const start = await sim(['boot', '--detach', '--image', 'demo', '--name', NAME, '--json'], env);
  assert.is(start.exitCode, 0, String(start.stdout) + String(start.stderr));
  const changes = () => watched.filter((e) => e.type === 'simulator-change').map((e) => e.type === 'simulator-change' && `${e.change} ${e.name}`);
  await until('ready in the watch', () => (changes().includes(`ready ${NAME}`) ? true : undefined), 10_000);
  assert.equal(changes().slice(0, 2), [`appeared ${NAME}`, `ready ${NAME}`]);
  const ready = watched.find((e) => e.type === 'simulator-change' && e.change === 'ready');
  assert.is(ready?.type === 'simulator-change' && ready.simulators[0]?.status, 'running', 'each change carries the list as it is now');
});

test("logs: the kernel's log (no journald here), -n, and -f following new entries until interrupted", async () => {
  const marker = `sim-logs-${randomBytes(4).toString('hex')}`;
  await guest(`echo "<3>${marker} first" > /dev/kmsg`);
  const all = await sim(['logs', NAME, '--json'], env);
  assert.is(all.exitCode, 0, String(all.stderr));
  const entries = parseEvents(String(all.stdout)).flatMap((e) => (e.type === 'journal' ? [e.entry] : []));
  assert.ok(entries.length > 20, `the whole boot's log (${entries.length} entries)`);
  const mine = entries.find((e) => e.message === `${marker} first`);
  assert.ok(mine, 'the entry written to /dev/kmsg');
  assert.is(mine.source, 'kernel');
  assert.is(mine.priority, 3);
  assert.ok(Math.abs(Date.parse(mine.timestamp) - Date.now()) < 10 * 60_000, `a real time (${mine.timestamp})`);
  const last = await sim(['logs', NAME, '-n', '1'], env);
  assert.match(String(last.stdout).trim(), new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d kernel: ${marker} first$`), 'the last entry, for a person');

  const followed: SimEvent[] = [];
  const follow = execa('node', [SIM_BIN, 'logs', NAME, '-f', '--json'], { env, buffer: false, reject: false });
  collectEvents(follow, followed);
  const messages = () => followed.flatMap((e) => (e.type === 'journal' ? [e.entry.message] : []));
  await until('the last 10 entries', () => (messages().includes(`${marker} first`) ? true : undefined), 30_000);
  assert.is(messages().length, 10, 'as journalctl -f: the last 10 first');
  await guest(`echo "<4>${marker} second" > /dev/kmsg`);
  await until('the new entry', () => (messages().includes(`${marker} second`) ? true : undefined), 30_000);
  assert.is(messages().filter((m) => m === `${marker} first`).length, 1, 'no entry twice');
  follow.kill('SIGINT');
  const ended = await follow;
  assert.is(ended.exitCode, 0, 'Ctrl-C ends following cleanly');
});

test('push and pull: a file into a directory and under a new name, a directory whole; bytes and modes intact; missing paths refused', async () => {
  const file = path.join(work, 'data.bin');
  const bytes = randomBytes(300_000);
  await writeFile(file, bytes);
  await chmod(file, 0o640);
  const tree = path.join(work, 'tree');
  await mkdir(path.join(tree, 'sub'), { recursive: true });
  await writeFile(path.join(tree, 'run.sh'), '#!/bin/sh\necho ran from push\n');
  await chmod(path.join(tree, 'run.sh'), 0o755);
  await writeFile(path.join(tree, 'sub', 'note with space.txt'), 'note\n');

  const pushed = await sim(['push', NAME, file, '/tmp/', '--json'], env);
  assert.is(pushed.exitCode, 0, String(pushed.stdout));
  const result = parseEvents(String(pushed.stdout)).find((e) => e.type === 'result');
  assert.is(result?.type === 'result' && result.data?.bytes, bytes.length);
  const sha = (b: Buffer) => import('node:crypto').then((c) => c.createHash('sha256').update(b).digest('hex'));
  assert.match(await guest('sha256sum /tmp/data.bin; stat -c %a /tmp/data.bin'), `${await sha(bytes)}  /tmp/data.bin\n640`);
  assert.is((await sim(['push', NAME, file, '/tmp/renamed.bin'], env)).exitCode, 0);
  assert.match(await guest('sha256sum /tmp/renamed.bin'), await sha(bytes));
  assert.is((await sim(['push', NAME, tree, '/opt/pushed/'], env)).exitCode, 0);
  assert.is((await guest('/opt/pushed/tree/run.sh; cat "/opt/pushed/tree/sub/note with space.txt"')), 'ran from push\nnote');

  const back = path.join(work, 'back.bin');
  assert.is((await sim(['pull', NAME, '/tmp/renamed.bin', back], env)).exitCode, 0);
  assert.ok((await readFile(back)).equals(bytes), 'the same bytes back');
  assert.is((await stat(back)).mode & 0o777, 0o640);
  await mkdir(path.join(work, 'into'));
  assert.is((await sim(['pull', NAME, '/opt/pushed/tree', path.join(work, 'into')], env)).exitCode, 0);
  assert.is(await readFile(path.join(work, 'into', 'tree', 'sub', 'note with space.txt'), 'utf8'), 'note\n');
  assert.is((await stat(path.join(work, 'into', 'tree', 'run.sh'))).mode & 0o777, 0o755);

  const missing = await sim(['pull', NAME, '/no/such/file', back], env);
  assert.is(missing.exitCode, 64);
  assert.match(String(missing.stderr), /no such file or directory in the guest/);
  const noParent = await sim(['push', NAME, file, '/no/such/dir/x'], env);
  assert.is(noParent.exitCode, 64);
  assert.match(String(noParent.stderr), /no such directory in the guest/);
  assert.match(await guest('echo still serving'), /still serving/, 'the agent goes on after a push with stdin');
});

test('record: the screen as a WebM video while the guest draws on it', async () => {
  await guest('(i=0; while [ $i -lt 400 ]; do echo "frame $i $(date)" > /dev/tty1; i=$((i + 1)); sleep 0.05; done) > /dev/null 2>&1 &');
  const video = path.join(work, 'screen.webm');
  const run = await sim(['record', NAME, '-o', video, '--duration', '4', '--fps', '5', '--json'], env, { timeout: 120_000 });
  assert.is(run.exitCode, 0, String(run.stdout) + String(run.stderr));
  const result = parseEvents(String(run.stdout)).find((e) => e.type === 'result');
  const frames = result?.type === 'result' ? Number(result.data?.frames) : 0;
  assert.ok(frames >= 2, `several frames (${frames})`);
  const head = (await readFile(video)).subarray(0, 4);
  assert.is(head.toString('hex'), '1a45dfa3', 'a Matroska/WebM file');
  const probe = await execa('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'default=noprint_wrappers=1', video]);
  assert.match(probe.stdout, /codec_name=vp8/);
  assert.match(probe.stdout, /width=1280\nheight=800/);
  assert.is(Number(/nb_read_frames=(\d+)/.exec(probe.stdout)?.[1]), frames, 'every frame captured is in the video');
});

test('launch, terminate and open need a graphical session: the fixture has none, and says so', async () => {
  for (const args of [['launch', NAME, 'org.gnome.TextEditor'], ['terminate', NAME, 'org.gnome.TextEditor'], ['open', NAME, 'https://example.org']]) {
    const run = await sim([...args, '--json'], env);
    assert.is(run.exitCode, 71, `${args[0]}: ${String(run.stdout)}`);
    const error = parseEvents(String(run.stdout)).find((e) => e.type === 'error');
    assert.is(error?.type === 'error' && error.code, 'NO_GUEST_SESSION');
  }
  const bad = await sim(['launch', NAME, 'not an id'], env);
  assert.is(bad.exitCode, 64, 'an app id is checked before anything runs');
});

test('a command that leaves a process holding its output ends anyway, says so, and the agent serves the next one', async () => {
  const started = Date.now();
  const left = await sim(['exec', NAME, '--', 'sh', '-c', 'sleep 8 & echo started'], env, { timeout: 60_000 });
  assert.is(left.exitCode, 0, String(left.stderr));
  assert.is(left.stdout, 'started');
  assert.match(String(left.stderr), /a process the command left running still holds its stdout/);
  assert.ok(Date.now() - started < 30_000, `it did not wait for the process (${Date.now() - started} ms)`);
  await new Promise((r) => setTimeout(r, Math.max(0, started + 9_000 - Date.now())));
  assert.match(await guest('echo served'), /served/);
});

let consoleFollower: ResultPromise<{ env: SimEnv; buffer: false; reject: false }> | undefined;
const consoleLines: SimEvent[] = [];

test("console --follow: the serial console's lines as events, read-only; a follower killed leaves the simulator running", async () => {
  const marker = `sim-console-${randomBytes(4).toString('hex')}`;
  const killed = execa('node', [SIM_BIN, 'console', NAME, '--follow', '--json'], { env, buffer: false, reject: false });
  const killedLines: SimEvent[] = [];
  collectEvents(killed, killedLines);
  consoleFollower = execa('node', [SIM_BIN, 'console', NAME, '--follow', '--json'], { env, buffer: false, reject: false });
  collectEvents(consoleFollower, consoleLines);
  const lines = (events: SimEvent[]) => events.flatMap((e) => (e.type === 'console' ? [e.line] : []));
  await until('both followers attached', () => (killedLines.length > 0 && consoleLines.length > 0 ? true : undefined), 20_000);
  await guest(`echo "${marker} one" > /dev/ttyS0`);
  await until('the line in both followers', () => (lines(killedLines).some((l) => l.includes(`${marker} one`)) && lines(consoleLines).some((l) => l.includes(`${marker} one`)) ? true : undefined), 20_000);
  killed.kill('SIGKILL');
  await killed;
  await guest(`echo "${marker} two" > /dev/ttyS0`);
  await until('the next line in the follower that lives on', () => (lines(consoleLines).some((l) => l.includes(`${marker} two`)) ? true : undefined), 20_000);
  assert.is(consoleFollower.exitCode, null, 'still following');
});

test('stop: ls --watch sees it go, and a console follower ends with it', async () => {
  assert.is((await sim(['stop', NAME], env)).exitCode, 0);
  const followed = await consoleFollower!;
  assert.is(followed.exitCode, 0, 'the follower ends cleanly when the simulator stops');
  assert.ok(consoleLines.some((e) => e.type === 'log' && e.message === `${NAME} stopped`), 'and says why');
  await until('stopped in the watch', () => (watched.some((e) => e.type === 'simulator-change' && e.change === 'stopped' && e.name === NAME) ? true : undefined), 10_000);
  const stopped = [...watched].reverse().find((e) => e.type === 'simulator-change');
  assert.equal(stopped?.type === 'simulator-change' && stopped.simulators, []);
});

test.after(async () => {
  consoleFollower?.kill('SIGKILL');
  watch?.kill('SIGINT');
  await watch;
  await sim(['stop', NAME, '--timeout', '3'], env ?? {}).catch(() => undefined);
});

test.run();
