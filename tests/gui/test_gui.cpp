// Widget tests of the desktop app (QT_QPA_PLATFORM=offscreen): stack editor edits and validation
// messages, undo/redo, the last valid state kept on errors, document save/open round trip, the
// activation plots of a lesson and the real app's --screenshot per lesson.
#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QProcess>
#include <QSet>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <random>

#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "engine/core/layer.h"
#include "engine/io/npy.h"
#include "widgets/activation_plots.h"
#include "widgets/input_editor.h"
#include "widgets/stack_editor.h"

using namespace convscope;

class GuiTest : public QObject {
  Q_OBJECT
 private slots:
  void invalidEditShowsErrorAndKeepsLastValidState();
  void undoRedoRestoresEveryEdit();
  void layerListEdits();
  void inputEditorWritesGenerator();
  void saveOpenRoundTrip();
  void plotsBuildForLessons();
  void bigInputComputesInBackground();
  void middleLayerEditRecomputesFromThatLayer();
  void middleLayerEditInBackgroundMatchesAFreshComputation();
  void plotsKeepCachesOfSharedRowsAndMatchAFreshBuild();
  void screenshotOfEveryLesson();
  void docksKeepAReadableWidthAfterTheWindowShrinks();
  void layerEditsKeepTheStacksViewOnItsLayer();
  void stackDockShowsLayoutShapesAndCosts();
  void constantSignalGetsCleanDistinctTicks();
  void channelNamesOverImagesDoNotOverlap();
  void screenshotFitsTheScreenOrTakesASize();
};

void GuiTest::invalidEditShowsErrorAndKeepsLastValidState() {
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  auto* ed = w.stackEditor();
  ed->setCurrentLayer(0);
  QCOMPARE(w.document()->outputs().size(), size_t(3));
  QCOMPARE(w.document()->outputs()[0].dim(-1), int64_t(8));
  QLineEdit* stride = ed->fieldFor("stride");
  QVERIFY(stride);
  // Typing an invalid stride: the engine's message appears next to the field.
  stride->setFocus();
  stride->selectAll();
  QTest::keyClicks(stride, "0");
  QVERIFY(w.document()->error().has_value());
  QCOMPARE(w.document()->error()->layer, 0);
  QCOMPARE(w.document()->error()->param, QString("stride"));
  QLabel* err = ed->errorLabelFor("stride");
  QVERIFY(err && !err->isHidden());
  QVERIFY2(err->text().contains(">= 1") || err->text().contains("1"), qPrintable(err->text()));
  // The last valid state stays: same outputs as before the bad edit.
  QVERIFY(w.document()->hasValidStack());
  QCOMPARE(w.document()->outputs()[0].dim(-1), int64_t(8));
  QCOMPARE(w.document()->source()["layers"][0]["stride"].get<int>(), 0);
  // A text that is not a value yet is refused locally, without an edit.
  const int count = w.document()->undoStack()->count();
  QVERIFY(!ed->setParamText("stride", "[1,"));
  QCOMPARE(w.document()->undoStack()->count(), count);
  QVERIFY(ed->errorLabelFor("stride")->text().contains("not a value"));
  // Fix it: the error disappears and the stack resolves with stride 1 (16 -> 16).
  QVERIFY(ed->setParamText("stride", "1"));
  QVERIFY(!w.document()->error().has_value());
  QVERIFY(ed->errorLabelFor("stride")->isHidden());
  QCOMPARE(w.document()->outputs()[0].dim(-1), int64_t(16));
  // A layer-level error (output would be empty) goes to the general label.
  QVERIFY(ed->setParamText("kernel_size", "40"));
  QVERIFY(w.document()->error().has_value());
  QVERIFY(!ed->generalErrorLabel()->isHidden() || !ed->errorLabelFor("kernel_size")->isHidden());
}

void GuiTest::undoRedoRestoresEveryEdit() {
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  const nlohmann::json original = w.document()->source();
  auto* ed = w.stackEditor();
  ed->setCurrentLayer(0);
  // Typing "3" then "5" into one field merges into one undo step.
  QVERIFY(ed->setParamText("padding", "3"));
  QVERIFY(ed->setParamText("padding", "5"));
  QUndoStack* undo = w.document()->undoStack();
  QCOMPARE(undo->count(), 1);
  QCOMPARE(w.document()->source()["layers"][0]["padding"].get<int>(), 5);
  undo->undo();
  QCOMPARE(w.document()->source(), original);
  QCOMPARE(ed->fieldFor("padding")->text(), QString("1"));
  undo->redo();
  QCOMPARE(w.document()->source()["layers"][0]["padding"].get<int>(), 5);
  QCOMPARE(ed->fieldFor("padding")->text(), QString("5"));
  // Ctrl+Z / Ctrl+Shift+Z through the window's actions.
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  w.activateWindow();
  ed->layerList()->setFocus();
  QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(w.document()->source(), original);
  QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  QCOMPARE(w.document()->source()["layers"][0]["padding"].get<int>(), 5);
}

