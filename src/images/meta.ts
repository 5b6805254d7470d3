/** zod schemas for the metadata sim stores and the files users write. */
import path from 'node:path';
import { z } from 'zod';
import { SimError } from '../core/errors.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

export const imageMetaSchema = z.object({
  schema: z.literal(1),
  /** sha256 of the imported file (or a recipe key for built images): the cache key. */
  id: sha256,
  names: z.array(z.string()),
  /** Where the image came from: an imported file, a recipe build or a server (`path` is then the URL). */
  source: z.object({ kind: z.enum(['file', 'recipe', 'url']), path: z.string(), format: z.string() }),
  /** A pulled image's server side (src/remote/pull.ts): what `sim image update` asks the server again. */
  remote: z
    .object({
      url: z.string(),
      /** A published directory (manifest, casync index, chunks) or a single image file. */
      kind: z.enum(['published', 'file']),
      /** The publisher's version name (published directories). */
      version: z.string().optional(),
      /** HTTP validators of what was checked last (the checksum list, or the file): a conditional request next time. */
      etag: z.string().optional(),
      lastModified: z.string().optional(),
      /** How it was verified: a keyring file (signed checksum list), a --sha256 given, or not at all (--insecure). */
      verifiedBy: z.enum(['keyring', 'sha256', 'none']),
      keyring: z.string().optional(),
      signer: z.string().optional(),
      /** The stored copy of this version's casync blob index (relative to the image dir): the seed of the next update. */
      index: z.string().optional(),
      pulledAt: z.string(),
      checkedAt: z.string(),
    })
    .optional(),
  /** The stored base disk, always qcow2, never written after import. */
  disk: z.object({ file: z.string(), format: z.literal('qcow2'), sha256, bytes: z.number().int(), mtimeMs: z.number(), virtualSize: z.number().int() }),
  root: z.object({
    /** 1-based partition number, or null for a bare filesystem image. */
    partition: z.number().int().positive().nullable(),
    offset: z.number().int().nonnegative(),
    /** tmpfs: a usr-only image (GNOME OS): no root partition, `usr` says what is mounted on /usr. */
    fstype: z.enum(['ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'tmpfs']),
    /** Mount options the root needs, from the image's boot entry (rootflags), e.g. subvol=root. */
    options: z.string().optional(),
  }),
  kernel: z.object({
    version: z.string().min(1),
    /** Compressed kernel as shipped by the image (relative to the image dir). */
    file: z.string(),
    /** Uncompressed vmlinux with a PVH entry point, when it could be extracted. */
    vmlinux: z.string().optional(),
    /** Module tree copied out of the image (relative to the image dir): only what sim needs. */
    modulesDir: z.string(),
    /** The options of the image's boot entry (BLS) or its UKI's .cmdline, as its boot loader would pass them. */
    cmdline: z.string().optional(),
    /** The unified kernel image the kernel, cmdline and initrd came from (its path on the ESP). */
    uki: z.string().optional(),
    /**
     * The image's own initrd for this kernel, kept for `--initrd image` (src/images/initrd.ts):
     * its kind and what the hook archive needs to know of its contents. Absent: the image has
     * none, or was imported before sim kept it.
     */
    initrd: z
      .object({
        file: z.string(),
        /** Where it was found in the image, for messages. */
        source: z.string(),
        kind: z.enum(['initramfs-tools', 'systemd', 'unknown']),
        compression: z.array(z.string()),
        initBottomOrder: z.string().optional(),
        paths: z.record(z.string(), z.enum(['file', 'directory', 'symlink', 'other'])),
        detail: z.string().optional(),
      })
      .optional(),
  }),
  /** A usr-only image's /usr partition (src/images/usr-only.ts); absent for images with a root partition. */
  usr: z
    .object({
      partition: z.number().int().positive(),
      offset: z.number().int().nonnegative(),
      fstype: z.string(),
      /** The usr-verity partition; only the image's own initrd (--initrd image) checks it. */
      verityPartition: z.number().int().positive().optional(),
      /** Where the stored modules were read: the /usr filesystem, or the UKI's initrd when this host could not read it. */
      modulesFrom: z.enum(['usr', 'initrd']),
    })
    .optional(),
  /** The initrd a boot uses unless --initrd says otherwise (src/boot/initrd-choice.ts); absent: sim's own. */
  defaultInitrd: z.enum(['sim', 'image']).optional(),
  /** Multiarch libdir of the image relative to /, e.g. usr/lib/x86_64-linux-gnu or usr/lib64. */
  libdir: z.string(),
  addedAt: z.string(),
});
export type ImageMeta = z.infer<typeof imageMetaSchema>;

/** Format a zod error as "path.to.field: problem" lines. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}

/** Parse with a schema or throw a SimError naming the bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string, code: 'CONFIG_INVALID' | 'RECIPE_INVALID' | 'IMAGE_CORRUPTED', hint: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new SimError(code, `${what} is invalid: ${describeZodError(result.error)}.`, hint);
  return result.data;
}

/**
 * How a user gets a stored image again, with what sim keeps at import today (e.g. kernel
 * modules added since): the command for its source. Pure.
 */
export function reimportAdvice(meta: Pick<ImageMeta, 'names' | 'source' | 'id'>, recipesDir: string): string {
  const name = meta.names[0] ?? meta.id.slice(0, 12);
  if (meta.source.kind === 'recipe') {
    const shipped = path.dirname(meta.source.path) === recipesDir;
    const recipe = shipped ? path.basename(meta.source.path, '.json') : meta.source.path;
    return `rebuild the image: sim image build ${recipe}${meta.names[0] && meta.names[0] !== recipe ? ` --name ${meta.names[0]}` : ''} --force`;
  }
  if (meta.source.kind === 'url') return `pull the image again: sim image rm ${name}, then sim image pull ${meta.source.path}${meta.names[0] ? ` --name ${meta.names[0]}` : ''}`;
  return `import the image again: sim image rm ${name}, then sim image add ${meta.source.path}${meta.names[0] ? ` --name ${meta.names[0]}` : ''}`;
}
