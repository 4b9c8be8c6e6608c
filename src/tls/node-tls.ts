// node:tls, loaded with require rather than `import`. Importing a built-in
// module from ESM builds its named exports by reading every property once,
// and tls.rootCertificates is a getter: reading it turns Node's ~140 bundled
// root certificates into PEM strings that live as long as the process (about
// 1 MB of resident memory). Nothing in shareterm uses them.
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);

/** The node:tls module. Use `import type tls from 'node:tls'` for its types. */
export const nodeTls = load('node:tls') as typeof Tls;