void GuiTest::layerListEdits() {
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  auto* ed = w.stackEditor();
  auto* doc = w.document();
  ed->setCurrentLayer(1);
  ed->addLayer("max_pool");
  QCOMPARE(doc->source()["layers"].size(), size_t(4));
  QCOMPARE(doc->source()["layers"][2]["op"].get<std::string>(), std::string("max_pool"));
  QCOMPARE(ed->currentLayer(), 2);
  QVERIFY(!doc->error());
  ed->duplicateCurrentLayer();
  QCOMPARE(doc->source()["layers"].size(), size_t(5));
  ed->moveCurrentLayer(-1);
  QCOMPARE(ed->currentLayer(), 2);
  ed->removeCurrentLayer();
  ed->removeCurrentLayer();
  QCOMPARE(doc->source()["layers"].size(), size_t(3));
  QCOMPARE(ed->layerList()->count(), 3);
  QVERIFY(ed->layerList()->item(0)->text().contains("[1, 8]"));
  // Convention switch renames the parameters and still resolves.
  ed->setConvention(engine::Convention::Keras);
  QVERIFY(doc->source()["layers"][0].contains("filters"));
  QVERIFY(doc->source()["layers"][0].contains("strides"));
  // Keras has no integer padding: the engine says so, at layer 0's "padding" field.
  QVERIFY(doc->error().has_value());
  QCOMPARE(doc->error()->layer, 0);
  QCOMPARE(doc->error()->param, QString("padding"));
  ed->setCurrentLayer(0);
  QVERIFY(!ed->errorLabelFor("padding")->isHidden());
  QVERIFY(ed->errorLabelFor("padding")->text().contains("valid"));
  // Everything undoes back to the lesson.
  while (doc->undoStack()->canUndo()) doc->undoStack()->undo();
  QCOMPARE(doc->source()["layers"].size(), size_t(3));
  QCOMPARE(doc->source()["convention"].get<std::string>(), std::string("pytorch"));
}

void GuiTest::inputEditorWritesGenerator() {
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  auto* in = w.inputEditor();
  in->channelsBox()->setValue(3);
  QCOMPARE(w.document()->source()["input"]["shape"][0].get<int>(), 3);
  QCOMPARE(w.document()->stack().input.dim(1), int64_t(3));
  in->kindBox()->setCurrentIndex(in->kindBox()->findText("noise"));
  emit in->kindBox()->activated(in->kindBox()->currentIndex());
  in->seedBox()->setValue(5);
  QCOMPARE(w.document()->source()["input"]["generator"]["kind"].get<std::string>(), std::string("noise"));
  QCOMPARE(w.document()->source()["input"]["generator"]["seed"].get<int>(), 5);
  in->lengthBox()->setValue(40);
  QCOMPARE(w.document()->stack().input.dim(-1), int64_t(40));
  QVERIFY(!w.document()->error());
  // A wide input is shown as it is, never clamped to the box's range (8000 features, 16 steps).
  nlohmann::json wide = nlohmann::json::parse(R"({"convscope": 1, "input": {"shape": [8000, 16],
      "generator": {"kind": "noise"}}, "layers": [{"op": "relu"}]})");
  in->setDocumentState(wide, 1, QString());
  QCOMPARE(in->channelsBox()->value(), 8000);
  QCOMPARE(in->lengthBox()->value(), 16);
  // The same through the window, channels_last (Keras: steps 16, input_dim 8000), and 2^20 steps of
  // one channel: the boxes show the stack's numbers, and editing nothing changes the source.
  for (const char* text : {R"({"convscope": 1, "convention": "keras", "layout": "channels_last",
        "input": {"shape": [16, 8000], "generator": {"kind": "noise"}}, "layers": [{"op": "relu"}]})",
                           R"({"convscope": 1, "input": {"shape": [1, 1048576],
        "generator": {"kind": "noise"}}, "layers": [{"op": "relu"}]})"}) {
    const nlohmann::json src = nlohmann::json::parse(text);
    w.openDocument(src, QString(), "wide", QString());
    w.document()->waitIdle();
    QVERIFY(!w.document()->error());
    QCOMPARE(int64_t(in->channelsBox()->value()), w.document()->stack().input.dim(1));
    QCOMPARE(int64_t(in->lengthBox()->value()), w.document()->stack().input.dim(-1));
    QCOMPARE(w.document()->source(), src);
  }
}

void GuiTest::saveOpenRoundTrip() {
  QTemporaryDir dir;
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("transposed_scatter"));
  w.stackEditor()->setCurrentLayer(0);
  QVERIFY(w.stackEditor()->setParamText("stride", "3"));
  const QString path = dir.filePath("edited.json");
  QString err;
  QVERIFY2(w.document()->save(path, &err), qPrintable(err));
  QVERIFY(!w.document()->isModified());
  app::Document d2;
  QVERIFY2(d2.open(path, &err), qPrintable(err));
  QCOMPARE(d2.source(), w.document()->source());
  QVERIFY(!d2.error());
  QCOMPARE(d2.outputs()[0].dim(-1), int64_t((5 - 1) * 3 + 3));
  QCOMPARE(d2.filePath(), path);
  // A file that is not JSON is refused with a line/column message.
  QFile bad(dir.filePath("bad.json"));
  QVERIFY(bad.open(QIODevice::WriteOnly));
  bad.write("{\"convscope\": 1,\n  oops }");
  bad.close();
  QVERIFY(!d2.open(bad.fileName(), &err));
  QVERIFY2(err.contains("line 2"), qPrintable(err));
}

