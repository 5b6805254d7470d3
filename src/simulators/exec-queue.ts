/**
 * The host's half of running commands in a guest that serves them (guest/agent, SIM_SERVE):
 * one request at a time on sim.cmd, its output on sim.out/sim.err up to the end markers, its
 * status on sim.ctl. A request whose client goes away while it runs (`sim exec` interrupted or
 * killed, an IDE's Stop) is cancelled in the guest: its command and what it started end there,
 * and the next request starts after its status, as always. Shared by a detached simulator's daemon and a foreground console boot
 * (src/qemu/launch.ts), which both answer `exec` requests on their api.sock.
 */
import type net from 'node:net';
import { execCancelLine, execRequestLine } from '../initramfs/guest-config.js';
import { sendReply, type ApiReply, type ApiRequest } from './api.js';
import { MarkerSplitter } from './marker.js';

interface ExecJob {
  id: string;
  argv: string[];
  /** The command's stdin (sim push's archive); /dev/null without. */
  stdin?: Buffer;
  client: net.Socket;
  outDone: boolean;
  errDone: boolean;
  status?: number;
}

export class ExecQueue {
  private readonly queue: ExecJob[] = [];
  private running: ExecJob | undefined;
  private nextId = 1;
  private ready = false;
  private readonly splitters = { stdout: new MarkerSplitter(), stderr: new MarkerSplitter() };

  /** `writeCommand` writes a request line to sim.cmd. */
  constructor(private readonly writeCommand: (line: string | Buffer) => void) {}

  /** Queue an `exec` request from api.sock; its replies (output, then exit) go to `client`. */
  submit(req: Extract<ApiRequest, { op: 'exec' }>, client: net.Socket): void {
    const stdin = req.stdin === undefined ? undefined : Buffer.from(req.stdin, 'base64');
    this.queue.push({ id: `r${this.nextId++}`, argv: req.argv, ...(stdin ? { stdin } : {}), client, outDone: false, errDone: false });
    this.startNext();
  }

  /** Whether the guest's agent takes requests (it said ready; a reboot makes it false until it says so again). */
  setReady(ready: boolean): void {
    this.ready = ready;
    if (ready) this.startNext();
  }

  /** A chunk of the guest's sim.out or sim.err. */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const job = this.running;
    if (!job) return;
    const { data, ended } = this.splitters[stream].push(chunk);
    if (data.length) sendReply(job.client, { type: 'output', stream, data: data.toString('utf8') });
    if (ended) {
      if (stream === 'stdout') job.outDone = true;
      else job.errDone = true;
      this.finishIfDone();
    }
  }

  /** The guest's `exit ID STATUS [unmarked streams]` line. */
  exited(id: string, status: number, unmarked: readonly ('stdout' | 'stderr')[] = []): void {
    const job = this.running;
    if (!job || job.id !== id) return;
    job.status = status;
    for (const stream of unmarked) {
      if (stream === 'stdout') job.outDone = true;
      else job.errDone = true;
      sendReply(job.client, { type: 'output', stream: 'stderr', data: `sim: a process the command left running still holds its ${stream}: redirect that process's output (what it writes now is lost)\n` });
    }
    this.finishIfDone();
  }

  /** The guest is gone: every request still queued or running gets `reply`. */
  failAll(reply: ApiReply): void {
    for (const job of [this.running, ...this.queue.splice(0)]) if (job) sendReply(job.client, reply);
    this.running = undefined;
  }

  private finishIfDone(): void {
    const job = this.running;
    if (!job || job.status === undefined || !job.outDone || !job.errDone) return;
    sendReply(job.client, { type: 'exit', status: job.status });
    job.client.end();
    this.running = undefined;
    this.startNext();
  }

  private startNext(): void {
    if (this.running || !this.ready) return;
    const job = this.queue.shift();
    if (!job) return;
    if (job.client.destroyed) return this.startNext();
    this.running = job;
    this.writeCommand(execRequestLine(job.id, job.argv, job.stdin));
    job.client.once('close', () => {
      if (this.running === job) this.writeCommand(execCancelLine(job.id));
    });
  }
}
