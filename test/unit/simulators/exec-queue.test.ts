// The host's half of running commands in a serving guest, shared by a detached simulator's
// daemon and a foreground console boot: one request at a time, only once the agent is ready,
// each answered with its own output and status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { ExecQueue } from '../../../src/simulators/exec-queue.js';
import { STREAM_END } from '../../../src/qemu/protocol.js';
import type { ApiReply } from '../../../src/simulators/api.js';

/** A client socket that records what it is sent. */
function client(): net.Socket & { replies: ApiReply[]; ended: boolean; gone: () => void } {
  const c = Object.assign(new EventEmitter(), {
    replies: [] as ApiReply[],
    ended: false,
    writable: true,
    destroyed: false,
    write(line: string) {
      c.replies.push(JSON.parse(line) as ApiReply);
      return true;
    },
    end() {
      c.ended = true;
    },
    /** The client went away: interrupted, killed. */
    gone() {
      c.destroyed = true;
      c.writable = false;
      c.emit('close');
    },
  });
  return c as unknown as net.Socket & { replies: ApiReply[]; ended: boolean; gone: () => void };
}

test('requests wait for ready, go one at a time, and each gets its output and status once both streams ended', () => {
  const sent: string[] = [];
  const queue = new ExecQueue((line) => sent.push(String(line)));
  const [a, b] = [client(), client()];
  queue.submit({ op: 'exec', argv: ['echo', 'a'] }, a);
  queue.submit({ op: 'exec', argv: ['echo', 'b'] }, b);
  assert.equal(sent, [], 'nothing is sent before the agent is ready');
  queue.setReady(true);
  assert.equal(sent, ["r1 q 'echo' 'a'\n"]);
  queue.output('stdout', Buffer.from(`a\n${STREAM_END.slice(0, 3)}`));
  queue.exited('r1', 0);
  assert.not.ok(a.ended, 'stdout has not ended (half a marker), nor has stderr');
  queue.output('stdout', Buffer.from(STREAM_END.slice(3)));
  queue.output('stderr', Buffer.from(STREAM_END));
  assert.equal(a.replies, [{ type: 'output', stream: 'stdout', data: 'a\n' }, { type: 'exit', status: 0 }]);
  assert.ok(a.ended);
  assert.equal(sent.length, 2, 'the next request goes once the first is answered');
  queue.exited('r1', 9);
  assert.equal(b.replies, [], "another request's status is not this one's");
  queue.exited('r2', 3, ['stdout', 'stderr']);
  assert.equal(b.replies.at(-1), { type: 'exit', status: 3 });
  assert.match((b.replies[0] as { data: string }).data, /still holds its stdout/);
});

test('a guest that reboots holds the queue; one that is gone fails every request left', () => {
  const sent: string[] = [];
  const queue = new ExecQueue((line) => sent.push(String(line)));
  queue.setReady(true);
  queue.setReady(false);
  const [a, b] = [client(), client()];
  queue.submit({ op: 'exec', argv: ['true'] }, a);
  assert.equal(sent, []);
  queue.setReady(true);
  queue.submit({ op: 'exec', argv: ['false'] }, b);
  assert.equal(sent.length, 1);
  queue.failAll({ type: 'error', code: 'GUEST_CRASHED', message: 'gone', hint: 'boot again' });
  assert.equal([a.replies, b.replies].map((r) => r.map((x) => x.type)), [['error'], ['error']]);
});

test('a client that goes away while its command runs cancels it in the guest; the next request waits for its status', () => {
  const sent: string[] = [];
  const queue = new ExecQueue((line) => sent.push(String(line)));
  queue.setReady(true);
  const [a, b] = [client(), client()];
  queue.submit({ op: 'exec', argv: ['sleep', '60'] }, a);
  queue.submit({ op: 'exec', argv: ['true'] }, b);
  a.gone();
  assert.equal(sent, ["r1 q 'sleep' '60'\n", 'r1 cancel\n']);
  queue.output('stdout', Buffer.from(STREAM_END));
  queue.output('stderr', Buffer.from(STREAM_END));
  queue.exited('r1', 143);
  assert.equal(a.replies, [], 'nothing goes to a client that is gone');
  assert.equal(sent.at(-1), "r2 q 'true'\n");
  b.emit('close');
  queue.output('stdout', Buffer.from(STREAM_END));
  queue.output('stderr', Buffer.from(STREAM_END));
  queue.exited('r2', 0);
  const c = client();
  queue.submit({ op: 'exec', argv: ['true'] }, c);
  a.emit('close');
  assert.equal(sent.filter((l) => l.endsWith('cancel\n')), ['r1 cancel\n', 'r2 cancel\n'], 'a close after its request was answered, or of an earlier client, cancels nothing');
});

test.run();
