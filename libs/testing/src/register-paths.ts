// Jest's moduleNameMapper does not apply to globalSetup/globalTeardown, which run outside the test
// runtime: resolve the @meridian/* aliases to their TypeScript sources there too.
import { join } from 'node:path';
import { register } from 'tsconfig-paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions } = require('../../../tsconfig.base.json') as { compilerOptions: { paths: Record<string, string[]> } };
register({ baseUrl: join(__dirname, '..', '..', '..'), paths: compilerOptions.paths });
