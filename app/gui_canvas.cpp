#include "gui_canvas.h"

#include <QOpenGLContext>
#include <QStatusBar>
#include <cstdio>
#include <memory>
#include <optional>

#include "document.h"
#include "main_window.h"
#include "widgets/canvas.h"

namespace convscope::app {

namespace {

/// The stack file's name of a canonical parameter under `convention`, and whether it is a list.
struct ParamName {
  const char* key = nullptr;
  bool list = false;   // per-axis list ([v] or [v, v])
  bool pair = false;   // ONNX pads: [begin..., end...]
};

ParamName paramName(const std::string& convention, const QString& key) {
  if (convention == "keras") {
    if (key == "kernel_size") return {"kernel_size"};
    if (key == "stride") return {"strides"};
    if (key == "dilation") return {"dilation_rate"};
    if (key == "output_padding") return {"output_padding"};
    return {};  // Keras padding is a word ("valid"/"same")
  }
  if (convention == "onnx") {
    if (key == "kernel_size") return {"kernel_shape", true};
    if (key == "stride") return {"strides", true};
    if (key == "dilation") return {"dilations", true};
    if (key == "padding") return {"pads", true, true};
    if (key == "output_padding") return {"output_padding", true};
    return {};
  }
  if (convention == "chainer") {
    if (key == "kernel_size") return {"ksize"};
    if (key == "stride") return {"stride"};
    if (key == "dilation") return {"dilate"};
    if (key == "padding") return {"pad"};
    return {};
  }
  if (key == "kernel_size" || key == "stride" || key == "padding" || key == "dilation" || key == "output_padding")
    return {key == "kernel_size" ? "kernel_size" : key == "stride" ? "stride" : key == "padding" ? "padding" : key == "dilation" ? "dilation" : "output_padding"};
  return {};
}

}  // namespace

// True when this platform can give a QOpenGLWidget a context (not so under QT_QPA_PLATFORM=offscreen
// or a display without GLX); Qt 6.4 crashes flushing a window that holds one without it.
static bool openGlAvailable() {
  QOpenGLContext probe;
  return probe.create();
}

void attachCanvas(MainWindow& w) {
  if (!openGlAvailable()) {
    std::fprintf(stderr, "convscope: OpenGL is not available on this display; the animated canvas is off "
                         "(the layer table is shown instead; `convscope render` still draws every view)\n");
    return;
  }
  auto* canvas = new widgets::Canvas;
  w.setCanvas(canvas);
  Document* doc = w.document();
  // A view requested while the document computes in the background (a big lesson) is applied
  // again once its snapshot arrives: its layer and step are clamped against the new stack.
  struct Request {
    QString view;
    int layer = -1, step = -1;
  };
  auto pending = std::make_shared<std::optional<Request>>();
  auto apply = [canvas](const Request& r) {
    if (r.layer >= 0) canvas->setLayer(r.layer);
    canvas->setView(r.view.isEmpty() ? widgets::View::Auto : widgets::viewFromName(r.view).value_or(widgets::View::Auto));
    if (r.step >= 0) canvas->setStep(r.step);  // MainWindow::kLastStep clamps to the last step
  };
  QObject::connect(&w, &MainWindow::snapshotChanged, canvas, [canvas, pending, apply](const widgets::SnapshotPtr& s) {
    canvas->setSnapshot(s);
    if (*pending) apply(**pending);
    pending->reset();
  });
  QObject::connect(doc, &Document::errorChanged, canvas, [pending]() { pending->reset(); });
  QObject::connect(&w, &MainWindow::currentLayerChanged, canvas, [canvas](int l) {
    if (l >= 0) canvas->setLayer(l);
  });
  QObject::connect(&w, &MainWindow::viewRequested, canvas, [doc, pending, apply](const QString& view, int layer, int step) {
    const Request r{view, layer, step};
    if (doc->isBusy()) *pending = r;
    apply(r);
  });
  QObject::connect(&w, &MainWindow::playPauseRequested, canvas, &widgets::Canvas::togglePlay);
  QObject::connect(&w, &MainWindow::stepRequested, canvas, [canvas](int d) { d > 0 ? canvas->stepForward() : canvas->stepBack(); });
  QObject::connect(&w, &MainWindow::homeRequested, canvas, &widgets::Canvas::first);
  QObject::connect(&w, &MainWindow::endRequested, canvas, &widgets::Canvas::last);
  QObject::connect(&w, &MainWindow::speedRequested, canvas, [canvas](int d) { d > 0 ? canvas->faster() : canvas->slower(); });
  QObject::connect(canvas, &widgets::Canvas::parameterEdited, &w, [&w, doc](int layer, const QString& key, int value) {
    nlohmann::json next = doc->source();
    // The canvas shows the last valid stack; the source may have changed shape since (an invalid
    // edit, a bad file opened): a layer that is no longer an object is left alone.
    if (!next.is_object() || !next.contains("layers") || !next["layers"].is_array() || layer < 0 ||
        layer >= int(next["layers"].size()) || !next["layers"][size_t(layer)].is_object())
      return;
    const std::string conv = next.contains("convention") && next["convention"].is_string()
                                 ? next["convention"].get<std::string>() : std::string("pytorch");
    const ParamName p = paramName(conv, key);
    if (!p.key) {
      w.statusBar()->showMessage(QString("%1 cannot be set by a slider under the %2 convention; edit it in the layer panel")
                                     .arg(key, QString::fromStdString(conv)), 5000);
      return;
    }
    const int dims = doc->stack().dims;
    nlohmann::json v = value;
    if (p.list || dims == 2) v = nlohmann::json::array();
    if (p.list || dims == 2)
      for (int i = 0; i < (p.pair ? 2 * dims : dims); ++i) v.push_back(value);
    next["layers"][size_t(layer)][p.key] = v;
    doc->edit(next, QString("layer %1: %2 = %3").arg(layer).arg(key).arg(value), 1000 + layer * 16 + int(qHash(key) % 16));
  });
  if (doc->hasValidStack()) canvas->setSnapshot(doc->snapshot());
}

}  // namespace convscope::app
