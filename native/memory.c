// Give the C heap's free pages back to the system.
//
// glibc's free() returns memory only from the top of the heap. A flood of
// output leaves the heap full of holes: each read from a pty or a socket is
// a 64 KiB buffer cut down to what was read, and the scrollback's lines,
// allocated while the flood fills it, land between them and pin the heap's
// top. After a 16 MiB `cat`, share's heap kept ~5 MB of free chunks for as
// long as the session lived. malloc_trim(0) hands back every whole free page
// inside the heap (madvise), not only its top. src/lib/idle-gc.ts calls it
// once the process has gone quiet, after its last garbage collection.
//
// Elsewhere (musl, macOS) there is nothing to call: trim() returns false.

#include <node_api.h>
#include <stdbool.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) != 0;
#endif
  napi_value result;
  if (napi_get_boolean(env, released, &result) != napi_ok) return NULL;
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
