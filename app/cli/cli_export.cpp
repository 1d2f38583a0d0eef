// cli_export.cpp: `render` and `animate` (see cli_export.h).
//
// Index of this file:
//   [SECTION] SPECS      the two commands' options and help (views from widgets::concreteViews)
//   [SECTION] ARGUMENTS  --size, --theme, --view, the stack's own "view", the scene both draw
//   [SECTION] RENDER     cmdRender
//   [SECTION] ANIMATE    cmdAnimate
#include "app/cli/cli_export.h"

#include <unistd.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/export/export_job.h"
#include "app/export/headless_app.h"
#include "app/project/lessons.h"
#include "app/project/stack_source.h"
#include "engine/compare/compare.h"
#include "engine/core/error.h"
#include "engine/stack/stack.h"
#include "widgets/scene/scene_renderer.h"

namespace convscope::app {

// [SECTION] SPECS

namespace {

using engine::EngineError;

constexpr int kActivationsRowPx = 170;  // per plot of `render --view activations` (title + axes + ~120 px)

// "slide, scatter, ..., activations" (widgets::concreteViews) with `sep` between them.
std::string viewList(const std::string& sep) {
  std::string list;
  for (widgets::View v : widgets::concreteViews()) list += (list.empty() ? "" : sep) + widgets::viewName(v);
  return list;
}

// The options render and animate share.
std::vector<OptionSpec> sceneOptions() {
  return {{{"layer"}, "I", "layer index from 0 (default: the stack's \"view\" layer, else 0)"},
          {{"view"}, "VIEW", viewList(" | ") + " | auto (default: the stack's \"view\", else auto)"},
          {{"size"},
           "WxH",
           "logical size in pixels, 64..8192 each (default 960x600; for activations "
           "960 x 170 per plot); PNG is exactly this, SVG/PDF/TeX use 96 px per inch "
           "(1 px = 0.75 pt)"},
          {{"theme"},
           "T",
           "light (default) | dark | print (white, thin strokes, colour-blind safe, "
           "readable in greyscale)"},
          figureTextOptions()[0],
          figureTextOptions()[1],
          {{"compare"},
           "STACK",
           "draw STACK (a stack file, a project or a bundled lesson's name) beside the first, "
           "repeatable up to 3: the side-by-side frame of a comparison, every stack run on the first "
           "one's input, each at its own \"view\" layer (else its last) in the same view "
           "(default size 560x600 per stack)"}};
}

CommandSpec makeRenderSpec() {
  CommandSpec c;
  c.name = "render";
  c.summary = "one figure of a view: .png, .svg, .pdf or .tex";
  c.usage = {
      "STACK [--layer I] [--view VIEW] [--step T] [--size WxH] [--theme light|dark|print]\n"
      "                        [--no-title] [--no-caption] -o FILE.png|.svg|.pdf|.tex"};
  c.description =
      "Draws one frame of a view of layer I with the canvas's renderer (the frame the app shows).";
  c.stack = true;
  c.options = sceneOptions();
  c.options.push_back({{"step"},
                       "T",
                       "step from 1 to the view's step count, as the frame title counts it (\"step 1 / "
                       "6\" is the first; the output position for slide/zero_insert/matrix/"
                       "receptive_field, the input position for scatter/overlap, in row-major order); "
                       "default: the stack's \"view\" step when neither --view nor --layer is given, "
                       "else 1"});
  c.options.push_back({{"o", "out"},
                       "FILE",
                       ".png (raster), .svg / .pdf (vectors: cells as paths, text as text), "
                       ".tex (standalone TikZ picture for pdflatex, the same drawing as TikZ commands) "
                       "(required)"});
  c.epilog =
      "--view activations draws every layer's activation plots (the app's Activations panel) as one\n"
      "figure in .png/.svg/.pdf; as .tex it draws the renderer's activations view (heatmap strips).\n"
      "The file is written to a temporary name and renamed: a failure leaves no partial file.\n";
  return c;
}

CommandSpec makeAnimateSpec() {
  CommandSpec c;
  c.name = "animate";
  c.summary = "one frame per step of a view: .gif, .mp4 or a folder of frames";
  c.usage = {
      "STACK [--layer I] [--view VIEW] [--fps N] [--size WxH] [--theme light|dark|print]\n"
      "                         [--from T] [--to T] [--no-title] [--no-caption] [-o FILE.gif|.mp4]\n"
      "                         [--frames-dir DIR [--frame-format png|svg]]"};
  c.description =
      "One frame per step of the view (same labels and formula as the canvas), steps --from..--to\n"
      "(inclusive, default all). Prints 'wrote FILE: N frames, B bytes (codec)' per output.";
  c.stack = true;
  c.options = sceneOptions();
  c.options.insert(
      c.options.end(),
      {{{"fps"}, "N", "frames per second, 1..60 (default 2)"},
       {{"from"}, "T", "first step, counted from 1 as in the frame title (default 1)"},
       {{"to"}, "T", "last step, inclusive (default: the last)"},
       {{"o", "out"},
        "FILE",
        ".gif: looping GIF, global palette (theme colours exact + quantised rest), frame "
        "differencing (only the changed rectangle, transparent elsewhere); .mp4: H.264 (libx264) "
        "when FFmpeg has it, else MPEG-4 part 2"},
       {{"frames-dir"}, "DIR", "also (or only) write DIR/frame_<TTTT>.png|svg, T = the step (from 1)"},
       {{"frame-format"}, "png|svg", "the format of --frames-dir (default png)"}});
  c.epilog = "-o or --frames-dir is required.\n";
  return c;
}

// [SECTION] ARGUMENTS

// One side of --size: an integer in 64..8192.
int sizeSide(const Arguments& a, const std::string& whole, const std::string& side) {
  try {
    size_t used = 0;
    const long v = std::stol(side, &used);
    if (used == side.size() && v >= 64 && v <= 8192) return int(v);
  } catch (const std::exception&) {
  }
  a.fail("--size must be WxH with W and H in 64..8192 (e.g. 800x400), got '" + whole + "'");
}

QSize sizeValue(const Arguments& a) {
  const auto v = a.value("size");
  if (!v) return QSize(960, 600);
  const auto x = v->find_first_of("xX");
  if (x == std::string::npos) a.fail("--size must be WxH (e.g. 800x400), got '" + *v + "'");
  return QSize(sizeSide(a, *v, v->substr(0, x)), sizeSide(a, *v, v->substr(x + 1)));
}

widgets::Theme themeValue(const Arguments& a) {
  const auto v = a.value("theme");
  if (!v) return widgets::Theme::Light;
  const auto t = widgets::themeFromName(QString::fromStdString(*v));
  if (!t) a.fail("unknown theme '" + *v + "' for --theme (light, dark or print)");
  return *t;
}

widgets::View viewValue(const Arguments& a, const std::string& name) {
  const auto view = widgets::viewFromName(QString::fromStdString(name));
  if (!view) a.fail("unknown view '" + name + "' for --view (" + viewList(", ") + ", auto)");
  return *view;
}

/// The "view" object of a stack or lesson: view name ("auto" when absent), layer, step (-1).
struct StackView {
  std::string name = "auto";
  int layer = 0;
  int step = -1;  // -1: none given
};
constexpr int kLastStep = INT32_MAX;
StackView stackView(const nlohmann::json& j) {
  StackView v;
  if (!j.is_object() || !j.contains("view") || !j["view"].is_object()) return v;
  const auto& jv = j["view"];
  if (jv.contains("name") && jv["name"].is_string()) v.name = jv["name"].get<std::string>();
  if (jv.contains("layer") && jv["layer"].is_number_integer()) v.layer = jv["layer"].get<int>();
  // as the app reads it: -1 or "last" = the view's final step (kLastStep here)
  if (jv.contains("step") && jv["step"].is_number_integer())
    v.step = jv["step"].get<int>() == -1 ? kLastStep : jv["step"].get<int>();
  if (jv.contains("step") && jv["step"].is_string() && jv["step"].get<std::string>() == "last")
    v.step = kLastStep;
  return v;
}

// Everything render and animate share: the stack, its outputs and the scene model of the view.
struct Scene {
  widgets::SnapshotPtr snapshot;
  widgets::SceneModelPtr model;
  widgets::View view = widgets::View::Auto;
  int layer = 0;
  int defaultStep = 0;  // the file's view.step when neither --view nor --layer overrides its view
};

// The stack of `a` with the view --view/--layer name, else the stack's own "view".
Scene loadScene(const Arguments& a) {
  if (const auto v = a.value("view")) viewValue(a, *v);  // a mistyped view fails before any work
  auto st = loadStackSource(a.stackSource());
  for (const auto& w : st.warnings) std::cerr << w << "\n";
  const StackView fileView = stackView(st.source);
  Scene s;
  s.view = viewValue(a, a.value("view").value_or(fileView.name));
  const int nLayers = int(st.layers.size());
  s.layer = a.intValue("layer", -1000000, 1000000, fileView.layer);
  if (s.view != widgets::View::Activations && (s.layer < 0 || s.layer >= nLayers))
    throw EngineError({st.file, -1, "", "--layer"},
                      "layer index " + std::to_string(s.layer) + " is out of range: the stack has " +
                          std::to_string(nLayers) + " layers (0.." + std::to_string(nLayers - 1) + ")");
  if (s.view == widgets::View::Activations && (s.layer < 0 || s.layer >= nLayers))
    s.layer = std::max(0, nLayers - 1);
  auto outs = engine::forward(st);
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = std::move(st);
  snap->outputs = std::move(outs);
  s.snapshot = snap;
  s.model = widgets::SceneModel::build(s.snapshot, nLayers ? s.layer : -1, s.view);
  if (!a.isSet("view") && !a.isSet("layer") && fileView.step >= 0)
    s.defaultStep =
        fileView.step == kLastStep ? s.model->steps - 1 : std::min(fileView.step, s.model->steps - 1);
  if (!s.model->error.isEmpty()) {
    const auto& l = s.snapshot->stack.layers[size_t(s.layer)];
    throw EngineError({s.snapshot->stack.file, s.layer, engine::opName(l.op), "--view"},
                      s.model->error.toStdString());
  }
  return s;
}

/// --compare: the scene of `s` and each stack named, run on s's input (reshaped along singleton
/// axes; a stack whose input does not fit is an error naming both shapes), each at its file's view
/// layer (else its last), in s's view where that view can show the layer (else the layer's own).
std::vector<widgets::ComparisonPanel> loadPanels(const Arguments& a, const Scene& s) {
  const auto names = a.values("compare");
  if (names.size() > 3) a.fail("--compare: at most 3 stacks beside the first");
  const StackSource first = a.stackSource();
  auto label = [](const StackSource& src) {
    return src.lesson.empty() ? QFileInfo(QString::fromStdString(src.path)).fileName()
                              : QString::fromStdString(src.label());
  };
  std::vector<widgets::ComparisonPanel> panels{{s.model, label(first)}};
  for (const std::string& n : names) {
    const bool file = QFileInfo::exists(QString::fromStdString(n));
    if (!file && lessonPath(QString::fromStdString(n)).isEmpty())
      a.fail("--compare " + n +
             ": no such stack file or lesson (lessons: " + lessonNames().join(", ").toStdString() + ")");
    const StackSource src = file ? StackSource{n, ""} : StackSource{"", n};
    const engine::Stack own = loadStackSource(src);
    if (own.layers.empty())
      throw EngineError({own.file, -1, "", "layers"}, "a stack to compare needs a layer");
    auto snap = std::make_shared<widgets::StackSnapshot>();
    snap->stack = engine::onSharedInput(own, s.snapshot->stack.input, "of " + s.snapshot->stack.file);
    snap->outputs = engine::forward(snap->stack);
    const int nLayers = int(own.layers.size());
    const int fileLayer = stackView(own.source).layer;
    const int layer =
        own.source.contains("view") && fileLayer >= 0 && fileLayer < nLayers ? fileLayer : nLayers - 1;
    const widgets::View view =
        widgets::viewSupports(s.view, own.layers[size_t(layer)]) ? s.view : widgets::View::Auto;
    panels.push_back({widgets::SceneModel::build(snap, layer, view), label(src)});
  }
  return panels;
}

/// The step option `name` (--step, --from, --to), counted from 1 as the frame title counts:
/// 1..steps; anything else is a usage error naming the option and the range.
int stepValue(const Arguments& a, const std::string& name, const Scene& s, int fallback) {
  const int steps = s.model->steps;
  const int v = a.intValue(name, -1000000000, 1000000000, fallback);
  if (v < 1 || v > steps)
    a.fail("step " + std::to_string(v) + " for --" + name + " is out of range: the " +
           widgets::viewName(s.model->view) + " view of layer " + std::to_string(s.layer) + " has " +
           std::to_string(steps) + " steps, numbered 1.." + std::to_string(steps));
  return v;
}

std::string humanBytes(qint64 b) {
  char buf[64];
  if (b >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.2f MiB", b / 1048576.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  return buf;
}

}  // namespace

const CommandSpec& renderSpec() {
  static const CommandSpec c = makeRenderSpec();
  return c;
}
const CommandSpec& animateSpec() {
  static const CommandSpec c = makeAnimateSpec();
  return c;
}

// [SECTION] RENDER

namespace {

/// The comparison's step option `name`, counted from 1: 1..steps of the longest panel.
int comparisonStep(const Arguments& a, const std::string& name, int steps, int fallback) {
  const int v = a.intValue(name, -1000000000, 1000000000, fallback);
  if (v < 1 || v > steps)
    a.fail("step " + std::to_string(v) + " for --" + name + " is out of range: the comparison has " +
           std::to_string(steps) + " steps, numbered 1.." + std::to_string(steps));
  return v;
}

/// The default size of a comparison: widgets::comparisonFigureSize, unless --size.
QSize comparisonSize(const Arguments& a, size_t stacks) {
  return a.isSet("size") ? sizeValue(a) : widgets::comparisonFigureSize(int(stacks));
}

int renderComparison(const Arguments& a, const Scene& s, const QString& path, widgets::Theme theme) {
  const auto panels = loadPanels(a, s);
  const int step = comparisonStep(a, "step", widgets::comparisonSteps(panels), 1) - 1;
  const QSize size = comparisonSize(a, panels.size());
  try {
    exportComparisonFigure(panels, step, theme, size, path, !a.isSet("no-title"), !a.isSet("no-caption"));
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, std::string("render: ") + e.what());
  }
  std::cout << "wrote " << path.toStdString() << ": " << size.width() << "x" << size.height() << ", "
            << panels.size() << " stacks side by side, " << humanBytes(QFileInfo(path).size()) << "\n";
  return 0;
}

int animateComparison(const Arguments& a, const Scene& s, AnimationOptions o, const std::string& out) {
  const auto panels = loadPanels(a, s);
  const int steps = widgets::comparisonSteps(panels);
  o.first = comparisonStep(a, "from", steps, 1) - 1;
  o.last = comparisonStep(a, "to", steps, steps) - 1;
  if (o.last < o.first)
    a.fail("--to " + std::to_string(o.last + 1) + " is before --from " + std::to_string(o.first + 1));
  o.size = comparisonSize(a, panels.size());
  o.showTitle = !a.isSet("no-title");
  o.showCaption = !a.isSet("no-caption");
  try {
    const AnimationResult r = exportComparisonAnimation(panels, o, QString::fromStdString(out));
    std::cout << "wrote " << out << ": " << r.frames << " frames " << o.size.width() << "x" << o.size.height()
              << ", " << panels.size() << " stacks side by side, " << r.bytes << " bytes ("
              << humanBytes(r.bytes) << ", " << r.codec.toStdString() << ")\n";
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, std::string("animate: ") + e.what());
  }
  return 0;
}

}  // namespace

