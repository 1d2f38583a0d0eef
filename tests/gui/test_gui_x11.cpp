// Widget tests that need a real X server (run under `xvfb-run -a`, platform xcb), where the
// offscreen platform would hide the defect:
//  * the canvas HUD under a real OpenGL context: a click whose press and release reach the canvas
//    in one turn of the event loop, before any frame — a touchpad tap, a fast click — still presses
//    the ImGui button (ImGui 1.86 samples the mouse once per frame);
//  * the window's redo keys: on X11 the platform's QKeySequence::Redo is Ctrl+Shift+Z itself;
//  * the window with its real canvas when a stack does not resolve: the last valid state stays
//    (after an edit or on opening a file), and a first document that never resolved says so
//    instead of showing a blank canvas and an empty Lesson dock.
#include <QAction>
#include <QLabel>
#include <QListWidget>
#include <QOpenGLContext>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QUndoStack>
#include <QtTest>

#include "app/gui/canvas_binding.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "engine/stack/stack.h"
#include "widgets/activation_plots.h"
#include "widgets/canvas.h"
#include "widgets/stack_editor.h"

using namespace convscope;

namespace {

widgets::SnapshotPtr conv1dSnapshot() {
  const auto doc = nlohmann::json::parse(R"({
    "convscope": 1,
    "input": {"shape": [1, 16], "generator": {"kind": "impulse", "position": 7}},
    "layers": [{"op": "conv", "out_channels": 1, "kernel_size": 3, "init": {"kind": "random", "seed": 1}}]
  })");
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = engine::resolveStack(doc, "hud_click.json", "");
  snap->outputs = engine::forward(snap->stack);
  return snap;
}

// Draws `n` more frames of `canvas`.
bool drawFrames(widgets::Canvas& canvas, int n) {
  QSignalSpy swapped(&canvas, &QOpenGLWidget::frameSwapped);
  for (int i = 0; i < n; ++i) {
    const int before = swapped.count();
    canvas.update();
    if (!QTest::qWaitFor([&]() { return swapped.count() > before; }, 5000)) return false;
  }
  return true;
}

}  // namespace

class X11Test : public QObject {
  Q_OBJECT
 private slots:
  void clickWithinOneEventLoopTurnPressesPlay();
  void redoByKeyboardWithCtrlShiftZAndCtrlY();
  void unresolvedStackKeepsTheLastValidState();
  void stackThatNeverResolvedSaysSo();
};

