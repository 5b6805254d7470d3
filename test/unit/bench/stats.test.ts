import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Results } from '../../../bench/lib/results.js';
import { formatMs, formatRatio, formatValue, median, positiveInt, renderMarkdown, renderTable, speedup, speedupInterval, spread } from '../../../bench/lib/stats.js';
import { evaluateTargets } from '../../../bench/lib/targets.js';
import { afterBootRow, countedRow, parseGuestResults, sameGuestFaultsRow } from '../../../bench/sections/ninep.js';
import { appStarts, gtkSameGuestWorkRow } from '../../../bench/sections/gtk.js';

test('median: odd, even, unsorted, non-finite samples dropped, empty', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.is(median([5, Number.NaN, 1, 3]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.equal(spread([3, 1, 2]), [1, 3]);
});

test('speedup: times lower-is-better, throughput higher-is-better, unknowns', () => {
  assert.is(speedup(500, 2000), 4);
  assert.is(speedup(200, 100, true), 2);
  assert.ok(Number.isNaN(speedup(0, 100)));
  assert.ok(Number.isNaN(speedup(Number.NaN, 100)));
});

test('formatting of durations, ratios and values', () => {
  assert.is(formatMs(4.26), '4.3 ms');
  assert.is(formatMs(45.4), '45 ms');
  assert.is(formatMs(1234), '1.23 s');
  assert.is(formatMs(20_600), '20.6 s');
  assert.is(formatMs(Number.NaN), '–');
  assert.is(formatRatio(2.345), '2.35x');
  assert.is(formatRatio(12.34), '12.3x');
  assert.is(formatRatio(345.6), '346x');
  assert.is(formatRatio(Number.NaN), '–');
  assert.is(formatValue(512 * 1024, 'KiB'), '512 MiB');
  assert.is(formatValue(900, 'KiB'), '900 KiB');
  assert.is(formatValue(5.55, 'MiB/s'), '5.5 MiB/s');
  assert.is(formatValue(123.4, 'MiB/s'), '123 MiB/s');
});

test('tables: aligned text and markdown', () => {
  assert.is(renderTable(['what', 'ms'], [['a', '1'], ['longer', '22']]), 'what    ms\n------  --\na        1\nlonger  22');
  assert.is(renderMarkdown(['what', 'ms'], [['a|b', '1']]), '| what | ms |\n| --- | ---: |\n| a\\|b | 1 |');
});

test('positiveInt reads settings such as BENCH_RUNS', () => {
  assert.is(positiveInt(undefined, 3), 3);
  assert.is(positiveInt('', 3), 3);
  assert.is(positiveInt('5', 3), 5);
  assert.throws(() => positiveInt('0', 3));
  assert.throws(() => positiveInt('two', 3));
});

test('results: medians, ratios against the reference row, samples merged by name', () => {
  const r = new Results();
  r.add('s', 'fast', 'ms', [100, 300], { vs: 'slow' });
  r.add('s', 'fast', 'ms', [200]);
  r.add('s', 'slow', 'ms', [800]);
  const [fast] = r.summary();
  assert.is(fast!.median, 200);
  assert.is(fast!.ratio, 4);
  assert.match(r.render(), /fast\s+200 ms\s+100 ms – 300 ms\s+3\s+4\.00x vs slow/);
});

test('targets: met, missed and not measured', () => {
  const r = new Results();
  r.add('boot', 'fixture tcg: sim command exit', 'ms', [1400]);
  r.add('boot', 'fixture tcg: baseline command exit', 'ms', [2000]);
  r.add('session disk', 'qcow2 overlay, 20 GiB base', 'ms', [30]);
  const checks = evaluateTargets(r);
  const by = (prefix: string) => checks.find((c) => c.target.startsWith(prefix))!;
  assert.is(by('fixture: boot').met, true);
  assert.is(by('fixture: >= 2x').met, false);
  assert.is(by('debian full boot: guest-ready').met, undefined);
  assert.is(by('session disk').met, true);
});

test('targets: the launcher rows under 150 ms each', () => {
  const r = new Results();
  r.add('launcher', 'sim --version', 'ms', [120, 140, 300]);
  r.add('launcher', 'sim ls (none running)', 'ms', [150, 151, 160]);
  const checks = evaluateTargets(r);
  const by = (target: string) => checks.find((c) => c.target === target)!;
  assert.is(by('launcher: sim --version < 150 ms').met, true);
  assert.is(by('launcher: sim ls (none running) < 150 ms').met, false);
  assert.is(by('launcher: sim ls --json (one running) < 150 ms').met, undefined);
});

test('speedupInterval: spans 1.0 for the same noise, not for a clear difference; the same every time', () => {
  const noisy = [100, 104, 97, 110, 99, 103, 95, 101, 108, 98];
  const [low, high] = speedupInterval(noisy.map((x) => x + 1), noisy);
  assert.ok(low < 1 && high > 1, `${low}–${high}`);
  const [fastLow, fastHigh] = speedupInterval(noisy.map((x) => x / 2), noisy);
  assert.ok(fastLow > 1.5 && fastHigh < 2.5, `${fastLow}–${fastHigh}`);
  assert.equal(speedupInterval(noisy.map((x) => x + 1), noisy), [low, high]);
  assert.equal(speedupInterval([5], noisy).map(Number.isNaN), [true, true]);
  const [tpLow] = speedupInterval(noisy.map((x) => x * 2), noisy, true);
  assert.ok(tpLow > 1.5, 'throughput: higher is better');
});

test('targets: a ratio near 1.0x says when it is within noise', () => {
  const r = new Results();
  const image = [130, 128, 135, 126, 140, 131, 129, 133];
  r.add('9p overlay (in the guest)', afterBootRow('later', 'prefix'), 'ms', image.map((x) => x + 1));
  r.add('9p overlay (in the guest)', afterBootRow('later', 'image'), 'ms', image);
  const check = evaluateTargets(r).find((c) => c.target.includes('later starts in a detached simulator'))!;
  assert.is(check.met, false);
  assert.match(check.value, /^0\.99x \(95%: 0\.\d\dx–1\.\d\dx, within noise of 1\.0x\)$/);
});

test("targets: a prefix's start does no more work than the image's (page faults, within 1%)", () => {
  const r = new Results();
  r.add('9p overlay (in the guest)', sameGuestFaultsRow('prefix'), 'count', [1204, 1206, 1205]);
  r.add('9p overlay (in the guest)', sameGuestFaultsRow('image'), 'count', [1203, 1205, 1204]);
  const gtk = 'a GTK app in the GNOME session (to its first frame)';
  r.add(gtk, gtkSameGuestWorkRow('faults', 'prefix'), 'count', [21500, 21400]);
  r.add(gtk, gtkSameGuestWorkRow('faults', 'image'), 'count', [20900, 20950]);
  const checks = evaluateTargets(r);
  const gio = checks.find((c) => c.target.startsWith('9p: ') && c.target.includes('page faults'))!;
  assert.is(gio.met, true);
  assert.is(gio.value, "1.001x the image's");
  const app = checks.find((c) => c.target.startsWith('gtk: ') && c.target.includes('page faults'))!;
  assert.is(app.met, false, '2.5% more faults is more work');
});

test('targets: the instruction-counted starts, to three decimals', () => {
  const r = new Results();
  const image = [105.5, 105.4, 105.6, 105.5, 105.3, 105.7];
  r.add('9p overlay (in the guest)', countedRow('prefix'), 'ms', image.map((x) => x + 0.5));
  r.add('9p overlay (in the guest)', countedRow('image'), 'ms', image);
  const check = evaluateTargets(r).find((c) => c.target.includes('time counted in instructions'))!;
  assert.is(check.met, false, '0.5% slower is slower, however precise');
  assert.match(check.value, /^0\.995x \(95%: 0\.99\dx–0\.99\dx\)$/);
});

test('targets: instruction-counted starts that do the same work are as fast, whichever side chance puts the median', () => {
  const r = new Results();
  const image = [103.4, 103.1, 103.6, 103.5, 103.3, 103.7, 103.2, 103.5];
  r.add('9p overlay (in the guest)', countedRow('prefix'), 'ms', image.map((x) => x + 0.1));
  r.add('9p overlay (in the guest)', countedRow('image'), 'ms', image);
  const check = evaluateTargets(r).find((c) => c.target.includes('time counted in instructions'))!;
  assert.is(check.met, true);
  assert.is(check.value, '0.999x (95%: 0.997x–1.001x, not measurably slower)');
});

test("the GTK app's lines parse: time, CPU time and page faults, after a tag", () => {
  const out = 'noise\nsame-prefix first-frame-us=3561500 cpu-us=3537200 minflt=20966 majflt=0\nsame-image first-frame-us=3626800 cpu-us=3682000 minflt=20982 majflt=1\n';
  assert.equal(appStarts(out, 'same-prefix '), [{ ms: 3561.5, cpuMs: 3537.2, faults: 20966 }]);
  assert.equal(appStarts(out, 'same-image ').length, 1);
  assert.equal(appStarts('first-frame-us=5000000 cpu-us=4000000 minflt=1 majflt=0\n', ''), [{ ms: 5000, cpuMs: 4000, faults: 1 }]);
  assert.equal(appStarts(out, ''), [], 'a tag is not skipped');
});

test('the 9p guest script output parses', () => {
  assert.equal(parseGuestResults('noise\nR read-cold none 512000 81234\nR start-image none 512000 5000\n'), [
    { what: 'read-cold', cache: 'none', msize: 512000, us: 81234 },
    { what: 'start-image', cache: 'none', msize: 512000, us: 5000 },
  ]);
});

test.run();
