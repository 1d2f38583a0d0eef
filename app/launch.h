// Starts the desktop app: parses the GUI options (--lesson, --list-lessons, FILE, --view, --layer,
// --step, --screenshot, --recover, --quit-after-first-frame and the test hooks) with the shared
// parser (app/cli/arguments.h).
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

/// The launcher's options (`convscope [FILE | --lesson NAME] [options]`), also listed by
/// `convscope --help`.
const CommandSpec& launcherSpec();

/// Runs the Qt application; returns its exit status (2 on bad arguments or an unreadable stack).
int runGui(int argc, char** argv);

}  // namespace convscope::app
