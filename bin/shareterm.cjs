#!/usr/bin/env node
// shareterm entry point. The CLI is one CommonJS bundle (dist/bundle/main.cjs,
// built by `npm run build`). One file starts faster and takes several MB
// less memory than hundreds of small modules; CommonJS, because an ES module
// entry loads Node's ES module loader (~2 MB resident for the life of the
// process). Each subcommand's modules are initialised only when that command
// runs, and V8 compiles a function only when it first runs.
'use strict';

// The bundle is minified: with SHARETERM_DEBUG, stacks are mapped back to our
// source files by the source map shipped beside it. Enabled before the bundle
// loads (a map is read when its file is compiled), and only then.
if (process.env.SHARETERM_DEBUG) process.setSourceMapsEnabled(true);

require('../dist/bundle/main.cjs').main(process.argv.slice(2));
