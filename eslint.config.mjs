import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SERVICES = ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'];
const DEEP_LIB = { group: ['@meridian/*/*'], message: 'import a lib through its index (@meridian/<lib>)' };
const boundaries = (service) => [
  { group: SERVICES.filter((s) => s !== service).flatMap((s) => [`**/${s}/src/**`, `**/services/${s}/**`]), message: 'a service never imports another service: call it over gRPC' },
  { group: ['**/libs/*/src/**'], message: 'import a lib through its index (@meridian/<lib>)' },
  DEEP_LIB,
];

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
    // Type-aware rules (issue #19): a promise is awaited, returned or voided, never dropped, and
    // never handed where a void callback is expected (an express or ws handler, a timer).
    files: ['**/*.ts'],
    ignores: ['libs/sdk/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Module boundaries on the Nx tags (project.json): a type:service project imports libs only
  // through their index (@meridian/<lib>), never another service; a type:lib never imports a
  // service. (tools/ are untagged and may import anything, as the fuzzer reads the gateway's table.)
  ...SERVICES.flatMap((service) => [
    { files: [`services/${service}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: boundaries(service) }] } },
    {
      // House rule 3: business services reach I/O only through repositories and adapters.
      files: [`services/${service}/**/*.service.ts`],
      rules: { 'no-restricted-imports': ['error', { paths: ['mongoose', 'ioredis', 'kafkajs', '@grpc/grpc-js'], patterns: boundaries(service) }] },
    },
  ]),
  { files: ['libs/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/services/**'], message: 'a type:lib never imports a type:service' }, DEEP_LIB] }] } },
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
    languageOptions: { sourceType: 'module', globals: { document: 'readonly', location: 'readonly', confirm: 'readonly', prompt: 'readonly', fetch: 'readonly', Option: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly' } },
  },
);
