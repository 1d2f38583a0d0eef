#include "engine/core/convention.h"

namespace convscope::engine {

bool parseConvention(const std::string& word, Convention& out) {
  if (word == "pytorch")
    out = Convention::PyTorch;
  else if (word == "keras")
    out = Convention::Keras;
  else if (word == "onnx")
    out = Convention::Onnx;
  else if (word == "chainer")
    out = Convention::Chainer;
  else
    return false;
  return true;
}

const char* conventionName(Convention c) {
  switch (c) {
    case Convention::PyTorch:
      return "pytorch";
    case Convention::Keras:
      return "keras";
    case Convention::Onnx:
      return "onnx";
    case Convention::Chainer:
      return "chainer";
  }
  return "?";
}

const ParamNames& paramNames(Convention c) {
  static const ParamNames torch{"out_channels", "kernel_size", "kernel_size", "stride",
                                "padding",      "dilation",    "groups",      "output_padding",
                                "output_size",  "bias",        "eps"};
  static const ParamNames keras{"filters", "kernel_size",   "pool_size", "strides",
                                "padding", "dilation_rate", "groups",    "output_padding",
                                "",        "use_bias",      "epsilon"};
  static const ParamNames onnx{"out_channels", "kernel_shape", "kernel_shape", "strides",
                               "pads",         "dilations",    "group",        "output_padding",
                               "output_shape", "bias",         "epsilon"};
  static const ParamNames chainer{"out_channels", "ksize", "ksize",   "stride", "pad", "dilate",
                                  "groups",       "",      "outsize", "nobias", "eps"};
  switch (c) {
    case Convention::PyTorch:
      return torch;
    case Convention::Keras:
      return keras;
    case Convention::Onnx:
      return onnx;
    case Convention::Chainer:
      return chainer;
  }
  return torch;
}

}  // namespace convscope::engine
