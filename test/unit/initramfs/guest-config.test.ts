import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { execRequestLine, renderCommand, renderGuestConfig, shellQuote } from '../../../src/initramfs/guest-config.js';

const config = {
  rootDevice: '/dev/vda2',
  fstype: 'ext4',
  overlayTag: 'simoverlay',
  libdirs: ['usr/lib/x86_64-linux-gnu', 'usr/lib'],
  bindirs: ['usr/bin', 'bin'],
  cacheMode: 'none' as const,
  mode: 'init' as const,
  autologin: true,
};

test('config renders as quoted shell assignments', () => {
  assert.is(
    renderGuestConfig(config),
    "SIM_ROOT_DEV='/dev/vda2'\nSIM_ROOT_FSTYPE='ext4'\nSIM_TAG='simoverlay'\nSIM_LIBDIRS='usr/lib/x86_64-linux-gnu usr/lib'\nSIM_BINDIRS='usr/bin bin'\nSIM_9P_CACHE='none'\nSIM_MODE='init'\nSIM_INIT=''\nSIM_AUTOLOGIN='1'\nSIM_SERVE='0'\n",
  );
});

test('config refuses values that could break the shell', () => {
  assert.throws(() => renderGuestConfig({ ...config, init: "/sbin/init'; reboot" }), /unsafe value for SIM_INIT/);
});

test("a contribution's variables come after sim's own; they never replace them and are checked the same way", () => {
  assert.is(renderGuestConfig({ ...config, extra: { SIM_OVERLAY_MODE: 'merge' } }), `${renderGuestConfig(config)}SIM_OVERLAY_MODE='merge'\n`);
  assert.is(renderGuestConfig({ ...config, extra: {} }), renderGuestConfig(config));
  assert.throws(() => renderGuestConfig({ ...config, extra: { SIM_MODE: 'direct' } }), /unusable guest config variable: SIM_MODE/);
  assert.throws(() => renderGuestConfig({ ...config, extra: { PATH: '/x' } }), /unusable guest config variable: PATH/);
  assert.throws(() => renderGuestConfig({ ...config, extra: { SIM_X: "a'b" } }), /unsafe value for SIM_X/);
});

test('commands survive the shell untouched', async () => {
  const argv = ['printf', '%s|', "it's", 'a b', '$HOME', '`x`', '"q"', ''];
  const { stdout } = await execa('sh', ['-c', `eval "set -- $(cat)"; "$@"`], { input: renderCommand(argv) });
  assert.is(stdout, "it's|a b|$HOME|`x`|\"q\"||");
  assert.is(shellQuote("a'b"), "'a'\\''b'");
});

test('exec request lines: the quoted argv as it is, base64 when an argument holds a line break; read as the agent reads them', async () => {
  assert.is(execRequestLine(7, ['echo', 'a b']), "7 q 'echo' 'a b'\n");
  assert.match(execRequestLine(8, ['printf', 'x\ny']), /^8 b [A-Za-z0-9+/=]+\n$/);
  // guest/agent's loop, one request; busybox sh when installed (the guest's shell), else sh.
  const shell = (await execa('busybox', ['true']).then(() => true, () => false)) ? ['busybox', 'sh'] : ['sh'];
  const agent = 'read -r id kind argv; [ "$kind" = q ] || argv=$(echo "$argv" | base64 -d); eval "set -- $argv"; printf "%s|" "$id" "$@"';
  for (const argv of [['printf', "it's", ' lead', 'trail ', 'tab\there', '$HOME', '`x`', '"q"', '\\', ''], ['a', 'line\nbreak', 'cr\rhere']]) {
    const { stdout } = await execa(shell[0]!, [...shell.slice(1), '-c', agent], { input: execRequestLine(3, argv) });
    assert.is(stdout, `3|${argv.join('|')}|`);
  }
});

test("an exec request with stdin: the kind carries the input's length and its bytes follow the line", () => {
  const request = execRequestLine(9, ['cat'], Buffer.from('a\nb'));
  assert.ok(Buffer.isBuffer(request));
  assert.is(request.toString(), "9 q3 'cat'\na\nb");
  assert.match(execRequestLine(10, ['printf', 'x\ny'], Buffer.alloc(0)).toString(), /^10 b0 [A-Za-z0-9+/=]+\n$/);
});

test.run();
