// Resolves the workspace's @meridian/* aliases to their compiled files under dist/ (tsc does not
// rewrite aliases). Required by tools/runtime/run.js and by scripts that load compiled code.
'use strict';
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const root = path.resolve(__dirname, '..', '..');
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
// Aliases point at .ts sources; their compiled twins are the same paths under dist/ without .ts.
const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, targets]) => [alias, targets.map((t) => t.replace(/\.ts$/, ''))]),
);
tsconfigPaths.register({ baseUrl: path.join(root, 'dist'), paths });
