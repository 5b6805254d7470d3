/**
 * The benchmark's workspace: a private sim cache (the default Debian image linked in from the
 * user's store, the fixture image imported), a runtime dir, overlay prefixes, and a persistent
 * bench cache for slow one-time inputs (the distro initramfs of the baseline).
 */
import { copyFile, cp, mkdir, mkdtemp, open, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ImageMeta } from '../../src/images/meta.js';
import { resolveContext } from '../../src/core/context.js';
import { DEFAULT_IMAGE, importImage, probeAccelerator, resolveImage, resolveOrBuildImage, type AccelVerdict } from '../../src/index.js';
import { imageDir, imageFile } from '../../src/images/store.js';
import { buildFixtureImage, buildFixturePrefix } from '../../test/helpers/fixture-image.js';

export interface BenchImage {
  /** Short label used in row names: "fixture", "debian". */
  label: string;
  meta: ImageMeta;
  /** Name in the bench's sim cache. */
  ref: string;
  /** Absolute paths in the store. */
  disk: string;
  vmlinuz: string;
  vmlinux?: string;
  /** Root device as a distro initramfs sees it: /dev/vda2 ... */
  rootDevice: string;
}

export interface Workspace {
  root: string;
  /** Environment for sim runs (private cache and runtime dir). */
  env: NodeJS.ProcessEnv;
  /** The user's environment (their cache holds the default image and the KVM verdict). */
  userEnv: NodeJS.ProcessEnv;
  /** Survives runs: the baseline's distro initramfs, keyed by image id. */
  benchCache: string;
  fixture: BenchImage;
  debian: BenchImage;
  /** Fixture overlay: libdemo v2 and sim-hello "from the overlay". */
  prefix: string;
  verdict: AccelVerdict;
  cleanup: () => Promise<void>;
}

function benchImage(label: string, meta: ImageMeta, env: NodeJS.ProcessEnv): BenchImage {
  return {
    label,
    meta,
    ref: meta.names[0] ?? meta.id,
    disk: imageFile(resolveContext(env), meta, meta.disk.file),
    vmlinuz: imageFile(resolveContext(env), meta, meta.kernel.file),
    vmlinux: meta.kernel.vmlinux ? imageFile(resolveContext(env), meta, meta.kernel.vmlinux) : undefined,
    rootDevice: meta.root.partition ? `/dev/vda${meta.root.partition}` : '/dev/vda',
  };
}

export async function createWorkspace(log: (line: string) => void): Promise<Workspace> {
  const userEnv = { ...process.env };
  const root = await mkdtemp(path.join(os.tmpdir(), 'sim-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, SIM_CACHE_DIR: path.join(root, 'cache'), SIM_RUNTIME_DIR: path.join(root, 'run') };
  delete env.SIM_ACCEL;
  const user = resolveContext(userEnv);
  const benchCache = path.join(user.dirs.cache, 'bench');
  await mkdir(benchCache, { recursive: true });
  await mkdir(path.join(root, 'cache', 'images'), { recursive: true });

  log('default Debian image (built on first use, about a minute)');
  const debianMeta = await resolveOrBuildImage(DEFAULT_IMAGE, { env: userEnv });
  // Link the stored image into the private cache: same files, no copy, no second import.
  await symlink(imageDir(user, debianMeta), path.join(root, 'cache', 'images', debianMeta.id));

  log('fixture image (cached after the first build)');
  const fixtureDisk = (await buildFixtureImage()).disk;
  const fixtureMeta = await importImage(fixtureDisk, { name: 'bench-fixture', env });

  const verdict = await probeAccelerator({ env: userEnv, kernel: imageFile(user, debianMeta, debianMeta.kernel.file) });
  await copyFile(user.accelCache, path.join(root, 'cache', 'accel.json')).catch(() => undefined);

  const prefix = path.join(root, 'prefix');
  await buildFixturePrefix(prefix);

  return {
    root,
    env,
    userEnv,
    benchCache,
    fixture: benchImage('fixture', fixtureMeta, env),
    debian: benchImage('debian', await resolveImage(debianMeta.id, env), env),
    prefix,
    verdict,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A second prefix for the 9p measurements: the image's GLib libraries (from the host, same release) and a big file. */
export async function ninePPrefix(ws: Workspace, bigMiB: number): Promise<string> {
  const dir = path.join(ws.root, 'prefix-9p');
  const libdir = path.join(dir, 'usr/lib/x86_64-linux-gnu');
  await mkdir(libdir, { recursive: true });
  const hostLibdir = '/usr/lib/x86_64-linux-gnu';
  const wanted = /^lib(glib|gobject|gio|gmodule)-2\.0\.so\.0(\.\d+)*$/;
  for (const name of (await readdir(hostLibdir)).filter((n) => wanted.test(n))) {
    await cp(path.join(hostLibdir, name), path.join(libdir, name), { verbatimSymlinks: true });
  }
  await mkdir(path.join(dir, 'usr/share/bench'), { recursive: true });
  // Incompressible content, so nothing along the way can cheat.
  const chunk = Buffer.alloc(1024 * 1024);
  const file = path.join(dir, 'usr/share/bench/big');
  const handle = await open(file, 'w');
  try {
    for (let i = 0; i < bigMiB; i++) {
      for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return dir;
}
