// The op schema: which parameters each op reads under each convention, their defaults and a
// one-line meaning. It is the one table behind the resolvers (engine/resolve/resolve_*.cpp), the
// list of known keys and the stack editor's fields (widgets/stack_editor.cpp). The rules behind
// the names are docs/conventions.md §Parameter names and §Elementwise defaults.
//
// Adding a parameter is one row in op_schema.cpp: the resolver then asks paramKey() for its name
// and paramDefault() for its default, and the editor offers it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/convention.h"
#include "engine/core/layer.h"

namespace convscope::engine {

/// What a parameter means, whatever a convention calls it.
enum class Param {
  OutChannels,
  Kernel,
  Stride,
  Padding,
  AutoPad,
  OutputPadding,
  Dilation,
  Groups,
  TargetSize,
  Bias,      // the bias switch (chainer: nobias, inverted)
  BiasFile,  // "bias" naming a .npy file, under every convention
  PaddingMode,
  CoverAll,
  CeilMode,
  CountIncludePad,
  Init,
  Weight,
  Scale,
  ScaleAlias,  // "scale", accepted for upsample under every convention
  Mode,
  Eps,
  Mean,
  Var,
  Slope,
  Alpha,
  Approximate,
};

/// One parameter of one op under one convention.
struct ParamSpec {
  Param param;
  const char* key;      // the name in a stack file
  const char* def;      // default as JSON text; "required", "null" (none) or a note such as "kernel"
  const char* meaning;  // one line, for tooltips and placeholders
  bool standard;        // offered as a field by the stack editor
};

/// Every parameter `op` reads under `c`, in the editor's order (standard ones first within a row
/// group). A key may appear twice (e.g. "bias" as switch and as file under pytorch).
std::vector<ParamSpec> opParams(Op op, Convention c);
/// The standard keys of opParams(op, c), without repeats.
std::vector<std::string> standardKeys(Op op, Convention c);
/// The name of `p` for `op` under `c`; "" when the op does not take it under that convention.
const char* paramKey(Op op, Convention c, Param p);
/// The default of `p` parsed as JSON; null when required, absent, or not a JSON value (a note).
nlohmann::json paramDefault(Op op, Convention c, Param p);
/// Every key any op reads under any convention, plus "op", "name" and "comment".
const std::vector<std::string>& allParamKeys();

/// Stack-file op word → Op; false if `word` names no op.
bool parseOp(const std::string& word, Op& out);
/// Every op, in the order the editor offers them.
const std::vector<Op>& allOps();

}  // namespace convscope::engine
