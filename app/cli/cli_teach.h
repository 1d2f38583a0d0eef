// Teaching sub-commands of the headless CLI: equiv, trace, field.
// Each takes argv with argv[0] = the sub-command name, prints to stdout and returns 0; bad input
// (missing/unknown option, unknown layer index, step out of range, wrong op) throws
// convscope::engine::EngineError, which the dispatcher maps to exit status 2.
#pragma once
#include <string>
#include <vector>

namespace convscope::app {

/// `convscope equiv STACK --layer I [--json]`:
/// {"layer": I, "op": "...", "methods": {"name": max_abs_diff, ...}}.
int cmdEquiv(const std::vector<std::string>& argv);
/// `convscope trace STACK --layer I --step T [--json]`: the contributions of step T (batch item 0).
int cmdTrace(const std::vector<std::string>& argv);
/// `convscope field STACK --layer J --position P [--from I] [--json]`: the receptive field.
int cmdField(const std::vector<std::string>& argv);

/// Help texts for `convscope <cmd> --help`.
extern const char* const kEquivHelp;
extern const char* const kTraceHelp;
extern const char* const kFieldHelp;

}  // namespace convscope::app
