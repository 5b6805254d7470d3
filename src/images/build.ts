/**
 * `sim image build`: recipe -> mmdebstrap tree (customised by hooks) -> raw GPT disk with an
 * ext4 root -> the image store. The recipe's key is the image id, so a second build of the same
 * recipe finds the stored image and costs nothing.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { withLock } from '../core/lock.js';
import type { ImageMeta } from './meta.js';
import { isSimError, SimError } from '../core/errors.js';
import { emit, stopwatch, type EventSink } from '../core/events.js';
import { mmdebstrapArgs, mmdebstrapStep, summarizeFailure, TREE_DIR, writeFilesTar, type BuildPhase } from './build-debootstrap.js';
import { makeDisk } from './build-disk.js';
import { runStreamed } from './build-exec.js';
import type { SimContext } from '../core/context.js';
import { createWorkDir, removeWorkDir } from './build-workdir.js';
import { loadRecipe, parseSize, type LoadedRecipe } from './recipe.js';
import { imageFile, listImages, removeImage } from './store.js';
import { importImage } from './import.js';
import { rootRunner, type RootRunner } from './userns.js';

export interface BuildOptions {
  /** Recipe name (images/<name>.json) or path. */
  recipe: string;
  /** Extra packages ("a,b" items allowed). */
  include?: string[];
  /** Image name; the recipe's `name` by default. */
  name?: string;
  events?: EventSink;
  /** Build even when the store has this recipe's image (it is replaced once the new one is built). */
  force?: boolean;
  /** Abort to stop the build: mmdebstrap and everything it started are killed; nothing is stored. */
  signal?: AbortSignal;
}

type Phase = BuildPhase | 'filesystem' | 'import';

const HINTS: Record<Phase, string> = {
  debootstrap: 'Check that the Debian mirror is reachable and every package in the recipe exists (apt-cache policy NAME); --verbose shows the full log.',
  customize: 'A customisation step failed inside the new tree; --verbose shows its output.',
  filesystem: 'If the filesystem is full, raise "size" in the recipe; --verbose shows the commands run.',
  import: 'The built disk could not be stored; check that the recipe installs a kernel (linux-image-amd64).',
};

function failed(phase: Phase, name: string, why: string, details: string[] = [], hint = HINTS[phase], cause?: unknown): SimError {
  return new SimError('IMAGE_BUILD_FAILED', `Building image '${name}' failed during ${phase}: ${why}`, hint, { details, cause });
}

function interrupted(name: string): SimError {
  return new SimError('INTERRUPTED', `The build of image '${name}' was interrupted.`, 'Run it again when you like; nothing was stored.');
}

function progress(events: EventSink | undefined, message: string, done?: boolean): void {
  emit(events, { type: 'progress', task: 'image-build', message, ...(done ? { done } : {}) });
}

export async function buildImage(ctx: SimContext, options: BuildOptions): Promise<ImageMeta> {
  const loaded = await loadRecipe(options.recipe, { include: options.include });
  const name = options.name ?? loaded.recipe.name;
  const cached = options.force ? undefined : await cacheHit(ctx, loaded, name, options.events);
  if (cached) return cached;
  // As a normal user the build runs as root in a user namespace: checked before anything starts.
  const asRoot = await rootRunner();
  // One build per recipe at a time; a second process waits and then finds the image stored.
  const waiting = setTimeout(() => progress(options.events, `waiting for another build of '${name}' to finish`), 1000);
  return withLock(path.join(ctx.dirs.builds, `${loaded.key}.lock`), async () => {
    clearTimeout(waiting);
    const again = options.force ? undefined : await cacheHit(ctx, loaded, name, options.events);
    return again ?? build(ctx, loaded, name, options, asRoot);
  }).finally(() => clearTimeout(waiting));
}

