// conv1d_kernel.cpp: the dispatch of the direct AVX-512 1-D kernels (conv1d_kernel.h): which
// layers they take, the scratch they allocate and the entry points; the kernel families are in
// conv1d_direct.cpp, conv1d_transposed.cpp and conv1d_depthwise.cpp (conv1d_internal.h).
#include "engine/kernels/x86/conv1d_internal.h"

namespace convscope::engine::detail {

#ifdef CONVSCOPE_DIRECT_CONV1D
using namespace conv1d;

bool directConv1dSupported(const Layer& l) {
  if (l.dims != 1 || l.groups < 1 || l.inChannels % l.groups || l.outChannels % l.groups) return false;
  // transposed: the polyphase kernel computes every Q of out/s positions times all k taps; the true
  // work is in * k, so a kernel much longer than the input goes to the scatter path instead
  if (l.op == Op::ConvTranspose)
    return 16 % l.ax[0].s == 0 && int64_t(l.ax[0].out) / l.ax[0].s + 1 <= 4 * int64_t(l.ax[0].in);
  return l.op == Op::Conv;
}

ScratchSize directConv1dScratch(const Layer& l, int64_t N, int Lin, int pb) {
  ScratchSize sz;
  if (!directConv1dSupported(l) || l.ax[0].out <= 0 || N == 0 || l.outChannels == 0) return sz;
  const int64_t cg = l.inChannels / l.groups, k = l.ax[0].k;
  // offsets (2 per term, int) and packed weights (O x cg*k floats), filled before the region
  sz.shared = addSaturating(mulSaturating(2 * cg * k, sizeof(int)),
                            mulSaturating(int64_t(l.outChannels) * cg * k, sizeof(float)));
  if (l.op == Op::Conv) {
    const Plan p = convPlan(l, int(N), Lin, pb);
    if (convIsDepthwise(p)) return {0, (kDwPT + int64_t(p.k - 1) * p.d + 16) * int64_t(sizeof(float))};
    sz.perThread = int64_t(p.cg) * p.rowsPerC * p.RS * int64_t(sizeof(float));
  } else {
    const Plan p = convTransposePlan(l, int(N));
    sz.perThread = (int64_t(p.cg) * p.RS + int64_t(p.s) * kOT * phaseRowStride(p)) * int64_t(sizeof(float));
  }
  return sz;
}

// Transposed: polyphase (convTranspose1dPhases), stride 1 included (one phase written straight into y).
void directConvTranspose1d(const Layer& l, const float* x, int N, float* y) {
  if (l.ax[0].out <= 0 || N == 0 || l.outChannels == 0) return;
  convTranspose1dPhases(l, x, N, y);
}

#else  // no AVX-512: the Eigen paths in conv.cpp / conv_transpose.cpp handle everything

bool directConv1dSupported(const Layer&) {
  return false;
}
void directConv1d(const Layer&, const float*, int, int, int, float*) {}
void directConvTranspose1d(const Layer&, const float*, int, float*) {}
ScratchSize directConv1dScratch(const Layer&, int64_t, int, int) {
  return {};
}

#endif

}  // namespace convscope::engine::detail
