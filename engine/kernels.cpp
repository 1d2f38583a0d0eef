// kernels.cpp: forwardLayer (dispatch on Layer::op) and padSource (index map of the pad modes).
#include "kernels.h"

#include <stdexcept>

namespace convscope::engine {

// Output shape: whatever the dispatched kernel returns, (N, outChannels, ax[..].out...).
Tensor forwardLayer(const Layer& layer, const Tensor& x) {
  switch (layer.op) {
    case Op::Conv: return conv(layer, x);
    case Op::ConvTranspose: return convTranspose(layer, x);
    case Op::Unpool: return unpool(layer, x);
    case Op::Upsample: return upsample(layer, x);
    case Op::ZeroInsert: return zeroInsert(layer, x);
    case Op::MaxPool: return maxPool(layer, x);
    case Op::AvgPool: return avgPool(layer, x);
    case Op::BatchNorm:
    case Op::Relu:
    case Op::LeakyRelu:
    case Op::Elu:
    case Op::Gelu:
    case Op::Tanh:
    case Op::Sigmoid: return elementwise(layer, x);
  }
  throw std::logic_error("forwardLayer: unknown op");
}

// reflect: mirror without repeating the edge (-1 -> 1, len -> len-2), period 2(len-1);
// replicate: clamp to [0, len-1]; circular: t mod len; zeros: t if in range, else -1 (no source).
int padSource(int t, int len, PadMode mode) {
  if (t >= 0 && t < len) return t;
  switch (mode) {
    case PadMode::Zeros: return -1;
    case PadMode::Replicate: return t < 0 ? 0 : len - 1;
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
