import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeAttribute, screenFrameUrl, screenHtml } from '../src/screen-html';

const page = 'http://127.0.0.1:41234/?token=abc123';

test('the frame URL keeps the token and selects the simulator in the hash', () => {
  assert.is(screenFrameUrl(page, 'glib-1'), 'http://127.0.0.1:41234/?token=abc123#sim=glib-1');
  assert.is(screenFrameUrl(page, 'a b&c#"'), 'http://127.0.0.1:41234/?token=abc123#sim=a+b%26c%23%22');
  assert.is(new URLSearchParams(new URL(screenFrameUrl(page, 'a b&c#"')).hash.slice(1)).get('sim'), 'a b&c#"', 'the page reads the name back');
  assert.throws(() => screenFrameUrl('javascript:alert(1)', 'x'));
});

test('the CSP allows only the page\'s origin as a frame, no scripts, and the webview\'s styles', () => {
  const html = screenHtml({ frameUrl: screenFrameUrl(page, 'x'), cspSource: 'https://*.vscode-cdn.net', title: 'sim: x' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
  assert.is(csp, "default-src &#39;none&#39;; frame-src http://127.0.0.1:41234; style-src https://*.vscode-cdn.net &#39;unsafe-inline&#39;");
  assert.not.match(html, /<script/);
  assert.match(html, /<iframe src="http:\/\/127\.0\.0\.1:41234\/\?token=abc123#sim=x"/);
});

test('attribute escaping: a hostile title or URL cannot leave its attribute', () => {
  assert.is(escapeAttribute(`"><script>'&`), '&quot;&gt;&lt;script&gt;&#39;&amp;');
  const html = screenHtml({ frameUrl: 'http://localhost:1/?token="><script>alert(1)</script>', cspSource: 'x', title: '"><script>' });
  assert.not.match(html, /<script/);
  assert.match(html, /frame-src http:\/\/localhost:1;/);
  assert.throws(() => screenHtml({ frameUrl: 'data:text/html,hi', cspSource: 'x', title: 't' }), /refusing/);
});

test.run();
