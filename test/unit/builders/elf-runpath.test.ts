import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DT_NULL, DT_RPATH, DT_RUNPATH, readRunPaths, withRunPaths } from '../../../src/builders/elf-runpath.js';

const DT_NEEDED = 1n;

/** A minimal ELF64 LE file: a header, .dynstr, .dynamic and three section headers (null, .dynamic, .dynstr). */
function elf(strings: string, entries: [bigint, bigint][]): Buffer {
  const dynstrAt = 64;
  const dynamicAt = 128;
  const shoff = 256;
  const buf = Buffer.alloc(shoff + 3 * 64);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  buf.writeBigUInt64LE(BigInt(shoff), 0x28);
  buf.writeUInt16LE(64, 0x3a);
  buf.writeUInt16LE(3, 0x3c);
  buf.write(strings, dynstrAt, 'latin1');
  entries.forEach(([tag, val], i) => {
    buf.writeBigInt64LE(tag, dynamicAt + i * 16);
    buf.writeBigUInt64LE(val, dynamicAt + i * 16 + 8);
  });
  const section = (i: number, type: number, offset: number, size: number, link: number) => {
    const at = shoff + i * 64;
    buf.writeUInt32LE(type, at + 4);
    buf.writeBigUInt64LE(BigInt(offset), at + 0x18);
    buf.writeBigUInt64LE(BigInt(size), at + 0x20);
    buf.writeUInt32LE(link, at + 0x28);
  };
  section(1, 6, dynamicAt, entries.length * 16, 2);
  section(2, 3, dynstrAt, strings.length, 0);
  return buf;
}

const STRINGS = '\0libc.so.6\0$ORIGIN/:$ORIGIN/../lib\0';
const RUNPATH_AT = 11n;
const file = () => elf(STRINGS, [[DT_NEEDED, 1n], [DT_RUNPATH, RUNPATH_AT], [DT_NULL, 0n], [DT_NULL, 0n]]);

test('reads RUNPATH and RPATH; other files are not ELF', () => {
  assert.equal(readRunPaths(file()), { rpath: undefined, runpath: '$ORIGIN/:$ORIGIN/../lib' });
  assert.equal(readRunPaths(elf(STRINGS, [[DT_RPATH, RUNPATH_AT], [DT_NULL, 0n]])), { rpath: '$ORIGIN/:$ORIGIN/../lib', runpath: undefined });
  assert.is(readRunPaths(Buffer.from('#!/bin/sh\n')), 'not-elf');
  const elf32 = file();
  elf32[4] = 1;
  assert.is(readRunPaths(elf32), 'unsupported');
});

test('a shorter path is written over the old string in place, as depfixer does', () => {
  const out = withRunPaths(file(), { runpath: '/usr/lib/x' })!;
  assert.equal(readRunPaths(out), { rpath: undefined, runpath: '/usr/lib/x' });
  // The rest of the old string stays after the NUL; nothing else moves.
  assert.is(out.length, file().length);
  assert.is(out.toString('latin1', 64 + 11 + 11, 64 + 11 + 23), 'RIGIN/../lib');
  assert.is(withRunPaths(file(), { runpath: '/a/path/longer/than/the/build/tree/one' }), undefined);
});

test('a path that goes away moves its entry to the end as DT_NULL', () => {
  const out = withRunPaths(file(), {})!;
  assert.equal(readRunPaths(out), { rpath: undefined, runpath: undefined });
  assert.is(out.readBigInt64LE(128), DT_NEEDED);
  assert.is(out.readBigInt64LE(128 + 16), DT_NULL);
  assert.is(out.readBigInt64LE(128 + 32), DT_NULL);
  assert.is(out.readBigUInt64LE(128 + 32 + 8), RUNPATH_AT, 'the removed entry keeps its value, as meson writes it');
});

test('the same paths give the same bytes; a path the file lacks cannot be added', () => {
  assert.ok(withRunPaths(file(), { runpath: '$ORIGIN/:$ORIGIN/../lib' })!.equals(file()));
  assert.is(withRunPaths(file(), { rpath: '/x', runpath: '$ORIGIN/:$ORIGIN/../lib' }), undefined);
  assert.is(withRunPaths(Buffer.from('text'), {}), undefined);
});

test.run();
