// Figure and animation sub-commands of the headless CLI: render and animate. They draw
// with the canvas's scene renderer (widgets::renderScene) inside a QApplication on the offscreen
// platform (set when QT_QPA_PLATFORM is unset), so they need no display. Bad input (unknown view,
// layer or step out of range, bad size/theme/fps, unknown extension, unwritable target) throws
// convscope::engine::EngineError (exit status 2) before anything is written; files are written to
// a temporary name and renamed, so a failure leaves no partial file.
#pragma once
#include <string>
#include <vector>

namespace convscope::app {

/// `convscope render STACK [--layer I] [--view VIEW] [--step T] [--size WxH] [--theme T] -o FILE`.
int cmdRender(const std::vector<std::string>& argv);
/// `convscope animate STACK [--layer I] [--view VIEW] [--fps N] [--size WxH] [--theme T]
///  [--from T] [--to T] (-o FILE.gif|.mp4 | --frames-dir DIR [--frame-format png|svg])`.
int cmdAnimate(const std::vector<std::string>& argv);

extern const char* const kRenderHelp;
extern const char* const kAnimateHelp;

}  // namespace convscope::app