void GuiTest::plotsBuildForLessons() {
  for (const char* lesson : {"conv1d_basics", "conv1d_channels_slab", "checkerboard"}) {
    app::MainWindow w(nullptr, false);
    QVERIFY(w.openLesson(lesson));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto* plots = w.activationPlots();
    QTRY_VERIFY(plots->isReady());
    QCOMPARE(plots->rowCount(), static_cast<int>(w.document()->stack().layers.size()) + 1);
    for (int r = 0; r < plots->rowCount(); ++r) QVERIFY(plots->heatmapPlot(r) || plots->linePlot(r));
  }
  // Heatmap mode with a signed diverging scale, and time sync across rows.
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  auto* plots = w.activationPlots();
  plots->setMode(widgets::ActivationPlots::Mode::Both);
  plots->setScaleMode(widgets::ActivationPlots::ScaleMode::Shared);
  QVERIFY(plots->heatmapPlot(1) && plots->linePlot(1));
  const auto range = plots->colorRange(1);
  QVERIFY(range.first < 0 && std::abs(range.first + range.second) < 1e-9);  // symmetric around 0
  plots->setTimeWindow(0.25, 0.75);
  // Row 0 has 16 samples, row 1 has 8: the same fraction of each.
  QCOMPARE(plots->heatmapPlot(0)->xAxis->range().lower, 0.25 * 16 - 0.5);
  QCOMPARE(plots->heatmapPlot(1)->xAxis->range().upper, 0.75 * 8 - 0.5);
}

void GuiTest::bigInputComputesInBackground() {
  app::Document doc;
  nlohmann::json src = {{"convscope", 1},
                        {"input", {{"shape", {8, 1 << 20}}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}},
                        {"layers", nlohmann::json::array({{{"op", "relu"}}, {{"op", "tanh"}}})}};
  QVERIFY(app::Document::workEstimate(src) >= app::Document::asyncThreshold());
  QSignalSpy busy(&doc, &app::Document::busyChanged);
  doc.reset(src, QString(), "big", QString());
  QVERIFY(doc.isBusy());
  doc.waitIdle();
  QTRY_VERIFY(!doc.isBusy());
  QVERIFY(doc.hasValidStack());
  QCOMPARE(doc.outputs().size(), size_t(2));
  // A cancelled recompute keeps the previous valid state.
  nlohmann::json next = src;
  next["layers"].push_back({{"op", "sigmoid"}});
  doc.edit(next, "add", -1);
  doc.cancel();
  QVERIFY(!doc.isBusy());
  QCOMPARE(doc.outputs().size(), size_t(2));
  doc.waitIdle();
  QCOMPARE(doc.outputs().size(), size_t(2));
}

namespace {

// Every output of `doc` bit for bit equal to a fresh, full computation of its source.
QString differsFromFresh(const app::Document& doc, const QString& baseDir = QString()) {
  const app::ComputeResult fresh =
      app::Document::compute(doc.source(), "fresh", baseDir.toStdString(), nullptr, {});
  if (!fresh.ok) return "the fresh computation failed: " + fresh.error.message;
  if (fresh.reused != 0) return "a computation without a previous snapshot reused layers";
  if (doc.outputs().size() != fresh.outputs.size())
    return QString("%1 outputs, fresh %2").arg(doc.outputs().size()).arg(fresh.outputs.size());
  for (size_t i = 0; i < fresh.outputs.size(); ++i)
    if (!engine::sameBits(doc.outputs()[i], fresh.outputs[i]))
      return QString("layer %1 differs from a fresh computation").arg(i);
  return QString();
}

nlohmann::json middleStack(int channels, int length) {
  auto conv = [channels](const char* op, int k, int p, int seed) {
    return nlohmann::json{{"op", op},         {"out_channels", channels},
                          {"kernel_size", k}, {"stride", 2},
                          {"padding", p},     {"init", {{"kind", "random"}, {"seed", seed}}}};
  };
  return {{"convscope", 1},
          {"name", "middle"},
          {"input", {{"shape", {channels, length}}, {"generator", {{"kind", "chirp"}, {"seed", 3}}}}},
          {"layers", nlohmann::json::array({conv("conv", 5, 2, 1),
                                            {{"op", "relu"}},
                                            conv("conv_transpose", 4, 1, 2),
                                            conv("conv", 5, 2, 3),
                                            {{"op", "tanh"}},
                                            conv("conv_transpose", 4, 1, 4)})}};
}

}  // namespace

