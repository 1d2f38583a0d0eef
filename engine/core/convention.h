// Convention: which framework's rules a stack is written in, and that framework's parameter names.
#pragma once
#include <string>

namespace convscope::engine {

enum class Convention { PyTorch, Keras, Onnx, Chainer };

/// "pytorch" | "keras" | "onnx" | "chainer"; false if `word` is none of them.
bool parseConvention(const std::string& word, Convention& out);
const char* conventionName(Convention c);

/// The names a convention gives to the shared parameters (docs/stack-format.md table).
struct ParamNames {
  const char* outChannels;
  const char* kernel;
  const char* poolKernel;
  const char* stride;
  const char* padding;
  const char* dilation;
  const char* groups;
  const char* outputPadding;
  const char* targetSize;  // output_size / outsize / output_shape ("" for keras)
  const char* bias;        // bias / use_bias / nobias
  const char* eps;
};
const ParamNames& paramNames(Convention c);

}  // namespace convscope::engine
