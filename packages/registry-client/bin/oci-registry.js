#!/usr/bin/env node
// Runs the bundled CLI with a V8 code cache (docs/architecture-decisions.md).
require('../dist/compile-cache.cjs').runBundledCli(__dirname, process.env);
