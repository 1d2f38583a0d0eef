// Convention resolution: one stack-file layer (JSON, the convention's parameter names) plus the
// shape it receives → a canonical Layer (layer.h) with every size, pad and crop decided exactly as
// that framework decides it . Refuses what the framework refuses.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "engine/core/convention.h"
#include "engine/core/layer.h"
#include "engine/io/data_path.h"

namespace convscope::engine {

struct ResolveContext {
  Convention convention = Convention::PyTorch;
  std::string file;                          // stack file, as named in messages
  std::string baseDir;                       // directory that relative data paths are resolved against
  int index = 0;                             // layer index
  int dims = 1;                              // spatial rank of the stack
  DataAccess access = DataAccess::Anywhere;  // which files data paths may name (data_path.h)
};

/// Resolves `spec` (a JSON object with "op") for an input of shape `inShape` = (C, spatial...).
/// Throws EngineError naming file, layer, op and parameter.
Layer resolveLayer(const nlohmann::json& spec, const ResolveContext& rc, const Shape& inShape);

/// Per-axis geometry of a forward conv or pool: pads and output length.
struct ConvAxisGeometry {
  int pb = 0, pe = 0, out = 0;
};
/// out = floor((L + pb + pe - dk)/s) + 1; returns out (may be <= 0 when the window does not fit).
int convOutLength(int L, int pb, int pe, int k, int s, int d);
/// TF/ONNX SAME split: out = ceil(L/s), total = max(0, (out-1)s + dk - L); before = total/2
/// (upper) or total - total/2 (lower).
ConvAxisGeometry sameGeometry(int L, int k, int s, int d, bool lower);

}  // namespace convscope::engine
