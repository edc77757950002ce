import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SERVICES = ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'];
const DEEP_LIB = { group: ['@meridian/*/*'], message: 'import a lib through its index (@meridian/<lib>)' };
/** A service's Nx tags (project.json). */
const tagsOf = (service) => JSON.parse(readFileSync(new URL(`./services/${service}/project.json`, import.meta.url), 'utf8')).tags ?? [];
/** House rule 3 for business services: no I/O client of their own. */
const IO_PACKAGES = ['mongoose', 'ioredis', 'kafkajs', '@grpc/grpc-js'];
/**
 * Tag `io:repositories`: Redis only behind the service's repositories. The Redis client and the
 * platform's Redis-backed primitives are refused everywhere else in the service (the package name
 * alone let `RedisClient` from @meridian/platform through).
 */
const REDIS_OUTSIDE_REPOSITORIES = [
  { name: 'ioredis', message: 'Redis is reached through a repository (*.repository.ts) in this service (tag io:repositories)' },
  {
    name: '@meridian/platform',
    importNames: ['RedisClient', 'RedisSequence', 'DedupeClaims'],
    message: 'Redis is reached through a repository (*.repository.ts) in this service (tag io:repositories)',
  },
];
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
  // A later block replaces an earlier one's options for the same rule, so each repeats the boundaries.
  ...SERVICES.flatMap((service) => {
    const redisInRepositories = tagsOf(service).includes('io:repositories');
    const notRepository = { ignores: [`services/${service}/**/*.repository.ts`, '**/*.spec.ts', '**/*.int-spec.ts'] };
    return [
      { files: [`services/${service}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: boundaries(service) }] } },
      ...(redisInRepositories
        ? [{ files: [`services/${service}/**/*.ts`], ...notRepository, rules: { 'no-restricted-imports': ['error', { paths: REDIS_OUTSIDE_REPOSITORIES, patterns: boundaries(service) }] } }]
        : []),
      {
        // House rule 3: business services reach I/O only through repositories and adapters.
        files: [`services/${service}/**/*.service.ts`],
        rules: { 'no-restricted-imports': ['error', { paths: [...IO_PACKAGES.filter((p) => !redisInRepositories || p !== 'ioredis'), ...(redisInRepositories ? REDIS_OUTSIDE_REPOSITORIES : [])], patterns: boundaries(service) }] },
      },
    ];
  }),
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
