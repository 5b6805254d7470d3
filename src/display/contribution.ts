/**
 * What a display adds to a boot, as one contribution (src/boot/contribution.ts): the virtio
 * GPU's kernel module, the kernel's console on the screen, QEMU's window or viewer socket and
 * devices, the firmware that runs a VGA BIOS, and the line and event field that say where the
 * screen is. Pure. No screen (undefined): the plain headless boot, no graphics device at all.
 */
import type { BootContribution } from '../boot/contribution.js';
import { optValue, SERIAL_BUS } from '../qemu/argv-parts.js';
import { describeDisplay, displaySummary, type DisplayPlan } from './options.js';

/**
 * Loaded (softly) when a boot has a screen: the virtio GPU's KMS driver, so that the framebuffer
 * console draws at the chosen resolution even in an image without udev. Images keep a copy.
 */
export const displayModules: readonly string[] = ['virtio_gpu'];

export function displayContribution(display: DisplayPlan | undefined): BootContribution {
  // QEMU opens a window of its own by default; without a screen there is none.
  if (!display) return { name: 'display', qemuSettings: { display: 'none' } };
  return {
    name: 'display',
    initramfsModules: displayModules.map((name) => ({ name, optional: { lost: 'the screen may stay in text mode' } })),
    // The kernel writes on the screen too; contributions' words come before sim's console=ttyS0,
    // so that the last console= (the one /dev/console is) stays the serial line.
    kernelArgs: ['console=tty0'],
    qemuSettings: { display: windowSetting(display) },
    qemuArgs: screenArgs(display),
    // qboot runs no VGA BIOS: a boot with a screen keeps QEMU's default, SeaBIOS.
    firmware: 'seabios',
    summary: { line: displaySummary(display), detail: describeDisplay(display) },
  };
}

/** `-display`: a window for gtk/sdl (GL when the plan says so); VNC, SPICE and `none` draw no window. */
function windowSetting(display: DisplayPlan): string {
  if (display.backend === 'gtk' || display.backend === 'sdl') return display.gl ? `${display.backend},gl=on` : display.backend;
  return 'none';
}

/** The screen: a virtio VGA at the plan's resolution, absolute pointer and keyboard on USB, and the viewer's socket. */
function screenArgs(display: DisplayPlan): string[] {
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
    args.push('-chardev', 'spicevmc,id=vdagent,name=vdagent', '-device', `virtserialport,bus=${SERIAL_BUS}.0,chardev=vdagent,name=com.redhat.spice.0`);
  }
  return args;
}
