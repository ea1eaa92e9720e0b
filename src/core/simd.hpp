#pragma once
// Hot loops that gain from AVX2 get an AVX2 variant next to the x86-64 baseline (SSE2) one, picked
// at load time by the CPU (GCC's target_clones, an ifunc): the build stays portable, FLAME's
// machines get the wide version. Other compilers and targets get the plain function.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FLAMECARE_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FLAMECARE_HOT_CLONES
#endif
