// convscope entry point: a headless sub-command (cli.h) or the desktop app.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/cli.h"
#ifdef CONVSCOPE_WITH_GUI
#include "app/launch.h"
#endif

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && convscope::app::isSubcommand(args[0])) return convscope::app::runCli(args);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) return convscope::app::runCli({"help"});
  // A bare word that is neither a sub-command nor an existing file is a mistyped command:
  // refuse it before any GUI starts (and without needing a display).
  std::error_code ec;
  if (!args.empty() && args[0][0] != '-' && !std::filesystem::exists(args[0], ec)) {
    std::cerr << "convscope: '" << args[0] << "' is neither a command nor an existing stack file"
              << " (see 'convscope --help')\n";
    return 2;
  }
#ifdef CONVSCOPE_WITH_GUI
  return convscope::app::runGui(argc, argv);
#else
  std::cerr << "convscope: this build has no GUI (CONVSCOPE_BUILD_GUI=OFF); see 'convscope --help'\n";
  return 2;
#endif
}
