// Internals shared by the resolve_*.cpp files (not part of the engine's public API).
#pragma once
#include <string>
#include <vector>

#include "engine/resolve/op_schema.h"
#include "engine/resolve/param_reader.h"
#include "engine/resolve/resolve.h"

namespace convscope::engine::detail {

/// Floor division for possibly negative numerators (Python's //).
inline long long floorDiv(long long a, long long b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
inline long long ceilDiv(long long a, long long b) {
  return -floorDiv(-a, b);
}
/// Number → text for messages and formulas.
inline std::string n2s(long long v) {
  return std::to_string(v);
}

/// "a, b" or "a" for a per-axis description.
std::string joinAxes(const std::vector<std::string>& parts, int dims);
/// Axis name for formulas: "L" in 1-D, "H"/"W" in 2-D.
std::string axisName(int a, int dims);

/// An output length computed in 64-bit → int, or a failure on `key` when it is below 1 or above
/// kMaxAxisLength (`what` names the formula in the message).
int checkedOutLength(const ParamReader& pr, const std::string& key, long long out, int a, int dims,
                     const std::string& what = "output length");

/// Fails on `key` when a kernel span d(k-1)+1 exceeds kMaxAxisLength (k and d each reach 2^24).
void checkSpans(const ParamReader& pr, const std::string& key, const Layer& layer);

/// The name of `p` for the layer's op under the stack's convention (op schema); "" if not taken.
inline std::string keyOf(const ResolveContext& rc, const Layer& layer, Param p) {
  return paramKey(layer.op, rc.convention, p);
}

void resolveConv(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer);
void resolveConvTranspose(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer);
void resolvePool(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer);
void resolveResample(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer);
void resolveElementwise(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer);

/// Weights and bias of conv / conv_transpose: reads "weight"/"bias" files or "init", fills
/// layer.weight (canonical layout), layer.bias, layer.outChannels and kernel sizes (ax[].k).
/// `kernel` / `outChannels` are what the parameters said (0 / empty = not given); the bias
/// switch and its default come from the op schema (Param::Bias, engine/resolve/op_schema.h).
void resolveWeights(ParamReader& pr, const ResolveContext& rc, Layer& layer, std::vector<int> kernel,
                    int outChannels);

/// Seeded uniform values in [-bound, bound) (splitmix64), identical on every platform.
void fillUniform(std::vector<float>& v, unsigned long long seed, float bound);

}  // namespace convscope::engine::detail
