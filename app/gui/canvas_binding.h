// Plugs the animated canvas (widgets::Canvas) into the main window: snapshots, the selected layer,
// requested views (lesson "view", --view/--layer/--step), playback shortcuts, and HUD parameter
// sliders turned into undoable document edits under the stack's convention.
#pragma once

namespace convscope::widgets {
class Canvas;
}

namespace convscope::app {

class MainWindow;

/// Creates the canvas, makes it the window's central widget and connects it. Call right after
/// constructing the window, before a stack is opened.
void attachCanvas(MainWindow& window);

/// Turns the canvas's HUD slider edits (Canvas::parameterEdited) into undoable document edits in
/// the stack's convention; attachCanvas calls it. `axis` -1 writes every axis, 0/1 only H or W of a
/// 2-D layer, keeping the other axis' resolved geometry (an edit that cannot is refused with a
/// status-bar message). Separate so tests can connect a canvas that has no OpenGL context.
void connectParameterEdits(MainWindow& window, widgets::Canvas* canvas);

}  // namespace convscope::app
