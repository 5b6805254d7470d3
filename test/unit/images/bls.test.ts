import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { entryVersion, kernelArg, newestEntry, parseBlsEntry } from '../../../src/images/bls.js';

// As Fedora 41's kernel-install writes them (on the ext4 /boot partition).
const FEDORA = `title Fedora Linux (6.11.4-301.fc41.x86_64) 41 (Cloud Edition)
version 6.11.4-301.fc41.x86_64
linux /vmlinuz-6.11.4-301.fc41.x86_64
initrd /initramfs-6.11.4-301.fc41.x86_64.img
options root=UUID=0b6d2b6e-1f7e-4b4e-9a0e-5c6f2c3e9a11 ro rootflags=subvol=root no_timer_check console=tty1 console=ttyS0,115200n8
grub_users $grub_users
grub_arg --unrestricted
grub_class fedora
`;

test('a Fedora BLS entry: kernel, initrd, options and version', () => {
  const entry = parseBlsEntry('abc-6.11.4-301.fc41.x86_64.conf', FEDORA)!;
  assert.is(entry.linux, '/vmlinuz-6.11.4-301.fc41.x86_64');
  assert.equal(entry.initrd, ['/initramfs-6.11.4-301.fc41.x86_64.img']);
  assert.is(entryVersion(entry), '6.11.4-301.fc41.x86_64');
  assert.is(kernelArg(entry.options, 'rootflags'), 'subvol=root');
  assert.is(kernelArg(entry.options, 'root'), 'UUID=0b6d2b6e-1f7e-4b4e-9a0e-5c6f2c3e9a11');
  assert.is(kernelArg(entry.options, 'mount.usr'), undefined);
});

test('options lines join; comments and blank lines are skipped; the version comes from linux when absent', () => {
  const entry = parseBlsEntry('x.conf', '# c\n\nlinux /boot/vmlinuz-6.1.0-9-amd64\noptions a=1\noptions b=2 a=3\n')!;
  assert.is(entry.options, 'a=1 b=2 a=3');
  assert.is(kernelArg(entry.options, 'a'), '3');
  assert.is(entryVersion(entry), '6.1.0-9-amd64');
});

test('an entry without a kernel (UKI, EFI program) is none', () => {
  assert.is(parseBlsEntry('uki.conf', 'title X\nuki /EFI/Linux/x.efi\n'), undefined);
  assert.is(parseBlsEntry('efi.conf', 'efi /EFI/memtest.efi\n'), undefined);
});

test('the newest version is the default', () => {
  const entries = ['6.1.0-9-amd64', '6.1.0-18-amd64', '5.10.0-1'].map((v) => parseBlsEntry(`${v}.conf`, `linux /vmlinuz-${v}\n`)!);
  assert.is(entryVersion(newestEntry(entries)!), '6.1.0-18-amd64');
  assert.is(newestEntry([]), undefined);
});

test.run();