// Issue 7: an edit of layer j reuses the outputs of layers 0..j-1 (the same tensors, shared) and
// recomputes j..end; every result, after edits, undo and redo, is the fresh full computation's bits.
void GuiTest::middleLayerEditRecomputesFromThatLayer() {
  app::Document doc;
  doc.setForceSynchronous(true);
  const nlohmann::json src = middleStack(3, 200);
  doc.reset(src, QString(), "middle", QString());
  QVERIFY(doc.hasValidStack() && !doc.error());
  QCOMPARE(doc.reusedLayers(), 0);
  const widgets::SnapshotPtr first = doc.snapshot();
  const double abs2 = first->rowAbsMax(3);
  nlohmann::json next = src;
  next["layers"][3]["kernel_size"] = 3;
  next["layers"][3]["padding"] = 1;
  doc.edit(next, "layer 3: kernel_size", 7);
  QCOMPARE(doc.reusedLayers(), 3);
  for (size_t i = 0; i < 3; ++i)
    QVERIFY(doc.outputs().shared(i) == first->outputs.shared(i));  // shared, not copied
  QVERIFY(doc.outputs().shared(3) != first->outputs.shared(3));
  QCOMPARE(doc.snapshot()->rowAbsMax(3), abs2);
  QString d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // a later layer on top of that (the slider moved again elsewhere)
  nlohmann::json later = next;
  later["layers"][5]["init"]["seed"] = 9;
  doc.edit(later, "layer 5: seed");
  QCOMPARE(doc.reusedLayers(), 5);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // undo and redo give the fresh results too
  doc.undoStack()->undo();
  QCOMPARE(doc.source(), next);
  QCOMPARE(doc.reusedLayers(), 5);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  doc.undoStack()->undo();
  QCOMPARE(doc.source(), src);
  QCOMPARE(doc.reusedLayers(), 3);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  for (size_t i = 0; i < doc.outputs().size(); ++i)
    QVERIFY(engine::sameBits(doc.outputs()[i], first->outputs[i]));
  doc.undoStack()->redo();
  doc.undoStack()->redo();
  QCOMPARE(doc.source(), later);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // the input or a global setting changes: everything is recomputed
  nlohmann::json input = later;
  input["input"]["generator"]["seed"] = 4;
  doc.edit(input, "input seed");
  QCOMPARE(doc.reusedLayers(), 0);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  nlohmann::json conv = input;
  conv["convention"] = "onnx";
  conv["layers"] = nlohmann::json::array({{{"op", "relu"}}});
  doc.edit(conv, "convention");
  QVERIFY(!doc.error());
  QCOMPARE(doc.reusedLayers(), 0);
  // a descriptive key only: every layer is the previous one
  nlohmann::json renamed = conv;
  renamed["name"] = "renamed";
  doc.edit(renamed, "name");
  QCOMPARE(doc.reusedLayers(), 1);
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // an error in between keeps the last valid snapshot; the fix reuses from it
  nlohmann::json bad = src;
  bad["layers"][3]["stride"] = 0;
  doc.edit(bad, "bad stride");
  QVERIFY(doc.error());
  doc.edit(src, "fixed");
  QVERIFY(!doc.error());
  d = differsFromFresh(doc);
  QVERIFY2(d.isEmpty(), qPrintable(d));
}

// The same through the worker thread, and a weight file rewritten on disk between two edits: the
// layer reading it and every layer after it are recomputed (the source alone did not change).
void GuiTest::middleLayerEditInBackgroundMatchesAFreshComputation() {
  QTemporaryDir dir;
  engine::Tensor w({4, 4, 3});
  for (size_t i = 0; i < w.data.size(); ++i) w.data[i] = 0.05f * float(int(i % 7) - 3);
  engine::writeNpy(dir.filePath("w.npy").toStdString(), w);
  nlohmann::json src = middleStack(4, 1 << 18);
  src["layers"][2] = {
      {"op", "conv"}, {"out_channels", 4}, {"kernel_size", 3}, {"padding", 1}, {"weight", "w.npy"}};
  QVERIFY(app::Document::workEstimate(src) >= app::Document::asyncThreshold());
  app::Document doc;
  doc.reset(src, QString(), "middle", dir.path());
  QVERIFY(doc.isBusy());
  doc.waitIdle();
  QVERIFY(doc.hasValidStack() && !doc.error());
  const widgets::SnapshotPtr first = doc.snapshot();
  nlohmann::json next = src;
  next["layers"][4] = {{"op", "sigmoid"}};
  doc.edit(next, "layer 4: sigmoid");
  QVERIFY(doc.isBusy());
  doc.waitIdle();
  QVERIFY(!doc.isBusy() && !doc.error());
  QCOMPARE(doc.reusedLayers(), 4);
  for (size_t i = 0; i < 4; ++i) QVERIFY(doc.outputs().shared(i) == first->outputs.shared(i));
  QString d = differsFromFresh(doc, dir.path());
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // rewrite the weights of layer 2, then edit layer 5: layers 2.. are recomputed
  w.data[5] = 0.5f;
  engine::writeNpy(dir.filePath("w.npy").toStdString(), w);
  nlohmann::json after = next;
  after["layers"][5]["init"]["seed"] = 11;
  doc.edit(after, "layer 5: seed");
  doc.waitIdle();
  QVERIFY(!doc.error());
  QCOMPARE(doc.reusedLayers(), 2);
  d = differsFromFresh(doc, dir.path());
  QVERIFY2(d.isEmpty(), qPrintable(d));
  // superseded edits: only the last one lands, equal to a fresh computation
  nlohmann::json a = after, b = after;
  a["layers"][3]["kernel_size"] = 3;
  a["layers"][3]["padding"] = 1;
  b["layers"][3]["kernel_size"] = 7;
  b["layers"][3]["padding"] = 3;
  doc.edit(a, "k3");
  doc.edit(b, "k7");
  doc.waitIdle();
  QTRY_VERIFY(!doc.isBusy());
  QCOMPARE(doc.source(), b);
  d = differsFromFresh(doc, dir.path());
  QVERIFY2(d.isEmpty(), qPrintable(d));
}

