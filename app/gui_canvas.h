// Plugs the animated canvas (widgets::Canvas) into the main window: snapshots, the selected layer,
// requested views (lesson "view", --view/--layer/--step), playback shortcuts, and HUD parameter
// sliders turned into undoable document edits under the stack's convention.
#pragma once

namespace convscope::app {

class MainWindow;

/// Creates the canvas, makes it the window's central widget and connects it. Call right after
/// constructing the window, before a stack is opened.
void attachCanvas(MainWindow& window);

}  // namespace convscope::app
