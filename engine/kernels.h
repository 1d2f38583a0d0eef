// Forward kernels over canonical layers (layer.h). Input x is (N, C, L) or (N, C, H, W) with
// C == layer.inChannels and spatial sizes == layer.ax[a].in; the result is (N, O, out...).
// Preconditions are checked by the convention resolver; kernels assume a resolved layer.
#pragma once
#include "layer.h"

namespace convscope::engine {

/// Dispatches on layer.op.
Tensor forwardLayer(const Layer& layer, const Tensor& x);

Tensor conv(const Layer& layer, const Tensor& x);            // P1, im2col + GEMM, any padMode
Tensor convTranspose(const Layer& layer, const Tensor& x);   // P2, polyphase (no work on inserted zeros)
Tensor unpool(const Layer& layer, const Tensor& x);
Tensor upsample(const Layer& layer, const Tensor& x);
Tensor zeroInsert(const Layer& layer, const Tensor& x);
Tensor maxPool(const Layer& layer, const Tensor& x);
Tensor avgPool(const Layer& layer, const Tensor& x);
Tensor elementwise(const Layer& layer, const Tensor& x);     // batch_norm and activations

/// Source index for a padded position t (may be < 0 or >= len) under a non-zero pad mode;
/// precondition: reflect needs pad < len, circular pad <= len (checked by the resolver).
int padSource(int t, int len, PadMode mode);

}  // namespace convscope::engine