namespace {

// Every cell of every row's heatmap and every line-plot point of `a` equal to `b`'s.
QString plotsDiffer(const widgets::ActivationPlots& a, const widgets::ActivationPlots& b) {
  if (a.rowCount() != b.rowCount()) return QString("%1 rows, %2").arg(a.rowCount()).arg(b.rowCount());
  for (int r = 0; r < a.rowCount(); ++r) {
    if (a.colorRange(r) != b.colorRange(r)) return QString("row %1: colour range").arg(r);
    QCustomPlot *ha = a.heatmapPlot(r), *hb = b.heatmapPlot(r);
    if (!ha != !hb) return QString("row %1: heatmap in one only").arg(r);
    if (ha) {
      auto* ma = qobject_cast<QCPColorMap*>(ha->plottable(0));
      auto* mb = qobject_cast<QCPColorMap*>(hb->plottable(0));
      if (!ma || !mb) return QString("row %1: no colour map").arg(r);
      QCPColorMapData *da = ma->data(), *db = mb->data();  // cell() is not const
      if (da->keySize() != db->keySize() || da->valueSize() != db->valueSize())
        return QString("row %1: map size").arg(r);
      for (int x = 0; x < da->keySize(); ++x)
        for (int y = 0; y < da->valueSize(); ++y) {
          const double u = da->cell(x, y), v = db->cell(x, y);
          if (!(u == v || (std::isnan(u) && std::isnan(v))))
            return QString("row %1: cell %2, %3: %4 vs %5").arg(r).arg(x).arg(y).arg(u).arg(v);
        }
    }
    QCustomPlot *la = a.linePlot(r), *lb = b.linePlot(r);
    if (!la != !lb) return QString("row %1: line plot in one only").arg(r);
    if (la) {
      if (la->graphCount() != lb->graphCount()) return QString("row %1: graphs").arg(r);
      for (int g = 0; g < la->graphCount(); ++g) {
        auto da = la->graph(g)->data(), db = lb->graph(g)->data();
        if (da->size() != db->size()) return QString("row %1 graph %2: points").arg(r).arg(g);
        for (int i = 0; i < da->size(); ++i)
          if (da->at(i)->key != db->at(i)->key || da->at(i)->value != db->at(i)->value)
            return QString("row %1 graph %2: point %3").arg(r).arg(g).arg(i);
      }
    }
  }
  return QString();
}

}  // namespace

// Issue 7: the activation plots keep the level-of-detail caches and the filled rows of the tensors an
// edit did not change (the layers before it, the input of the same bits) and refill only the others —
// the plots then equal those of a fresh build, cell for cell and point for point.
void GuiTest::plotsKeepCachesOfSharedRowsAndMatchAFreshBuild() {
  // Both widgets shown at the same size and settled (rows are filled at their plots' real widths).
  auto settle = [](widgets::ActivationPlots& p) {
    QTRY_VERIFY_WITH_TIMEOUT(p.isReady(), 60000);
    QTest::qWait(30);
    QCoreApplication::processEvents();
  };
  for (const int length : {600, 1 << 20}) {  // caches built on the GUI thread; on a worker (big snapshot)
    nlohmann::json src = middleStack(length > 1000 ? 4 : 6, length);
    app::Document doc;
    doc.setForceSynchronous(true);
    doc.reset(src, QString(), "middle", QString());
    QVERIFY(doc.hasValidStack() && !doc.error());
    widgets::ActivationPlots shown;
    shown.resize(700, 900);
    shown.setMode(widgets::ActivationPlots::Mode::Both);
    shown.show();
    QVERIFY(QTest::qWaitForWindowExposed(&shown));
    shown.setSnapshot(doc.snapshot());
    settle(shown);
    // edits of layer 3: rows 0..3 kept, the others refilled (k = 4 also changes the later lengths)
    for (int k : {3, 4, 7}) {
      nlohmann::json next = src;
      next["layers"][3]["kernel_size"] = k;
      next["layers"][3]["padding"] = k / 2;
      doc.edit(next, "layer 3");
      QCOMPARE(doc.reusedLayers(), 3);
      shown.setSnapshot(doc.snapshot());
      settle(shown);
      widgets::ActivationPlots fresh;
      fresh.resize(700, 900);
      fresh.setMode(widgets::ActivationPlots::Mode::Both);
      fresh.show();
      QVERIFY(QTest::qWaitForWindowExposed(&fresh));
      fresh.setSnapshot(doc.snapshot());
      settle(fresh);
      const QString d = plotsDiffer(shown, fresh);
      QVERIFY2(d.isEmpty(), qPrintable(QString("length %1, kernel %2: %3").arg(length).arg(k).arg(d)));
    }
  }
}

