#!/usr/bin/env node
// shareterm entry point: a thin shim so start-up loads only the CLI router;
// each subcommand lazy-loads what it needs (see src/cli/main.ts).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2));
