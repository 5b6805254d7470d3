// A prototype file for `mkfs.xfs -p`, which populates a new xfs filesystem from it without
// root or a mount: one line per file (name, type and mode, owner, then the source file, the
// symlink target or the device numbers), `$` closing each directory.
//
// The format has no quoting (tokens end at white space, `:` starts a comment) and only three
// octal permission digits plus setuid/setgid: names with white space or colons are refused,
// and directories with the sticky bit are returned so that the caller can set it afterwards.
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export interface Protofile {
  text: string;
  /** Paths (from the root, e.g. /tmp) whose mode has the sticky bit, which the format cannot say. */
  sticky: { path: string; mode: number }[];
}

/**
 * The protofile of `tree`. Files owned by the user building it are owned by root in the
 * filesystem, as in a real image (mke2fs -d's root_owner does the same for the root).
 */
export async function xfsProtofile(tree: string, builder = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }): Promise<Protofile> {
  const lines = ['sim-fixture', '0 0'];
  const sticky: Protofile['sticky'] = [];
  const owner = (uid: number, gid: number) => `${uid === builder.uid ? 0 : uid} ${gid === builder.gid ? 0 : gid}`;
  const mode = (type: string, m: number) => `${type}${m & 0o4000 ? 'u' : '-'}${m & 0o2000 ? 'g' : '-'}${(m & 0o777).toString(8).padStart(3, '0')}`;
  const token = (value: string, what: string) => {
    if (!value || /[\s:]/.test(value)) throw new Error(`mkfs.xfs -p cannot express the ${what} ${JSON.stringify(value)}`);
    return value;
  };

  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const info = await lstat(file);
      const head = `${token(name, 'name')} `;
      if (info.isDirectory()) {
        if (info.mode & 0o1000) sticky.push({ path: `${rel}/${name}`, mode: info.mode & 0o7777 });
        lines.push(`${head}${mode('d', info.mode)} ${owner(info.uid, info.gid)}`);
        await walk(file, `${rel}/${name}`);
        lines.push('$');
      } else if (info.isFile()) {
        lines.push(`${head}${mode('-', info.mode)} ${owner(info.uid, info.gid)} ${token(file, 'source path')}`);
      } else if (info.isSymbolicLink()) {
        lines.push(`${head}${mode('l', 0o777)} ${owner(info.uid, info.gid)} ${token(await readlink(file), 'symlink target')}`);
      } else if (info.isCharacterDevice() || info.isBlockDevice()) {
        const type = info.isCharacterDevice() ? 'c' : 'b';
        lines.push(`${head}${mode(type, info.mode)} ${owner(info.uid, info.gid)} ${Math.floor(info.rdev / 256) & 0xfff} ${(info.rdev & 0xff) | ((info.rdev >> 12) & 0xfff00)}`);
      } else if (info.isFIFO()) {
        lines.push(`${head}${mode('p', info.mode)} ${owner(info.uid, info.gid)}`);
      } else {
        throw new Error(`mkfs.xfs -p cannot make ${file} (a socket)`);
      }
    }
  }

  const root = await lstat(tree);
  lines.push(`${mode('d', root.mode)} ${owner(root.uid, root.gid)}`);
  if (root.mode & 0o1000) sticky.push({ path: '/', mode: root.mode & 0o7777 });
  await walk(tree, '');
  lines.push('$');
  return { text: `${lines.join('\n')}\n`, sticky };
}
