// kernels.cpp: forwardLayer (dispatch on Layer::op), scratchBytes (dispatch to the kernels' own
// scratch plans) and padSource (index map of the pad modes).
#include "engine/kernels/kernels.h"

#include <stdexcept>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace convscope::engine {

// Output shape: whatever the dispatched kernel returns, (N, outChannels, ax[..].out...).
// Throws Cancelled when the current thread's cancel flag is (or becomes, mid-kernel) set.
Tensor forwardLayer(const Layer& layer, const Tensor& x) {
  throwIfCancelled();
  switch (layer.op) {
    case Op::Conv:
      return conv(layer, x);
    case Op::ConvTranspose:
      return convTranspose(layer, x);
    case Op::Unpool:
      return unpool(layer, x);
    case Op::Upsample:
      return upsample(layer, x);
    case Op::ZeroInsert:
      return zeroInsert(layer, x);
    case Op::MaxPool:
      return maxPool(layer, x);
    case Op::AvgPool:
      return avgPool(layer, x);
    case Op::BatchNorm:
    case Op::Relu:
    case Op::LeakyRelu:
    case Op::Elu:
    case Op::Gelu:
    case Op::Tanh:
    case Op::Sigmoid:
      return elementwise(layer, x);
  }
  throw std::logic_error("forwardLayer: unknown op");
}

int64_t scratchBytes(const Layer& l, int64_t batch) {
  ScratchSize s;
  switch (l.op) {
    case Op::Conv:
      s = convScratch(l, batch);
      break;
    case Op::ConvTranspose:
      s = convTransposeScratch(l, batch);
      break;
    case Op::Unpool:
      s = unpoolScratch(l, batch);
      break;
    case Op::Upsample:
      s = upsampleScratch(l, batch);
      break;
    case Op::ZeroInsert:
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      s = poolScratch(l, batch);
      break;
    default:
      s = elementwiseScratch(l, batch);
      break;
  }
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  return addSaturating(s.shared, mulSaturating(s.perThread, threads));
}

// reflect: mirror without repeating the edge (-1 -> 1, len -> len-2), period 2(len-1);
// replicate: clamp to [0, len-1]; circular: t mod len; zeros: t if in range, else -1 (no source).
int padSource(int t, int len, PadMode mode) {
  if (t >= 0 && t < len) return t;
  switch (mode) {
    case PadMode::Zeros:
      return -1;
    case PadMode::Replicate:
      return t < 0 ? 0 : len - 1;
    case PadMode::Circular: {
      const int r = t % len;
      return r < 0 ? r + len : r;
    }
    case PadMode::Reflect: {
      if (len == 1) return 0;
      const int period = 2 * (len - 1);
      int r = t % period;
      if (r < 0) r += period;
      return r < len ? r : period - r;
    }
  }
  return -1;
}

}  // namespace convscope::engine
