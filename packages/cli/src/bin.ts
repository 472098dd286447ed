#!/usr/bin/env node
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2));
// Long-running commands (node) keep the process alive through their connections; others exit here.
if (code !== 0) process.exit(code);
