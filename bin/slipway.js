#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// V8 hands a function to its optimising compiler once the function has run through this much
// bytecode (67,584 by default in Node 20). A fleet build runs a few hundred functions of the
// generators a thousand times each: at the default, TurboFan compiled ~1,200 of them, many more
// than once, for ~3 s of CPU on the core the render threads need. A budget ~15x larger leaves
// optimisation to what is truly hot, and a cold two-core build of 1,000 environments takes about
// a quarter less time (bench/fleet.js). Set before the rest loads; worker threads share it. A
// budget given to node itself is kept.
if (!process.execArgv.some((flag) => flag.startsWith('--interrupt-budget'))) setFlagsFromString('--interrupt-budget=1000000');
// The CLI is one CommonJS bundle, compiled with V8's code cache of the same command's last run
// (dist/src/core/code-cache.js says why and where it is kept).
const { loadBundle } = await import('../dist/src/core/code-cache.js');
const bundle = loadBundle(fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url)), process.argv[2]);
process.exitCode = await bundle.exports.main(process.argv.slice(2));
bundle.keep();
