// cli_bench_interactive.cpp: `convscope bench --interactive` (see cli_bench_interactive.h).
//
// Index of this file:
//   [SECTION] STATISTICS AND OUTPUT   median, percentile, the JSON and the table
//   [SECTION] THE APP RIG             window, canvas, HUD edits
//   [SECTION] PARAMETER-CHANGE CASES
//   [SECTION] GIF EXPORT              exportAnimation of 60 frames
//   [SECTION] APP START               the app launched until its first frame
//   [SECTION] ENTRY                   the case list and runInteractiveBench
#include "app/cli/cli_bench_interactive.h"

#include <unistd.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/export/export_job.h"
#include "app/export/headless_app.h"
#include "app/gui/canvas_binding.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "app/project/lessons.h"
#include "engine/core/limits.h"
#include "engine/stack/stack.h"
#include "widgets/activation_plots.h"
#include "widgets/canvas.h"
#include "widgets/latest_job.h"
#include "widgets/scene/scene_renderer.h"
#include "widgets/stack_editor.h"

namespace convscope::app {

namespace {

using json = nlohmann::ordered_json;  // keys in the order written: name, median_ms, p95_ms, ...
using Clock = std::chrono::steady_clock;

constexpr int kWarmups = 2;         // untimed changes before the timed ones
constexpr QSize kFrame{1280, 720};  // scene size of a canvas frame (HUD bar below it)
constexpr int kStackLayer = 5;      // the stack10 layer whose kernel_size the slider moves
constexpr int kStackKernel = 8, kStackKernelAlt = 7;
constexpr int kGifFrames = 60;
constexpr int kLessonGifLength = 120;  // input length giving the lesson's layer 0 60 slide steps

double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// [SECTION] STATISTICS AND OUTPUT

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Nearest-rank percentile: the smallest sample with at least q of the samples at or below it.
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t rank = size_t(std::ceil(q * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double round3(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

struct CaseResult {
  std::string name;
  std::vector<double> ms;  // one sample per timed repeat
  double targetMs = 0;
  json extra = json::object();  // optional keys printed after the fixed ones
};

json caseJson(const CaseResult& c) {
  const double p95 = percentile(c.ms, 0.95);
  json j = {{"name", c.name},          {"median_ms", round3(median(c.ms))}, {"p95_ms", round3(p95)},
            {"target_ms", c.targetMs}, {"met", p95 <= c.targetMs},          {"repeats", c.ms.size()}};
  for (const auto& [k, v] : c.extra.items()) j[k] = v;
  return j;
}

void printTable(const std::vector<CaseResult>& cases) {
  std::printf("%-34s %10s %10s %10s %5s %8s\n", "case", "median ms", "p95 ms", "target ms", "met", "repeats");
  for (const CaseResult& c : cases) {
    const double p95 = percentile(c.ms, 0.95);
    std::printf("%-34s %10.3f %10.3f %10.0f %5s %8zu\n", c.name.c_str(), median(c.ms), p95, c.targetMs,
                p95 <= c.targetMs ? "yes" : "NO", c.ms.size());
  }
  std::printf("\n'met' compares p95 with the target. Notes:\n");
  for (const CaseResult& c : cases) {
    std::printf("  %s:", c.name.c_str());
    for (const auto& [k, v] : c.extra.items())
      std::printf(" %s=%s;", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
    std::printf("\n");
  }
}

// [SECTION] THE APP RIG

// Drops the offscreen platform's notes about what it cannot do (a hidden QOpenGLWidget, size hints of
// a shown window): they say nothing about the measurement. Everything else goes to Qt's handler.
QtMessageHandler g_qtHandler = nullptr;
void quietHandler(QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
  if (msg.startsWith("QOpenGLWidget is not supported on this platform") ||
      msg.startsWith("This plugin does not support propagateSizeHints"))
    return;
  if (g_qtHandler) g_qtHandler(type, ctx, msg);
}

// Runs the event loop for about `ms` milliseconds.
void spin(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}

// The desktop app minus the OpenGL surface: a MainWindow (shown on the QPA platform, its docks live)
// and a widgets::Canvas wired to it as gui_canvas.cpp's attachCanvas() wires it. The canvas itself is
// never shown (without OpenGL it cannot be); a plain widget stands in for it in the central area, and
// its frame is rendered with the call its paintGL makes.
class AppRig {
 public:
  AppRig()
      : m_window(std::make_unique<MainWindow>(nullptr, /*persistLayout=*/false)),
        m_canvas(std::make_unique<widgets::Canvas>()) {
    m_canvas->resize(kFrame.width(), kFrame.height() + int(std::ceil(m_canvas->hudHeight())));
    m_window->setCanvas(new QWidget);
    MainWindow* w = m_window.get();
    widgets::Canvas* canvas = m_canvas.get();
    Document* doc = w->document();
    // --- as attachCanvas() (gui_canvas.cpp), plus timestamps
    QObject::connect(w, &MainWindow::snapshotChanged, canvas, [this, canvas](const widgets::SnapshotPtr& s) {
      m_snapshotAt = Clock::now();
      canvas->setSnapshot(s);
      if (m_pending) apply(*m_pending);
      m_pending.reset();
      m_modelAt = Clock::now();
      ++m_snapshots;
    });
    QObject::connect(doc, &Document::errorChanged, canvas, [this]() { m_pending.reset(); });
    QObject::connect(w, &MainWindow::currentLayerChanged, canvas, [canvas](int l) {
      if (l >= 0) canvas->setLayer(l);
    });
    QObject::connect(w, &MainWindow::viewRequested, canvas,
                     [this, doc](const QString& view, int layer, int step) {
                       const Request r{view, layer, step};
                       if (doc->isBusy()) m_pending = r;
                       apply(r);
                     });
    QObject::connect(w->activationPlots(), &widgets::ActivationPlots::ready, canvas,
                     [this]() { m_plotsAt = Clock::now(); });
    connectParameterEdits(*w, canvas);  // the HUD slider's edit, as the app makes it
    w->show();
    settle();
  }

  MainWindow& window() { return *m_window; }
  widgets::Canvas& canvas() { return *m_canvas; }

  /// Waits (untimed) until nothing is pending: no recompute, activation plots built, repaints done.
  void settle() {
    QElapsedTimer t;
    t.start();
    while ((m_window->document()->isBusy() || !m_window->activationPlots()->isReady()) &&
           t.elapsed() < 300000)
      spin(2);
    QCoreApplication::processEvents();
    if (m_window->document()->isBusy())
      throw std::runtime_error("the document did not finish computing within 300 s");
  }

  /// One HUD slider move: Canvas::parameterEdited (all axes) through the app's own
  /// connectParameterEdits (gui_canvas.cpp), timed until the canvas frame is rendered.
  struct Timing {
    double total, toSnapshot, sceneModel, render, windowEvents, plotsReady;
    int reusedLayers;  // Document::reusedLayers() of the new snapshot
  };
  Timing change(int layer, const QString& key, int value) {
    Document* doc = m_window->document();
    const uint64_t before = m_snapshots;
    const auto t0 = Clock::now();
    emit m_canvas->parameterEdited(layer, key, value, -1);  // what a HUD slider emits (all axes)
    if (m_snapshots == before) {  // a background recompute: the app's event loop runs until it lands
      QEventLoop loop;
      QTimer guard;
      guard.setSingleShot(true);
      QObject::connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
      QObject::connect(m_window.get(), &MainWindow::snapshotChanged, &loop, &QEventLoop::quit);
      QObject::connect(doc, &Document::errorChanged, &loop, &QEventLoop::quit);
      guard.start(300000);
      while (m_snapshots == before && guard.isActive() && !doc->error()) loop.exec();
    }
    if (m_snapshots == before)
      throw std::runtime_error("layer " + std::to_string(layer) + " " + key.toStdString() + " = " +
                               std::to_string(value) + " gave no new frame" +
                               (doc->error() ? ": " + doc->error()->message.toStdString() : ""));
    // Back in the event loop the app handles what the edit posted, in priority order: queued calls
    // first (e.g. the activation plots' queued replots; their background caches if already done),
    // then the low-priority paint request that repaints the window — the canvas's paintGL renders
    // its frame there, which is the render below.
    const auto tEvents = Clock::now();
    QCoreApplication::processEvents();
    const auto tRender = Clock::now();
    const QImage frame = widgets::renderSceneImage(m_canvas->currentRequest(), m_canvas->devicePixelRatioF());
    if (frame.isNull() || !m_canvas->model() || m_canvas->model()->snapshot != doc->snapshot())
      throw std::runtime_error("the canvas did not draw the edited stack");
    const auto t1 = Clock::now();
    settle();
    const double plots = m_plotsAt > t0 ? msBetween(t0, m_plotsAt) : -1;
    return {msBetween(t0, t1),      msBetween(t0, m_snapshotAt), msBetween(m_snapshotAt, m_modelAt),
            msBetween(tRender, t1), msBetween(tEvents, tRender), plots,
            doc->reusedLayers()};
  }

 private:
  struct Request {
    QString view;
    int layer = -1, step = -1;
  };
  void apply(const Request& r) {
    if (r.layer >= 0) m_canvas->setLayer(r.layer);
    m_canvas->setView(r.view.isEmpty() ? widgets::View::Auto
                                       : widgets::viewFromName(r.view).value_or(widgets::View::Auto));
    if (r.step >= 0) m_canvas->setStep(r.step);
  }

  std::unique_ptr<MainWindow> m_window;
  std::unique_ptr<widgets::Canvas> m_canvas;
  std::optional<Request> m_pending;
  uint64_t m_snapshots = 0;
  Clock::time_point m_snapshotAt{}, m_modelAt{}, m_plotsAt{};
};

// [SECTION] PARAMETER-CHANGE CASES

// Alternates `key` of `layer` between `alt` and `orig` (one slider notch), kWarmups + repeat times.
CaseResult paramCase(const std::string& name, double target, AppRig& rig, int layer, const QString& key,
                     int orig, int alt, int repeat) {
  CaseResult c{name, {}, target, json::object()};
  std::vector<double> snap, model, render, window, plots;
  int reusedMin = INT32_MAX, reusedMax = 0;
  for (int i = 0; i < kWarmups + repeat; ++i) {
    const auto t = rig.change(layer, key, i % 2 == 0 ? alt : orig);
    if (i < kWarmups) continue;
    reusedMin = std::min(reusedMin, t.reusedLayers);
    reusedMax = std::max(reusedMax, t.reusedLayers);
    c.ms.push_back(t.total);
    snap.push_back(t.toSnapshot);
    model.push_back(t.sceneModel);
    render.push_back(t.render);
    window.push_back(t.windowEvents);
    if (t.plotsReady >= 0) plots.push_back(t.plotsReady);
  }
  const widgets::Canvas& cv = rig.canvas();
  c.extra["layer_changed"] = layer;
  // layers whose outputs the recompute took from the previous snapshot (Document::reusedLayers)
  c.extra["layers_reused"] = reusedMin == reusedMax
                                 ? json(reusedMin)
                                 : json(std::to_string(reusedMin) + "-" + std::to_string(reusedMax));
  c.extra["parameter"] = key.toStdString() + " " + std::to_string(orig) + " <-> " + std::to_string(alt);
  c.extra["view"] = widgets::viewName(cv.view());
  c.extra["step"] = cv.step();
  c.extra["frame"] = std::to_string(kFrame.width()) + "x" + std::to_string(kFrame.height());
  c.extra["phases_median_ms"] = {{"edit_to_snapshot", round3(median(snap))},
                                 {"scene_model", round3(median(model))},
                                 {"render", round3(median(render))},
                                 {"window_events", round3(median(window))}};
  if (!plots.empty()) c.extra["activations_dock_ready_median_ms"] = round3(median(plots));
  c.extra["platform"] = QGuiApplication::platformName().toStdString();
  return c;
}

CaseResult defaultLessonCase(int repeat) {
  AppRig rig;
  if (!rig.window().openLesson(defaultLesson())) throw std::runtime_error("cannot open the default lesson");
  rig.settle();
  const engine::Stack& st = rig.window().document()->stack();
  if (st.layers.empty()) throw std::runtime_error("the default lesson has no layers");
  const int layer = rig.canvas().layer();  // the lesson's "view" layer
  const int stride = st.layers[size_t(layer)].ax[0].s;
  CaseResult c =
      paramCase("default_lesson_param_change", 16, rig, layer, "stride", stride, stride == 1 ? 2 : 1, repeat);
  c.extra["stack"] = "lesson " + defaultLesson().toStdString() + " (the app's start document)";
  c.extra["note"] =
      "HUD stride slider -> Document::edit (undo stack, full re-resolve; forward from the edited layer on) "
      "-> MainWindow "
      "(stack editor, activation plots, lesson text) -> Canvas::setSnapshot (SceneModel::build) -> "
      "the window's posted events and repaint -> renderSceneImage(Canvas::currentRequest()) into a QImage "
      "(what paintGL draws)";
  return c;
}

// tests/bench/stack10_large.json, generated: 5 x [conv(64->64, k9, s2, p4), conv_transpose(64->64,
// k8, s2, p3)] on a 64 x 16000 chirp.
nlohmann::json stack10Json() {
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < 10; ++i) {
    const bool conv = i % 2 == 0;
    layers.push_back({{"op", conv ? "conv" : "conv_transpose"},
                      {"out_channels", 64},
                      {"kernel_size", conv ? 9 : kStackKernel},
                      {"stride", 2},
                      {"padding", conv ? 4 : 3},
                      {"init", {{"kind", "random"}, {"seed", i + 1}}}});
  }
  return {{"convscope", 1},
          {"convention", "pytorch"},
          {"layout", "channels_first"},
          {"name", "stack10 large (performance)"},
          {"input", {{"shape", {64, 16000}}, {"generator", {{"kind", "chirp"}, {"seed", 1}}}}},
          {"layers", layers}};
}

CaseResult stack10Case(int repeat) {
  AppRig rig;
  rig.window().openDocument(stack10Json(), QString(), "stack10_large", QString());
  rig.settle();
  rig.window().applyViewState(QString(), kStackLayer, 0);  // the user selects the layer; its teaching view
  rig.settle();
  if (rig.canvas().layer() != kStackLayer)
    throw std::runtime_error("the canvas did not switch to the stack's layer");
  CaseResult c = paramCase("stack10_64ch_16000_param_change", 50, rig, kStackLayer, "kernel_size",
                           kStackKernel, kStackKernelAlt, repeat);
  const bool async = Document::workEstimate(rig.window().document()->source()) >= Document::asyncThreshold();
  c.extra["stack"] =
      "tests/bench/stack10_large.json (generated in memory): 10 layers, 64 channels x 16000 samples";
  c.extra["note"] =
      std::string("HUD kernel_size slider on layer 5 (conv_transpose, 8000 -> 16000) -> Document::edit: ") +
      (async ? "background recompute (work estimate above Document::asyncThreshold), "
             : "synchronous recompute, ") +
      "every layer re-resolved, the outputs of layers 0-4 taken from the previous snapshot (same source and "
      "resolved layers), 5-9 recomputed -> MainWindow -> "
      "Canvas::setSnapshot (SceneModel::build) -> the window's posted events and repaint -> "
      "renderSceneImage into a QImage; the activation plots' level-of-detail caches are built in the "
      "background meanwhile (activations_dock_ready)";
  return c;
}

// A stack whose layer 0 is cheap with kernel_size 3 (8.1e8 multiply-adds) and takes far over 10 s
// with kHeavyKernel (64 x 65536 samples, conv 64 -> 64: 5.5e11; the case raises the compute limit).
constexpr int kHeavyKernel = 2047;
nlohmann::json heavyEditJson() {
  return {{"convscope", 1},
          {"convention", "pytorch"},
          {"name", "heavy edit (bench)"},
          {"input", {{"shape", {64, 65536}}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}},
          {"layers",
           {{{"op", "conv"},
             {"out_channels", 64},
             {"kernel_size", 3},
             {"padding", "same"},
             {"init", {{"kind", "random"}, {"seed", 1}}}}}}};
}

// An edit whose recompute would take minutes, then a newer edit. Measured per repeat: the longest
// gap between painted frames while the heavy recompute runs (the main window repainted and a canvas
// frame rendered every 16 ms, as the app's timers do), and the time from the newer edit to the
// heavy job's thread being free (LatestJob::jobEnded of the cancelled job).
CaseResult heavyEditCase(int repeat) {
  const engine::Limits saved = engine::limits();
  engine::Limits raised = saved;
  raised.maxMultiplyAdds = int64_t(1) << 42;
  engine::setLimits(raised);
  struct Restore {
    engine::Limits l;
    ~Restore() { engine::setLimits(l); }
  } restore{saved};
  AppRig rig;
  rig.window().openDocument(heavyEditJson(), QString(), "heavy edit", QString());
  rig.settle();
  Document* doc = rig.window().document();
  CaseResult c{"heavy_edit_stays_live", {}, 50, json::object()};
  std::vector<double> cancelMs, frames;
  const int reps = std::max(1, std::min(repeat, 3));
  for (int i = 0; i < reps; ++i) {
    const uint64_t before = doc->jobs()->latest();
    emit rig.canvas().parameterEdited(0, "kernel_size", kHeavyKernel, -1);
    const uint64_t heavy = doc->jobs()->latest();
    if (heavy == before || !doc->isBusy())
      throw std::runtime_error("heavy edit: the recompute did not go to the background");
    // Paint for 1.5 s while it runs.
    std::vector<Clock::time_point> painted;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&]() {
      rig.window().repaint();
      const QImage frame = widgets::renderSceneImage(rig.canvas().currentRequest(), 1.0);
      if (!frame.isNull()) painted.push_back(Clock::now());
    });
    tick.start(16);
    spin(1500);
    tick.stop();
    if (!doc->isBusy())
      throw std::runtime_error("heavy edit: the recompute ended within 1.5 s; make the case heavier");
    double gap = 0;
    for (size_t k = 1; k < painted.size(); ++k) gap = std::max(gap, msBetween(painted[k - 1], painted[k]));
    if (painted.size() < 2) gap = 1500;
    c.ms.push_back(gap);
    frames.push_back(double(painted.size()));
    // The newer edit: back to the cheap kernel. The heavy job must give its thread up.
    qint64 endedNs = -1;
    auto conn =
        QObject::connect(doc->jobs(), &widgets::LatestJob::jobEnded, [&](quint64 id, bool, qint64 ns) {
          if (id == heavy) endedNs = ns;
        });
    const auto t0 = Clock::now();
    emit rig.canvas().parameterEdited(0, "kernel_size", 3, -1);
    QElapsedTimer guard;
    guard.start();
    while (endedNs < 0 && guard.elapsed() < 120000) spin(1);
    QObject::disconnect(conn);
    if (endedNs < 0)
      throw std::runtime_error("heavy edit: the superseded recompute did not stop within 120 s");
    const double t0ns =
        double(std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count());
    cancelMs.push_back(std::max(0.0, (double(endedNs) - t0ns) / 1e6));
    rig.settle();
  }
  c.extra["cancel_to_thread_free_ms"] = cancelMs.size() == 1 ? json(round3(cancelMs[0])) : json(cancelMs);
  c.extra["cancel_target_ms"] = 100;
  c.extra["cancel_met"] = *std::max_element(cancelMs.begin(), cancelMs.end()) <= 100;
  c.extra["frames_in_1500_ms"] = json(frames);
  c.extra["note"] =
      "64 x 65536 noise, conv 64->64: HUD kernel_size 3 -> " + std::to_string(kHeavyKernel) +
      " (5.5e11 multiply-adds, compute limit raised for the case) runs on the document's job thread; "
      "ms = longest gap between painted frames (MainWindow::repaint + a canvas frame every 16 ms) over "
      "1.5 s of it; then kernel_size back to 3: cancel_to_thread_free = newer edit -> the heavy job returned";
  c.extra["platform"] = QGuiApplication::platformName().toStdString();
  return c;
}

// [SECTION] GIF EXPORT

CaseResult gifCase(int repeat) {
  QFile f(lessonPath(defaultLesson()));
  if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read the default lesson");
  nlohmann::json src =
      engine::parseStackJson(f.readAll().toStdString(), "lesson " + defaultLesson().toStdString());
  // The lesson's slide view has 8 steps; the same lesson on a longer input has 60 (stride 2).
  src["input"]["shape"] = {1, kLessonGifLength};
  ComputeResult r = Document::compute(src, "lesson " + defaultLesson().toStdString(), "", nullptr, {});
  if (!r.ok) throw std::runtime_error("gif: " + r.error.message.toStdString());
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = std::move(r.stack);
  snap->outputs = std::move(r.outputs);
  const auto model = widgets::SceneModel::build(snap, 0, widgets::View::Slide);
  if (!model->error.isEmpty() || model->steps != kGifFrames)
    throw std::runtime_error("gif: the lesson's slide view has " + std::to_string(model->steps) +
                             " steps, not 60");
  QTemporaryDir dir;
  if (!dir.isValid()) throw std::runtime_error("gif: cannot create a temporary directory");
  const QString path = dir.filePath("bench.gif");
  AnimationOptions o;
  o.size = QSize(800, 400);
  o.first = 0;
  o.last = kGifFrames - 1;
  CaseResult c{"gif_60_frames_800x400", {}, 2000, json::object()};
  const int reps = std::min(repeat, 3);
  AnimationResult res;
  for (int i = 0; i < 1 + reps; ++i) {
    const auto t0 = Clock::now();
    res = exportAnimation(model, o, path);
    const double ms = msBetween(t0, Clock::now());
    if (res.frames != kGifFrames)
      throw std::runtime_error("gif: wrote " + std::to_string(res.frames) + " frames");
    if (i > 0) c.ms.push_back(ms);
  }
  c.extra["bytes"] = res.bytes;
  c.extra["warmups"] = 1;
  c.extra["note"] = "exportAnimation (what `convscope animate` runs): lesson " +
                    defaultLesson().toStdString() + " with its input lengthened from 16 to " +
                    std::to_string(kLessonGifLength) +
                    " samples so that the slide view of layer 0 has 60 steps; palette from 6 sample frames, "
                    "60 frames rendered, differenced and LZW-encoded into a temporary file";
  c.extra["platform"] = QGuiApplication::platformName().toStdString();
  return c;
}

// [SECTION] APP START

// The platform for the child app: QT_QPA_PLATFORM as the user gave it; else the desktop's when
// there is a display; else offscreen. "" = Qt's default.
QString childPlatform(const QByteArray& userPlatform) {
  if (!userPlatform.isEmpty()) return QString::fromLocal8Bit(userPlatform);
  if (!qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
    return QString();
  return "offscreen";
}

CaseResult appStartCase(int repeat, const QByteArray& userPlatform) {
  QTemporaryDir data;  // autosave sessions of the child go here, not into the user's data directory
  if (!data.isValid()) throw std::runtime_error("app start: cannot create a temporary directory");
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  const QString platform = childPlatform(userPlatform);
  if (platform.isEmpty())
    env.remove("QT_QPA_PLATFORM");
  else
    env.insert("QT_QPA_PLATFORM", platform);
  env.insert("CONVSCOPE_DATA_DIR", data.path());
  CaseResult c{"app_start_to_first_frame", {}, 1000, json::object()};
  std::vector<double> inApp;
  QString reported;
  const int reps = std::min(repeat, 10);
  const QRegularExpression re(
      "first frame after ([0-9.]+) ms since process start \\([0-9.]+ ms since main; platform ([^,]+), "
      "canvas: ([^)]*)\\)");
  for (int i = 0; i < 1 + reps; ++i) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProgram(QCoreApplication::applicationFilePath());
    p.setArguments({"--quit-after-first-frame"});
    QElapsedTimer t;
    t.start();
    p.start();
    QByteArray out;
    double wall = -1;
    while (wall < 0 && t.elapsed() < 60000) {
      if (!p.waitForReadyRead(int(60000 - t.elapsed()))) {
        if (p.state() == QProcess::NotRunning) break;
        continue;
      }
      out += p.readAllStandardOutput();
      if (out.contains("first frame after") && out.endsWith('\n')) wall = double(t.nsecsElapsed()) / 1e6;
    }
    if (!p.waitForFinished(30000)) {
      p.kill();
      p.waitForFinished(5000);
    }
    out += p.readAllStandardOutput();
    const auto m = re.match(QString::fromLocal8Bit(out));
    if (wall < 0 || !m.hasMatch() || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
      throw std::runtime_error("app start: the app did not report its first frame (exit " +
                               std::to_string(p.exitCode()) + "): " + out.toStdString() +
                               p.readAllStandardError().toStdString());
    if (i == 0) continue;  // warm-up: page cache, font cache
    c.ms.push_back(wall);
    inApp.push_back(m.captured(1).toDouble());
    reported = m.captured(2) + ", canvas: " + m.captured(3);
  }
  c.extra["in_app_median_ms"] = round3(median(inApp));
  c.extra["warmups"] = 1;
  c.extra["platform"] = reported.toStdString();
  c.extra["note"] =
      "wall time from QProcess::start of `convscope --quit-after-first-frame` (default lesson) "
      "until it prints that the central widget painted its first frame of the lesson (the OpenGL "
      "canvas when the platform has OpenGL, else the layer table); in_app = the app's own "
      "measure from the kernel's process start time (10 ms resolution) to that paint";
  return c;
}

}  // namespace

// [SECTION] ENTRY

const std::vector<std::string>& interactiveBenchCases() {
  static const std::vector<std::string> names = {"default_lesson_param_change",
                                                 "stack10_64ch_16000_param_change", "gif_60_frames_800x400",
                                                 "app_start_to_first_frame", "heavy_edit_stays_live"};
  return names;
}

int runInteractiveBench(int repeat, bool jsonOut, const std::vector<std::string>& only) {
  const QByteArray userPlatform = qgetenv("QT_QPA_PLATFORM");
  HeadlessApp app;
  g_qtHandler = qInstallMessageHandler(quietHandler);
  std::vector<CaseResult> cases;
  auto run = [&cases, &only](const std::string& name, auto fn) {
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) return;
    std::cerr << "bench --interactive: " << name << "…" << std::endl;
    cases.push_back(fn());
  };
  run("default_lesson_param_change", [&] { return defaultLessonCase(repeat); });
  run("stack10_64ch_16000_param_change", [&] { return stack10Case(repeat); });
  run("gif_60_frames_800x400", [&] { return gifCase(repeat); });
  run("app_start_to_first_frame", [&] { return appStartCase(repeat, userPlatform); });
  run("heavy_edit_stays_live", [&] { return heavyEditCase(repeat); });
  if (jsonOut) {
    json list = json::array();
    for (const CaseResult& c : cases) list.push_back(caseJson(c));
    std::cout << json{{"cases", list}}.dump(2) << std::endl;
  } else {
    printTable(cases);
  }
  return 0;
}

}  // namespace convscope::app
