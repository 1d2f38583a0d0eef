// Widget tests of the desktop app (QT_QPA_PLATFORM=offscreen): stack editor edits and validation
// messages, undo/redo, the last valid state kept on errors, document save/open round trip, the
// activation plots of a lesson, the min/max pyramid, and the real app's --screenshot per lesson.
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QSet>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <qcustomplot.h>
#include <random>

#include "document.h"
#include "main_window.h"
#include "widgets/activation_plots.h"
#include "widgets/input_editor.h"
#include "widgets/signal_pyramid.h"
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
  void pyramidMatchesBruteForce();
  void bigInputComputesInBackground();
  void screenshotOfEveryLesson();
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

void GuiTest::pyramidMatchesBruteForce() {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  const int C = 3;
  const int64_t L = 100000;
  std::vector<float> data(static_cast<size_t>(C * L));
  for (float& v : data) v = u(rng);
  data[static_cast<size_t>(L + 54321)] = 7.0f;  // a spike must survive decimation
  widgets::SignalPyramid p;
  p.build(data.data(), C, L);
  const int cols = 500;
  std::vector<float> mn(cols), mx(cols);
  p.columns(1, 0, static_cast<double>(L), cols, mn.data(), mx.data());
  float top = -10;
  for (int j = 0; j < cols; ++j) top = std::max(top, mx[static_cast<size_t>(j)]);
  QCOMPARE(top, 7.0f);
  // Column j's extremes bound the raw samples of that column.
  for (int j = 0; j < cols; j += 37) {
    const int64_t a = j * L / cols, b = (j + 1) * L / cols;
    for (int64_t i = a; i < b; ++i) {
      QVERIFY(data[static_cast<size_t>(L + i)] >= mn[static_cast<size_t>(j)]);
      QVERIFY(data[static_cast<size_t>(L + i)] <= mx[static_cast<size_t>(j)]);
    }
  }
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

QTEST_MAIN(GuiTest)
#include "test_gui.moc"
