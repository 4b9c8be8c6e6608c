// node:module as the CommonJS bundle sees it (package.json's build:
// --alias:node:module=…): only createRequire, which is all that the bundle
// uses (our modules, and yargs's). In Node 20, loading node:module loads the
// ES module loader with it (for module.register), ~2 MB resident for the life
// of the process; the bundle's own `require` does the same job without it.
// Every createRequire in the bundle is made from import.meta.url, which there
// is the bundle's own file URL (src/cli/import-meta-url.ts): the base its
// own `require` resolves from.

import { importMetaUrl } from './import-meta-url.js';

type CreateRequire = (from: string | URL) => NodeJS.Require;

/** A require resolving from `from`: the bundle's own for the bundle's URL. */
export function createRequire(from: string | URL): NodeJS.Require {
  if (String(from) === importMetaUrl) return require;
  // Any other base gets Node's (the CommonJS loader's class has it).
  return (module.constructor as unknown as { createRequire: CreateRequire }).createRequire(from);
}
