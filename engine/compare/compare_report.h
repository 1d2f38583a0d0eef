// The comparison of compare.h as text (one column per stack) and as the JSON object of
// `convscope compare --json` (docs/compare.md documents every key).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/compare/compare.h"
#include "engine/stack/stack.h"

namespace convscope::engine {

/// The per-stack figures as a table: `rows[r][0]` is the row's label, `rows[r][1 + i]` stack i's
/// cell. Rows: stack, output shape, one row per layer (op and output shape), parameters,
/// multiply-adds, field stride and span per axis, flat-input min..max, ripple and period, single
/// layer. comparisonText prints these; the app's comparison table shows them.
std::vector<std::vector<std::string>> comparisonRows(const Comparison& c);
/// What the field and flat-input rows mean (a few lines of plain text).
std::string comparisonLegend();
/// One pair's line without the names: "max |difference| …, max relative … (largest at …)", or
/// "not compared (…)".
std::string pairText(const Comparison& c, const PairFigures& p);
/// Stack i's single layer in its own convention: "one layer: …" with kernel, bias and the check,
/// or "no single layer: why" (several lines).
std::string singleLayerText(const Comparison& c, size_t i, const Stack& stack);

/// Rows: stack, output shape, one row per layer (op and output shape), parameters, multiply-adds,
/// field stride and span per axis, flat-input min..max, ripple and period, single layer; then the
/// pairwise differences; then each stack's single layer in its own convention with its kernel.
/// `stacks` are the compared stacks (for their conventions), in the order given to compareStacks.
std::string comparisonText(const Comparison& c, const std::vector<Stack>& stacks);

/// {"input_shape", "stacks": [...], "pairs": [...]} — see docs/compare.md.
nlohmann::json comparisonJson(const Comparison& c, const std::vector<Stack>& stacks);

}  // namespace convscope::engine
