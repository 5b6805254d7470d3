/**
 * state.json read without zod: `sim ls` is what an IDE polls, and loading zod alone would cost it
 * tens of milliseconds on every call. Accepts exactly what simulatorStateSchema (state-schema.ts)
 * accepts and returns what it would (its keys, in its order, nothing else);
 * test/unit/simulators/state-check.test.ts holds the two together.
 */
import type { SimulatorState } from './state-schema.js';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
// zod's .int() takes safe integers only.
const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
const isNumber = (value: unknown): value is number => Number.isFinite(value);

/** The state in `value`, or undefined when it is not a simulator's state (a file from another version, a torn write). */
export function checkedState(value: unknown): SimulatorState | undefined {
  if (!isObject(value)) return undefined;
  const v = value;
  if (!isString(v.name) || (v.status !== 'starting' && v.status !== 'running') || !isInt(v.pid) || !isInt(v.launcherPid)) return undefined;
  if (!isString(v.image) || !isString(v.imageId) || (v.overlay !== null && !isString(v.overlay))) return undefined;
  if ((v.accel !== 'kvm' && v.accel !== 'tcg') || !isString(v.startedAt)) return undefined;
  if (v.readyMs !== undefined && !isNumber(v.readyMs)) return undefined;
  if (v.display !== undefined && !isObject(v.display)) return undefined;
  if (v.project !== undefined && !isString(v.project)) return undefined;
  const state: SimulatorState = { name: v.name, status: v.status, pid: v.pid, launcherPid: v.launcherPid, image: v.image, imageId: v.imageId, overlay: v.overlay, accel: v.accel, startedAt: v.startedAt };
  if ('readyMs' in v) state.readyMs = v.readyMs;
  if ('display' in v) state.display = v.display;
  if ('project' in v) state.project = v.project;
  return state;
}
