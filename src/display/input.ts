/**
 * Keys and pointer for a simulator's screen: what a user writes (`super`, `ctrl-alt-f2`, some
 * text, a click at X,Y) turned into QEMU monitor commands (`send-key`, `input-send-event`).
 * Everything here is pure; the simulator daemon runs the commands (the `input` API op).
 */
import { SimError } from '../core/errors.js';

/** QEMU's QKeyCode names of the keys a user can name (qapi/ui.json). */
const QCODES = [
  'shift', 'shift_r', 'alt', 'alt_r', 'ctrl', 'ctrl_r', 'meta_l', 'meta_r', 'menu', 'esc',
  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'minus', 'equal', 'backspace', 'tab',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', 'bracket_left', 'bracket_right', 'ret',
  'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'semicolon', 'apostrophe', 'grave_accent', 'backslash',
  'z', 'x', 'c', 'v', 'b', 'n', 'm', 'comma', 'dot', 'slash', 'asterisk', 'spc', 'caps_lock',
  'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'f11', 'f12',
  'num_lock', 'scroll_lock', 'print', 'sysrq', 'pause', 'home', 'pgup', 'pgdn', 'end',
  'left', 'up', 'down', 'right', 'insert', 'delete', 'less',
] as const;

export type QCode = (typeof QCODES)[number];

/** Names people use for keys, beside QEMU's own. */
const ALIASES: Record<string, QCode> = {
  super: 'meta_l', meta: 'meta_l', win: 'meta_l', windows: 'meta_l', logo: 'meta_l', cmd: 'meta_l',
  control: 'ctrl', lctrl: 'ctrl', rctrl: 'ctrl_r', lalt: 'alt', ralt: 'alt_r', altgr: 'alt_r', lshift: 'shift', rshift: 'shift_r',
  enter: 'ret', return: 'ret', space: 'spc', escape: 'esc', pageup: 'pgup', pagedown: 'pgdn',
  del: 'delete', ins: 'insert', bksp: 'backspace', grave: 'grave_accent', backtick: 'grave_accent',
  period: 'dot', capslock: 'caps_lock', printscreen: 'print', prtsc: 'print',
};

const KNOWN = new Set<string>(QCODES);

/** One key name (any case) -> its QKeyCode, or undefined. Pure. */
export function qcodeOf(name: string): QCode | undefined {
  const key = name.trim().toLowerCase();
  if (KNOWN.has(key)) return key as QCode;
  return ALIASES[key];
}

/**
 * "ctrl-alt-f2", "super", "Ctrl+Shift+T" -> the keys pressed together, modifiers first as
 * written. A chord ending in "-" or "+" names that key itself ("ctrl--" is Ctrl and minus).
 * Throws a SimError naming the unknown key. Pure.
 */
export function parseChord(chord: string): QCode[] {
  const text = chord.trim();
  const parts = text.split(/[-+]/);
  // "ctrl--" splits into ['ctrl', '', '']: a trailing empty pair is the separator key itself.
  if (parts.length >= 3 && parts.at(-1) === '' && parts.at(-2) === '') parts.splice(-2, 2, text.endsWith('+') ? 'equal' : 'minus');
  if (!text || parts.some((p) => !p)) throw new SimError('USAGE', `'${chord}' is not a key or a chord of keys.`, 'Write keys joined by "-", like super, ret or ctrl-alt-f2.');
  return parts.map((part) => {
    const code = qcodeOf(part);
    if (!code) throw new SimError('USAGE', `'${part}' in '${chord}' is not a key sim knows.`, 'Use names like super, ctrl, alt, shift, ret, esc, tab, spc, f1-f12, a-z, 0-9, left, pgup (QEMU\'s key names work too).');
    return code;
  });
}

/** Characters of a US keyboard layout: unshifted key, and the shifted characters' keys. */
const PLAIN: Record<string, QCode> = {
  ' ': 'spc', '\n': 'ret', '\t': 'tab', '-': 'minus', '=': 'equal', '[': 'bracket_left', ']': 'bracket_right',
  ';': 'semicolon', "'": 'apostrophe', '`': 'grave_accent', '\\': 'backslash', ',': 'comma', '.': 'dot', '/': 'slash',
};
const SHIFTED: Record<string, QCode> = {
  '!': '1', '@': '2', '#': '3', $: '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  _: 'minus', '+': 'equal', '{': 'bracket_left', '}': 'bracket_right', ':': 'semicolon', '"': 'apostrophe',
  '~': 'grave_accent', '|': 'backslash', '<': 'comma', '>': 'dot', '?': 'slash',
};

