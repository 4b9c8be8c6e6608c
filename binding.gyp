{
  'targets': [
    {
      # native/memory.cc: malloc_trim, the arena cap and V8's memory-pressure collection (src/lib/native-memory.ts).
      'target_name': 'memory',
      'sources': ['native/memory.cc'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-O2', '-Wall', '-Wextra'],
      'cflags_cc': ['-O2', '-Wall', '-Wextra'],
    },
  ],
}
