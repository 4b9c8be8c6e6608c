#!/usr/bin/env node
// shareterm entry point. The CLI is one bundle (dist/bundle, built by
// `npm run build`): a single module graph starts faster and takes several
// MB less memory than hundreds of small modules. Each subcommand's code is a
// chunk loaded only when that command runs (see src/cli/main.ts).
import { main } from '../dist/bundle/main.js';

main(process.argv.slice(2));
