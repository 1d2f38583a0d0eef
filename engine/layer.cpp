#include "layer.h"

namespace convscope::engine {

const char* opName(Op op) {
  switch (op) {
    case Op::Conv: return "conv";
    case Op::ConvTranspose: return "conv_transpose";
    case Op::Upsample: return "upsample";
    case Op::Unpool: return "unpool";
    case Op::ZeroInsert: return "zero_insert";
    case Op::MaxPool: return "max_pool";
    case Op::AvgPool: return "avg_pool";
    case Op::BatchNorm: return "batch_norm";
    case Op::Relu: return "relu";
    case Op::LeakyRelu: return "leaky_relu";
    case Op::Elu: return "elu";
    case Op::Gelu: return "gelu";
    case Op::Tanh: return "tanh";
    case Op::Sigmoid: return "sigmoid";
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
    case Op::Sigmoid: return true;
    default: return false;
  }
}

const char* padModeName(PadMode m) {
  switch (m) {
    case PadMode::Zeros: return "zeros";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
    case PadMode::Circular: return "circular";
  }
  return "?";
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

}  // namespace convscope::engine
