#!/usr/bin/env node
import { runCli } from './cli.js';
import { relaunchForSimulation } from './young-generation.js';

const argv = process.argv.slice(2);
// Simulating commands run in a node with a larger young generation (young-generation.ts).
const relaunched = await relaunchForSimulation(argv);
if (relaunched !== undefined) process.exit(relaunched);
const code = await runCli(argv);
// Long-running commands (node) keep the process alive through their connections; others exit here.
if (code !== 0) process.exit(code);
