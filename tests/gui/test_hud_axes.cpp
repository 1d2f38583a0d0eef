// The canvas HUD's per-axis parameter edits of 2-D layers (QT_QPA_PLATFORM=offscreen): the
// handler app/gui/canvas_binding.cpp connects to widgets::Canvas::parameterEdited writes only the edited
// axis into the source, in the convention's own form (PyTorch int / list / [[b, e], ...] / "same",
// ONNX pads [b_H, b_W, e_H, e_W] and auto_pad, Chainer pad, Keras output_padding None), keeps the
// other axis' resolved geometry exactly or refuses the edit, and undo gives back the exact source.
// The canvas is constructed but never shown (no OpenGL context here); the signal is emitted as the
// HUD's queued slider call emits it. Also the HUD's axis choice (Canvas::hudAxis) per layer.
#include <QStatusBar>
#include <QUndoStack>
#include <QtTest>

#include "app/gui/canvas_binding.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "widgets/canvas.h"

using namespace convscope;
using nlohmann::json;

namespace {

json stack2d(const std::string& convention, json layers) {
  return json{{"convscope", 1},
              {"convention", convention},
              {"input", {{"shape", {2, 9, 12}}, {"dims", 2}, {"generator", {{"kind", "ramp"}}}}},
              {"layers", std::move(layers)}};
}

json layer(json j, int seed) {
  j["init"] = {{"kind", "random"}, {"seed", seed}};
  return j;
}

/// The window, its document on `source` (synchronous recomputes) and a canvas wired as the app wires it.
bool sameGeometry(const engine::Axis& x, const engine::Axis& y) {
  return x.in == y.in && x.out == y.out && x.k == y.k && x.s == y.s && x.d == y.d && x.pb == y.pb &&
         x.pe == y.pe && x.start == y.start && x.outputPadding == y.outputPadding;
}

struct Fixture {
  app::MainWindow w{nullptr, false};
  widgets::Canvas canvas;
  explicit Fixture(const json& source) {
    w.document()->setForceSynchronous(true);
    w.document()->reset(source, QString(), "hud axes", QString());
    app::connectParameterEdits(w, &canvas);
    QObject::connect(w.document(), &app::Document::stackChanged, &canvas,
                     [this] { canvas.setSnapshot(w.document()->snapshot()); });
    canvas.setSnapshot(w.document()->snapshot());
  }
  app::Document* doc() { return w.document(); }
  const engine::Axis& ax(int l, int a) { return doc()->stack().layers[size_t(l)].ax[size_t(a)]; }
  const json& src(int l, const char* key) { return doc()->source()["layers"][size_t(l)][key]; }
  /// Emits one HUD slider edit (axis 0 = H, 1 = W, -1 = both).
  void edit(int l, const QString& key, int value, int axis) {
    emit canvas.parameterEdited(l, key, value, axis);
  }
  QString lastUndoText() { return doc()->undoStack()->undoText(); }
  /// One HUD edit of axis `axis` (0 = H, 1 = W): the source's `srcKey` then reads `want`, the other
  /// axis keeps its resolved geometry, and the edited axis takes `value` in its field `field`.
  void editAxis(int l, const QString& key, int value, int axis, const char* srcKey, const json& want,
                int engine::Axis::*field) {
    const engine::Axis other = ax(l, 1 - axis);
    edit(l, key, value, axis);
    QCOMPARE(src(l, srcKey), want);
    QCOMPARE(ax(l, axis).*field, value);
    QVERIFY(sameGeometry(ax(l, 1 - axis), other));
  }
};

}  // namespace

class HudAxesTest : public QObject {
  Q_OBJECT
 private slots:
  void pytorchEditsOneAxis();
  void onnxEditsOneAxis();
  void chainerAndKeras();
  void hudAxisChoice();
};

