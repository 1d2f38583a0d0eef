// Synthetic input signals for stacks and lessons: impulse, step, ramp, sine, chirp, noise.
#pragma once
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/tensor.h"

namespace convscope::engine {

/// Fills a canonical (N, C, spatial...) tensor of `shape` from a generator spec
/// {"kind", "seed", "position", "frequency", "amplitude"}. 1-D signals run along L; in 2-D they
/// run along W and repeat over H, except impulse (a single point at (H/2, position)) and noise.
/// Every batch item and channel gets the same signal except noise (independent, seeded).
Tensor generateInput(const nlohmann::json& spec, const Shape& shape, const ErrorContext& ctx);

}  // namespace convscope::engine
