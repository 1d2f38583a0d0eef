// Teaching sub-commands of the headless CLI: equiv, trace, field.
// Each prints to stdout and returns 0; bad input (unknown layer index, step out of range, wrong op)
// throws convscope::engine::EngineError and a bad command line UsageError, both exit status 2.
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

/// `convscope equiv STACK --layer I [--json]`:
/// {"layer": I, "op": "...", "methods": {"name": max_abs_diff, ...}}.
const CommandSpec& equivSpec();
int cmdEquiv(const Arguments& a);
/// `convscope trace STACK --layer I --step T [--json]`: the contributions of step T (batch item 0).
const CommandSpec& traceSpec();
int cmdTrace(const Arguments& a);
/// `convscope field STACK --layer J --position P [--from I] [--json]`: the receptive field.
const CommandSpec& fieldSpec();
int cmdField(const Arguments& a);

}  // namespace convscope::app