int cmdRender(const Arguments& a) {
  const std::string cmd = "render";
  const auto out = a.value("out");
  if (!out || out->empty()) a.fail("-o FILE is required");
  const QString path = QString::fromStdString(*out);
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || !isFigureFormat(*fmt))
    a.fail("unknown figure extension of '" + *out + "' for -o (use .png, .svg, .pdf or .tex" +
           (fmt ? "; .gif and .mp4 are made by 'convscope animate')" : ")"));
  QSize size = sizeValue(a);
  const widgets::Theme theme = themeValue(a);
  try {
    checkWritableTarget(path);
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, cmd + ": " + e.what());
  }
  HeadlessApp app;
  const Scene s = loadScene(a);
  if (a.isSet("compare")) return renderComparison(a, s, path, theme);
  const int step = stepValue(a, "step", s, s.defaultStep + 1) - 1;
  try {
    if (s.view == widgets::View::Activations && *fmt != ExportFormat::Tex) {
      // One plot per tensor: without --size the figure grows to ~170 px per plot (a 10-layer stack
      // in 960×600 would leave each heatmap a few pixels tall); with --size, a warning says so.
      const int rows = s.snapshot->rowCount();
      const int wanted = std::clamp(60 + rows * kActivationsRowPx, 600, 8192);
      if (!a.isSet("size"))
        size.setHeight(wanted);
      else if (size.height() < wanted * 2 / 3)
        std::cerr << "render: warning: " << rows << " activation plots in " << size.height()
                  << " px leave each about " << std::max(0, (size.height() - 60) / rows - 45)
                  << " px of heatmap; --size " << size.width() << "x" << wanted << " gives them room\n";
      exportActivations(s.snapshot, size, theme, path, !a.isSet("no-title"));
    } else {
      widgets::SceneRequest r;
      r.model = s.model;
      r.step = step;
      r.theme = theme;
      r.size = QSizeF(size);
      r.showHeader = !a.isSet("no-title");
      r.showCaption = !a.isSet("no-caption");
      exportFigure(r, path);
    }
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, cmd + ": " + e.what());
  }
  std::cout << "wrote " << *out << ": " << size.width() << "x" << size.height() << ", "
            << humanBytes(QFileInfo(path).size()) << "\n";
  return 0;
}

