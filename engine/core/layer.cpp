#include "engine/core/layer.h"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "engine/core/limits.h"

namespace convscope::engine {

const char* opName(Op op) {
  switch (op) {
    case Op::Conv:
      return "conv";
    case Op::ConvTranspose:
      return "conv_transpose";
    case Op::Upsample:
      return "upsample";
    case Op::Unpool:
      return "unpool";
    case Op::ZeroInsert:
      return "zero_insert";
    case Op::MaxPool:
      return "max_pool";
    case Op::AvgPool:
      return "avg_pool";
    case Op::BatchNorm:
      return "batch_norm";
    case Op::Relu:
      return "relu";
    case Op::LeakyRelu:
      return "leaky_relu";
    case Op::Elu:
      return "elu";
    case Op::Gelu:
      return "gelu";
    case Op::Tanh:
      return "tanh";
    case Op::Sigmoid:
      return "sigmoid";
  }
  return "?";
}

bool isElementwise(Op op) {
  switch (op) {
    case Op::BatchNorm:
    case Op::Relu:
    case Op::LeakyRelu:
    case Op::Elu:
    case Op::Gelu:
    case Op::Tanh:
    case Op::Sigmoid:
      return true;
    default:
      return false;
  }
}

const char* padModeName(PadMode m) {
  switch (m) {
    case PadMode::Zeros:
      return "zeros";
    case PadMode::Reflect:
      return "reflect";
    case PadMode::Replicate:
      return "replicate";
    case PadMode::Circular:
      return "circular";
  }
  return "?";
}

namespace {

bool sameAxis(const Axis& a, const Axis& b) {
  return a.in == b.in && a.out == b.out && a.k == b.k && a.s == b.s && a.d == b.d && a.pb == b.pb &&
         a.pe == b.pe && a.start == b.start && a.outputPadding == b.outputPadding;
}

bool sameFloat(float a, float b) {
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

}  // namespace

// Every field of Layer (layer.h) is compared here. On the platform the project is built and tested on
// the size check below fails when a field is added, as a reminder to compare it too.
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
static_assert(sizeof(Axis) == 36, "Axis gained a field: compare it in sameAxis");
static_assert(sizeof(Layer) == 440, "Layer gained a field: compare it in sameLayer");
#endif

int64_t multiplyAdds(const Layer& l) {
  int64_t taps = 1;
  for (int a = 0; a < l.dims; ++a) taps = mulSaturating(taps, std::max(1, l.ax[size_t(a)].k));
  const int64_t out = numelSaturating(l.outputShape()), in = numelSaturating(l.inputShape());
  const int64_t g = std::max(1, l.groups);
  switch (l.op) {
    case Op::Conv:
      return mulSaturating(out, mulSaturating(taps, std::max<int64_t>(1, l.inChannels / g)));
    case Op::ConvTranspose:
      return mulSaturating(in, mulSaturating(taps, std::max<int64_t>(1, l.outChannels / g)));
    case Op::Unpool:
      return mulSaturating(in, taps);
    case Op::MaxPool:
    case Op::AvgPool:
      return mulSaturating(out, taps);
    default:
      return out;
  }
}

bool sameLayer(const Layer& a, const Layer& b) {
  if (a.op != b.op || a.dims != b.dims || a.inChannels != b.inChannels || a.outChannels != b.outChannels ||
      a.groups != b.groups || a.padMode != b.padMode || a.upsampleMode != b.upsampleMode ||
      a.avgDivisor != b.avgDivisor || !sameFloat(a.alpha, b.alpha) || a.geluTanh != b.geluTanh ||
      !sameFloat(a.eps, b.eps) || a.formula != b.formula)
    return false;
  for (size_t i = 0; i < a.ax.size(); ++i)
    if (!sameAxis(a.ax[i], b.ax[i])) return false;
  return sameBits(a.weight, b.weight) && sameBits(a.bias, b.bias) && sameBits(a.mean, b.mean) &&
         sameBits(a.var, b.var) && sameBits(a.gamma, b.gamma) && sameBits(a.beta, b.beta);
}

void axesHW(const Layer& l, Axis& h, Axis& w) {
  if (l.dims == 2) {
    h = l.ax[0];
    w = l.ax[1];
  } else {
    h = Axis{};
    h.in = h.out = 1;
    w = l.ax[0];
  }
}

Shape Layer::outputShape() const {
  Shape s{outChannels};
  for (int a = 0; a < dims; ++a) s.push_back(ax[a].out);
  return s;
}

Shape Layer::inputShape() const {
  Shape s{inChannels};
  for (int a = 0; a < dims; ++a) s.push_back(ax[a].in);
  return s;
}

int64_t parameterCount(const Layer& l) {
  return l.weight.numel() + l.bias.numel() + l.gamma.numel() + l.beta.numel();
}

}  // namespace convscope::engine
