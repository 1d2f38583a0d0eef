// `convscope bench --interactive`: interaction latency measured on the app's own
// code path, headless. A hidden MainWindow (shown on the offscreen platform) with its Document, undo
// stack, stack editor and activation plots receives HUD-slider edits exactly as gui_canvas.cpp
// turns them into undoable edits; a widgets::Canvas (never shown: no OpenGL needed) is connected to
// the window as attachCanvas() connects it and rebuilds its SceneModel; its frame is rendered with
// the canvas's paintGL call (widgets::renderSceneImage of Canvas::currentRequest) into a QImage.
// GIF export times exportAnimation (what `convscope animate` runs); app start launches this
// executable with --quit-after-first-frame. GUI builds only (cli.cpp dispatches to it).
#pragma once
#include <string>
#include <vector>

namespace convscope::app {

/// Names of the cases, in the order they run.
const std::vector<std::string>& interactiveBenchCases();
/// Runs the cases `only` names (every case when empty; names from interactiveBenchCases()) `repeat`
/// times each after warm-ups and prints {"cases": [{"name", "median_ms", "p95_ms", ...}]} (json) or a
/// table. Returns 0 (a missed target is a measurement, not a failure); throws std::runtime_error
/// when a case cannot run at all.
int runInteractiveBench(int repeat, bool json, const std::vector<std::string>& only = {});

}  // namespace convscope::app
