// Widget tests that need a real X server (run under `xvfb-run -a`, platform xcb), where the
// offscreen platform would hide the defect:
//  * the window's redo keys: on X11 the platform's QKeySequence::Redo is Ctrl+Shift+Z itself.
#include <QAction>
#include <QListWidget>
#include <QUndoStack>
#include <QtTest>

#include "document.h"
#include "main_window.h"
#include "widgets/stack_editor.h"

using namespace convscope;

class X11Test : public QObject {
  Q_OBJECT
 private slots:
  void redoByKeyboardWithCtrlShiftZAndCtrlY();
};

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

QTEST_MAIN(X11Test)
#include "test_gui_x11.moc"
