#!/usr/bin/env node
// Runs a compiled entry point from dist/ with the @meridian/* aliases resolved.
// Usage: node tools/runtime/run.js dist/services/<name>/src/main.js [args…]
'use strict';
const path = require('node:path');
require('./register');
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node tools/runtime/run.js <compiled entry.js> [args…]\n');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(__dirname, '..', '..', entry));