async function cacheHit(ctx: SimContext, loaded: LoadedRecipe, name: string, events: EventSink | undefined): Promise<ImageMeta | undefined> {
  const meta = (await listImages(ctx)).find((m) => m.id === loaded.key);
  if (!meta) return undefined;
  progress(events, `image '${name}' is up to date (${meta.id.slice(0, 12)}, kernel ${meta.kernel.version})`, true);
  if (meta.names.includes(name)) return meta;
  // Importing the stored disk under its own id only adds the name.
  return importImage(ctx, imageFile(ctx, meta, meta.disk.file), { id: meta.id, name });
}

async function build(ctx: SimContext, loaded: LoadedRecipe, name: string, options: BuildOptions, asRoot: RootRunner): Promise<ImageMeta> {
  const events = options.events;
  const total = stopwatch();
  const recipe = loaded.recipe;
  const fsBytes = parseSize(recipe.size);
  const work = await createWorkDir(ctx, loaded.key, asRoot);
  let phase: Phase = 'debootstrap';
  try {
    progress(events, `building '${name}' from ${loaded.path} (${recipe.suite}, ${recipe.packages.length} packages)`);
    await writeFilesTar(recipe, work);

    // mmdebstrap's own temporary files (its keyring's home, owned by the namespace's root) in the
    // work directory, which goes even after a kill: in /tmp the user could not delete them.
    const tmp = path.join(work, 'tmp');
    await mkdir(tmp);
    const bootstrap = stopwatch();
    let last = '';
    const result = await runStreamed(...asRoot.wrap('mmdebstrap', mmdebstrapArgs(recipe)), {
      cwd: work,
      env: { TMPDIR: tmp },
      signal: options.signal,
      onLine: (line) => {
        emit(events, { type: 'log', level: 'debug', message: line });
        const step = mmdebstrapStep(line);
        if (step && step.message !== last) {
          phase = step.phase;
          last = step.message;
          progress(events, `${step.phase}: ${step.message}`);
        }
      },
    });
    if (result.canceled) throw interrupted(name);
    if (result.exitCode !== 0) {
      const { reason, details } = summarizeFailure(result.tail);
      const why = result.signal ? `mmdebstrap was stopped by ${result.signal}` : `mmdebstrap exited with status ${result.exitCode}`;
      throw failed(phase, name, `${why}${reason ? `: ${reason.replace(/\.$/, '')}` : ''}.`, details);
    }
    emit(events, { type: 'log', level: 'info', message: `mmdebstrap took ${(bootstrap() / 1000).toFixed(1)} s` });

    phase = 'filesystem';
    progress(events, `filesystem: writing ${recipe.size} ext4 root into a GPT disk`);
    const disk = path.join(work, 'disk.raw');
    options.signal?.throwIfAborted();
    const failure = await makeDisk(path.join(work, TREE_DIR), disk, fsBytes, asRoot);
    if (failure) throw failed(phase, name, `${failure.tool} exited with status ${failure.exitCode}.`, failure.lines);

    phase = 'import';
    progress(events, 'import: storing the disk, extracting kernel and modules');
    if (options.force) await removeImage(ctx, loaded.key).catch(() => undefined);
    // The store converts the raw disk to qcow2 itself: handing it raw saves two conversions.
    const meta = await importImage(ctx, disk, { id: loaded.key, name, source: { kind: 'recipe', path: loaded.path }, events });
    progress(events, `built '${name}' in ${(total() / 1000).toFixed(1)} s (${meta.id.slice(0, 12)}, kernel ${meta.kernel.version})`, true);
    return meta;
  } catch (error) {
    if (options.signal?.aborted) throw interrupted(name);
    if (isSimError(error) && ['IMAGE_BUILD_FAILED', 'TOOL_MISSING', 'INTERRUPTED'].includes(error.code)) throw error;
    if (isSimError(error)) throw failed(phase, name, error.message, error.detailLines, error.hint, error);
    throw failed(phase, name, (error as Error).message, [], HINTS[phase], error);
  } finally {
    await removeWorkDir(work, asRoot).catch((error: unknown) => emit(events, { type: 'log', level: 'warn', message: (error as Error).message }));
  }
}

