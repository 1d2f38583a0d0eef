// Index of this file:
//   [SECTION] HUD PARAMETERS UNDER THE STACK'S CONVENTION
//   [SECTION] PARAMETER EDITS
//   [SECTION] ATTACHING THE CANVAS
#include "app/gui/canvas_binding.h"

#include <QLabel>
#include <QOpenGLContext>
#include <QStatusBar>
#include <QVBoxLayout>
#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "engine/resolve/op_schema.h"
#include "engine/resolve/resolve.h"
#include "widgets/canvas.h"

namespace convscope::app {

// [SECTION] HUD PARAMETERS UNDER THE STACK'S CONVENTION
namespace {

/// The stack file's name of a canonical parameter under `convention`, and whether it is a list.
struct ParamName {
  const char* key = nullptr;
  bool list = false;  // per-axis list ([v] or [v, v])
  bool pair = false;  // ONNX pads: [begin..., end...]
};

/// The HUD's parameter `key` (PyTorch words: kernel_size, stride, padding, dilation, output_padding)
/// as `op` names it under `convention` (engine/resolve/op_schema.h); no key when a slider cannot set
/// it there (Keras padding is a word, "valid" or "same").
ParamName paramName(engine::Op op, const std::string& convention, const QString& key) {
  static const std::map<QString, engine::Param> kHud = {{"kernel_size", engine::Param::Kernel},
                                                        {"stride", engine::Param::Stride},
                                                        {"padding", engine::Param::Padding},
                                                        {"dilation", engine::Param::Dilation},
                                                        {"output_padding", engine::Param::OutputPadding}};
  engine::Convention c = engine::Convention::PyTorch;
  const auto it = kHud.find(key);
  if (it == kHud.end() || !engine::parseConvention(convention, c)) return {};
  if (c == engine::Convention::Keras && it->second == engine::Param::Padding) return {};
  const char* name = engine::paramKey(op, c, it->second);
  if (!name || !*name) return {};
  const bool onnx = c == engine::Convention::Onnx;
  return {name, onnx, onnx && it->second == engine::Param::Padding};
}

using nlohmann::json;

QString axisLetter(int a) {
  return a ? QStringLiteral("W") : QStringLiteral("H");
}

/// Resolves `spec` as layer `index` of `st` fed the input that layer has there; nullopt when it
/// does not resolve (or `conv` is no convention).
std::optional<engine::Layer> resolveAt(const engine::Stack& st, const json& spec, int index,
                                       const std::string& conv) {
  if (index < 0 || index >= int(st.layers.size())) return std::nullopt;
  engine::ResolveContext rc;
  if (!engine::parseConvention(conv, rc.convention)) return std::nullopt;
  rc.file = st.file;
  rc.baseDir = st.baseDir;
  rc.index = index;
  rc.dims = st.dims;
  const engine::Layer& l = st.layers[size_t(index)];
  engine::Shape in{l.inChannels};
  for (int a = 0; a < l.dims; ++a) in.push_back(l.ax[size_t(a)].in);
  try {
    return engine::resolveLayer(spec, rc, in);
  } catch (...) {
    return std::nullopt;
  }
}

/// Same geometry along one axis (outputPadding is informational: it is folded into out).
bool sameAxisGeometry(const engine::Axis& x, const engine::Axis& y) {
  return x.in == y.in && x.out == y.out && x.k == y.k && x.s == y.s && x.d == y.d && x.pb == y.pb &&
         x.pe == y.pe && x.start == y.start;
}

/// What the source has to say for canonical `key` along axis a of the resolved conv/conv_transpose
/// layer `l` to keep that axis' geometry: {begin, end} for padding, {v, v} otherwise.
///  padding: conv (pb, pe); conv_transpose (start, pe) with out = full + op - start - pe.
///  Keras output_padding left out (None): the op with (L-1)s + dk - 2(same ? dk/2 : 0) + op = out
///  (may be outside [0, s): the resolve check then refuses the edit).
std::pair<int, int> resolvedValue(const engine::Layer& l, const json& spec, const std::string& conv,
                                  const QString& key, int a) {
  const engine::Axis& x = l.ax[size_t(a)];
  if (key == "kernel_size") return {x.k, x.k};
  if (key == "stride") return {x.s, x.s};
  if (key == "dilation") return {x.d, x.d};
  if (key == "output_padding") {
    if (conv == "keras" && l.op == engine::Op::ConvTranspose &&
        (!spec.contains("output_padding") || spec["output_padding"].is_null())) {
      const bool same = spec.contains("padding") && spec["padding"] == "same";
      const int64_t op = int64_t(x.out) - (x.fullLength64() - 2 * (same ? x.span64() / 2 : 0));
      return {int(op), int(op)};
    }
    return {x.outputPadding, x.outputPadding};
  }
  if (l.op == engine::Op::Conv) return {x.pb, x.pe};
  const int64_t pe = x.fullLength64() + x.outputPadding - x.start - x.out;
  return {x.start, int(pe)};
}

/// The new source value of `key` (its stack-file name p.key) of a 2-D layer with axis `axis` set to
/// `value` (padding: symmetric, begin = end = value) and the other axis kept exactly: a per-axis
/// entry of the source is copied verbatim, a scalar stands for both axes, and a word or a missing
/// key gives the other axis' resolved numbers (`resolved`; nullopt when that is null). `ignoreSource`:
/// the source value does not apply (ONNX pads under auto_pad) — take the resolved numbers.
std::optional<json> axisValue(const json& spec, const std::string& conv, const ParamName& p,
                              const QString& key, int value, int axis, const engine::Layer* resolved,
                              bool ignoreSource) {
  constexpr int dims = 2;
  const int other = 1 - axis;
  const json cur = !ignoreSource && spec.contains(p.key) ? spec[p.key] : json();
  auto isPerAxis = [&](const json& v, size_t n) {
    if (!v.is_array() || v.size() != n) return false;
    for (const json& e : v)
      if (!e.is_number()) return false;
    return true;
  };
  if (p.pair) {  // ONNX pads [b_H, b_W, e_H, e_W]
    json out = json::array({0, 0, 0, 0});
    if (isPerAxis(cur, 2 * dims)) {
      out[size_t(other)] = cur[size_t(other)];
      out[size_t(other + dims)] = cur[size_t(other + dims)];
    } else {
      if (!resolved) return std::nullopt;
      const auto [b, e] = resolvedValue(*resolved, spec, conv, key, other);
      out[size_t(other)] = b;
      out[size_t(other + dims)] = e;
    }
    out[size_t(axis)] = value;
    out[size_t(axis + dims)] = value;
    return out;
  }
  if (conv == "pytorch" && key == "padding") {  // int | [p_H, p_W] | [[b, e], [b, e]] | word
    std::array<std::pair<json, json>, dims> pairs;
    const bool pairForm = cur.is_array() && cur.size() == dims && cur[0].is_array();
    if (pairForm && cur[size_t(other)].is_array() && cur[size_t(other)].size() == 2)
      pairs[size_t(other)] = {cur[size_t(other)][0], cur[size_t(other)][1]};
    else if (!pairForm && isPerAxis(cur, dims))
      pairs[size_t(other)] = {cur[size_t(other)], cur[size_t(other)]};
    else if (cur.is_number())
      pairs[size_t(other)] = {cur, cur};
    else if (resolved)
      pairs[size_t(other)] = resolvedValue(*resolved, spec, conv, key, other);
    else
      return std::nullopt;
    pairs[size_t(axis)] = {value, value};
    const bool asymmetric = pairs[size_t(other)].first != pairs[size_t(other)].second;
    json out = json::array();
    for (const auto& [b, e] : pairs) out.push_back(pairForm || asymmetric ? json::array({b, e}) : b);
    return out;
  }
  // kernel_size, stride, dilation, output_padding (every convention), Chainer pad: int | per-axis list
  json out = json::array({0, 0});
  if (isPerAxis(cur, dims))
    out[size_t(other)] = cur[size_t(other)];
  else if (cur.is_number())
    out[size_t(other)] = cur;
  else if (resolved)
    out[size_t(other)] = resolvedValue(*resolved, spec, conv, key, other).first;
  else
    return std::nullopt;
  out[size_t(axis)] = value;
  return out;
}

}  // namespace

// True when this platform can give a QOpenGLWidget a context (not so under QT_QPA_PLATFORM=offscreen
// or a display without GLX); Qt 6.4 crashes flushing a window that holds one without it.

// [SECTION] PARAMETER EDITS
static bool openGlAvailable() {
  QOpenGLContext probe;
  return probe.create();
}

/// Turns the canvas's HUD slider edits into undoable document edits under the stack's convention:
/// `axis` -1 writes the value to every axis, 0/1 (H/W of a 2-D layer) only to that axis, the other
/// axis kept exactly (see axisValue). An edit that would still change the other axis' resolved
/// geometry (e.g. Keras output_padding None on it) is refused with a status-bar message.
void connectParameterEdits(MainWindow& w, widgets::Canvas* canvas) {
  Document* doc = w.document();
  QObject::connect(
      canvas, &widgets::Canvas::parameterEdited, &w,
      [&w, doc](int layer, const QString& key, int value, int axis) {
        nlohmann::json next = doc->source();
        // The canvas shows the last valid stack; the source may have changed shape since (an invalid
        // edit, a bad file opened): a layer that is no longer an object is left alone.
        if (!next.is_object() || !next.contains("layers") || !next["layers"].is_array() || layer < 0 ||
            layer >= int(next["layers"].size()) || !next["layers"][size_t(layer)].is_object())
          return;
        const std::string conv = next.contains("convention") && next["convention"].is_string()
                                     ? next["convention"].get<std::string>()
                                     : std::string("pytorch");
        const engine::Stack& resolvedStack = doc->stack();
        engine::Op op = layer < int(resolvedStack.layers.size()) ? resolvedStack.layers[size_t(layer)].op
                                                                 : engine::Op::Conv;
        const json& opWord = next["layers"][size_t(layer)].value("op", json());
        if (opWord.is_string()) engine::parseOp(opWord.get<std::string>(), op);
        const ParamName p = paramName(op, conv, key);
        if (!p.key) {
          w.statusBar()->showMessage(
              QString("%1 cannot be set by a slider under the %2 convention; edit it in the layer panel")
                  .arg(key, QString::fromStdString(conv)),
              5000);
          return;
        }
        const engine::Stack& st = doc->stack();
        const int dims = st.dims;
        if (axis < 0 || axis >= dims || dims != 2) axis = -1;
        json& spec = next["layers"][size_t(layer)];
        const json before = spec;
        // ONNX pads apply only under auto_pad NOTSET: a pads edit makes them apply (both axes explicit).
        const bool autoPad = p.pair && spec.contains("auto_pad") && spec["auto_pad"].is_string() &&
                             spec["auto_pad"] != "NOTSET";
        if (axis < 0) {
          nlohmann::json v = value;
          if (p.list || dims == 2) v = nlohmann::json::array();
          if (p.list || dims == 2)
            for (int i = 0; i < (p.pair ? 2 * dims : dims); ++i) v.push_back(value);
          spec[p.key] = v;
          if (autoPad) spec["auto_pad"] = "NOTSET";
        } else {
          // the other axis' numbers where the source has none per axis: this source layer resolved
          // with the input it has in the last valid stack, else that stack's own layer
          const std::optional<engine::Layer> now = resolveAt(st, before, layer, conv);
          const engine::Layer* resolved = now ? &*now : nullptr;
          if (!resolved && layer < int(st.layers.size()) &&
              (st.layers[size_t(layer)].op == engine::Op::Conv ||
               st.layers[size_t(layer)].op == engine::Op::ConvTranspose))
            resolved = &st.layers[size_t(layer)];
          const std::optional<json> v = axisValue(before, conv, p, key, value, axis, resolved, autoPad);
          if (!v) {
            w.statusBar()->showMessage(
                QString("layer %1: %2[%3] cannot be set alone: the %4 value of %2 is not known (the stack "
                        "does not resolve); edit it in the layer panel")
                    .arg(layer)
                    .arg(key, axisLetter(axis), axisLetter(1 - axis)),
                5000);
            return;
          }
          spec[p.key] = *v;
          if (autoPad) spec["auto_pad"] = "NOTSET";
          // The untouched axis must resolve exactly as before. When the edit does not resolve, the
          // same form with the edited axis at its present value tells whose fault that is: the edited
          // value's (the document shows the error, as for any slider) or the other axis' (refused).
          if (now && now->dims == 2) {
            const size_t o = size_t(1 - axis);
            bool keeps = true;
            if (const std::optional<engine::Layer> after = resolveAt(st, spec, layer, conv)) {
              keeps = after->dims == 2 && sameAxisGeometry(now->ax[o], after->ax[o]);
            } else {
              json probe = before;
              probe[p.key] =
                  *axisValue(before, conv, p, key, resolvedValue(*now, before, conv, key, axis).first, axis,
                             resolved, autoPad);
              if (autoPad) probe["auto_pad"] = "NOTSET";
              const std::optional<engine::Layer> formed = resolveAt(st, probe, layer, conv);
              keeps = formed && formed->dims == 2 && sameAxisGeometry(now->ax[o], formed->ax[o]);
            }
            if (!keeps) {
              w.statusBar()->showMessage(
                  QString("layer %1: %2[%3] cannot be set alone under the %4 convention: the source cannot "
                          "keep the %5 axis as it is; edit it in the layer panel")
                      .arg(layer)
                      .arg(key, axisLetter(axis), QString::fromStdString(conv), axisLetter(1 - axis)),
                  5000);
              return;
            }
          }
        }
        const int slot =
            layer * 16 + int(qHash(key) % 16);  // one undo step per slider drag (layer, parameter, axis)
        if (axis < 0)
          doc->edit(next, QString("layer %1: %2 = %3").arg(layer).arg(key).arg(value), 1000 + slot);
        else
          doc->edit(next, QString("layer %1: %2[%3] = %4").arg(layer).arg(key, axisLetter(axis)).arg(value),
                    0x20000000 + 2 * slot + axis);
      });
}

// [SECTION] ATTACHING THE CANVAS
namespace {

// The note over the canvas while it has never drawn a stack and the document does not resolve (a
// broken file opened at start): the error and where to fix it, instead of a blank canvas. Once a
// stack has been drawn, errors leave the last valid state on the canvas (docs/bad-input.md).
void addUnresolvedNote(widgets::Canvas* canvas, Document* doc) {
  auto* note = new QLabel(canvas);
  note->setObjectName("canvas.unresolved");
  note->setWordWrap(true);
  note->setTextInteractionFlags(Qt::TextSelectableByMouse);
  note->setMaximumWidth(640);
  note->setMargin(16);
  note->setAutoFillBackground(true);
  note->setStyleSheet("QLabel { background: palette(base); border: 1px solid #c0392b; border-radius: 4px; }");
  auto* lay = new QVBoxLayout(canvas);
  lay->addWidget(note, 0, Qt::AlignCenter);
  auto update = [canvas, doc, note]() {
    const bool show = !canvas->model() && doc->error().has_value() && !doc->isBusy();
    if (show)
      note->setText(MainWindow::tr("This stack does not resolve, so nothing is computed yet:\n\n%1\n\nFix it "
                                   "in the Stack or Input dock: the canvas and the plots appear as soon "
                                   "as it resolves.")
                        .arg(doc->error()->message));
    note->setVisible(show);
  };
  QObject::connect(doc, &Document::errorChanged, note, update);
  QObject::connect(doc, &Document::sourceChanged, note, update);
  QObject::connect(doc, &Document::stackChanged, note, update);
  QObject::connect(doc, &Document::busyChanged, note, update);
  update();
}

}  // namespace

void attachCanvas(MainWindow& w) {
  if (!openGlAvailable()) {
    std::fprintf(stderr,
                 "convscope: OpenGL is not available on this display; the animated canvas is off "
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
    canvas->setView(r.view.isEmpty() ? widgets::View::Auto
                                     : widgets::viewFromName(r.view).value_or(widgets::View::Auto));
    if (r.step >= 0) canvas->setStep(r.step);  // MainWindow::kLastStep clamps to the last step
  };
  QObject::connect(&w, &MainWindow::snapshotChanged, canvas,
                   [canvas, pending, apply](const widgets::SnapshotPtr& s) {
                     canvas->setSnapshot(s);
                     if (*pending) apply(**pending);
                     pending->reset();
                   });
  QObject::connect(doc, &Document::errorChanged, canvas, [pending]() { pending->reset(); });
  QObject::connect(&w, &MainWindow::currentLayerChanged, canvas, [canvas](int l) {
    if (l >= 0) canvas->setLayer(l);
  });
  QObject::connect(&w, &MainWindow::viewRequested, canvas,
                   [doc, pending, apply](const QString& view, int layer, int step) {
                     const Request r{view, layer, step};
                     if (doc->isBusy()) *pending = r;
                     apply(r);
                   });
  QObject::connect(&w, &MainWindow::playPauseRequested, canvas, &widgets::Canvas::togglePlay);
  QObject::connect(&w, &MainWindow::stepRequested, canvas,
                   [canvas](int d) { d > 0 ? canvas->stepForward() : canvas->stepBack(); });
  QObject::connect(&w, &MainWindow::homeRequested, canvas, &widgets::Canvas::first);
  QObject::connect(&w, &MainWindow::endRequested, canvas, &widgets::Canvas::last);
  QObject::connect(&w, &MainWindow::speedRequested, canvas,
                   [canvas](int d) { d > 0 ? canvas->faster() : canvas->slower(); });
  connectParameterEdits(w, canvas);
  addUnresolvedNote(canvas, doc);
  if (doc->hasValidStack()) canvas->setSnapshot(doc->snapshot());
}

}  // namespace convscope::app
