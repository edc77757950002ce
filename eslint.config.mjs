import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '**/dist/**', 'node_modules/**', '.meridian/**', 'libs/proto/src/gen/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'error',
    },
  },
  {
    // House rule 3: business services reach I/O only through repositories and adapters.
    files: ['services/**/*.service.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['mongoose', 'ioredis', 'kafkajs', '@grpc/grpc-js'] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', console: 'readonly', fetch: 'readonly', setTimeout: 'readonly', AbortSignal: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web demo runs in browsers.
    files: ['tools/demo-web/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { document: 'readonly', location: 'readonly', alert: 'readonly', fetch: 'readonly', navigator: 'readonly', sessionStorage: 'readonly', getSelection: 'readonly', addEventListener: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // So does the operator console.
    files: ['tools/console/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { document: 'readonly', location: 'readonly', confirm: 'readonly', fetch: 'readonly', Option: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly' } },
  },
);
