/** The QEMU argument list for a plan. Pure, and unit-tested to the byte. */
import type { DisplayPlan } from '../display/options.js';
import type { BootPlan } from '../boot/plan.js';
import { GUEST_PORTS } from './protocol.js';

/** QEMU splits option values on commas; a literal comma is written twice. */
export function optValue(value: string): string {
  return value.replaceAll(',', ',,');
}

export function qemuArgs(plan: BootPlan): string[] {
  const f = plan.files;
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-name', 'sim',
    '-machine', 'q35',
    '-accel', plan.accel,
    '-cpu', plan.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(plan.cpus),
    '-m', `${plan.memoryMiB}M`,
    ...(plan.bios ? ['-bios', plan.bios] : []),
    '-display', displayBackend(plan.display),
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
  args.push('-device', 'virtio-serial-pci,id=simserial');
  const ports: [string, string][] = [[GUEST_PORTS.ctl, f.ctl], [GUEST_PORTS.out, f.out], [GUEST_PORTS.err, f.err]];
  if (plan.detached) ports.push([GUEST_PORTS.cmd, f.cmd]);
  for (const [id, socket] of ports) {
    const chardev = id.replace('.', '-');
    args.push('-chardev', `socket,id=${chardev},path=${optValue(socket)}`, '-device', `virtserialport,bus=simserial.0,chardev=${chardev},name=${id}`);
  }
  if (plan.interactive) {
    // Serial console on this terminal; Ctrl-A x quits, Ctrl-A c reaches the QEMU monitor.
    args.push('-chardev', 'stdio,id=console,mux=on,signal=off', '-serial', 'chardev:console', '-mon', 'chardev=console,mode=readline');
  } else {
    args.push('-chardev', `socket,id=console,path=${optValue(f.console)}`, '-serial', 'chardev:console');
  }
  if (plan.display) args.push(...displayArgs(plan.display));
  args.push('-qmp', `unix:${optValue(f.qmp)},server=on,wait=off`);
  return args;
}

/** `-display`: a window for gtk/sdl (GL when the plan says so); VNC, SPICE and `none` draw no window. */
function displayBackend(display: DisplayPlan | undefined): string {
  if (display?.backend === 'gtk' || display?.backend === 'sdl') return display.gl ? `${display.backend},gl=on` : display.backend;
  return 'none';
}

/** The screen: a virtio VGA at the plan's resolution, absolute pointer and keyboard on USB, and the viewer's socket. */
function displayArgs(display: DisplayPlan): string[] {
  const { width, height } = display.resolution;
  const args = [
    '-device', `${display.gl ? 'virtio-vga-gl' : 'virtio-vga'},xres=${width},yres=${height}`,
    '-device', 'qemu-xhci,id=simusb',
    '-device', 'usb-tablet,bus=simusb.0',
    '-device', 'usb-kbd,bus=simusb.0',
  ];
  if (display.vnc) {
    // QEMU numbers TCP VNC displays from port 5900.
    const vnc = 'socket' in display.vnc ? `unix:${optValue(display.vnc.socket)}` : `${display.vnc.host.includes(':') ? `[${display.vnc.host}]` : display.vnc.host}:${display.vnc.port - 5900}`;
    args.push('-vnc', vnc);
  }
  if (display.spice) {
    args.push('-spice', `unix=on,addr=${optValue(display.spice.socket)},disable-ticketing=on`);
    // The SPICE agent's channel (clipboard, resizing the guest's screen with the window).
    args.push('-chardev', 'spicevmc,id=vdagent,name=vdagent', '-device', 'virtserialport,bus=simserial.0,chardev=vdagent,name=com.redhat.spice.0');
  }
  return args;
}
