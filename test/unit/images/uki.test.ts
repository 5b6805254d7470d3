import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOsRelease, peSections, ukiParts } from '../../../src/images/uki.js';

/** A minimal PE32+ file with the given sections, laid out as systemd's ukify does (raw data padded to 512). */
function pe(sections: [string, Buffer][]): Buffer {
  const header = 0x80;
  const optionalSize = 240;
  const table = header + 24 + optionalSize;
  let offset = Math.ceil((table + sections.length * 40) / 512) * 512;
  const parts: { name: string; data: Buffer; offset: number; raw: number }[] = [];
  for (const [name, data] of sections) {
    const raw = Math.ceil(data.length / 512) * 512;
    parts.push({ name, data, offset, raw });
    offset += raw;
  }
  const file = Buffer.alloc(offset);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(header, 0x3c);
  file.write('PE\0\0', header, 'latin1');
  file.writeUInt16LE(0x8664, header + 4);
  file.writeUInt16LE(sections.length, header + 6);
  file.writeUInt16LE(optionalSize, header + 20);
  file.writeUInt16LE(0x20b, header + 24); // PE32+ magic
  parts.forEach((p, i) => {
    const at = table + i * 40;
    file.write(p.name, at, 'latin1');
    file.writeUInt32LE(p.data.length, at + 8);
    file.writeUInt32LE(0x1000 * (i + 1), at + 12);
    file.writeUInt32LE(p.raw, at + 16);
    file.writeUInt32LE(p.offset, at + 20);
    p.data.copy(file, p.offset);
  });
  return file;
}

test('a UKI: kernel, initrd, command line, os-release and uname from its sections', () => {
  const kernel = Buffer.from('MZ-kernel-bzImage');
  const uki = pe([
    ['.text', Buffer.from('stub')],
    ['.osrel', Buffer.from('ID=gnomeos\nVERSION_ID="48"\nPRETTY_NAME="GNOME OS 48"\n')],
    ['.cmdline', Buffer.from('mount.usr=PARTLABEL=usr mount.usrfstype=erofs ro\n\0')],
    ['.uname', Buffer.from('6.14.2-gnomeos')],
    ['.initrd', Buffer.from('070701...')],
    ['.linux', kernel],
  ]);
  const parts = ukiParts(uki)!;
  assert.ok(parts.linux.equals(kernel));
  assert.is(parts.initrd?.toString(), '070701...');
  assert.is(parts.cmdline, 'mount.usr=PARTLABEL=usr mount.usrfstype=erofs ro');
  assert.is(parts.uname, '6.14.2-gnomeos');
  assert.equal(parts.osRelease, { ID: 'gnomeos', VERSION_ID: '48', PRETTY_NAME: 'GNOME OS 48' });
});

test('section content is the virtual size, not the padded raw size', () => {
  const sections = peSections(pe([['.cmdline', Buffer.from('quiet')]]))!;
  assert.equal(sections.map((s) => [s.name, s.data.toString()]), [['.cmdline', 'quiet']]);
});

test('not a PE, a truncated PE, or a PE without .linux: none', () => {
  assert.is(peSections(Buffer.from('\x7fELF' + '\0'.repeat(100))), undefined);
  const uki = pe([['.linux', Buffer.alloc(2000, 1)]]);
  assert.is(peSections(uki.subarray(0, 1000)), undefined);
  assert.is(ukiParts(pe([['.text', Buffer.from('x')]])), undefined);
});

test('os-release quoting', () => {
  assert.equal(parseOsRelease("NAME='Fedora Linux'\n# c\nID=fedora\nbad line\n"), { NAME: 'Fedora Linux', ID: 'fedora' });
});

test.run();
