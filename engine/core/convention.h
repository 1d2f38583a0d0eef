// Convention: which framework's rules a stack is written in.
#pragma once
#include <string>

namespace convscope::engine {

enum class Convention { PyTorch, Keras, Onnx, Chainer };

/// "pytorch" | "keras" | "onnx" | "chainer"; false if `word` is none of them.
bool parseConvention(const std::string& word, Convention& out);
const char* conventionName(Convention c);

/// The names a convention gives to each op's parameters are in the op schema
/// (engine/resolve/op_schema.h).

}  // namespace convscope::engine
