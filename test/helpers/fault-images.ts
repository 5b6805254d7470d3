/**
 * Image variants the fault suite needs, derived from the fixture image without root (resize2fs
 * and `debugfs -w` edit an ext4 image file directly), cached beside it.
 */
import { access, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { fixtureCacheDir, type FixtureImage } from './fixture-image.js';

/** e2fsprogs live in sbin, which an unprivileged user's PATH may lack. */
const PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin', ...(process.env.PATH ?? '').split(':')].join(':');
const tool = (file: string, args: string[]) => execa(file, args, { env: { PATH }, stdin: 'ignore' });

async function cachedFile(name: string, fixture: FixtureImage, make: (out: string, work: string) => Promise<void>): Promise<string> {
  // Keyed by the fixture image's own cache key (its directory name).
  const dir = path.join(fixtureCacheDir(), `faults-${path.basename(path.dirname(fixture.ext4))}`);
  const final = path.join(dir, name);
  if (await access(final).then(() => true, () => false)) return final;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(dir, `.tmp-${name}-`));
  try {
    await make(path.join(work, name), work);
    await rename(path.join(work, name), final);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return final;
}

/**
 * The bare ext4 fixture grown to 640 MiB with a 320 MiB file of random bytes inside, so that
 * hashing and copying it take long enough to be caught in the middle.
 */
export function bigImage(fixture: FixtureImage): Promise<string> {
  return cachedFile('big-320m.ext4', fixture, async (out, work) => {
    await copyFile(fixture.ext4, out);
    await tool('resize2fs', ['-f', out, '640M']);
    const random = path.join(work, 'random.bin');
    await tool('dd', ['if=/dev/urandom', `of=${random}`, 'bs=1M', 'count=320', 'status=none']);
    await tool('debugfs', ['-w', '-R', `write ${random} /random.bin`, out]);
    await rm(random);
  });
}

/**
 * The bare ext4 fixture whose kernel lacks the files of the optional (display) modules while
 * modules.dep still lists them, as after a partial install or a pruned module tree.
 */
export function imageWithoutDisplayModules(fixture: FixtureImage): Promise<string> {
  return cachedFile('no-display-files.ext4', fixture, async (out, work) => {
    await copyFile(fixture.ext4, out);
    const modules = `/usr/lib/modules/${fixture.kernelVersion}`;
    const depFile = path.join(work, 'modules.dep');
    await tool('debugfs', ['-R', `dump ${modules}/modules.dep ${depFile}`, out]);
    const { readFile } = await import('node:fs/promises');
    const dropped = (await readFile(depFile, 'utf8')).split('\n').filter((l) => /^kernel\/drivers\/gpu\//.test(l)).map((l) => l.split(':')[0]!);
    if (!dropped.length) throw new Error('the fixture kernel has no display modules to drop');
    await writeFile(path.join(work, 'cmds'), `${dropped.map((m) => `rm ${modules}/${m}`).join('\n')}\n`);
    await tool('debugfs', ['-w', '-f', path.join(work, 'cmds'), out]);
  });
}
