// The comparison of compare.h as text (one column per stack) and as the JSON object of
// `convscope compare --json` (docs/compare.md documents every key).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/compare/compare.h"
#include "engine/stack/stack.h"

namespace convscope::engine {

/// Rows: stack, output shape, one row per layer (op and output shape), parameters, multiply-adds,
/// field stride and span per axis, flat-input min..max, ripple and period, single layer; then the
/// pairwise differences; then each stack's single layer in its own convention with its kernel.
/// `stacks` are the compared stacks (for their conventions), in the order given to compareStacks.
std::string comparisonText(const Comparison& c, const std::vector<Stack>& stacks);

/// {"input_shape", "stacks": [...], "pairs": [...]} — see docs/compare.md.
nlohmann::json comparisonJson(const Comparison& c, const std::vector<Stack>& stacks);

}  // namespace convscope::engine