void GuiTest::screenshotOfEveryLesson() {
  QTemporaryDir dir;
  const QStringList lessons = QDir(CONVSCOPE_LESSON_DIR).entryList({"*.json"}, QDir::Files, QDir::Name);
  QVERIFY(lessons.size() >= 10);
  const QString xvfb = QString(CONVSCOPE_XVFB_RUN);
  const bool useXvfb = !xvfb.isEmpty() && !xvfb.endsWith("NOTFOUND") && QFileInfo::exists(xvfb);
  for (const QString& file : lessons) {
    const QString name = QFileInfo(file).completeBaseName();
    const QString png = dir.filePath(name + ".png");
    QProcess proc;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    QStringList args = {"--lesson", name, "--screenshot", png};
    if (useXvfb) {
      env.remove("QT_QPA_PLATFORM");
      args.prepend(CONVSCOPE_EXE);
      args.prepend("-a");
      proc.setProgram(xvfb);
    } else {
      env.insert("QT_QPA_PLATFORM", "offscreen");
      proc.setProgram(CONVSCOPE_EXE);
    }
    proc.setProcessEnvironment(env);
    proc.setArguments(args);
    proc.start();
    QVERIFY2(proc.waitForFinished(90000), qPrintable(name));
    const QString out = QString::fromUtf8(proc.readAllStandardOutput());
    QVERIFY2(proc.exitCode() == 0, qPrintable(name + ": " + QString::fromUtf8(proc.readAllStandardError())));
    // "convscope: wrote FILE (WxH, window WxH)": the image is the whole window.
    const QRegularExpression re("\\((\\d+)x(\\d+), window (\\d+)x(\\d+)\\)");
    const auto m = re.match(out);
    QVERIFY2(m.hasMatch(), qPrintable(out));
    QImage img(png);
    QVERIFY2(!img.isNull(), qPrintable(name));
    const double dpr = m.captured(1).toDouble() / m.captured(3).toDouble();
    QCOMPARE(img.width(), qRound(m.captured(3).toInt() * dpr));
    QCOMPARE(img.height(), qRound(m.captured(4).toInt() * dpr));
    QVERIFY(img.width() >= 1000 && img.height() >= 700);
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 3)
      for (int x = 0; x < img.width(); x += 3) colours.insert(img.pixel(x, y));
    QVERIFY2(colours.size() > 64, qPrintable(QString("%1: only %2 colours").arg(name).arg(colours.size())));
  }
}

void GuiTest::docksKeepAReadableWidthAfterTheWindowShrinks() {
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(50);
  auto* lesson = w.findChild<QDockWidget*>("dock.lesson");
  auto* stack = w.findChild<QDockWidget*>("dock.stack");
  auto* input = w.findChild<QDockWidget*>("dock.input");
  QVERIFY(lesson && stack && input);
  QVERIFY(lesson->width() >= 200);
  w.resize(200, 150);
  QTest::qWait(100);
  w.resize(app::MainWindow::defaultSize());
  QTRY_COMPARE(w.size(), app::MainWindow::defaultSize());
  QTest::qWait(100);
  const QString widths =
      QString("lesson %1, stack %2, input %3").arg(lesson->width()).arg(stack->width()).arg(input->width());
  // The lesson text at ~50 px wraps letter by letter; 200 px holds a few words per line.
  QVERIFY2(lesson->width() >= 200, qPrintable(widths));
  QVERIFY2(stack->width() >= 200 && input->width() >= 200, qPrintable(widths));
  if (!qEnvironmentVariableIsEmpty("CONVSCOPE_SHOT_DIR"))
    w.grab().save(qEnvironmentVariable("CONVSCOPE_SHOT_DIR") + "/docks_after_shrink.png");
}

