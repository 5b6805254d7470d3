import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { route } from '../../../src/web/routes.js';

test('pages, assets and the API', () => {
  assert.equal(route('GET', '/?token=x', false), { kind: 'page' });
  assert.equal(route('GET', '/assets/app.js?token=x', false), { kind: 'asset', file: 'app.js' });
  assert.equal(route('GET', '/assets/xterm.css', false), { kind: 'asset', file: 'xterm.css' });
  assert.equal(route('GET', '/api/simulators', false), { kind: 'simulators' });
  assert.equal(route('POST', '/api/simulators', false), { kind: 'start' });
  assert.equal(route('GET', '/api/images', false), { kind: 'images' });
  assert.equal(route('GET', '/api/sim/one/screenshot', false), { kind: 'screenshot', name: 'one' });
  assert.equal(route('POST', '/api/sim/one.2/force-off', false), { kind: 'action', name: 'one.2', action: 'force-off' });
  assert.equal(route('GET', '/api/sim/one/stop', false), { kind: 'bad-method' });
  assert.equal(route('POST', '/', false), { kind: 'bad-method' });
});

test('sockets', () => {
  assert.equal(route('GET', '/ws/simulators?token=x', true), { kind: 'list-feed' });
  for (const stream of ['screen', 'console', 'events'] as const) assert.equal(route('GET', `/ws/sim/a/${stream}`, true), { kind: 'stream', name: 'a', stream });
  assert.equal(route('GET', '/ws/sim/a/monitor', true), { kind: 'not-found' });
  assert.equal(route('GET', '/api/simulators', true), { kind: 'not-found' });
});

test('nothing outside the asset table, whatever the path says', () => {
  for (const url of ['/assets/../package.json', '/assets/..%2Fpackage.json', '/assets/.hidden', '/assets/a/b.js', '/assets/', '/package.json', '/dist/web/app.js', '/assets/app.js/']) {
    assert.equal(route('GET', url, false), { kind: 'not-found' }, url);
  }
  // Dot segments are resolved like a browser would: what is left is an address like any other.
  assert.equal(route('GET', '/assets/%2e%2e', false), { kind: 'page' });
  assert.equal(route('GET', '/assets/../api/images', false), { kind: 'images' });
  for (const url of ['/api/sim/../stop', '/api/sim/.a/stop', '/api/sim/a%2Fb/stop', '/ws/sim/..']) assert.equal(route('POST', url, url.startsWith('/ws')).kind, 'not-found', url);
});

test.run();