void HudAxesTest::pytorchEditsOneAxis() {
  const json original = stack2d(
      "pytorch",
      {layer(
           {{"op", "conv"}, {"out_channels", 2}, {"kernel_size", {3, 5}}, {"stride", {1, 2}}, {"padding", 1}},
           1),
       layer({{"op", "conv_transpose"},
              {"out_channels", 2},
              {"kernel_size", {3, 5}},
              {"stride", {1, 2}},
              {"padding", {{1, 0}, {2, 1}}}},
             2),
       layer({{"op", "conv"}, {"out_channels", 2}, {"kernel_size", {3, 4}}, {"padding", "same"}}, 3)});
  Fixture f(original);
  QVERIFY2(!f.doc()->error(), f.doc()->error() ? qPrintable(f.doc()->error()->message) : "");
  QUndoStack* undo = f.doc()->undoStack();
  engine::Axis h, w;  // geometry an edit of the other axis must keep

  // stride (1, 2), W := 3 → (1, 3) in the source and the resolved layer; H untouched
  f.editAxis(0, "stride", 3, 1, "stride", json({1, 3}), &engine::Axis::s);
  QCOMPARE(f.lastUndoText(), QString("layer 0: stride[W] = 3"));
  QCOMPARE(undo->count(), 1);
  // dragging on: the same axis merges into that undo step
  f.edit(0, "stride", 4, 1);
  QCOMPARE(f.src(0, "stride"), json({1, 4}));
  QCOMPARE(undo->count(), 1);

  // kernel (3, 5), H := 1 → (1, 5): W keeps its kernel
  f.editAxis(0, "kernel_size", 1, 0, "kernel_size", json({1, 5}), &engine::Axis::k);
  QCOMPARE(f.lastUndoText(), QString("layer 0: kernel_size[H] = 1"));
  QCOMPARE(undo->count(), 2);

  // padding given as an int stands for both axes: W := 2 writes [1, 2]
  f.editAxis(0, "padding", 2, 1, "padding", json({1, 2}), &engine::Axis::pb);

  // axis -1 sets both
  f.edit(0, "stride", 2, -1);
  QCOMPARE(f.src(0, "stride"), json({2, 2}));
  QCOMPARE(f.ax(0, 0).s, 2);
  QCOMPARE(f.ax(0, 1).s, 2);
  QCOMPARE(f.lastUndoText(), QString("layer 0: stride = 2"));
  // dragging on merges into the same undo step, which then reads as the last value
  const int steps = f.doc()->undoStack()->count();
  f.edit(0, "stride", 1, -1);
  QCOMPARE(f.doc()->undoStack()->count(), steps);
  QCOMPARE(f.src(0, "stride"), json({1, 1}));
  QCOMPARE(f.lastUndoText(), QString("layer 0: stride = 1"));

  // conv_transpose, explicit [[b, e], ...]: "pad" is the crop start; H := 0 keeps W's (2, 1)
  w = f.ax(1, 1);
  f.edit(1, "padding", 0, 0);
  QCOMPARE(f.src(1, "padding"), json({{0, 0}, {2, 1}}));
  QCOMPARE(f.ax(1, 0).start, 0);
  QVERIFY(sameGeometry(f.ax(1, 1), w));

  // "same" with an even kernel along W (pads 1, 2), H symmetric (1, 1): W := 0 keeps H as a plain
  // per-axis list; H := 0 must keep W's asymmetric pads exactly, so the pair form is written
  h = f.ax(2, 0);
  w = f.ax(2, 1);
  QCOMPARE(w.pb, 1);
  QCOMPARE(w.pe, 2);
  f.edit(2, "padding", 0, 1);
  QCOMPARE(f.src(2, "padding"), json({1, 0}));
  QVERIFY(!f.doc()->error());
  QVERIFY(sameGeometry(f.ax(2, 0), h));
  undo->undo();
  QCOMPARE(f.src(2, "padding"), json("same"));
  f.edit(2, "padding", 0, 0);
  QCOMPARE(f.src(2, "padding"), json({{0, 0}, {1, 2}}));
  QVERIFY(!f.doc()->error());
  QVERIFY(sameGeometry(f.ax(2, 1), w));
  QCOMPARE(f.ax(2, 0).pb, 0);

  // undo gives back the exact source
  while (undo->canUndo()) undo->undo();
  QCOMPARE(f.doc()->source(), original);
  QVERIFY(!f.doc()->error());
}

