// convscope entry point: a headless sub-command (cli.h) or the desktop app.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#ifdef CONVSCOPE_WITH_GUI
#include "gui_launch.h"
#endif

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && convscope::app::isSubcommand(args[0])) return convscope::app::runCli(args);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) return convscope::app::runCli({"help"});
#ifdef CONVSCOPE_WITH_GUI
  return convscope::app::runGui(argc, argv);
#else
  if (!args.empty() && args[0][0] != '-') {
    std::cerr << "convscope: unknown command '" << args[0] << "' (see 'convscope --help')\n";
    return 2;
  }
  std::cerr << "convscope: this build has no GUI (CONVSCOPE_BUILD_GUI=OFF); see 'convscope --help'\n";
  return 2;
#endif
}
