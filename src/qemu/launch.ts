/**
 * Running QEMU for a plan and supervising the guest: readiness, the command's output and exit
 * status, the deadline, interruption, and the guest crashing.
 */
import { rm } from 'node:fs/promises';
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import type { BootPlan } from '../boot/plan.js';
import { spawn, spawnFailure } from '../core/process.js';
import { qemuCommandLine } from './command-line.js';
import { lineSplitter, parseControlLine, RingBuffer, SocketEndpoint } from './channel.js';
import { MarkerSplitter } from '../simulators/marker.js';
import { hostLine } from './protocol.js';
import { overlayModeLine } from '../boot/overlay-mode.js';
import { apiSocket, sendReply } from '../simulators/api.js';
import { apiServer, listenApi } from '../simulators/api-server.js';
import { ExecQueue } from '../simulators/exec-queue.js';

export interface LaunchOptions {
  events?: EventSink;
  /** Milliseconds to reach guest-ready. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** ms since the boot began, for phase events. */
  elapsed: () => number;
  /** Files QEMU has opened by the time the guest runs; deleted early so a killed launcher leaves nothing big behind. */
  deleteOnceRunning: string[];
  /** A boot that saves a snapshot (src/snapshots/): called when the guest says snapshot-ready; it saves and ends QEMU. */
  save?: () => Promise<void>;
  /** A resume (src/snapshots/): loads the saved state into QEMU, then hands the guest this boot's settings. */
  resume?: { load: () => Promise<void>; attach: () => Promise<string>; readyWithinMs: number };
}

export interface LaunchResult {
  /** The guest command's exit status, or 0 for an interactive boot that powered off. */
  exitCode: number;
  accel: string;
  readyMs?: number;
  /** A saving boot ended with its snapshot saved. */
  saved?: boolean;
}

/** How long a guest may take to power off once its command's output was read. */
const POWEROFF_GRACE_MS = 60_000;
/** How long the guest agent waits for the host to read the output (guest/agent, `read -t`). */
const GUEST_DRAIN_MS = 600_000;

