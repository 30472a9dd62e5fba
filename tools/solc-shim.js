#!/usr/bin/env node
// Makes npm's solcjs answer like the native `solc` binary, so that py-solc-x and
// ape-solidity can drive it without ever downloading a compiler:
//   --version                 -> the native two-line banner
//   --standard-json [opts]    -> standard JSON on stdin/stdout, with imports
//                                resolved against --base-path/--include-path
//                                and the current directory.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.join(__dirname, '..', 'node_modules', 'solc'));

const args = process.argv.slice(2);
const version = solc.version(); // e.g. 0.8.28+commit.7893614a.Emscripten.clang

if (args.includes('--version') || args.includes('-v')) {
  const native = version.replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${native}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(1);
}

const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') roots.push(args[i + 1]);
  if (args[i] === '--allow-paths') roots.push(...args[i + 1].split(','));
}

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath)
    ? [importPath]
    : roots.map((root) => path.resolve(root, importPath));
  for (const file of candidates) {
    if (fs.existsSync(file) && fs.statSync(file).isFile()) {
      return { contents: fs.readFileSync(file, 'utf8') };
    }
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