void GuiTest::layerEditsKeepTheStacksViewOnItsLayer() {
  // The lesson opens on layer 2 ("view": {"layer": 2}); the engine refuses a view layer out of
  // range, so removing, adding and moving layers must carry the view's index along.
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  app::Document* doc = w.document();
  auto viewLayer = [doc]() {
    const auto& v = doc->source()["view"];
    return v.contains("layer") ? v["layer"].get<int>() : -1;
  };
  nlohmann::json src = doc->source();
  src["view"]["layer"] = 2;
  doc->edit(src, "view on layer 2");
  QVERIFY(!doc->error());
  auto* ed = w.stackEditor();
  ed->setCurrentLayer(0);
  ed->removeCurrentLayer();
  doc->waitIdle();
  QVERIFY2(!doc->error(), qPrintable(doc->error() ? doc->error()->message : QString()));
  QCOMPARE(viewLayer(), 1);
  ed->setCurrentLayer(0);
  ed->duplicateCurrentLayer();
  QCOMPARE(viewLayer(), 2);
  ed->setCurrentLayer(2);
  ed->moveCurrentLayer(-1);
  QCOMPARE(viewLayer(), 1);
  ed->setCurrentLayer(1);
  ed->removeCurrentLayer();  // the view's own layer: the view falls back to the default layer
  doc->waitIdle();
  QCOMPARE(viewLayer(), -1);
  QVERIFY2(!doc->error(), qPrintable(doc->error() ? doc->error()->message : QString()));
  // An out-of-range view layer written by hand is refused under its own key.
  src = doc->source();
  src["view"]["layer"] = 9;
  doc->edit(src, "view on layer 9");
  doc->waitIdle();
  QVERIFY(doc->error().has_value());
  QVERIFY2(doc->error()->message.contains("view.layer"), qPrintable(doc->error()->message));
}

void GuiTest::stackDockShowsLayoutShapesAndCosts() {
  // Keras, channels_last: shapes as (steps, channels) with Keras's names; parameters and
  // multiply-adds per layer (the numbers `check` prints, checked against torch in tests/cli) and
  // their totals under the list.
  app::MainWindow w(nullptr, false);
  const nlohmann::json src = nlohmann::json::parse(R"({"convscope": 1, "convention": "keras",
      "layout": "channels_last", "input": {"shape": [8000, 1], "generator": {"kind": "noise"}},
      "layers": [{"op": "conv", "filters": 8, "kernel_size": 5}, {"op": "relu"},
                 {"op": "conv_transpose", "filters": 2, "kernel_size": 4, "strides": 2}]})");
  w.openDocument(src, QString(), "keras", QString());
  w.document()->waitIdle();
  QVERIFY(!w.document()->error());
  auto* ed = w.stackEditor();
  const QString row0 = ed->layerList()->item(0)->text();
  QVERIFY2(row0.contains("[7996, 8] (steps, filters)"), qPrintable(row0));
  QVERIFY2(row0.contains("params") && row0.contains("MACs"), qPrintable(row0));
  QVERIFY2(ed->layerList()->item(1)->text().contains("(steps, filters)"),
           qPrintable(ed->layerList()->item(1)->text()));
  const engine::Stack& st = w.document()->stack();
  int64_t params = 0, macs = 0;
  for (const auto& l : st.layers) {
    params += engine::parameterCount(l);
    macs += engine::multiplyAdds(l);
  }
  QVERIFY(params > 0 && macs > 0);
  const QString totals = ed->totalsLabel()->text();
  QVERIFY2(totals.contains(QLocale().toString(static_cast<qlonglong>(params))), qPrintable(totals));
  QVERIFY2(totals.contains(QLocale().toString(static_cast<qlonglong>(macs))), qPrintable(totals));
  ed->setCurrentLayer(0);
  const QString title = ed->panelTitleLabel()->text();
  QVERIFY2(title.contains("[8000, 1] (steps, input_dim)") && title.contains("[7996, 8] (steps, filters)"),
           qPrintable(title));
  QVERIFY2(title.contains(QLocale().toString(static_cast<qlonglong>(engine::parameterCount(st.layers[0])))),
           qPrintable(title));
  QVERIFY2(!title.contains("[1, 8000]"), qPrintable(title));  // never channels first here
  // The activation plots' row titles use the same layout and words.
  auto* plots = w.activationPlots();
  QTRY_VERIFY(plots->isReady() && plots->rowCount() == 4);
  QVERIFY2(plots->rowTitleLabel(0)->text().contains("[8000, 1] (steps, input_dim)"),
           qPrintable(plots->rowTitleLabel(0)->text()));
}

