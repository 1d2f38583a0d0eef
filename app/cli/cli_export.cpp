// cli_export.cpp — sections: 1. help  2. arguments  3. render  4. animate
#include "app/cli/cli_export.h"

#include <unistd.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/export/export_job.h"
#include "app/export/headless_app.h"
#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/stack/stack.h"
#include "widgets/scene/scene_renderer.h"

namespace convscope::app {

// ---------------------------------------------------------------- 1. help

const char* const kRenderHelp =
    "usage: convscope render STACK.json [--layer I] [--view VIEW] [--step T] [--size WxH]\n"
    "                        [--theme light|dark|print] -o FILE.png|.svg|.pdf|.tex\n"
    "Draws one frame of a view of layer I with the canvas's renderer (the frame the app shows).\n"
    "  --layer I     layer index from 0 (default: the stack's \"view\" layer, else 0)\n"
    "  --view VIEW   slide | scatter | zero_insert | matrix | overlap | receptive_field |\n"
    "                activations | auto (default: the stack's \"view\", else auto)\n"
    "  --step T      step from 0 (output position for slide/zero_insert/matrix/receptive_field,\n"
    "                input position for scatter/overlap); default: the stack's \"view\" step\n"
    "                when neither --view nor --layer is given, else 0\n"
    "  --size WxH    logical size in pixels, 64..8192 each (default 960x600; for activations\n"
    "                960 x 170 per plot); PNG is exactly this,\n"
    "                SVG/PDF/TeX use 96 px per inch (1 px = 0.75 pt)\n"
    "  --theme T     light (default) | dark | print (white, thin strokes, colour-blind safe,\n"
    "                readable in greyscale)\n"
    "  -o FILE       .png (raster), .svg / .pdf (vectors: cells as paths, text as text),\n"
    "                .tex (standalone TikZ picture for pdflatex, the same drawing as TikZ commands)\n"
    "--view activations draws every layer's activation plots (the app's Activations panel) as one\n"
    "figure in .png/.svg/.pdf; as .tex it draws the renderer's activations view (heatmap strips).\n"
    "The file is written to a temporary name and renamed: a failure leaves no partial file.\n";

constexpr int kActivationsRowPx = 170;  // per plot of `render --view activations` (title + axes + ~120 px)

const char* const kAnimateHelp =
    "usage: convscope animate STACK.json [--layer I] [--view VIEW] [--fps N] [--size WxH]\n"
    "                         [--theme light|dark|print] [--from T] [--to T]\n"
    "                         [-o FILE.gif|.mp4] [--frames-dir DIR [--frame-format png|svg]]\n"
    "One frame per step of the view (same labels and formula as the canvas), steps --from..--to\n"
    "(inclusive, default all). Options as for 'render', plus:\n"
    "  --fps N            frames per second, 1..60 (default 2)\n"
    "  -o FILE.gif        looping GIF: global palette (theme colours exact + quantised rest),\n"
    "                     frame differencing (only the changed rectangle, transparent elsewhere)\n"
    "  -o FILE.mp4        H.264 (libx264) when FFmpeg has it, else MPEG-4 part 2\n"
    "  --frames-dir DIR   also (or only) write DIR/frame_<TTTT>.png|svg, T = the step\n"
    "Prints 'wrote FILE: N frames, B bytes (codec)' per output.\n";

// ---------------------------------------------------------------- 2. arguments

namespace {

using engine::EngineError;

struct ExportArgs {
  std::string stack;
  std::map<std::string, std::string> opts;
};

[[noreturn]] void usage(const std::string& cmd, const std::string& param, const std::string& rule) {
  throw EngineError({"", -1, "", param}, cmd + ": " + rule + " (see 'convscope " + cmd + " --help')");
}

ExportArgs parse(const std::vector<std::string>& argv, const std::vector<std::string>& valued) {
  const std::string cmd = argv.empty() ? "?" : argv[0];
  ExportArgs a;
  std::vector<std::string> pos;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string s = argv[i];
    if (s.rfind("-", 0) == 0 && s.size() > 1) {
      std::string val;
      bool inl = false;
      if (auto eq = s.find('='); eq != std::string::npos) {
        val = s.substr(eq + 1);
        s = s.substr(0, eq);
        inl = true;
      }
      if (s == "--out") s = "-o";
      if (std::find(valued.begin(), valued.end(), s) == valued.end()) usage(cmd, s, "unknown option " + s);
      if (!inl) {
        if (i + 1 >= argv.size()) usage(cmd, s, "option " + s + " needs a value");
        val = argv[++i];
      }
      a.opts[s] = val;
    } else {
      pos.push_back(s);
    }
  }
  if (pos.size() != 1)
    usage(cmd, "STACK", "expected one STACK file, got " + std::to_string(pos.size()) + " arguments");
  a.stack = pos[0];
  return a;
}

std::optional<std::string> opt(const ExportArgs& a, const std::string& key) {
  auto it = a.opts.find(key);
  if (it == a.opts.end()) return std::nullopt;
  return it->second;
}

int intValue(const std::string& cmd, const std::string& key, const std::string& v, int lo, int hi) {
  try {
    size_t p = 0;
    const long x = std::stol(v, &p);
    if (p != v.size() || x < lo || x > hi) throw std::invalid_argument("");
    return int(x);
  } catch (const std::exception&) {
    usage(cmd, key,
          key + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got '" + v +
              "'");
  }
}

QSize sizeValue(const std::string& cmd, const std::optional<std::string>& v) {
  if (!v) return QSize(960, 600);
  const auto x = v->find_first_of("xX");
  if (x == std::string::npos) usage(cmd, "--size", "--size must be WxH (e.g. 800x400), got '" + *v + "'");
  return QSize(intValue(cmd, "--size", v->substr(0, x), 64, 8192),
               intValue(cmd, "--size", v->substr(x + 1), 64, 8192));
}

widgets::Theme themeValue(const std::string& cmd, const std::optional<std::string>& v) {
  if (!v) return widgets::Theme::Light;
  const auto t = widgets::themeFromName(QString::fromStdString(*v));
  if (!t) usage(cmd, "--theme", "unknown theme '" + *v + "' (light, dark or print)");
  return *t;
}

// The stack's own "view": {"name", "layer"} (lessons carry one); defaults when absent.
/// The "view" object of a stack or lesson file: view name ("auto" when absent), layer, step (-1).
struct StackView {
  std::string name = "auto";
  int layer = 0;
  int step = -1;  // -1: none given
};
constexpr int kLastStep = INT32_MAX;
StackView stackView(const std::string& path) {
  StackView v;
  try {
    std::ifstream in(path);
    const auto j = nlohmann::json::parse(in, nullptr, true, true);
    if (j.contains("view") && j["view"].is_object()) {
      const auto& jv = j["view"];
      if (jv.contains("name") && jv["name"].is_string()) v.name = jv["name"].get<std::string>();
      if (jv.contains("layer") && jv["layer"].is_number_integer()) v.layer = jv["layer"].get<int>();
      // as the app reads it: -1 or "last" = the view's final step (kLastStep here)
      if (jv.contains("step") && jv["step"].is_number_integer())
        v.step = jv["step"].get<int>() == -1 ? kLastStep : jv["step"].get<int>();
      if (jv.contains("step") && jv["step"].is_string() && jv["step"].get<std::string>() == "last")
        v.step = kLastStep;
    }
  } catch (const std::exception&) {
  }
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

Scene loadScene(const std::string& cmd, const ExportArgs& a) {
  const StackView fileView = stackView(a.stack);
  const std::string& defView = fileView.name;
  const int defLayer = fileView.layer;
  const std::string viewName = opt(a, "--view").value_or(defView);
  const auto view = widgets::viewFromName(QString::fromStdString(viewName));
  if (!view)
    usage(cmd, "--view",
          "unknown view '" + viewName +
              "' (slide, scatter, zero_insert, matrix, overlap, receptive_field, activations, auto)");
  auto st = loadStackSource(a.stack);
  for (const auto& w : st.warnings) std::cerr << w << "\n";
  Scene s;
  s.view = *view;
  const int nLayers = int(st.layers.size());
  s.layer = opt(a, "--layer") ? intValue(cmd, "--layer", *opt(a, "--layer"), -1000000, 1000000) : defLayer;
  if (*view != widgets::View::Activations && (s.layer < 0 || s.layer >= nLayers))
    throw EngineError({st.file, -1, "", "--layer"},
                      "layer index " + std::to_string(s.layer) + " is out of range: the stack has " +
                          std::to_string(nLayers) + " layers (0.." + std::to_string(nLayers - 1) + ")");
  if (*view == widgets::View::Activations && (s.layer < 0 || s.layer >= nLayers))
    s.layer = std::max(0, nLayers - 1);
  auto outs = engine::forward(st);
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = std::move(st);
  snap->outputs = std::move(outs);
  s.snapshot = snap;
  s.model = widgets::SceneModel::build(s.snapshot, nLayers ? s.layer : -1, s.view);
  if (!opt(a, "--view") && !opt(a, "--layer") && fileView.step >= 0)
    s.defaultStep =
        fileView.step == kLastStep ? s.model->steps - 1 : std::min(fileView.step, s.model->steps - 1);
  if (!s.model->error.isEmpty()) {
    const auto& l = s.snapshot->stack.layers[size_t(s.layer)];
    throw EngineError({s.snapshot->stack.file, s.layer, engine::opName(l.op), "--view"},
                      s.model->error.toStdString());
  }
  return s;
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

// ---------------------------------------------------------------- 3. render

int cmdRender(const std::vector<std::string>& argv) {
  const std::string cmd = "render";
  const ExportArgs a = parse(argv, {"--layer", "--view", "--step", "--size", "--theme", "-o"});
  const auto out = opt(a, "-o");
  if (!out || out->empty()) usage(cmd, "-o", "-o FILE is required");
  const QString path = QString::fromStdString(*out);
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || !isFigureFormat(*fmt))
    usage(cmd, "-o",
          "unknown figure extension of '" + *out + "' (use .png, .svg, .pdf or .tex" +
              (fmt ? "; .gif and .mp4 are made by 'convscope animate')" : ")"));
  QSize size = sizeValue(cmd, opt(a, "--size"));
  const widgets::Theme theme = themeValue(cmd, opt(a, "--theme"));
  try {
    checkWritableTarget(path);
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, cmd + ": " + e.what());
  }
  HeadlessApp app;
  const Scene s = loadScene(cmd, a);
  const int step =
      opt(a, "--step") ? intValue(cmd, "--step", *opt(a, "--step"), -1000000000, 1000000000) : s.defaultStep;
  if (step < 0 || step >= s.model->steps)
    throw EngineError({s.snapshot->stack.file, s.layer, "", "--step"},
                      "step " + std::to_string(step) + " is out of range: the " +
                          widgets::viewName(s.model->view) + " view has " + std::to_string(s.model->steps) +
                          " steps (0.." + std::to_string(s.model->steps - 1) + ")");
  try {
    if (s.view == widgets::View::Activations && *fmt != ExportFormat::Tex) {
      // One plot per tensor: without --size the figure grows to ~170 px per plot (a 10-layer stack
      // in 960×600 would leave each heatmap a few pixels tall); with --size, a warning says so.
      const int rows = s.snapshot->rowCount();
      const int wanted = std::clamp(60 + rows * kActivationsRowPx, 600, 8192);
      if (!opt(a, "--size"))
        size.setHeight(wanted);
      else if (size.height() < wanted * 2 / 3)
        std::cerr << "render: warning: " << rows << " activation plots in " << size.height()
                  << " px leave each about " << std::max(0, (size.height() - 60) / rows - 45)
                  << " px of heatmap; --size " << size.width() << "x" << wanted << " gives them room\n";
      exportActivations(s.snapshot, size, theme, path);
    } else {
      widgets::SceneRequest r;
      r.model = s.model;
      r.step = step;
      r.theme = theme;
      r.size = QSizeF(size);
      exportFigure(r, path);
    }
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", "-o"}, cmd + ": " + e.what());
  }
  std::cout << "wrote " << *out << ": " << size.width() << "x" << size.height() << ", "
            << humanBytes(QFileInfo(path).size()) << "\n";
  return 0;
}

// ---------------------------------------------------------------- 4. animate

int cmdAnimate(const std::vector<std::string>& argv) {
  const std::string cmd = "animate";
  const ExportArgs a = parse(argv, {"--layer", "--view", "--fps", "--size", "--theme", "-o", "--frames-dir",
                                    "--frame-format", "--from", "--to"});
  const auto out = opt(a, "-o");
  const auto dir = opt(a, "--frames-dir");
  if (!out && !dir) usage(cmd, "-o", "-o FILE.gif|.mp4 or --frames-dir DIR is required");
  std::optional<ExportFormat> fmt;
  if (out) {
    fmt = exportFormatFromPath(QString::fromStdString(*out));
    if (!fmt || isFigureFormat(*fmt))
      usage(cmd, "-o",
            "unknown animation extension of '" + *out + "' (use .gif or .mp4" +
                (fmt ? "; still figures are made by 'convscope render')" : ")"));
  }
  const std::string frameExt = opt(a, "--frame-format").value_or("png");
  if (frameExt != "png" && frameExt != "svg")
    usage(cmd, "--frame-format", "--frame-format must be png or svg");
  AnimationOptions o;
  o.size = sizeValue(cmd, opt(a, "--size"));
  o.theme = themeValue(cmd, opt(a, "--theme"));
  o.fps = opt(a, "--fps") ? intValue(cmd, "--fps", *opt(a, "--fps"), 1, 60) : 2;
  try {
    if (out) checkWritableTarget(QString::fromStdString(*out));
    if (dir && QFileInfo::exists(QString::fromStdString(*dir)) &&
        !QFileInfo(QString::fromStdString(*dir)).isDir())
      throw ExportPathError("'" + *dir + "' exists and is not a directory");
  } catch (const ExportPathError& e) {
    throw EngineError({"", -1, "", out ? "-o" : "--frames-dir"}, cmd + ": " + e.what());
  }
  HeadlessApp app;
  const Scene s = loadScene(cmd, a);
  const int steps = s.model->steps;
  o.first = opt(a, "--from") ? intValue(cmd, "--from", *opt(a, "--from"), -1000000000, 1000000000) : 0;
  o.last = opt(a, "--to") ? intValue(cmd, "--to", *opt(a, "--to"), -1000000000, 1000000000) : steps - 1;
  if (o.first < 0 || o.first >= steps || o.last < o.first || o.last >= steps)
    throw EngineError(
        {s.snapshot->stack.file, s.layer, "", o.first < 0 || o.first >= steps ? "--from" : "--to"},
        "step range " + std::to_string(o.first) + ".." + std::to_string(o.last) + " is out of range: the " +
            widgets::viewName(s.model->view) + " view has " + std::to_string(steps) + " steps (0.." +
            std::to_string(steps - 1) + ")");
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
