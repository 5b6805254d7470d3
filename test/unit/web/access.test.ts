import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAccess, tokenMatches } from '../../../src/web/access.js';

const token = 'abc_DEF-123';
const get = (url: string, extra: { host?: string; origin?: string; method?: string; upgrade?: boolean } = {}) =>
  checkAccess({ method: extra.method ?? 'GET', url, host: 'host' in extra ? extra.host : '127.0.0.1:8080', origin: extra.origin, upgrade: extra.upgrade ?? false }, token);

test('the token: required on every request, compared whole', () => {
  assert.ok(get(`/?token=${token}`).ok);
  assert.ok(get(`/assets/app.js?token=${token}`).ok);
  assert.not.ok(get('/').ok);
  assert.not.ok(get('/?token=').ok);
  assert.not.ok(get(`/?token=${token}x`).ok);
  assert.not.ok(get(`/?token=${token.slice(0, -1)}`).ok);
  assert.not.ok(get(`/?Token=${token}`).ok);
  assert.ok(tokenMatches(token, token));
  assert.not.ok(tokenMatches(undefined, token));
});

test('the Host: loopback names only, any port (an SSH tunnel forwards another port)', () => {
  for (const host of ['127.0.0.1:8080', 'localhost:9999', '[::1]:80', 'localhost', 'LOCALHOST:1']) assert.ok(get(`/?token=${token}`, { host }).ok, host);
  for (const host of ['evil.example', '127.0.0.1.evil.example', 'localhost.evil:80', '10.0.0.1:8080', undefined]) {
    const verdict = get(`/?token=${token}`, { host });
    assert.not.ok(verdict.ok, String(host));
    assert.equal(verdict, { ok: false, status: 403, reason: 'the Host is not a loopback address' });
  }
});

test('the Origin: same origin; required for changes and sockets, optional for reading', () => {
  assert.ok(get(`/api/simulators?token=${token}`).ok, 'a GET without Origin (a navigation)');
  assert.ok(get(`/api/simulators?token=${token}`, { origin: 'http://127.0.0.1:8080' }).ok);
  assert.not.ok(get(`/api/simulators?token=${token}`, { origin: 'http://evil.example' }).ok);
  assert.not.ok(get(`/api/simulators?token=${token}`, { origin: 'http://127.0.0.1:8081' }).ok, 'another port is another origin');
  assert.not.ok(get(`/api/sim/a/stop?token=${token}`, { method: 'POST' }).ok, 'a POST says where it comes from');
  assert.ok(get(`/api/sim/a/stop?token=${token}`, { method: 'POST', origin: 'http://127.0.0.1:8080' }).ok);
  assert.not.ok(get(`/ws/sim/a/screen?token=${token}`, { upgrade: true }).ok, 'a socket says where it comes from');
  assert.ok(get(`/ws/sim/a/screen?token=${token}`, { upgrade: true, host: 'localhost:5000', origin: 'http://localhost:5000' }).ok);
  assert.not.ok(get(`/ws/sim/a/screen?token=${token}`, { upgrade: true, origin: 'null' }).ok, 'a sandboxed frame');
});

test.run();
