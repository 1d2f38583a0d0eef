// Starts the desktop app: parses the GUI options (--lesson, --list-lessons, STACK, --view, --layer,
// --step, --screenshot, --quit-after-first-frame).
#pragma once

namespace convscope::app {

/// Runs the Qt application; returns its exit status (2 on bad arguments or an unreadable stack).
int runGui(int argc, char** argv);

}  // namespace convscope::app
