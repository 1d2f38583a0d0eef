// Output lengths by resolution: one layer of a stack file resolved on an input of a given length
// with the resolver itself (engine/resolve/resolve.h), so every length the solver and the stack
// length table report follows the same rules as `check` and `run`.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "engine/core/convention.h"
#include "engine/core/layer.h"

namespace convscope::engine {

/// What resolveLayer made of one layer on one input shape: the layer, or the rule that refused it.
struct Probe {
  bool ok = false;
  Layer layer;         // resolved (ok)
  std::string param;   // the parameter the refusal names (may be empty)
  std::string reason;  // the refusal's rule text (not ok)
};

/// Resolves `spec` under `cv` for the input shape `in` = (C, spatial...) as layer `index` of a
/// stack of rank in.size() - 1; never throws for a refusal (Probe::ok false instead).
Probe probeLayer(const nlohmann::json& spec, Convention cv, const Shape& in, int index = 0);

/// The output length of `spec` on a 1-channel 1-D input of length L, or 0 when it is refused.
int probeLength(const nlohmann::json& spec, Convention cv, int L);

/// A copy of `spec` whose resolution decides the same lengths without reading data or building
/// large weights: weight and bias files removed (no bias, a ones kernel), the kernel size taken from
/// `resolved` (the layer as resolved in its stack), in- and out-channels reduced to the groups. `channels`
/// receives the input channel count to resolve it with. Ops that read mean/var files (batch_norm) keep their
/// shape by definition (isElementwise) and are not probed.
nlohmann::json lengthOnlySpec(const nlohmann::json& spec, const Layer& resolved, Convention cv,
                              int& channels);

}  // namespace convscope::engine
