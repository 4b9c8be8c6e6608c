{
  'targets': [
    {
      # native/memory.c: malloc_trim for src/lib/idle-gc.ts.
      'target_name': 'memory',
      'sources': ['native/memory.c'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-O2', '-Wall', '-Wextra'],
    },
  ],
}
