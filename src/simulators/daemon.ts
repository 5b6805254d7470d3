/**
 * The process that owns a detached simulator: it starts QEMU (which dies with it), keeps the
 * guest's ports connected (a virtio port blocks guest writes while nobody listens), records the
 * console, and serves `sim exec`, `sim console`, `sim stop` and reboots over api.sock.
 * It exits, removing the simulator's directory, when QEMU exits.
 */
import { appendFile, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { emit, stopwatch, type SimEvent, type SimEventInput } from '../core/events.js';
import type { BootPlan } from '../boot/plan.js';
import { resolveContext } from '../core/context.js';
import { spawn } from '../core/process.js';
import { qemuCommandLine } from '../qemu/command-line.js';
import { lineSplitter, parseControlLine, SocketEndpoint } from '../qemu/channel.js';
import { QmpClient } from '../qemu/qmp.js';
import { apiSocket, sendReply } from './api.js';
import { apiServer, listenApi } from './api-server.js';
import { ExecQueue } from './exec-queue.js';
import { writeState, type SimulatorState } from './registry.js';
import { createSessionDisk } from '../boot/session.js';
import { loadState } from '../snapshots/migration.js';
import { attachFor } from '../snapshots/quick-boot.js';

export interface DaemonSpec {
  plan: BootPlan;
  state: SimulatorState;
  timeoutMs: number;
  env: Record<string, string>;
  /** Quick boot: the snapshot's saved state, loaded into QEMU before the guest attaches the prefix. */
  resumeState?: string;
}

/** Console lines replayed to a late subscriber (`sim web`'s events, `boot --detach` attaching). */
const MAX_CONSOLE_HISTORY = 1000;

export async function runDaemon(dir: string): Promise<void> {
  const spec = JSON.parse(await readFile(path.join(dir, 'daemon.json'), 'utf8')) as DaemonSpec;
  const { plan } = spec;
  // This process's context: its own environment with the starter's sim settings on top.
  const ctx = resolveContext({ ...process.env, ...spec.env });
  const state: SimulatorState = { ...spec.state, launcherPid: process.pid };
  const elapsed = stopwatch();

  // Events for `sim boot --detach` (and anyone attaching early), replayed to late subscribers.
  // Console lines are kept only as a tail: a simulator that runs for days and talks on its serial
  // line would otherwise grow this without bound (console.log keeps them all).
  const history: SimEvent[] = [];
  let consoleEvents = 0;
  const subscribers = new Set<net.Socket>();
  const publish = (event: SimEventInput) =>
    emit((e) => {
      history.push(e);
      if (e.type === 'console' && ++consoleEvents > MAX_CONSOLE_HISTORY) {
        history.splice(history.findIndex((old) => old.type === 'console'), 1);
        consoleEvents--;
      }
      for (const s of subscribers) sendReply(s, { type: 'event', event: e });
    }, event);

  const consoleClients = new Set<net.Socket>();
  const consoleTail: Buffer[] = [];
  let ready = false;
  /** Whether the guest was ever ready (a resume that never got there failed, whatever QEMU said). */
  let everReady = false;
  let failed = false;
  const readyWaiters: ((ms: number) => void)[] = [];

  // --- exec queue -----------------------------------------------------------------------
  const execs = new ExecQueue((line) => cmd.write(line));

  // --- guest channel ----------------------------------------------------------------------
  const ctlLines = lineSplitter((line) => {
    const message = parseControlLine(line);
    if (message.kind === 'overlay-mounted') publish({ type: 'phase', phase: 'overlay-mounted', ms: elapsed(), detail: { path: message.path } });
    if (message.kind === 'error') publish({ type: 'log', level: 'warn', message: `guest: ${message.message}` });
    if (message.kind === 'restarted') publish({ type: 'log', level: 'info', message: `quick boot: restarted ${message.unit}, which maps a file the prefix replaces` });
    if (message.kind === 'cold') quickFailed('QUICK_BOOT_DECLINED', `${message.reason}.`);
    if (message.kind === 'initramfs' && ready) {
      ready = false; // the guest rebooted
      execs.setReady(false);
    }
    if (message.kind === 'ready') {
      ready = true;
      everReady = true;
      const ms = elapsed();
      publish({ type: 'phase', phase: 'guest-ready', ms });
      if (state.status !== 'running') void writeState(ctx, { ...state, status: 'running', readyMs: ms }).then(() => (state.status = 'running'));
      for (const waiter of readyWaiters.splice(0)) waiter(ms);
      execs.setReady(true);
    }
    if (message.kind === 'exit' && message.id !== undefined) execs.exited(message.id, message.status, message.unmarked);
  });
  const consoleLines = lineSplitter((line) => publish({ type: 'console', line }));
  const consoleLog = plan.files.consoleLog;
  const onConsole = (chunk: Buffer) => {
    consoleLines.push(chunk);
    void appendFile(consoleLog, chunk);
    consoleTail.push(chunk);
    while (consoleTail.length > 64) consoleTail.shift();
    for (const client of consoleClients) client.write(chunk);
  };
  const [ctl, , , cmd, consoleEndpoint] = await Promise.all([
    SocketEndpoint.listen(plan.files.ctl, (c) => ctlLines.push(c)),
    SocketEndpoint.listen(plan.files.out, (c) => execs.output('stdout', c)),
    SocketEndpoint.listen(plan.files.err, (c) => execs.output('stderr', c)),
    SocketEndpoint.listen(plan.files.cmd, () => undefined),
    SocketEndpoint.listen(plan.files.console, onConsole),
  ]);

  // --- QEMU -----------------------------------------------------------------------------------
  let qemuStderr = '';
  const startQemu = async (runPlan: BootPlan) => {
    const [file, argv] = await qemuCommandLine(runPlan);
    const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: ctx.env });
    child.stderr?.on('data', (c: Buffer) => (qemuStderr += c.toString()));
    await writeState(ctx, { ...state, pid: child.pid ?? 0 });
    state.pid = child.pid ?? 0;
    publish({ type: 'phase', phase: 'qemu-started', ms: elapsed(), detail: { pid: child.pid, accel: runPlan.accel } });
    // Wrapped: the subprocess is a promise of its exit, which `await` would wait for.
    return { child };
  };
  let qemu = (await startQemu(plan)).child;
  // A resume that replaces the running QEMU (`reboot` with resume): the old one's exit is not the end.
  let replacing: Promise<void> | undefined;
  // The resumed guest's answer: ready, or a reason it could not take the prefix over.
  let resumeOutcome: ((failure?: { code: 'QUICK_BOOT_FAILED' | 'QUICK_BOOT_DECLINED'; message: string }) => void) | undefined;

  /**
   * A quick boot: the state goes in, then the guest gets this boot's settings. What it started
   * answers only for the QEMU it started with: a resume in place that failed boots cold in a
   * new QEMU, whose boot the old attempt's deadline or late failure must not end.
   */
  const resume = (stateFile: string) => {
    const attempt = qemu;
    const current = () => qemu === attempt;
    Promise.all([loadState(plan.files.qmp, path.join(dir, 'mig.sock'), stateFile), attachFor(plan)]).then(
      ([, line]) => {
        if (!current()) return;
        publish({ type: 'phase', phase: 'snapshot-resumed', ms: elapsed() });
        ctl.write(line);
      },
      (error: unknown) => {
        if (current()) quickFailed('QUICK_BOOT_FAILED', `Resuming the snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    setTimeout(() => {
      if (!ready && current()) quickFailed('QUICK_BOOT_FAILED', 'The resumed guest did not become ready within 60 s.');
    }, Math.min(spec.timeoutMs, 60_000)).unref();
  };
  // At the start a failure ends QEMU with an error the starter answers with a cold boot (start.ts).
  if (spec.resumeState) resume(spec.resumeState);

  function quickFailed(code: 'QUICK_BOOT_FAILED' | 'QUICK_BOOT_DECLINED', message: string): void {
    if (failed || ready) return;
    if (resumeOutcome) return resumeOutcome({ code, message });
    failed = true;
    publish({ type: 'error', code, message, hint: 'sim boots cold instead.' });
    qemu.kill('SIGTERM');
  }

  /**
   * Instead of a reboot in place (a cold boot under emulation: tens of seconds), a new QEMU that
   * resumes the snapshot this simulator started from and attaches the prefix as it is now (hot
   * reload of a library). When the guest cannot take the prefix over, or the snapshot does not
   * load, the new QEMU boots cold: the same machine, the RAM file mapped afresh, this
   * simulator's initrd (which holds the cold boot's settings). Why it booted cold, if it did.
   */
  const resumeInPlace = async (stateFile: string): Promise<string | undefined> => {
    const old = qemu;
    let done!: () => void;
    replacing = new Promise<void>((resolve) => (done = resolve));
    old.kill('SIGTERM');
    await old.catch(() => undefined);
    qmp?.close();
    qmp = undefined;
    await rm(plan.files.disk, { force: true });
    await createSessionDisk(plan.baseDisk, plan.files.disk);
    qemu = (await startQemu(plan)).child;
    done();
    const failure = await new Promise<{ code: string; message: string } | undefined>((resolve) => {
      resumeOutcome = resolve;
      readyWaiters.push(() => resolve(undefined));
      resume(stateFile);
    });
    resumeOutcome = undefined;
    if (!failure) return undefined;
    publish({ type: 'log', level: 'warn', message: `quick boot: ${failure.message.replace(/\.$/, '')}; booting cold in place` });
    replacing = new Promise<void>((resolve) => (done = resolve));
    qemu.kill('SIGTERM');
    await qemu.catch(() => undefined);
    qmp = undefined;
    await rm(plan.files.disk, { force: true });
    await createSessionDisk(plan.baseDisk, plan.files.disk);
    qemu = (await startQemu({ ...plan, memory: plan.memory ? { ...plan.memory, incoming: false } : undefined })).child;
    done();
    return failure.message.replace(/\.$/, '');
  };

  let qmp: QmpClient | undefined;
  const monitor = async () => (qmp ??= await QmpClient.connect(plan.files.qmp));

  // The first boot's deadline (--timeout): a reboot later has its own, or none.
  const readyTimer = setTimeout(() => {
    if (everReady) return;
    failed = true;
    publish({ type: 'error', code: 'GUEST_TIMEOUT', message: `The guest did not become ready within ${Math.round(spec.timeoutMs / 1000)} s.`, hint: 'Raise --timeout, or look at the console lines for where it stopped.' });
    qemu.kill('SIGTERM');
  }, spec.timeoutMs);

  // --- API --------------------------------------------------------------------------------
  const api = apiServer(async (req, client, rest) => {
    switch (req.op) {
      case 'events':
        for (const e of history) sendReply(client, { type: 'event', event: e });
        subscribers.add(client);
        client.on('close', () => subscribers.delete(client));
        return;
      case 'exec':
        return execs.submit(req, client);
      case 'console':
        client.write(`${JSON.stringify({ type: 'console-attached' })}\n`);
        for (const chunk of consoleTail) client.write(chunk);
        consoleClients.add(client);
        if (rest.length) consoleEndpoint.write(rest);
        client.on('data', (data: Buffer) => consoleEndpoint.write(data));
        client.on('close', () => consoleClients.delete(client));
        return;
      case 'reboot': {
        ready = false;
        execs.setReady(false);
        const waiting = new Promise<number>((resolve) => readyWaiters.push(resolve));
        const resuming = Boolean(req.resume && spec.resumeState);
        let cold: string | undefined;
        if (resuming) cold = await resumeInPlace(spec.resumeState!);
        else await (await monitor()).execute('system_reset');
        const ms = await waiting;
        sendReply(client, { type: 'ready', ms, ...(resuming && cold === undefined ? { resumed: true } : {}), ...(cold !== undefined ? { cold } : {}) });
        client.end();
        return;
      }
      case 'qmp': {
        const result = await (await monitor()).execute(req.command, req.arguments);
        sendReply(client, { type: 'qmp-result', result });
        client.end();
        return;
      }
      case 'input': {
        // Only the two input commands: this op is for front ends that should not hold the monitor.
        const commands = req.steps.filter((step) => 'command' in step);
        if (commands.some((step) => step.command !== 'send-key' && step.command !== 'input-send-event')) {
          throw new Error('the input op takes only send-key and input-send-event steps');
        }
        for (const step of req.steps) {
          if ('command' in step) await (await monitor()).execute(step.command, step.arguments);
          else await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(step.pauseMs, 0), 10_000)));
        }
        sendReply(client, { type: 'input-done', steps: req.steps.length });
        client.end();
        return;
      }
      case 'stop': {
        stopWaiters.push(client);
        // ACPI power-off first (a clean shutdown), then QEMU is told to quit, then killed.
        await (await monitor()).execute('system_powerdown').catch(() => undefined);
        setTimeout(() => void qmp?.execute('quit').catch(() => undefined), req.timeoutMs ?? 30_000).unref();
        setTimeout(() => qemu.kill('SIGKILL'), (req.timeoutMs ?? 30_000) + 5_000).unref();
        return;
      }
    }
  });
  const stopWaiters: net.Socket[] = [];
  await listenApi(api, apiSocket(dir));

  let result = await qemu.catch((error: unknown) => error as Awaited<typeof qemu>);
  // A resume in place ends the running QEMU on purpose: wait for its successor instead.
  while (replacing) {
    const next = replacing;
    await next;
    if (replacing !== next) continue;
    replacing = undefined;
    result = await qemu.catch((error: unknown) => error as Awaited<typeof qemu>);
  }
  clearTimeout(readyTimer);
  if (!ready && !failed) {
    const detail = qemuStderr.trim().split('\n').pop() ?? '';
    // QEMU may exit on a state it cannot load before the load's own failure arrives: the starter boots cold then too.
    if (spec.resumeState && !everReady) publish({ type: 'error', code: 'QUICK_BOOT_FAILED', message: `Resuming the snapshot failed: QEMU exited${detail ? `: ${detail}` : ''}.`, hint: 'sim boots cold instead.' });
    else publish({ type: 'error', code: 'GUEST_CRASHED', message: `The simulator stopped before it became ready${detail ? `: ${detail}` : ''}.`, hint: `See the console log lines above.` });
  }
  publish({ type: 'phase', phase: 'guest-stopped', ms: elapsed(), detail: { qemuExitCode: result.exitCode ?? null } });
  execs.failAll({ type: 'error', code: 'GUEST_CRASHED', message: 'The simulator stopped while the command ran.', hint: 'Start it again with `sim boot --detach`.' });
  for (const client of stopWaiters) sendReply(client, { type: 'stopped' });
  qmp?.close();
  api.close();
  for (const s of [...subscribers, ...consoleClients, ...stopWaiters]) s.end();
  await rm(dir, { recursive: true, force: true });
}

/** Entry point: `node daemon-main.js DIR` (see start.ts). */
export async function daemonMain(argv: string[]): Promise<void> {
  const dir = argv[0];
  if (!dir) throw new Error('usage: daemon DIR');
  await runDaemon(dir);
  process.exit(0);
}
