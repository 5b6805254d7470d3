/** The web console's addresses (docs/web-console.md), parsed. Pure. */
import { SIMULATOR_NAME } from '../simulators/name.js';

export const SIM_ACTIONS = ['rebuild', 'reboot', 'stop', 'force-off', 'keys', 'type'] as const;
export type SimAction = (typeof SIM_ACTIONS)[number];
export const SIM_STREAMS = ['screen', 'console', 'events'] as const;
export type SimStream = (typeof SIM_STREAMS)[number];

export type Route =
  | { kind: 'page' }
  | { kind: 'asset'; file: string }
  | { kind: 'simulators' }
  | { kind: 'images' }
  | { kind: 'start' }
  | { kind: 'screenshot'; name: string }
  | { kind: 'action'; name: string; action: SimAction }
  | { kind: 'list-feed' }
  | { kind: 'stream'; name: string; stream: SimStream }
  | { kind: 'not-found' }
  | { kind: 'bad-method' };

const isOneOf = <T extends string>(list: readonly T[], value: string | undefined): value is T => list.includes(value as T);

/** What `method path` asks for; `upgrade` for a WebSocket. Names are checked, never joined into paths. */
export function route(method: string, url: string, upgrade: boolean): Route {
  const { pathname } = new URL(url, 'http://loopback');
  const parts = pathname.split('/').slice(1);
  const get = method === 'GET' || method === 'HEAD';
  const want = (ok: boolean, r: Route): Route => (ok ? r : { kind: 'bad-method' });
  if (upgrade) {
    if (pathname === '/ws/simulators') return { kind: 'list-feed' };
    const [ws, sim, name, stream, ...rest] = parts;
    if (ws === 'ws' && sim === 'sim' && name && SIMULATOR_NAME.test(name) && isOneOf(SIM_STREAMS, stream) && !rest.length) return { kind: 'stream', name, stream };
    return { kind: 'not-found' };
  }
  if (pathname === '/' || pathname === '/index.html') return want(get, { kind: 'page' });
  if (parts[0] === 'assets' && parts.length === 2 && /^[\w-]+(?:\.[\w-]+)+$/.test(parts[1]!)) return want(get, { kind: 'asset', file: parts[1]! });
  if (pathname === '/api/simulators') return method === 'POST' ? { kind: 'start' } : want(get, { kind: 'simulators' });
  if (pathname === '/api/images') return want(get, { kind: 'images' });
  const [api, sim, name, what, ...rest] = parts;
  if (api === 'api' && sim === 'sim' && name && SIMULATOR_NAME.test(name) && !rest.length) {
    if (what === 'screenshot') return want(get, { kind: 'screenshot', name });
    if (isOneOf(SIM_ACTIONS, what)) return want(method === 'POST', { kind: 'action', name, action: what });
  }
  return { kind: 'not-found' };
}
