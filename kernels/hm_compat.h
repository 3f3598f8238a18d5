/*
 * hm_compat.h - the few names the kernel needs, spelled for both C11 and OpenCL C.
 *
 * The pi kernel (mcpi.cl) is compiled twice: by the host C compiler, which includes it into
 * the CPU backends, and by an OpenCL compiler at run time. This header is the only place that
 * knows which one is reading. Like Random123's features headers, every HM_* macro is always
 * defined, so the kernel never needs an #ifdef of its own.
 */
#ifndef HM_COMPAT_H
#define HM_COMPAT_H

#if defined(__OPENCL_VERSION__)
/* OpenCL C: fixed-width types are built in; Random123 typedefs uint32_t/uint64_t itself. */
typedef uint hm_u32;
typedef ulong hm_u64;
#define HM_KERNEL __kernel
#define HM_GLOBAL __global
/* static: a plain `inline` function of OpenCL C (C99 rules) has no definition of its own, so a
 * compiler that does not inline it (optimisation off, -cl-opt-disable) leaves an unresolved call.
 * always_inline: PoCL otherwise leaves hm_philox a call, and a call stops its vectoriser
 * (measured: 0.26 G samples/s scalar on 2 cores). */
#define HM_INLINE static inline __attribute__((always_inline))
/* Random123 on OpenCL devices: its helpers static for the same reason (its OpenCL default is a
 * plain `inline`: `ptxas fatal: Unresolved extern function 'mulhilo32'` at -O0), and mulhilo32
 * through OpenCL's mul_hi, which NVIDIA GPUs run as one IMAD.WIDE with the low half, where the
 * 64-bit product left an "add zero" instruction after every multiply (sm_90, counted by
 * bench/device.sh). */
#define R123_STATIC_INLINE static inline
#define R123_USE_64BIT 0
#define R123_USE_MULHILO32_MULHI_INTRIN 1
#define R123_MULHILO32_MULHI_INTRIN mul_hi
/* The device's wide counting loop (kernels/mcpi.cl): PoCL vectorises it across iterations, and
 * vectors in flight hide the multiplies' latency (1 PoCL thread, 2^27 samples: 0.89 G
 * samples/s as clang chose, 1.06 G with four; forcing vectorize_width(8) as well was no faster
 * and made simulators such as Oclgrind meet llvm.vector.reduce, which they cannot run). Two,
 * not four: with four the loop needed 72 VGPRs on gfx90a and 40 registers on sm_90, above the
 * bounds every form must fit (tests/opencl_portability.sh). */
#define HM_WIDE_LOOP _Pragma("clang loop interleave_count(2)")
/* A loop the compiler must not unroll further: unrolled, the mul_hi form's loop took 68 to 286
 * VGPRs on gfx90a (occupancy 7 to 1, spills). */
#define HM_NO_UNROLL _Pragma("clang loop unroll(disable)")
/* Vectorisation on OpenCL devices comes from the runtime (PoCL vectorises across work-items). */
#define HM_SIMD
#define HM_SIMD_REDUCTION_ADD(var)
#define HM_UNROLL(n)
#define HM_IS_OPENCL 1
#else
#include <stdint.h>
typedef uint32_t hm_u32;
typedef uint64_t hm_u64;
#define HM_KERNEL
#define HM_GLOBAL
#define HM_INLINE static inline
/* _Pragma keeps the directive inside a macro; -fopenmp-simd makes it work without -fopenmp. */
#define HM_PRAGMA(x) _Pragma(#x)
#define HM_SIMD HM_PRAGMA(omp simd)
#define HM_WIDE_LOOP
#define HM_NO_UNROLL
#define HM_SIMD_REDUCTION_ADD(var) HM_PRAGMA(omp simd reduction(+ : var))
/* gcc needs the rounds unrolled to keep the lanes in registers; clang does better without. */
#if defined(__GNUC__) && !defined(__clang__)
#define HM_UNROLL(n) HM_PRAGMA(GCC unroll n)
#else
#define HM_UNROLL(n)
#endif
#define HM_IS_OPENCL 0
#endif

#endif /* HM_COMPAT_H */
