// Headless command line: `convscope <sub-command> ...`. Needs no display and no Qt GUI.
#pragma once
#include <string>
#include <vector>

namespace convscope::app {

/// True if `word` names a headless sub-command (check, run, bench, ...).
bool isSubcommand(const std::string& word);
/// Runs a sub-command; args[0] is the sub-command. Returns the exit status:
/// 0 success, 2 bad input (one message on stderr), 1 internal failure.
int runCli(const std::vector<std::string>& args);

}  // namespace convscope::app
