import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatEntry, parseLogOutput, shownCursor } from '../../../src/simulators/journal.js';

test("journalctl's JSON export: message, priority, identifier, pid, unit, cursor, time", () => {
  const line = JSON.stringify({
    __CURSOR: 's=abc;i=1', __REALTIME_TIMESTAMP: '1796320000123456', MESSAGE: 'Started GNOME.', PRIORITY: '6', SYSLOG_IDENTIFIER: 'systemd', _PID: '1', _SYSTEMD_UNIT: 'init.scope',
  });
  const [entry] = parseLogOutput(`${line}\n`);
  assert.equal(entry, {
    timestamp: new Date(1796320000123).toISOString(), message: 'Started GNOME.', priority: 6, identifier: 'systemd', pid: 1, unit: 'init.scope', source: 'journal', cursor: 's=abc;i=1',
  });
  assert.is(formatEntry(entry!), `${new Date(1796320000123).toISOString().replace('T', ' ').slice(0, 19)} systemd[1]: Started GNOME.`);
});

test('a journal field that is not UTF-8 comes as bytes; the user unit wins over the slice; _COMM stands in for the identifier', () => {
  const line = JSON.stringify({ __CURSOR: 'c', __REALTIME_TIMESTAMP: '1000000', MESSAGE: [104, 105], _COMM: 'gnome-shell', _SYSTEMD_UNIT: 'user@1000.service', _SYSTEMD_USER_UNIT: 'org.gnome.Shell@wayland.service' });
  const [entry] = parseLogOutput(line);
  assert.is(entry?.message, 'hi');
  assert.is(entry?.identifier, 'gnome-shell');
  assert.is(entry?.unit, 'org.gnome.Shell@wayland.service');
  assert.is(entry?.priority, undefined);
});

test("the kernel's log: boot time, priority without the facility, seconds since boot as the cursor; other lines skipped", () => {
  const entries = parseLogOutput('B 1000\nK 6 1.5 EXT4-fs mounted\nK 30 2.25 user message\ngarbage\n{"not": "an entry"}\nK 4 3');
  assert.equal(entries.map((e) => [e.timestamp, e.priority, e.message, e.cursor, e.source]), [
    [new Date(1_001_500).toISOString(), 6, 'EXT4-fs mounted', 'k:1.5', 'kernel'],
    [new Date(1_002_250).toISOString(), 6, 'user message', 'k:2.25', 'kernel'],
  ]);
});

test("journalctl's --show-cursor line: where to go on from, even after no entry", () => {
  assert.is(shownCursor('{"__CURSOR":"a","__REALTIME_TIMESTAMP":"1"}\n-- cursor: s=abc;i=9\n'), 's=abc;i=9');
  assert.is(shownCursor(''), undefined);
  assert.equal(parseLogOutput('-- cursor: s=abc\n'), [], 'not an entry');
});

test.run();
