/**
 * Who may use the web console: a request must carry the server's token, name a loopback host
 * (a page on another site cannot reach it through DNS rebinding) and, where a browser says where
 * it comes from, come from this same origin. WebSockets and requests that change something must
 * say it (browsers always do). Pure.
 */
import { timingSafeEqual } from 'node:crypto';

export interface AccessRequest {
  method: string;
  /** The request's path and query, as the server got it. */
  url: string;
  host?: string;
  origin?: string;
  /** A WebSocket upgrade. */
  upgrade: boolean;
}

export type AccessVerdict = { ok: true } | { ok: false; status: 403; reason: string };

/** Host names that reach loopback; any port (an SSH tunnel may forward another port to ours). */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Compare in constant time: the token is the only secret. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function checkAccess(req: AccessRequest, token: string): AccessVerdict {
  const deny = (reason: string): AccessVerdict => ({ ok: false, status: 403, reason });
  if (!req.host || !LOOPBACK_HOST.test(req.host)) return deny('the Host is not a loopback address');
  const url = new URL(req.url, 'http://loopback');
  if (!tokenMatches(url.searchParams.get('token'), token)) return deny('the token is missing or wrong');
  const changes = req.upgrade || !['GET', 'HEAD'].includes(req.method);
  if (req.origin === undefined) return changes ? deny('no Origin was given') : { ok: true };
  if (req.origin !== `http://${req.host}`) return deny(`the Origin ${req.origin} is not this server`);
  return { ok: true };
}
