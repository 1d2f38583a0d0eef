// Forward kernels over canonical layers (layer.h). Input x is (N, C, L) or (N, C, H, W) with
// C == layer.inChannels and spatial sizes == layer.ax[a].in; the result is (N, O, out...).
// Preconditions are checked by the convention resolver; kernels assume a resolved layer.
// Every kernel polls the current thread's cancel flag between work blocks and throws Cancelled
// (cancel.h); an exception inside its OpenMP regions (std::bad_alloc) is rethrown after the region.
#pragma once
#include "engine/core/layer.h"

namespace convscope::engine {

/// Dispatches on layer.op.
Tensor forwardLayer(const Layer& layer, const Tensor& x);

Tensor conv(const Layer& layer, const Tensor& x);           // P1, im2col + GEMM, any padMode
Tensor convTranspose(const Layer& layer, const Tensor& x);  // P2, polyphase gather-GEMM or direct scatter
Tensor unpool(const Layer& layer, const Tensor& x);
Tensor upsample(const Layer& layer, const Tensor& x);
Tensor zeroInsert(const Layer& layer, const Tensor& x);
Tensor maxPool(const Layer& layer, const Tensor& x);
Tensor avgPool(const Layer& layer, const Tensor& x);
Tensor elementwise(const Layer& layer, const Tensor& x);  // batch_norm and activations

/// Scratch each kernel allocates for a batch of N (see scratchBytes in layer.h), computed by the
/// plan function the kernel itself sizes its buffers with.
ScratchSize convScratch(const Layer& layer, int64_t N);
ScratchSize convTransposeScratch(const Layer& layer, int64_t N);
ScratchSize unpoolScratch(const Layer& layer, int64_t N);
ScratchSize poolScratch(const Layer& layer, int64_t N);
ScratchSize upsampleScratch(const Layer& layer, int64_t N);
ScratchSize elementwiseScratch(const Layer& layer, int64_t N);

namespace detail {
/// Which form convTranspose takes: Auto (planConvTranspose decides by cost), or one forced, for tests
/// that run both forms on the same layers. Process-wide.
enum class ConvTransposeForm { Auto, Gather, Scatter };
void setConvTransposeForm(ConvTransposeForm form);
}  // namespace detail

/// Source index for a padded position t (may be < 0 or >= len) under a non-zero pad mode;
/// precondition: reflect needs pad < len, circular pad <= len (checked by the resolver).
int padSource(int t, int len, PadMode mode);

}  // namespace convscope::engine
