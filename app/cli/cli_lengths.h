// `convscope solve` and `convscope lengths`: the length solver and a stack over a range of input
// lengths (engine/lengths/). Engine and the shared parser only.
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

/// `convscope solve --in L --out L2 [...]`: every conv / conv_transpose layer within the bounds
/// that maps L to L2 under the convention, simplest first (text, or --json {"solutions": [...]}).
/// Exit 0 also when there is none (the nearest lengths are named); 2 on a malformed argument.
const CommandSpec& solveSpec();
int cmdSolve(const Arguments& a);

/// `convscope lengths STACK [--from A] [--to B] [--json]`: every layer's output length for each
/// input length, refusals, and for an encoder–decoder the lengths that come back and the fixes.
const CommandSpec& lengthsSpec();
int cmdLengths(const Arguments& a);

}  // namespace convscope::app