void HudAxesTest::onnxEditsOneAxis() {
  const json original = stack2d("onnx", {layer({{"op", "conv"},
                                                {"out_channels", 2},
                                                {"kernel_shape", {3, 5}},
                                                {"strides", {1, 2}},
                                                {"pads", {1, 2, 1, 2}}},
                                               1),
                                         layer({{"op", "conv"},
                                                {"out_channels", 2},
                                                {"kernel_shape", {3, 4}},
                                                {"strides", {1, 2}},
                                                {"auto_pad", "SAME_UPPER"}},
                                               2),
                                         layer({{"op", "conv_transpose"},
                                                {"out_channels", 2},
                                                {"kernel_shape", {3, 5}},
                                                {"strides", {1, 2}},
                                                {"pads", {1, 0, 1, 0}}},
                                               3)});
  Fixture f(original);
  QVERIFY2(!f.doc()->error(), f.doc()->error() ? qPrintable(f.doc()->error()->message) : "");
  QUndoStack* undo = f.doc()->undoStack();
  engine::Axis h, w;  // geometry an edit of the other axis must keep

  f.editAxis(0, "stride", 3, 1, "strides", json({1, 3}), &engine::Axis::s);
  QCOMPARE(f.lastUndoText(), QString("layer 0: stride[W] = 3"));

  f.editAxis(0, "kernel_size", 1, 0, "kernel_shape", json({1, 5}), &engine::Axis::k);

  // pads [b_H, b_W, e_H, e_W]: H := 0 touches entries 0 and 2 only
  f.editAxis(0, "padding", 0, 0, "pads", json({0, 2, 0, 2}), &engine::Axis::pb);

  f.edit(0, "stride", 2, -1);
  QCOMPARE(f.src(0, "strides"), json({2, 2}));
  QCOMPARE(f.ax(0, 0).s, 2);
  QCOMPARE(f.ax(0, 1).s, 2);

  // auto_pad SAME_UPPER ignores pads: W := 0 writes explicit pads, H's SAME pads kept, NOTSET
  h = f.ax(1, 0);
  f.edit(1, "padding", 0, 1);
  QCOMPARE(f.src(1, "auto_pad"), json("NOTSET"));
  QCOMPARE(f.src(1, "pads"), json({h.pb, 0, h.pe, 0}));
  QVERIFY(!f.doc()->error());
  QVERIFY(sameGeometry(f.ax(1, 0), h));
  QCOMPARE(f.ax(1, 1).pb, 0);

  // conv_transpose output_padding W := 1 (stride 2): out grows by one along W only
  h = f.ax(2, 0);
  const int outW = f.ax(2, 1).out;
  f.edit(2, "output_padding", 1, 1);
  QCOMPARE(f.src(2, "output_padding"), json({0, 1}));
  QCOMPARE(f.ax(2, 1).out, outW + 1);
  QVERIFY(sameGeometry(f.ax(2, 0), h));
  QCOMPARE(f.lastUndoText(), QString("layer 2: output_padding[W] = 1"));

  while (undo->canUndo()) undo->undo();
  QCOMPARE(f.doc()->source(), original);
}

