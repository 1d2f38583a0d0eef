// `convscope compare`: two or more stacks on the same input, side by side (engine/compare/compare.h).
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

/// `convscope compare A.json B.json [C.json ...] [--lesson NAME ...] [--input X.npy] [--json]`:
/// the text of engine::comparisonText, or with --json the object of docs/compare.md. Exit 0 when
/// it ran, whatever the differences; 2 on bad input (fewer than two stacks, an unreadable stack,
/// input shapes that disagree).
const CommandSpec& compareSpec();
int cmdCompare(const Arguments& a);

}  // namespace convscope::app
