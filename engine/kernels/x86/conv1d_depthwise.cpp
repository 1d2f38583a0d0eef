// Depthwise 1-D conv, stride 1, C/g = 1 (conv1d_internal.h): its own loop over the input row.
#include "engine/kernels/x86/conv1d_internal.h"

#ifdef CONVSCOPE_DIRECT_CONV1D
namespace convscope::engine::detail {
namespace conv1d {
namespace {

// Depthwise, stride 1 (C/g == 1): y[o][m] = b[o] + sum_j w[o][j] * xpad[m + j*d], xpad[i] = x[i - pb]
// (0 outside [0, Lin)). 128 positions per step (8 accumulators); a step whose reads leave x reads a
// zero-padded copy instead. Same summation order as the tile kernel (bias, then taps in order).

void depthwiseRow(const float* xc, int64_t Lin, int64_t pb, const float* w, int k, int d, float bias,
                  float* yr, int64_t m0, int64_t m1, float* tmp) {
  const int64_t span = int64_t(k - 1) * d;
  for (int64_t m = m0; m < m1; m += kDwPT) {
    const int64_t i0 = m - pb;  // x index of tap 0, lane 0
    const float* xp = xc + i0;
    if (i0 < 0 || i0 + kDwPT + span > Lin) {
      for (int64_t t = 0; t < kDwPT + span; ++t) tmp[t] = (i0 + t >= 0 && i0 + t < Lin) ? xc[i0 + t] : 0.0f;
      xp = tmp;
    }
    __m512 acc[kDwNV];
    for (int v = 0; v < kDwNV; ++v) acc[v] = _mm512_set1_ps(bias);
    for (int j = 0; j < k; ++j) {
      const __m512 wv = _mm512_set1_ps(w[j]);
      const float* xj = xp + int64_t(j) * d;
#pragma GCC unroll 8
      for (int v = 0; v < kDwNV; ++v) acc[v] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xj + 16 * v), acc[v]);
    }
    if (m + kDwPT <= m1) {
      for (int v = 0; v < kDwNV; ++v) _mm512_storeu_ps(yr + m + 16 * v, acc[v]);
    } else {
      for (int v = 0; v < kDwNV; ++v) {
        const int64_t left = m1 - m - 16 * v;
        if (left <= 0) break;
        const __mmask16 mk = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        _mm512_mask_storeu_ps(yr + m + 16 * v, mk, acc[v]);
      }
    }
  }
}

// Rows (n, o) split into segments of whole steps; threads only when the work pays for them.
}  // namespace

void depthwiseConv1d(const Layer& l, const float* x, int N, int64_t Lin, int64_t pb, float* y) {
  const int O = l.outChannels, C = l.inChannels, og = O / C, k = l.ax[0].k, d = l.ax[0].d;
  const int64_t Lout = l.ax[0].out;
  const int64_t rows = int64_t(N) * O;
  const double flops = 2.0 * double(rows) * double(Lout) * k;
  const int threads = threadsFor(flops, rows * ((Lout + kDwPT - 1) / kDwPT));
  // segments per row: enough items for the threads, whole steps each
  const int64_t steps = (Lout + kDwPT - 1) / kDwPT;
  const int64_t segs = std::min<int64_t>(steps, rows >= 4 * threads ? 1 : (4 * threads + rows - 1) / rows);
  const int64_t segLen = (steps + segs - 1) / segs * kDwPT;
  const int64_t items = rows * segs;
  const float* W = l.weight.ptr();
  const float* bias = l.bias.empty() ? nullptr : l.bias.ptr();
  const int64_t span = int64_t(k - 1) * d;
  ParallelGuard guard;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* tmp = nullptr;
    guard.run([&] { tmp = scratch(tlStage, size_t(kDwPT + span + 16)); });
#pragma omp for schedule(static)
    for (int64_t it = 0; it < items; ++it) {
      if (guard.stop()) continue;
      const int64_t row = it / segs, sg = it % segs;
      const int o = int(row % O), n = int(row / O);
      const int64_t m0 = sg * segLen, m1 = std::min(Lout, m0 + segLen);
      // 64 steps between cancel polls (the same steps as one call over [m0, m1))
      for (int64_t ma = m0; ma < m1; ma += 64 * kDwPT) {
        if (guard.stop()) break;
        depthwiseRow(x + (int64_t(n) * C + o / og) * Lin, Lin, pb, W + int64_t(o) * k, k, d,
                     bias ? bias[o] : 0.0f, y + row * Lout, ma, std::min(m1, ma + 64 * kDwPT), tmp);
      }
    }
  }
  guard.finish();
}

}  // namespace conv1d
}  // namespace convscope::engine::detail
#endif