// [SECTION] ANIMATE

int cmdAnimate(const Arguments& a) {
  const std::string cmd = "animate";
  const auto out = a.value("out");
  const auto dir = a.value("frames-dir");
  if (!out && !dir) a.fail("-o FILE.gif|.mp4 or --frames-dir DIR is required");
  std::optional<ExportFormat> fmt;
  if (out) {
    fmt = exportFormatFromPath(QString::fromStdString(*out));
    if (!fmt || isFigureFormat(*fmt))
      a.fail("unknown animation extension of '" + *out + "' for -o (use .gif or .mp4" +
             (fmt ? "; still figures are made by 'convscope render')" : ")"));
  }
  const std::string frameExt = a.value("frame-format").value_or("png");
  if (frameExt != "png" && frameExt != "svg") a.fail("--frame-format must be png or svg");
  AnimationOptions o;
  o.size = sizeValue(a);
  o.theme = themeValue(a);
  o.fps = a.intValue("fps", 1, 60, 2);
  try {
    if (out) checkWritableTarget(QString::fromStdString(*out));
    if (dir && QFileInfo::exists(QString::fromStdString(*dir)) &&
        !QFileInfo(QString::fromStdString(*dir)).isDir())
      throw ExportPathError("'" + *dir + "' exists and is not a directory");
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", out ? "-o" : "--frames-dir"}, cmd + ": " + e.what());
  }
  HeadlessApp app;
  const Scene s = loadScene(a);
  if (a.isSet("compare")) {
    if (!out) a.fail("--compare makes -o FILE.gif|.mp4 (not --frames-dir)");
    return animateComparison(a, s, o, *out);
  }
  const int steps = s.model->steps;
  o.first = stepValue(a, "from", s, 1) - 1;
  o.last = stepValue(a, "to", s, steps) - 1;
  if (o.last < o.first)
    a.fail("--to " + std::to_string(o.last + 1) + " is before --from " + std::to_string(o.first + 1));
  o.showTitle = !a.isSet("no-title");
  o.showCaption = !a.isSet("no-caption");
  try {
    if (out) {
      const AnimationResult r = exportAnimation(s.model, o, QString::fromStdString(*out));
      std::cout << "wrote " << *out << ": " << r.frames << " frames " << o.size.width() << "x"
                << o.size.height() << ", " << r.bytes << " bytes (" << humanBytes(r.bytes) << ", "
                << r.codec.toStdString() << ")\n";
    }
    if (dir) {
      const AnimationResult r =
          exportFrames(s.model, o, QString::fromStdString(*dir), QString::fromStdString(frameExt));
      std::cout << "wrote " << *dir << ": " << r.frames << " " << frameExt << " frames, " << r.bytes
                << " bytes\n";
    }
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", out ? "-o" : "--frames-dir"}, cmd + ": " + e.what());
  }
  return 0;
}

}  // namespace convscope::app
