/**
 * Kernel-module resolution from the image's own index files (modules.dep, modules.softdep,
 * modules.alias, modules.builtin). Pure: text in, ordered load list out.
 */

export interface ModuleIndex {
  /** module name -> path relative to the modules dir, e.g. kernel/fs/ext4/ext4.ko */
  paths: Map<string, string>;
  /** module name -> names of hard dependencies (from modules.dep) */
  deps: Map<string, string[]>;
  /** module name -> soft dependencies to load before / after it */
  softdeps: Map<string, { pre: string[]; post: string[] }>;
  /** alias -> module names (exact aliases only; wildcard device aliases are not needed here) */
  aliases: Map<string, string[]>;
  /** names built into the kernel */
  builtin: Set<string>;
}

export interface ModuleToLoad {
  name: string;
  path: string;
  /** Soft dependencies may fail to load (e.g. a CPU-specific crc32c) without failing the boot. */
  soft: boolean;
}

/** ext4.ko, crc32c-intel.ko.xz -> ext4, crc32c_intel */
export function moduleName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

export function parseModuleIndex(files: { dep: string; softdep?: string; alias?: string; builtin?: string }): ModuleIndex {
  const paths = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const line of lines(files.dep)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const file = line.slice(0, colon).trim();
    const name = moduleName(file);
    paths.set(name, file);
    deps.set(name, line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleName));
  }
  const softdeps = new Map<string, { pre: string[]; post: string[] }>();
  for (const line of lines(files.softdep ?? '')) {
    const words = line.split(/\s+/);
    if (words[0] !== 'softdep' || !words[1]) continue;
    const entry = softdeps.get(moduleName(words[1])) ?? { pre: [], post: [] };
    let bucket: string[] | undefined;
    for (const word of words.slice(2)) {
      if (word === 'pre:') bucket = entry.pre;
      else if (word === 'post:') bucket = entry.post;
      else bucket?.push(word);
    }
    softdeps.set(moduleName(words[1]), entry);
  }
  const aliases = new Map<string, string[]>();
  for (const line of lines(files.alias ?? '')) {
    const [keyword, alias, module] = line.split(/\s+/);
    if (keyword !== 'alias' || !alias || !module || /[*?[]/.test(alias)) continue;
    aliases.set(alias, [...(aliases.get(alias) ?? []), moduleName(module)]);
  }
  const builtin = new Set(lines(files.builtin ?? '').map(moduleName));
  return { paths, deps, softdeps, aliases, builtin };
}

/** Names a softdep may use: a module name, or an alias that one or more modules provide. */
function resolveName(index: ModuleIndex, name: string): string[] {
  const normal = name.replaceAll('-', '_');
  if (index.paths.has(normal) || index.builtin.has(normal)) return [normal];
  return index.aliases.get(name) ?? [];
}

export interface Resolution {
  load: ModuleToLoad[];
  /** Requested names that are neither modules nor built in. */
  missing: string[];
  /** Optional names that are neither modules nor built in. */
  unavailable: string[];
}

/**
 * Order `wanted` and everything they need so that each module comes after its hard
 * dependencies and its `pre:` soft dependencies; built-ins are skipped. `optional` modules (and
 * what they need) load as soft ones: the guest goes on without them.
 */
export function resolveModules(index: ModuleIndex, wanted: readonly string[], optional: readonly string[] = []): Resolution {
  const load: ModuleToLoad[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];

  const visit = (name: string, soft: boolean): void => {
    if (seen.has(name) || index.builtin.has(name)) return;
    const path = index.paths.get(name);
    if (!path) {
      if (!soft) missing.push(name);
      return;
    }
    seen.add(name);
    const softdep = index.softdeps.get(name);
    for (const pre of softdep?.pre ?? []) for (const resolved of resolveName(index, pre)) visit(resolved, true);
    for (const dep of index.deps.get(name) ?? []) visit(dep, soft);
    load.push({ name, path, soft });
    for (const post of softdep?.post ?? []) for (const resolved of resolveName(index, post)) visit(resolved, true);
  };

  for (const name of wanted) visit(name.replaceAll('-', '_'), false);
  const unavailable: string[] = [];
  for (const name of optional.map((n) => n.replaceAll('-', '_'))) {
    if (!index.paths.has(name) && !index.builtin.has(name)) unavailable.push(name);
    visit(name, true);
  }
  return { load, missing, unavailable };
}

/** `absent` plus every module of `candidates` that depends on one of them, directly or not. Pure. */
export function withDependents(index: ModuleIndex, candidates: readonly string[], absent: readonly string[]): string[] {
  const result = [...absent];
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of candidates) {
      if (result.includes(name) || !(index.deps.get(name) ?? []).some((dep) => result.includes(dep))) continue;
      result.push(name);
      grew = true;
    }
  }
  return result;
}

/** modules.dep text without the lines of the named modules (other lines unchanged). Pure. */
export function withoutModules(dep: string, names: readonly string[]): string {
  const drop = new Set(names.map((n) => n.replaceAll('-', '_')));
  return dep
    .split('\n')
    .filter((line) => {
      const colon = line.indexOf(':');
      return colon < 0 || !drop.has(moduleName(line.slice(0, colon).trim()));
    })
    .join('\n');
}

/** What sim's initramfs needs: the root disk, its filesystem, the 9p share and the host channel. */
export function requiredModules(fstype: string): string[] {
  return ['virtio_pci', 'virtio_blk', fstype, 'virtio_console', '9pnet_virtio', '9p'];
}

/** A module a boot contribution asks for (src/boot/contribution.ts), beyond sim's own. */
export interface ModuleRequest {
  name: string;
  /** Present: the boot goes on without it (it loads softly), and `lost` says what is missing then. Absent: the boot needs it. */
  optional?: { lost: string };
}

/** Split requests into the names `resolveModules` takes: needed ones, and ones loaded softly. Pure. */
export function splitRequests(requests: readonly ModuleRequest[]): { wanted: string[]; optional: string[] } {
  return { wanted: requests.filter((r) => !r.optional).map((r) => r.name), optional: requests.filter((r) => r.optional).map((r) => r.name) };
}
