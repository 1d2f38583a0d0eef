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

}  // namespace convscope::engine
