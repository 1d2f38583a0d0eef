// Figure and animation sub-commands of the headless CLI: render and animate. They draw
// with the canvas's scene renderer (widgets::renderScene) inside a QApplication on the offscreen
// platform (set when QT_QPA_PLATFORM is unset), so they need no display. A bad command line (bad
// size/theme/fps, unknown view or extension) throws UsageError, bad input (layer or step out of
// range, unwritable target) convscope::engine::EngineError (both exit status 2) before anything is written;
// files are written to a temporary name and renamed, so a failure leaves no partial file.
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

/// `convscope render STACK [--layer I] [--view VIEW] [--step T] [--size WxH] [--theme T] -o FILE`.
const CommandSpec& renderSpec();
int cmdRender(const Arguments& a);
/// `convscope animate STACK [--layer I] [--view VIEW] [--fps N] [--size WxH] [--theme T]
///  [--from T] [--to T] (-o FILE.gif|.mp4 | --frames-dir DIR [--frame-format png|svg])`.
const CommandSpec& animateSpec();
int cmdAnimate(const Arguments& a);

}  // namespace convscope::app
