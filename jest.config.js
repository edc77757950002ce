// Two tiers (house style): unit tests beside the code (*.spec.ts, no servers) and integration
// tests (*.int-spec.ts) against the real data plane and a real two-region platform.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {
  ...Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`])),
  // libs/sdk writes ESM-style relative imports ('./errors.js') that resolve to the .ts sources.
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,tools}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,tools}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-integration-setup.ts'],
    },
    // The chaos test (npm run test:chaos) brings its own data plane and platform; it is kept out
    // of `npm test` until a FerretDB restart no longer leaves services disconnected (docs/chaos.md).
    {
      ...common,
      displayName: 'chaos',
      testMatch: ['<rootDir>/tools/**/*.chaos-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-integration-setup.ts'],
    },
  ],
};
