// The version this build reports (kept equal to package.json by a test).

export const VERSION = '0.1.0';
/** How we introduce ourselves in hello messages. */
export const APP = `shareterm ${VERSION}`;