void HudAxesTest::chainerAndKeras() {
  {
    const json original = stack2d(
        "chainer",
        {layer({{"op", "conv"}, {"out_channels", 2}, {"ksize", 3}, {"stride", {1, 2}}, {"pad", 1}}, 1)});
    Fixture f(original);
    QVERIFY(!f.doc()->error());
    const engine::Axis h = f.ax(0, 0);
    f.edit(0, "padding", 2, 1);
    QCOMPARE(f.src(0, "pad"), json({1, 2}));
    f.edit(0, "kernel_size", 5, 1);
    QCOMPARE(f.src(0, "ksize"), json({3, 5}));
    QVERIFY(sameGeometry(f.ax(0, 0), h));
    while (f.doc()->undoStack()->canUndo()) f.doc()->undoStack()->undo();
    QCOMPARE(f.doc()->source(), original);
  }
  {
    // Keras: padding is a word (no slider edit); output_padding left out is None, which H keeps
    // only by the output_padding that gives the same output length
    const json original = stack2d("keras", {layer({{"op", "conv_transpose"},
                                                   {"filters", 2},
                                                   {"kernel_size", {3, 3}},
                                                   {"strides", {1, 2}},
                                                   {"padding", "valid"}},
                                                  1),
                                            layer({{"op", "conv_transpose"},
                                                   {"filters", 2},
                                                   {"kernel_size", {2, 3}},
                                                   {"strides", {1, 2}},
                                                   {"padding", "same"}},
                                                  2)});
    Fixture f(original);
    QVERIFY2(!f.doc()->error(), f.doc()->error() ? qPrintable(f.doc()->error()->message) : "");
    QUndoStack* undo = f.doc()->undoStack();
    f.edit(0, "padding", 1, 0);
    QCOMPARE(undo->count(), 0);
    QVERIFY(f.w.statusBar()->currentMessage().contains("cannot be set by a slider"));
    const engine::Axis h = f.ax(0, 0);
    f.edit(0, "output_padding", 1, 1);
    QCOMPARE(f.src(0, "output_padding"), json({0, 1}));
    QVERIFY(!f.doc()->error());
    QVERIFY(sameGeometry(f.ax(0, 0), h));
    // layer 1, H: 'same' with an even kernel and stride 1 has no output_padding < 1 giving H's length
    const int count = undo->count();
    const json before = f.doc()->source();
    f.edit(1, "output_padding", 1, 1);
    QCOMPARE(undo->count(), count);
    QCOMPARE(f.doc()->source(), before);
    QVERIFY2(f.w.statusBar()->currentMessage().contains("cannot be set alone"),
             qPrintable(f.w.statusBar()->currentMessage()));
    while (undo->canUndo()) undo->undo();
    QCOMPARE(f.doc()->source(), original);
  }
}

void HudAxesTest::hudAxisChoice() {
  const json original =
      stack2d("pytorch",
              {layer({{"op", "conv"}, {"out_channels", 2}, {"kernel_size", {3, 5}}, {"stride", {1, 2}}}, 1),
               layer({{"op", "conv"}, {"out_channels", 2}, {"kernel_size", 3}, {"padding", 1}}, 2),
               json{{"op", "relu"}}});
  Fixture f(original);
  QVERIFY(!f.doc()->error());
  f.canvas.setLayer(0);
  QCOMPARE(f.canvas.hudAxis(), 0);  // axes differ: H
  f.canvas.setLayer(1);
  QCOMPARE(f.canvas.hudAxis(), -1);  // every shown parameter agrees: H=W
  f.canvas.setHudAxis(1);
  QCOMPARE(f.canvas.hudAxis(), 1);
  // an edit of this layer (a new snapshot) keeps the choice even when the axes now agree or not
  f.edit(1, "stride", 2, 1);
  QCOMPARE(f.src(1, "stride"), json({1, 2}));
  QCOMPARE(f.canvas.hudAxis(), 1);
  f.canvas.setLayer(0);
  f.canvas.setLayer(1);
  QCOMPARE(f.canvas.hudAxis(), 0);  // chosen anew: the axes differ now
  f.canvas.setHudAxis(-1);
  QCOMPARE(f.canvas.hudAxis(), -1);
  f.edit(1, "stride", 1, -1);
  QCOMPARE(f.canvas.hudAxis(), -1);
  // H=W while the layer panel (here: undo) makes the axes differ falls back to H
  f.doc()->undoStack()->undo();
  QCOMPARE(f.src(1, "stride"), json({1, 2}));
  QCOMPARE(f.canvas.hudAxis(), 0);
  f.canvas.setLayer(2);  // relu: no per-axis sliders
  QCOMPARE(f.canvas.hudAxis(), -1);
  f.canvas.setHudAxis(1);
  QCOMPARE(f.canvas.hudAxis(), -1);
}

QTEST_MAIN(HudAxesTest)
#include "test_hud_axes.moc"
