/**
 * Other images (issue #12): how long `sim image add` takes per disk layout (the test fixtures:
 * Fedora-41-like with an ext4 /boot and a btrfs root, Fedora-44-like with /boot as a btrfs
 * subvolume, Ubuntu-like with .ko.zst modules, RHEL-like xfs roots read with xfs_db,
 * GNOME-OS-like with a UKI and an EROFS /usr, Fedora-41-like with dracut's initrd, and sim's
 * own GPT ext4 fixture), and boot to ready with sim's initramfs against the image's own initrd
 * with sim's hook appended (`--initrd sim|image`), side by side on the two initrd fixture
 * recipes (initramfs-tools and dracut's systemd initrd, full Debian 12 systems under systemd)
 * and on the Fedora-41-like disk with dracut's initrd (a btrfs subvolume root).
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/process.js';
import { buildImage, importImage } from '../../src/index.js';
import { buildFedoraLikeImage, buildFixtureImage, buildUbuntuLikeImage, buildXfsLikeImage } from '../../test/helpers/fixture-image.js';
import { buildFedoraDracutImage } from '../../test/helpers/fedora-dracut.js';
import { buildGnomeOsLikeImage } from '../../test/helpers/gnome-os-like.js';
import { SIM_BIN } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { BenchImage, Workspace } from '../lib/workspace.js';
import { simBoot } from './boot.js';

const SECTION = 'layouts';
const RECIPES = fileURLToPath(new URL('../../fixtures/initrd-images/', import.meta.url));
const INITRD_RECIPES = [
  { label: 'initramfs-tools', recipe: 'initramfs-tools.json' },
  { label: 'dracut (systemd initrd)', recipe: 'dracut.json' },
];

/** `sim image add DISK`, timed from the outside, then removed again for the next run. */
async function timedImport(ws: Workspace, disk: string, name: string): Promise<number> {
  const started = performance.now();
  const add = await run(process.execPath, [SIM_BIN, 'image', 'add', disk, '--name', name], { env: ws.env, allowFailure: true });
  const ms = performance.now() - started;
  if (add.exitCode !== 0) throw new Error(`sim image add ${disk} failed: ${add.stderr.trim().split('\n').slice(-4).join('\n')}`);
  await run(process.execPath, [SIM_BIN, 'image', 'rm', name], { env: ws.env });
  return ms;
}

export async function layoutsSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  log('layout fixtures (cached after the first build)');
  const fedoraDracut = await buildFedoraDracutImage();
  const disks = [
    { label: 'sim fixture (GPT, ext4 root)', disk: (await buildFixtureImage()).disk },
    { label: 'Fedora-41-like (ESP, ext4 /boot + BLS, btrfs subvolumes)', disk: (await buildFedoraLikeImage()).disk },
    { label: 'Fedora-44-like (ESP, btrfs with a boot subvolume)', disk: (await buildFedoraLikeImage(undefined, { bootSubvolume: true })).disk },
    { label: 'Ubuntu-like (ESP, XBOOTLDR /boot, .ko.zst)', disk: (await buildUbuntuLikeImage()).disk },
    { label: 'RHEL-like (GPT, xfs root with /boot + BLS)', disk: (await buildXfsLikeImage()).disk },
    { label: 'RHEL-8/9-like (xfs /boot + BLS, xfs root)', disk: (await buildXfsLikeImage(undefined, { bootPartition: true })).disk },
    { label: 'GNOME-OS-like (ESP with a UKI, EROFS /usr + verity, no root)', disk: (await buildGnomeOsLikeImage()).disk },
    { label: "Fedora-41-like with dracut's initrd (Debian 12 packages, btrfs subvolumes)", disk: fedoraDracut.disk },
  ];
  log('initrd fixture images (built into your image cache once)');
  const initrdImages: { label: string; image: BenchImage }[] = [];
  for (const { label, recipe } of INITRD_RECIPES) {
    const meta = await buildImage({ recipe: path.join(RECIPES, recipe), env: ws.userEnv });
    initrdImages.push({ label, image: { ...ws.debian, label, ref: meta.id } });
  }
  // Its own initrd boots from the user's store too (imported there once; again is a no-op).
  const fedora = await importImage(fedoraDracut.disk, { env: ws.userEnv, name: 'bench-fedora-dracut' });
  const fedoraLabel = 'Fedora-41-like, dracut (systemd initrd)';
  initrdImages.push({ label: fedoraLabel, image: { ...ws.debian, label: fedoraLabel, ref: fedora.id } });
  // The image's own initrd lives in the user's store: boot these from there.
  const userWs = { ...ws, env: ws.userEnv };
  for (let i = 0; i < runs; i++) {
    for (const { label, disk } of disks) results.add(SECTION, `import: ${label}`, 'ms', [await timedImport(ws, disk, `bench-layout-${i}`)]);
    for (const { label, image } of initrdImages) {
      for (const initrd of ['sim', 'image'] as const) {
        const boot = await simBoot(userWs, { image, accel: 'tcg', overlay: ws.prefix, command: ['sim-hello'], expect: /hello from the overlay/, extra: ['--cold', '--initrd', initrd] });
        results.add(SECTION, `${label} tcg: --initrd ${initrd} guest-ready`, 'ms', [boot.phases['guest-ready'] ?? Number.NaN], initrd === 'sim' ? { vs: `${label} tcg: --initrd image guest-ready` } : {});
      }
    }
  }
}
