{
  'targets': [
    {
      # native/memory.cc: malloc_trim and V8's memory-pressure collection for src/lib/idle-gc.ts.
      'target_name': 'memory',
      'sources': ['native/memory.cc'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-O2', '-Wall', '-Wextra'],
      'cflags_cc': ['-O2', '-Wall', '-Wextra'],
    },
  ],
}
