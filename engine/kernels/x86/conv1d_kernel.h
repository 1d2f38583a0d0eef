// conv1d_kernel: direct (no im2col, no GEMM) AVX-512 kernels for 1-D conv and transposed conv.
//
// Both are run as one register-blocked micro-kernel over a per-thread, per-block staged copy of
// the input (zero padding and strides resolved in the staging, so the kernel never branches):
//   acc[o][p] = sum_t W[o][t] * xs[off_t + p]      p = 16-lane vectors of output positions
// * conv, stride s: the staging de-interleaves x into s phase rows per channel, so every tap is a
//   unit-stride load; a term is (channel, tap).
// * transposed conv, stride s | 16 (polyphase): output phase r (q = s*Q + r) is a stride-1 conv of the
//   plain input with the taps j*d = s*a + r only — no work on inserted zeros nor on missing taps; a
//   block computes the s phase rows into a buffer and interleaves them into y in registers.
// * depthwise (C/g = 1, stride 1): its own loop over the input row (128 positions per step).
// Register tile: 8 output channels x 48 positions (24 zmm accumulators), channels chunked so the
// staged rows of a tile stay in L1. Each thread takes one contiguous, equal run of (batch, group,
// position) tiles, cut into L2-sized blocks; the next block's input is prefetched during the current one.
#pragma once
#include "engine/core/layer.h"

namespace convscope::engine::detail {

/// True when the direct kernels handle this layer (1-D, AVX-512 build; transposed needs s | 16 and
/// a polyphase cost out/s <= 4 in, i.e. not a kernel much longer than the input, whose taps would
/// mostly read zeros: those take the scatter path of convTranspose).
bool directConv1dSupported(const Layer& layer);

/// Scratch directConv1d (op Conv: Lin, pb as passed to it) or directConvTranspose1d allocates for a
/// batch of N: packed weights and offsets (shared), staged input and phase rows (per thread).
ScratchSize directConv1dScratch(const Layer& layer, int64_t N, int Lin, int pb);

/// y (N, O, out) = conv of x (N, C, in) with zero padding (pb, pe) — callers materialise other
/// pad modes and pass pb = pe = 0. y must be allocated.
void directConv1d(const Layer& layer, const float* x, int N, int Lin, int pb, float* y);

/// y (N, O, out) = transposed conv of x (N, C, in). y must be allocated.
void directConvTranspose1d(const Layer& layer, const float* x, int N, float* y);

}  // namespace convscope::engine::detail
