// `import.meta.url` in the CommonJS bundle (package.json's build injects this
// and defines import.meta.url as it): the bundle's own file URL, which is
// what an ES module's import.meta.url was in the bundle, so paths found from
// it (the package root, createRequire's base) are unchanged. Only the bundle
// uses it; the compiled modules under dist/src are ES modules and keep
// their own import.meta.
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