export async function launch(plan: BootPlan, options: LaunchOptions): Promise<LaunchResult> {
  const { events, elapsed } = options;
  const consoleTail = new RingBuffer(40);
  let exitStatus: number | undefined;
  let guestError: string | undefined;
  let ready = false;
  let readyMs: number | undefined;
  let quickFailure: SimError | undefined;
  let saved = false;

  const settle: { resolveReady?: () => void; resolveExit?: () => void } = {};
  const readyPromise = new Promise<void>((r) => (settle.resolveReady = r));
  const exitStatusPromise = new Promise<void>((r) => (settle.resolveExit = r));

  // A console boot's guest serves the host (servesHost): the refreshes `sim build` sends after a
  // build into its prefix come in on api.sock (src/boot/serving.ts) and go to the guest's agent.
  const serving = plan.guest.serve && !plan.detached;
  const execs = new ExecQueue((line) => cmd?.write(line));

  const onControl = (line: string) => {
    const message = parseControlLine(line);
    switch (message.kind) {
      case 'initramfs':
        for (const file of options.deleteOnceRunning) void rm(file, { force: true });
        break;
      case 'overlay-mounted':
        emit(events, { type: 'phase', phase: 'overlay-mounted', ms: elapsed(), detail: { path: message.path, ...(message.mode ? { mode: message.mode } : {}) } });
        if (message.mode) emit(events, { type: 'log', level: 'info', message: overlayModeLine(message.mode, plan.contributed.guestConfig.SIM_OVERLAY_MODE) });
        break;
      case 'trigger':
        emit(events, { type: 'trigger', name: message.name, status: message.status, ...(message.ms !== undefined ? { ms: message.ms } : {}), ...(message.tool ? { tool: message.tool } : {}) });
        if (message.status !== 'ok') emit(events, { type: 'log', level: 'warn', message: message.tool ? `the image has no ${message.tool}: the ${message.name} cache is not refreshed for the prefix` : `${message.name} failed in the guest (the console says why)` });
        break;
      case 'ready':
        ready = true;
        readyMs = elapsed();
        emit(events, { type: 'phase', phase: 'guest-ready', ms: readyMs });
        settle.resolveReady?.();
        execs.setReady(true);
        break;
      case 'command-started':
        emit(events, { type: 'phase', phase: 'command-started', ms: elapsed() });
        break;
      case 'exit':
        if (message.id !== undefined) {
          execs.exited(message.id, message.status, message.unmarked);
          break;
        }
        exitStatus = message.status;
        settle.resolveExit?.();
        tellDrained();
        break;
      case 'error':
        guestError = message.message;
        break;
      case 'snapshot-ready':
        if (!options.save) break;
        settle.resolveReady?.(); // the deadline was to get here
        options.save().then(
          () => (saved = true),
          (error: unknown) => {
            quickFailure = error instanceof SimError ? error : new SimError('QUICK_BOOT_FAILED', `Saving the booted guest failed: ${String(error)}.`, 'sim boots cold instead.');
            child.kill('SIGTERM');
          },
        );
        break;
      case 'restarted':
        emit(events, { type: 'log', level: 'info', message: `quick boot: restarted ${message.unit}, which maps a file the prefix replaces` });
        break;
      case 'cold':
        // The resumed guest cannot become what a cold boot with this prefix gives.
        quickFailure = new SimError('QUICK_BOOT_DECLINED', `${message.reason}.`, 'sim boots cold instead.');
        child.kill('SIGTERM');
        break;
      default:
        break;
    }
  };

  const ctlLines = lineSplitter(onControl);
  const consoleLines = lineSplitter((line) => {
    consoleTail.push(line);
    // Errors before the host channel exists (e.g. a module that will not load) only reach the console.
    const initError = /^sim: error: (.*)$/.exec(line);
    if (initError && !guestError) guestError = initError[1];
    emit(events, { type: 'console', line });
  });
  // The guest marks the end of the command's output on both streams, and powers off only once
  // told that both ends were read: output still queued in the guest would die with it.
  const ended = { stdout: false, stderr: false };
  let drainedSent = false;
  const output = (stream: 'stdout' | 'stderr') => {
    const decoder = new TextDecoder();
    const splitter = new MarkerSplitter();
    return (chunk: Buffer) => {
      if (serving) return execs.output(stream, chunk);
      if (ended[stream]) return;
      const { data, ended: end } = splitter.push(chunk);
      if (data.length) emit(events, { type: 'output', stream, data: decoder.decode(data, { stream: true }) });
      if (end) {
        ended[stream] = true;
        tellDrained();
      }
    };
  };
  const tellDrained = () => {
    if (drainedSent || exitStatus === undefined || !ended.stdout || !ended.stderr) return;
    drainedSent = true;
    ctl.write(hostLine('drained'));
    // A resumed guest's disk is thrown away and nothing it could still write outlives it: end
    // QEMU now rather than wait a second or more for systemd's shutdown under emulation.
    if (options.resume) setTimeout(() => child.kill('SIGTERM'), 50).unref();
    // Otherwise give the guest a bounded time to power off.
    setTimeout(() => child.kill('SIGTERM'), POWEROFF_GRACE_MS).unref();
  };
  // Before the sockets listen: a missing QEMU must not leave them open (and sim hanging).
  const [file, argv] = await qemuCommandLine(plan);
  const api = serving
    ? apiServer((req, client) => {
        if (req.op !== 'exec') {
          sendReply(client, { type: 'error', code: 'USAGE', message: `A foreground boot takes only commands (${req.op} asked).`, hint: "Boot with --detach for a simulator that 'sim' can stop, reboot or attach to." });
          client.end();
          return;
        }
        execs.submit(req, client);
      })
    : undefined;
  if (api) await listenApi(api, apiSocket(plan.files.dir));
  // A guest that serves the host takes commands on sim.cmd (a detached simulator's snapshot is saved by a launch too).
  const cmdListening = plan.guest.serve ? SocketEndpoint.listen(plan.files.cmd, () => undefined) : undefined;
  const endpoints = await Promise.all([
    SocketEndpoint.listen(plan.files.ctl, (c) => ctlLines.push(c)),
    SocketEndpoint.listen(plan.files.out, output('stdout')),
    SocketEndpoint.listen(plan.files.err, output('stderr')),
    ...(cmdListening ? [cmdListening] : []),
    ...(plan.interactive ? [] : [SocketEndpoint.listen(plan.files.console, (c) => consoleLines.push(c))]),
  ]).catch((error: unknown) => {
    api?.close();
    throw error;
  });
  const ctl = endpoints[0];
  const cmd = await cmdListening;

  const child = spawn(file, argv, {
    stdio: plan.interactive ? ['inherit', 'inherit', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    forceKillAfterDelay: 5_000,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (plan.interactive) process.stderr.write(chunk);
  });
  emit(events, { type: 'phase', phase: 'qemu-started', ms: elapsed(), detail: { pid: child.pid, accel: plan.accel } });

  let timedOut = false;
  let interrupted = false;
  const timer = setTimeout(() => {
    if (ready) return;
    timedOut = true;
    child.kill('SIGTERM');
  }, options.timeoutMs);
  const onAbort = () => {
    interrupted = true;
    child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A guest that reported its status but never ended its output streams still gets a bound.
  void exitStatusPromise.then(() => setTimeout(() => child.kill('SIGTERM'), GUEST_DRAIN_MS + POWEROFF_GRACE_MS).unref());
  void readyPromise.then(() => clearTimeout(timer));
  let resumeGuard: NodeJS.Timeout | undefined;
  if (options.resume) {
    const { load, attach, readyWithinMs } = options.resume;
    // A snapshot that loads but whose guest never answers (damaged RAM) must not hang the boot.
    resumeGuard = setTimeout(() => {
      if (ready || quickFailure) return;
      quickFailure = new SimError('QUICK_BOOT_FAILED', `The resumed guest did not become ready within ${Math.round(readyWithinMs / 1000)} s.`, 'sim boots cold instead.');
      child.kill('SIGTERM');
    }, readyWithinMs);
    void readyPromise.then(() => clearTimeout(resumeGuard));
    // The prefix is walked while QEMU loads the state.
    const line = attach();
    Promise.all([load(), line]).then(
      ([, text]) => {
        emit(events, { type: 'phase', phase: 'snapshot-resumed', ms: elapsed() });
        for (const file of options.deleteOnceRunning) void rm(file, { force: true });
        ctl.write(text);
      },
      (error: unknown) => {
        const why = error instanceof SimError && error.code === 'QUICK_BOOT_FAILED' ? error : new SimError('QUICK_BOOT_FAILED', `Resuming the snapshot failed: ${error instanceof Error ? error.message : String(error)}`, 'sim boots cold instead.');
        quickFailure ??= why;
        child.kill('SIGTERM');
      },
    );
  }

  try {
    const result = await child;
    await Promise.all(endpoints.map((e) => e.drained(2_000)));
    ctlLines.flush();
    consoleLines.flush();
    const failure = result.failed && result.exitCode === undefined ? spawnFailure(plan.qemuBinary, result.cause) : undefined;
    if (failure) throw failure;
    emit(events, { type: 'phase', phase: 'guest-stopped', ms: elapsed(), detail: { qemuExitCode: result.exitCode ?? null } });

    const details = consoleTail.get();
    // QEMU may exit on a state it cannot load before the load's own failure arrives.
    if (options.resume && !ready && !interrupted && !timedOut && result.exitCode !== 0) {
      const qemuError = stderr.trim().split('\n').filter(Boolean).at(-1);
      quickFailure ??= new SimError('QUICK_BOOT_FAILED', `Resuming the snapshot failed: QEMU exited${qemuError ? `: ${qemuError}` : ` with exit code ${result.exitCode}`}.`, 'sim boots cold instead.');
    }
    if (quickFailure && !interrupted) throw new SimError(quickFailure.code, quickFailure.message, quickFailure.hint, { details });
    if (saved) return { exitCode: 0, accel: plan.accel, saved };
    if (interrupted) throw new SimError('INTERRUPTED', 'The boot was interrupted.', 'Nothing was kept: the session disk is thrown away.');
    if (exitStatus !== undefined) return { exitCode: exitStatus, accel: plan.accel, readyMs };
    if (timedOut) {
      throw new SimError('GUEST_TIMEOUT', `The guest did not become ready within ${Math.round(options.timeoutMs / 1000)} s.`, 'Raise --timeout (boots under TCG are slow), or look at the console lines above for where it stopped.', { details });
    }
    if (guestError) throw new SimError('GUEST_CRASHED', `The guest's initramfs failed: ${guestError}.`, 'See the console lines for details; run with --verbose for the whole console.', { details });
    if (result.exitCode !== 0 && !(plan.interactive && ready)) {
      const qemuError = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ');
      throw new SimError('QEMU_FAILED', `QEMU failed${qemuError ? `: ${qemuError}` : ` with exit code ${result.exitCode}`}.`, 'Run again with --verbose to see the QEMU command line.', { details });
    }
    if (plan.guest.command) {
      const panicked = details.some((l) => /Kernel panic/.test(l));
      throw new SimError('GUEST_CRASHED', panicked ? 'The guest kernel panicked before the command finished.' : 'The guest stopped before the command finished.', 'See the last console lines; run with --verbose for the whole console.', { details });
    }
    return { exitCode: 0, accel: plan.accel, readyMs };
  } finally {
    clearTimeout(timer);
    clearTimeout(resumeGuard);
    options.signal?.removeEventListener('abort', onAbort);
    for (const endpoint of endpoints) endpoint.close();
    execs.failAll({ type: 'error', code: 'GUEST_CRASHED', message: 'The boot ended while the command ran.', hint: 'Boot again.' });
    api?.close();
  }
}
