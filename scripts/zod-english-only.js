// An esbuild plugin for scripts/bundle-cli.js.

/**
 * zod 4 exports every one of its ~40 message locales (`z.locales`), which esbuild cannot drop: a
 * namespace re-export. They are half of zod's bundled size (360 of 735 KB), parsed at every
 * start of every command that validates anything. sim only ever uses English, which zod
 * configures itself; the stand-in keeps only it.
 *
 * @type {import('esbuild').Plugin}
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: args.path.replace(/[\\/]index\.js$/, ''),
      loader: 'js',
    }));
  },
};