void GuiTest::constantSignalGetsCleanDistinctTicks() {
  // A constant input (a step that starts at 0) and its constant ReLU: the value axis is a range of
  // clean, distinct ticks around the value, never 1, 1, 0.999999.
  for (double v : {1.0, 0.0, -3.0, 1000.0, 1e-7}) {
    const auto [lo, hi] = widgets::ActivationPlots::valueAxisRange(v, v);
    QVERIFY2(lo < v && v < hi && hi - lo >= 1.0, qPrintable(QString("%1: [%2, %3]").arg(v).arg(lo).arg(hi)));
  }
  app::MainWindow w(nullptr, false);
  const nlohmann::json src = nlohmann::json::parse(R"({"convscope": 1, "input": {"shape": [2, 64],
      "generator": {"kind": "step", "position": 0}}, "layers": [{"op": "relu"}]})");
  w.openDocument(src, QString(), "constant", QString());
  w.document()->waitIdle();
  QVERIFY(!w.document()->error());
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  auto* plots = w.activationPlots();
  plots->setMode(widgets::ActivationPlots::Mode::Lines);
  QTRY_VERIFY(plots->isReady() && plots->rowCount() == 2);
  for (int r = 0; r < 2; ++r) {
    QCustomPlot* p = plots->linePlot(r);
    QVERIFY(p);
    QTRY_VERIFY(p->graphCount() > 0);
    p->replot();
    const QVector<QString> labels = p->yAxis->tickVectorLabels();
    QVERIFY2(labels.size() >= 2, qPrintable(QStringList(labels.begin(), labels.end()).join(", ")));
    QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
    for (const QString& l : labels) QVERIFY2(l.size() <= 4, qPrintable(l));  // "0.5", "1", "1.5"
  }
}

void GuiTest::channelNamesOverImagesDoNotOverlap() {
  // 2-D rows show up to 8 channel images side by side with their names above: in a narrow dock
  // the names shorten or thin out instead of running into each other ("ch 0ch 1").
  app::Document doc;
  doc.reset(nlohmann::json::parse(R"({"convscope": 1, "input": {"shape": [8, 6, 6], "dims": 2,
      "generator": {"kind": "noise"}}, "layers": [{"op": "relu"}]})"),
            QString(), "images", QString());
  doc.waitIdle();
  QVERIFY(doc.hasValidStack());
  for (int width : {1400, 520, 330}) {
    widgets::ActivationPlots plots;
    plots.resize(width, 500);
    plots.setSnapshot(doc.snapshot());
    plots.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plots));
    QTRY_VERIFY(plots.isReady() && plots.rowCount() == 2);
    QCustomPlot* p = plots.heatmapPlot(0);
    QVERIFY(p);
    QTest::qWait(150);
    p->replot();
    const QVector<double> ticks = p->xAxis2->tickVector();
    const QVector<QString> labels = p->xAxis2->tickVectorLabels();
    QVERIFY(!ticks.isEmpty());
    const QFontMetrics fm(p->xAxis2->tickLabelFont());
    double prevRight = -1e9;
    for (int i = 0; i < ticks.size(); ++i) {
      const double x = p->xAxis2->coordToPixel(ticks[i]), half = fm.horizontalAdvance(labels[i]) / 2.0;
      QVERIFY2(x - half > prevRight,
               qPrintable(QString("width %1: '%2' overlaps the name before it").arg(width).arg(labels[i])));
      prevRight = x + half;
    }
    if (width == 1400) QCOMPARE(labels.first(), QString("ch 0"));  // room enough: full names
  }
}

void GuiTest::screenshotFitsTheScreenOrTakesASize() {
  // The real app on a 1280x720 X screen: the window fits the screen (the default 1400x900 is
  // shrunk), and --size WxH sets it exactly.
  const QString xvfb = QString(CONVSCOPE_XVFB_RUN);
  if (xvfb.isEmpty() || xvfb.endsWith("NOTFOUND") || !QFileInfo::exists(xvfb)) QSKIP("needs xvfb-run");
  QTemporaryDir dir;
  auto shoot = [&](const QStringList& extra, QString* out) {
    QProcess proc;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("QT_QPA_PLATFORM");
    proc.setProcessEnvironment(env);
    proc.setProgram(xvfb);
    proc.setArguments(QStringList{"-a", "-s", "-screen 0 1280x720x24", CONVSCOPE_EXE, "--lesson",
                                  "conv1d_basics", "--screenshot", dir.filePath("s.png")} +
                      extra);
    proc.start();
    if (!proc.waitForFinished(90000)) return -1;
    *out = QString::fromUtf8(proc.readAllStandardOutput()) + QString::fromUtf8(proc.readAllStandardError());
    return proc.exitCode();
  };
  const QRegularExpression re("window (\\d+)x(\\d+)\\)");
  QString out;
  QCOMPARE(shoot({}, &out), 0);
  auto m = re.match(out);
  QVERIFY2(m.hasMatch(), qPrintable(out));
  QVERIFY2(m.captured(1).toInt() <= 1280 && m.captured(2).toInt() <= 720, qPrintable(out));
  QVERIFY2(m.captured(1).toInt() >= 1000 && m.captured(2).toInt() >= 600, qPrintable(out));
  QCOMPARE(shoot({"--size", "1024x640"}, &out), 0);
  m = re.match(out);
  QVERIFY2(m.hasMatch() && m.captured(1) == "1024" && m.captured(2) == "640", qPrintable(out));
  QCOMPARE(QImage(dir.filePath("s.png")).width(), 1024);
  QCOMPARE(shoot({"--size", "1024"}, &out), 2);
  QVERIFY2(out.contains("--size"), qPrintable(out));
}

QTEST_MAIN(GuiTest)
#include "test_gui.moc"