/** The chord that types one character on a US layout, or undefined. Pure. */
export function chordForChar(char: string): QCode[] | undefined {
  if (/^[a-z0-9]$/.test(char)) return [char as QCode];
  if (/^[A-Z]$/.test(char)) return ['shift', char.toLowerCase() as QCode];
  if (char in PLAIN) return [PLAIN[char]!];
  if (char in SHIFTED) return ['shift', SHIFTED[char]!];
  return undefined;
}

/** Text -> one chord per character; throws a SimError naming a character it cannot type. Pure. */
export function chordsForText(text: string): QCode[][] {
  return [...text].map((char) => {
    const chord = chordForChar(char);
    if (!chord) throw new SimError('USAGE', `${JSON.stringify(char)} cannot be typed: --type knows the characters of a US keyboard.`, 'Type other characters with the guest\'s own tools, or send their keys with --key.');
    return chord;
  });
}

export const MOUSE_BUTTONS = ['left', 'right', 'middle'] as const;
export type MouseButton = (typeof MOUSE_BUTTONS)[number];

/** "640,400" -> { x: 640, y: 400 }; undefined if it is not two whole numbers. Pure. */
export function parsePoint(text: string): { x: number; y: number } | undefined {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  return m ? { x: Number(m[1]), y: Number(m[2]) } : undefined;
}

/** What to do on the screen, in this order: click, then keys, then text. */
export interface InputRequest {
  /** Chords like "super" or "ctrl-alt-f2", pressed one after another. */
  keys?: readonly string[];
  /** Text typed on a US layout. */
  text?: string;
  /** A pointer click at screen pixel coordinates. */
  click?: { x: number; y: number; button?: MouseButton };
}

/** One step the daemon runs: a monitor command, or a pause so that the guest sees two events apart. */
export type InputStep = { command: 'send-key' | 'input-send-event'; arguments: Record<string, unknown> } | { pauseMs: number };

/** QEMU's absolute pointer axes run from 0 to 0x7fff across the screen. */
const ABS_MAX = 0x7fff;

/** Screen pixel -> QEMU's absolute axis value. Pure. */
export function absoluteAxis(pixel: number, size: number): number {
  return size <= 1 ? 0 : Math.round((Math.min(pixel, size - 1) * ABS_MAX) / (size - 1));
}

/** Key presses hold this long: short enough for typing, long enough not to be lost. */
export const KEY_HOLD_MS = 60;

/**
 * The monitor commands for a request on a screen of `width`x`height`. A click is a move with the
 * button pressed, a pause, then the release: pressed and released in one event batch would reach
 * the guest as no click at all. Pure; throws a SimError for a key, character or point it cannot do.
 */
export function inputSteps(request: InputRequest, screen: { width: number; height: number }): InputStep[] {
  const steps: InputStep[] = [];
  const key = (chord: readonly QCode[]): InputStep => ({ command: 'send-key', arguments: { keys: chord.map((data) => ({ type: 'qcode', data })), 'hold-time': KEY_HOLD_MS } });
  if (request.click) {
    const { x, y, button = 'left' } = request.click;
    if (!MOUSE_BUTTONS.includes(button)) throw new SimError('USAGE', `'${String(button)}' is not a mouse button.`, `Use one of ${MOUSE_BUTTONS.join(', ')}.`);
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= screen.width || y >= screen.height) {
      throw new SimError('USAGE', `The point ${x},${y} is outside the ${screen.width}x${screen.height} screen.`, `Give X from 0 to ${screen.width - 1} and Y from 0 to ${screen.height - 1}.`);
    }
    const move = [
      { type: 'abs', data: { axis: 'x', value: absoluteAxis(x, screen.width) } },
      { type: 'abs', data: { axis: 'y', value: absoluteAxis(y, screen.height) } },
    ];
    steps.push({ command: 'input-send-event', arguments: { events: move } });
    steps.push({ pauseMs: 50 });
    steps.push({ command: 'input-send-event', arguments: { events: [{ type: 'btn', data: { button, down: true } }] } });
    steps.push({ pauseMs: 80 });
    steps.push({ command: 'input-send-event', arguments: { events: [{ type: 'btn', data: { button, down: false } }] } });
  }
  for (const chord of request.keys ?? []) steps.push(key(parseChord(chord)));
  if (request.text) for (const chord of chordsForText(request.text)) steps.push(key(chord));
  return steps;
}
