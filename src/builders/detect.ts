/** Which build system a source tree uses, from the files at its top level. */
import { readdir } from 'node:fs/promises';
import type { BuildSystem } from './types.js';

// First match wins: trees in transition often keep the old system's files next to the new one.
const markers: [BuildSystem, string[]][] = [
  ['meson', ['meson.build']],
  ['cmake', ['CMakeLists.txt']],
  ['autotools', ['configure', 'configure.ac', 'configure.in', 'autogen.sh']],
  ['make', ['GNUmakefile', 'Makefile', 'makefile']],
];

export function detectBuildSystem(entries: readonly string[]): BuildSystem | undefined {
  const present = new Set(entries);
  return markers.find(([, files]) => files.some((f) => present.has(f)))?.[0];
}

export const detectionMarkers = markers.map(([system, files]) => `${files.join(' or ')} (${system})`);

export async function listSource(srcdir: string): Promise<string[]> {
  return (await readdir(srcdir)).sort();
}