void X11Test::clickWithinOneEventLoopTurnPressesPlay() {
  widgets::Canvas canvas;
  canvas.resize(900, 500);
  canvas.setSnapshot(conv1dSnapshot());
  canvas.setLayer(0);
  canvas.show();
  QVERIFY(QTest::qWaitForWindowExposed(&canvas));
  QVERIFY(drawFrames(canvas, 2));
  if (!canvas.context() || !canvas.context()->isValid()) QSKIP("no OpenGL context: the canvas draws no HUD");
  QVERIFY(canvas.stepCount() > 3);
  // The Play button in the HUD's first row (ImGui's 7 px wide default font, the canvas's fixed
  // style): collapse arrow (21 px), "|<" and "<", then "Play " from x = 92 to 139.
  const QPoint play(115, int(canvas.height() - canvas.hudHeight() + 6 + 10));
  QTest::mouseMove(&canvas, play);
  QVERIFY(drawFrames(canvas, 2));
  QVERIFY(!canvas.isPlaying());

  // A click held over a few frames plays: the position is the Play button.
  QTest::mousePress(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QVERIFY(drawFrames(canvas, 2));
  QTest::mouseRelease(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QTRY_VERIFY_WITH_TIMEOUT(canvas.isPlaying(), 3000);
  canvas.pause();
  canvas.first();
  QVERIFY(drawFrames(canvas, 2));
  QVERIFY(!canvas.isPlaying());

  // Press and release delivered together, before the canvas draws again.
  QTest::mousePress(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QTest::mouseRelease(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QTRY_VERIFY_WITH_TIMEOUT(canvas.isPlaying(), 3000);
  canvas.pause();

  // Two such clicks in one turn: play, then pause — neither is lost.
  QVERIFY(drawFrames(canvas, 2));
  QTest::mouseClick(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QTest::mouseClick(&canvas, Qt::LeftButton, Qt::NoModifier, play);
  QSignalSpy playing(&canvas, &widgets::Canvas::playingChanged);
  QTRY_VERIFY_WITH_TIMEOUT(playing.count() >= 2, 3000);
  QVERIFY(!canvas.isPlaying());
}

void X11Test::redoByKeyboardWithCtrlShiftZAndCtrlY() {
  // Keys sent to the shown window, as a user types them: each redo key must redo one step (an
  // action holding one sequence twice is an ambiguous shortcut that Qt refuses to trigger).
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  auto* ed = w.stackEditor();
  ed->setCurrentLayer(0);
  QVERIFY(ed->setParamText("padding", "3"));
  QVERIFY(ed->setParamText("stride", "1"));
  QUndoStack* undo = w.document()->undoStack();
  QCOMPARE(undo->count(), 2);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  w.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&w));
  ed->layerList()->setFocus();
  QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
  QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(undo->index(), 0);
  QTest::keyClick(&w, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  QCOMPARE(undo->index(), 1);
  QCOMPARE(w.document()->source()["layers"][0]["padding"].get<int>(), 3);
  QTest::keyClick(&w, Qt::Key_Y, Qt::ControlModifier);
  QCOMPARE(undo->index(), 2);
  QCOMPARE(w.document()->source()["layers"][0]["stride"].get<int>(), 1);
  // No sequence is bound twice anywhere in the window.
  QList<QKeySequence> seen;
  for (QAction* a : w.findChildren<QAction*>())
    for (const QKeySequence& k : a->shortcuts()) {
      QVERIFY2(!seen.contains(k), qPrintable(a->text() + ": " + k.toString() + " is bound twice"));
      seen << k;
    }
}

void X11Test::unresolvedStackKeepsTheLastValidState() {
  app::MainWindow w(nullptr, false);
  app::attachCanvas(w);
  auto* canvas = qobject_cast<widgets::Canvas*>(w.canvas());
  if (!canvas) QSKIP("no OpenGL: the layer table stands in for the canvas");
  QVERIFY(w.openLesson("conv1d_basics"));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  auto* lesson = w.findChild<QTextBrowser*>();
  auto* note = canvas->findChild<QLabel*>("canvas.unresolved");
  QVERIFY(lesson && note);
  app::Document* doc = w.document();
  auto* plots = w.activationPlots();
  QTRY_VERIFY(plots->isReady() && plots->rowCount() == 4);
  QVERIFY(canvas->model() && canvas->model()->error.isEmpty());
  const widgets::SnapshotPtr valid = canvas->model()->snapshot;
  const QString lessonText = lesson->toPlainText();
  QVERIFY(lessonText.contains("Conv1D basics"));

  // 1. An edit that does not resolve: canvas, plots and lesson keep the last valid state.
  nlohmann::json bad = doc->source();
  bad["layers"][0]["stride"] = 0;
  doc->edit(bad, "stride 0");
  doc->waitIdle();
  QVERIFY(doc->error().has_value());
  QTest::qWait(50);
  QVERIFY(canvas->model() && canvas->model()->snapshot == valid && canvas->model()->error.isEmpty());
  QCOMPARE(plots->rowCount(), 4);
  QCOMPARE(lesson->toPlainText(), lessonText);
  QVERIFY(note->isHidden());
  QVERIFY2(w.stackEditor()->errorLabelFor("stride")->text().contains(">= 1"),
           qPrintable(w.stackEditor()->errorLabelFor("stride")->text()));

  // 2. Opening a file that does not resolve keeps the last valid state too (docs/bad-input.md).
  nlohmann::json never = bad;
  never["name"] = "Never resolved";
  never["description"] = "A stride of zero.";
  w.openDocument(never, QString(), "never", QString());
  doc->waitIdle();
  QVERIFY(doc->error().has_value() && !doc->hasValidStack());
  QTest::qWait(50);
  QVERIFY(canvas->model() && canvas->model()->snapshot == valid);
  QCOMPARE(plots->rowCount(), 4);
  QCOMPARE(lesson->toPlainText(), lessonText);
  QVERIFY(note->isHidden());
}

void X11Test::stackThatNeverResolvedSaysSo() {
  // A window whose first document does not resolve has no last valid state: the canvas says what
  // is wrong instead of staying blank, the Lesson dock shows the stack's own name and description,
  // and the Stack dock does not claim that a last valid state is shown.
  app::MainWindow w(nullptr, false);
  app::attachCanvas(w);
  auto* canvas = qobject_cast<widgets::Canvas*>(w.canvas());
  if (!canvas) QSKIP("no OpenGL: the layer table stands in for the canvas");
  const nlohmann::json never = nlohmann::json::parse(R"({"convscope": 1, "name": "Never resolved",
      "description": "A stride of zero.", "input": {"shape": [1, 16], "generator": {"kind": "noise"}},
      "layers": [{"op": "conv", "out_channels": 1, "kernel_size": 3, "stride": 0}]})");
  w.openDocument(never, QString(), "never", QString());
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  app::Document* doc = w.document();
  doc->waitIdle();
  QVERIFY(doc->error().has_value());
  auto* lesson = w.findChild<QTextBrowser*>();
  auto* note = canvas->findChild<QLabel*>("canvas.unresolved");
  QVERIFY(lesson && note);
  QTRY_VERIFY(note->isVisible());
  QVERIFY2(note->text().contains("must be >= 1") && note->text().contains("does not resolve"),
           qPrintable(note->text()));
  QVERIFY(!canvas->model());
  const QString text = lesson->toPlainText();
  QVERIFY2(text.contains("Never resolved") && text.contains("A stride of zero.") &&
               text.contains("does not resolve"),
           qPrintable(text));
  widgets::StackEditor* ed = w.stackEditor();
  ed->setCurrentLayer(0);
  QVERIFY2(!ed->generalErrorLabel()->text().contains("last valid state"),
           qPrintable(ed->generalErrorLabel()->text()));

  // Fixed: the canvas, plots and lesson come, the note goes.
  nlohmann::json fixed = never;
  fixed["layers"][0]["stride"] = 2;
  doc->edit(fixed, "stride 2");
  doc->waitIdle();
  QVERIFY(!doc->error());
  QTRY_VERIFY(note->isHidden());
  QTRY_VERIFY(canvas->model() && canvas->model()->error.isEmpty());
  QTRY_VERIFY(w.activationPlots()->isReady() && w.activationPlots()->rowCount() == 2);
  QVERIFY(!lesson->toPlainText().contains("does not resolve"));
  // Broken again: now there is a last valid state, and it stays.
  fixed["layers"][0]["stride"] = 0;
  doc->edit(fixed, "stride 0");
  doc->waitIdle();
  QTest::qWait(50);
  QVERIFY(note->isHidden());
  QVERIFY(canvas->model());
  QCOMPARE(w.activationPlots()->rowCount(), 2);
}

QTEST_MAIN(X11Test)
#include "test_gui_x11.moc"
