// An esbuild plugin for scripts/bundle-cli.js.
import path from 'node:path';

/** Marks the plugin's own look-up of the real module, which it must not answer itself. */
const REAL = Symbol('the real string-width');

/**
 * yargs measures its help text with string-width (two versions, through cliui and wrap-ansi too),
 * which builds an Intl.Segmenter and Unicode-property regexes when its module loads: ~16 ms of
 * every start here, though yargs renders help for each command run and all of sim's is printable
 * ASCII. This stand-in answers for printable ASCII (its length, which is also what string-width 8
 * answers on its own fast path) and loads the real module, at its first other string.
 *
 * @type {import('esbuild').Plugin}
 */
export const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === REAL) return undefined;
      const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: REAL });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      // require(), not import: esbuild then runs the real module's top level only when called.
      contents: `let real;
export default function stringWidth(string, options) {
  if (typeof string === 'string' && /^[\\u0020-\\u007E]*$/.test(string)) return string.length;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(string, options);
}
`,
      resolveDir: path.dirname(args.path),
    }));
  },
};
