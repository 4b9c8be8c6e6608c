// Memory back to the system once a process has gone quiet (src/lib/idle-gc.ts).
//
// trim(): glibc's free() returns memory only from the top of the heap. A
// flood of output leaves the heap full of holes: each read from a pty or a
// socket is a 64 KiB buffer cut down to what was read, and the scrollback's
// lines, allocated while the flood fills it, land between them and pin the
// heap's top. After a 16 MiB `cat`, share's heap kept ~5 MB of free chunks
// for as long as the session lived. malloc_trim(0) hands back every whole
// free page inside the heap (madvise), not only its top. Elsewhere (musl,
// macOS) there is nothing to call: trim() returns false.
//
// pressure(): one full collection as V8 makes it when told memory is short
// (Isolate::MemoryPressureNotification, critical): it compacts to give
// pages back and, unlike the collection `gc()` makes, it ages compiled code,
// so bytecode not run through five such collections is let go (compiled
// again if it ever runs). `gc()` is a forced collection, and V8 leaves code
// ages alone in those: start-up's code (the command line, the TLS set-up)
// and a flood's stayed for the life of the process.
//
// arenas(n): glibc gives each thread that allocates while another holds the
// heap's lock an arena of its own, up to eight per core, and an arena keeps
// its pages: V8's helper threads (concurrent marking, the optimizing
// compiler) each left one of 0.5-1 MB after a flood, ~1.6 MB over share's
// idle set, that malloc_trim cannot give back (their pages hold live
// chunks). Capping the arenas as the CLI starts (mallopt(M_ARENA_MAX), as
// MALLOC_ARENA_MAX=1 would from the environment) makes threads that have
// none yet share the ones there are (by then, the main one and one more).
// share and listen idle after a 16 MiB `cat`: ~1.2 MB less each. Each thread
// keeps its own cache of small chunks, so the shared lock is taken seldom; the
// flood measured no slower.
//
// Node-API for the module; V8's own API for the one call Node-API lacks.

#include <node_api.h>
#include <v8.h>

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
  if (napi_get_boolean(env, released, &result) != napi_ok) return nullptr;
  return result;
}

static napi_value Pressure(napi_env env, napi_callback_info info) {
  (void)info;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  // On the isolate's own thread V8 collects at once; the level goes back to
  // none when it has.
  if (isolate != nullptr) isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  napi_value result;
  if (napi_get_boolean(env, isolate != nullptr, &result) != napi_ok) return nullptr;
  return result;
}

static napi_value Arenas(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  int32_t n = 0;
  bool set = false;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) == napi_ok && argc == 1 &&
      napi_get_value_int32(env, arg, &n) == napi_ok && n > 0) {
#ifdef __GLIBC__
    set = mallopt(M_ARENA_MAX, n) == 1;
#endif
  }
  napi_value result;
  if (napi_get_boolean(env, set, &result) != napi_ok) return nullptr;
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"trim", Trim}, {"pressure", Pressure}, {"arenas", Arenas}};
  for (const auto& f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, f.name, fn) != napi_ok) return nullptr;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
