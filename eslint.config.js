// Lint for the TypeScript sources, tests and benchmark (shellcheck covers the shell side).
// Type-aware rules because the bugs that cost most here are promises nobody awaits.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // vscode/ is its own package whose types (@types/vscode) are installed by its own npm ci, not
  // the root's: `npm run lint:vscode` lints it with these rules once they are there.
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'vscode/', 'vscode/dist/', 'vscode/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.js'] }, tsconfigRootDir: import.meta.dirname },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      // TypeScript checks names itself (typescript-eslint's advice).
      'no-undef': 'off',
      // `_`-prefixed names are deliberately unused (a parameter kept for its position).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and the benchmark read sim's JSON output with JSON.parse and assert on it; typing
    // every parsed line would add casts, not safety.
    files: ['test/**', 'bench/**', 'bin/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // bin/ is CommonJS (bin/package.json): Node starts it without its ES module loader.
    files: ['bin/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
