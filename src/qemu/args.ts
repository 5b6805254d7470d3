/** The QEMU argument list for a plan. Pure, and unit-tested to the byte. */
import type { BootPlan } from '../boot/plan.js';
import { optValue, SERIAL_BUS } from './argv-parts.js';
import { icountArgs } from './icount.js';
import { GUEST_PORTS } from './protocol.js';

export { optValue };

/** sim's one-value machine settings; a boot contribution may replace them (src/boot/contribution.ts). */
const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  // QEMU opens a window by default; sim draws none unless a contribution asks for one.
  display: 'none',
};

/**
 * The emulated CPU: everything TCG can do but AVX2. With AVX2 (new in QEMU 7.2's TCG) the GNOME
 * session's gnome-shell died in llvmpipe's JIT code, at a vpgatherdd, when an app opened a window
 * (5 of 5 runs of the rebuilt-app test; none in 2 runs without it). Guests take their SSE4/AVX paths instead.
 */
export const TCG_CPU = 'max,avx2=off';

/** RAM in a file for quick boot: a saved guest's memory is that file, so saving and resuming copy none of it. */
function memoryArgs(plan: BootPlan): string[] {
  if (!plan.memory) return [];
  const { file, shared, incoming } = plan.memory;
  return [
    '-object', `memory-backend-file,id=sim-ram,size=${plan.memoryMiB}M,mem-path=${optValue(file)},share=${shared ? 'on' : 'off'}`,
    '-machine', 'memory-backend=sim-ram',
    ...(incoming ? ['-incoming', 'defer'] : []),
  ];
}

export function qemuArgs(plan: BootPlan): string[] {
  const f = plan.files;
  const settings = Object.entries({ ...DEFAULT_SETTINGS, ...plan.contributed.qemuSettings }).flatMap(([name, value]) => [`-${name}`, value]);
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-name', 'sim',
    '-machine', 'q35',
    '-accel', plan.accel,
    ...(plan.icount === undefined ? [] : icountArgs(plan.icount)),
    '-cpu', plan.accel === 'kvm' ? 'host' : TCG_CPU,
    '-smp', String(plan.cpus),
    '-m', `${plan.memoryMiB}M`,
    ...memoryArgs(plan),
    ...(plan.bios ? ['-bios', plan.bios] : []),
    ...settings,
    // A foreground boot ends when the guest resets (e.g. panic=-1); a simulator may reboot in place.
    ...(plan.detached ? [] : ['-no-reboot']),
    '-kernel', plan.kernel,
    '-initrd', f.initrd,
    '-append', plan.append.join(' '),
    '-drive', `file=${optValue(f.disk)},if=none,id=root,format=qcow2,cache=unsafe,discard=unmap`,
    '-device', 'virtio-blk-pci,drive=root',
  ];
  if (plan.overlay) {
    args.push('-virtfs', `local,path=${optValue(plan.overlay.path)},mount_tag=${plan.overlay.tag},security_model=none,readonly=on,multidevs=remap`);
  }
  // Host channel: QEMU connects as a client to sockets the launcher (or the simulator's daemon)
  // already listens on, so no byte the guest writes is lost and guest writes never block.
  args.push('-device', `virtio-serial-pci,id=${SERIAL_BUS}`);
  const ports: [string, string][] = [[GUEST_PORTS.ctl, f.ctl], [GUEST_PORTS.out, f.out], [GUEST_PORTS.err, f.err]];
  // A guest that serves the host takes its commands on sim.cmd (servesHost, src/boot/plan.ts).
  if (plan.guest.serve) ports.push([GUEST_PORTS.cmd, f.cmd]);
  for (const [id, socket] of ports) {
    const chardev = id.replace('.', '-');
    args.push('-chardev', `socket,id=${chardev},path=${optValue(socket)}`, '-device', `virtserialport,bus=${SERIAL_BUS}.0,chardev=${chardev},name=${id}`);
  }
  if (plan.interactive) {
    // Serial console on this terminal; Ctrl-A x quits, Ctrl-A c reaches the QEMU monitor.
    args.push('-chardev', 'stdio,id=console,mux=on,signal=off', '-serial', 'chardev:console', '-mon', 'chardev=console,mode=readline');
  } else {
    args.push('-chardev', `socket,id=console,path=${optValue(f.console)}`, '-serial', 'chardev:console');
  }
  // What the boot's contributions add (the screen's devices and sockets, ...), after sim's own.
  args.push(...plan.contributed.qemuArgs);
  args.push('-qmp', `unix:${optValue(f.qmp)},server=on,wait=off`);
  return args;
}
