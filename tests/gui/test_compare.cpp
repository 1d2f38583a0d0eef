// The Compare window (app/gui/compare_window.h), offscreen: three stacks on one shared input; an
// edit of the shared input changes every stack in one undo step; an edit of one stack's stride goes
// onto the same undo history; the figures table shows what `convscope compare --json` prints for the
// same stacks; hover and steps are synchronised; a project saves the comparison and reopens it; a
// project whose compared stack names an outside file is refused. And the real app's
// `--compare ... --screenshot` under xvfb.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "app/export/export_job.h"
#include "app/gui/compare_window.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "app/project/project_file.h"
#include "widgets/compare/comparison_table.h"
#include "widgets/compare/difference_plot.h"
#include "widgets/input_editor.h"
#include "widgets/scene_view.h"
#include "widgets/stack_editor.h"

using namespace convscope;
using nlohmann::json;

namespace {

constexpr const char* kWays[] = {"conv_x_deconv_y", "deconv_y_conv_x", "unpool_y_conv_x"};

/// `convscope compare --lesson A --lesson B ... --json`, parsed.
json compareJson(const QStringList& lessons) {
  QStringList args{"compare"};
  for (const QString& l : lessons) args << "--lesson" << l;
  args << "--json";
  QProcess p;
  p.start(CONVSCOPE_EXE, args);
  if (!p.waitForFinished(120000) || p.exitCode() != 0) {
    qWarning() << p.readAllStandardError();
    return json();
  }
  return json::parse(p.readAllStandardOutput().toStdString());
}

/// "1,234" → 1234.
qint64 grouped(const QString& s) {
  return QString(s).remove(',').toLongLong();
}

/// A window on lesson kWays[0], which opens the comparison with the three other Chainer ways
/// itself ("lesson": {"compare": [...]}); the fourth is removed, leaving kWays[0..2]. Settled.
app::CompareWindow* openThree(app::MainWindow& w) {
  w.document()->setForceSynchronous(true);
  if (!w.openLesson(kWays[0])) return nullptr;
  app::CompareWindow* c = w.compareWindow();
  if (!c || c->stackCount() != 4) {
    qWarning() << "the lesson opened no comparison of 4 stacks";
    return nullptr;
  }
  for (int i = 1; i < 3; ++i)
    if (c->document(i)->title() != QString("lesson ") + kWays[i]) {
      qWarning() << "stack" << i << "is" << c->document(i)->title();
      return nullptr;
    }
  c->removeStack(3);
  if (!c->waitSettled(60000)) {
    qWarning() << "the comparison did not settle";
    return nullptr;
  }
  return c;
}

}  // namespace

class CompareTest : public QObject {
  Q_OBJECT
 private slots:
  void tableEqualsTheCommandLine();
  void sharedInputEditAndStrideEditUndo();
  void hoverAndStepsAreSynchronised();
  void projectSavesAndReopensTheComparison();
  void projectWithAnUnsafeComparedStackIsRefused();
  void realAppScreenshotsTheComparison();
  void exportsTheSideBySideFrame();
  void autosaveRecoversTheComparison();
  void kerasRecipeAndItsOneDTwinShareTheInput();
};

void CompareTest::tableEqualsTheCommandLine() {
  app::MainWindow w(nullptr, false);
  app::CompareWindow* c = openThree(w);
  QVERIFY(c);
  QCOMPARE(c->stackCount(), 3);
  QVERIFY2(c->comparison().has_value(), qPrintable(c->comparisonError()));
  const json cli = compareJson({kWays[0], kWays[1], kWays[2]});
  QVERIFY(cli.is_object());
  const widgets::ComparisonTable* t = c->table();
  for (int i = 0; i < 3; ++i) {
    const json& s = cli["stacks"][size_t(i)];
    QCOMPARE(grouped(t->cell("parameters", i)), s["parameters"].get<qint64>());
    QCOMPARE(grouped(t->cell("multiply-adds", i)), s["multiply_adds"].get<qint64>());
    QString shape = "[";
    for (size_t k = 0; k < s["output_shape"].size(); ++k)
      shape += (k ? ", " : "") + QString::number(s["output_shape"][k].get<qint64>());
    QCOMPARE(t->cell("output shape", i), shape + "]");
    if (s["flat_response"]["has_interior"].get<bool>())
      QCOMPARE(t->cell("flat input: ripple", i).toDouble(),
               QString::number(s["flat_response"]["ripple"].get<double>(), 'g', 6).toDouble());
  }
  // Pairwise differences: the row "max |difference| vs <b>" of column a.
  for (const json& p : cli["pairs"]) {
    if (!p["comparable"].get<bool>()) continue;
    const int a = p["a"].get<int>(), b = p["b"].get<int>();
    const QString label = "max |difference| vs " + t->horizontalHeaderItem(b + 1)->text();
    QCOMPARE(t->cell(label, a).toDouble(),
             QString::number(p["max_abs_difference"].get<double>(), 'g', 6).toDouble());
  }
  // The difference plot of stacks 0 and 1 shows the same largest difference.
  c->setDifferencePair(0, 1);
  const auto& pair = c->comparison()->pairs.front();
  if (pair.comparable) QCOMPARE(c->differencePlot()->maxAbsDifference(), pair.maxAbsDiff);
}

void CompareTest::sharedInputEditAndStrideEditUndo() {
  app::MainWindow w(nullptr, false);
  app::CompareWindow* c = openThree(w);
  QVERIFY(c);
  QUndoStack* undo = w.document()->undoStack();
  const json before0 = c->document(0)->source(), before1 = c->document(1)->source(),
             before2 = c->document(2)->source();

  // The shared input: 100 × 100 → 64 × 100 (noise), one edit for all three stacks.
  json next = w.document()->source();
  next["input"]["shape"] = json::array({1, 64, 100});
  emit c->inputEditor()->editRequested(next, "size", -1);
  QVERIFY(c->waitSettled(60000));
  for (int i = 0; i < 3; ++i) QCOMPARE(c->document(i)->stack().input.shape, (engine::Shape{1, 1, 64, 100}));
  QVERIFY(c->comparison().has_value());
  QCOMPARE(c->comparison()->inputShape, (engine::Shape{1, 64, 100}));
  QCOMPARE(c->comparison()->stacks[0].outputShape, (engine::Shape{1, 32, 200}));

  // One stack's stride (stack 1's first layer) through the Stack dock.
  c->setActiveStack(1);
  json edited = c->document(1)->source();
  edited["layers"][0]["stride"] = json::array({1, 1});
  emit c->stackEditor()->editRequested(edited, "stride", -1);
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->document(1)->source()["layers"][0]["stride"], json::array({1, 1}));
  QVERIFY(c->comparison().has_value());
  QVERIFY(c->comparison()->stacks[1].outputShape != c->comparison()->stacks[0].outputShape);
  QVERIFY(c->isModified());

  // Undo: first the stride, then the shared input of all three.
  undo->undo();
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->document(1)->source()["layers"][0]["stride"], before1["layers"][0]["stride"]);
  QCOMPARE(c->document(0)->source()["input"]["shape"], json::array({1, 64, 100}));
  undo->undo();
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->document(0)->source(), before0);
  QCOMPARE(c->document(1)->source(), before1);
  QCOMPARE(c->document(2)->source(), before2);
  QCOMPARE(c->comparison()->inputShape, (engine::Shape{1, 100, 100}));
  undo->redo();
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->document(2)->source()["input"]["shape"], json::array({1, 64, 100}));
}

void CompareTest::hoverAndStepsAreSynchronised() {
  app::MainWindow w(nullptr, false);
  app::CompareWindow* c = openThree(w);
  QVERIFY(c);
  c->setView(widgets::View::Slide);
  c->setStep(3);
  for (int i = 0; i < 3; ++i) QCOMPARE(c->view(i)->step(), std::min(3, c->view(i)->stepCount() - 1));
  widgets::HoverTarget t;
  t.region = widgets::HoverTarget::Region::Output;
  t.channel = 0;
  t.pos = {2, 5};
  emit c->view(0)->hovered(t);
  for (int i = 1; i < 3; ++i) {
    QVERIFY(c->view(i)->hover().has_value());
    QVERIFY(*c->view(i)->hover() == t);
  }
  t.pos = {100000, 0};  // outside every output: nothing highlighted
  emit c->view(0)->hovered(t);
  QVERIFY(!c->view(1)->hover().has_value());
}

void CompareTest::projectSavesAndReopensTheComparison() {
  QTemporaryDir dir;
  const QString path = dir.filePath("ways.convscope");
  json sources[3];
  {
    app::MainWindow w(nullptr, false);
    app::CompareWindow* c = openThree(w);
    QVERIFY(c);
    json edited = c->document(2)->source();
    edited["layers"][1]["out_channels"] = 1;
    edited["name"] = "way 3, edited";
    QVERIFY(c->document(2)->edit(edited, "name"));
    QVERIFY(c->waitSettled(60000));
    QVERIFY(w.isWorkModified());
    QString err;
    QVERIFY2(w.projectController()->saveProject(path, &err), qPrintable(err));
    QVERIFY(!w.isWorkModified());
    for (int i = 0; i < 3; ++i) sources[i] = c->document(i)->source();
  }
  const app::project::ReadResult r = app::project::readProjectFile(path);
  QVERIFY2(r.ok(), qPrintable(r.message));
  QCOMPARE(int(r.project.compared.size()), 2);

  app::MainWindow w(nullptr, false);
  w.document()->setForceSynchronous(true);
  QString err;
  QVERIFY2(w.projectController()->openAny(path, &err), qPrintable(err));
  app::CompareWindow* c = w.compareWindow();
  QVERIFY(c);
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->stackCount(), 3);
  for (int i = 0; i < 3; ++i) QCOMPARE(c->document(i)->source(), sources[i]);
  QVERIFY(!w.isWorkModified());
  QVERIFY(c->comparison().has_value());
  // Another document replaces stack 0: the comparison closes.
  QVERIFY(w.openLesson("checkerboard"));
  QVERIFY(!w.compareWindow());
}

void CompareTest::projectWithAnUnsafeComparedStackIsRefused() {
  QTemporaryDir dir;
  app::project::Project p;
  p.stack = json::parse(R"({"input": {"shape": [1, 8]}, "layers": [{"op": "relu"}]})");
  p.compared.push_back(
      {json::parse(R"({"input": {"data": "/etc/passwd"}, "layers": [{"op": "relu"}]})"), "evil"});
  const QString path = dir.filePath("evil.convscope");
  QString err;
  QVERIFY2(app::project::writeProjectFile(path, p, &err), qPrintable(err));
  const app::project::ReadResult r = app::project::readProjectFile(path);
  QCOMPARE(r.error, app::project::ReadError::Unsafe);
  QVERIFY2(r.message.contains("compare/1.json") && r.message.contains("/etc/passwd"), qPrintable(r.message));
}

void CompareTest::realAppScreenshotsTheComparison() {
  const QString xvfb = CONVSCOPE_XVFB_RUN;
  if (xvfb.isEmpty()) QSKIP("xvfb-run not installed");
  QTemporaryDir dir;
  const QString png = dir.filePath("compare.png");
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove("QT_QPA_PLATFORM");
  env.insert("CONVSCOPE_DATA_DIR", dir.filePath("data"));
  p.setProcessEnvironment(env);
  p.start(xvfb, {"-a", "-s", "-screen 0 1280x720x24", CONVSCOPE_EXE, "--lesson", kWays[0], "--compare",
                 kWays[1], "--compare", kWays[2], "--screenshot", png});
  QVERIFY(p.waitForFinished(120000));
  QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
  const QImage img(png);
  QVERIFY(!img.isNull());
  QVERIFY(img.width() <= 1280 && img.height() <= 720);  // fits the screen
  QVERIFY(img.width() >= 800);
}

void CompareTest::exportsTheSideBySideFrame() {
  app::MainWindow w(nullptr, false);
  app::CompareWindow* c = openThree(w);
  QVERIFY(c);
  c->setView(widgets::View::Activations);
  const auto panels = c->panels();
  QCOMPARE(int(panels.size()), 3);
  QTemporaryDir dir;
  const QString png = dir.filePath("side.png");
  app::exportComparisonFigure(panels, 0, widgets::Theme::Light, c->exportSize(), png);
  const QImage img(png);
  QCOMPARE(img.size(), c->exportSize());
  // Each column holds a drawn scene: many colours in every third of the frame.
  for (int col = 0; col < 3; ++col) {
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 4)
      for (int x = col * img.width() / 3; x < (col + 1) * img.width() / 3; x += 4)
        colours.insert(img.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString("column %1: %2 colours").arg(col).arg(colours.size())));
  }
  app::AnimationOptions o;
  o.size = QSize(960, 400);
  o.last = std::min(2, widgets::comparisonSteps(panels) - 1);
  const app::AnimationResult r = app::exportComparisonAnimation(panels, o, dir.filePath("side.gif"));
  QCOMPARE(r.frames, o.last + 1);
  QVERIFY(QFileInfo(dir.filePath("side.gif")).size() > 1000);
}

void CompareTest::autosaveRecoversTheComparison() {
  // A window left with an edit in a compared stack (quit without asking: the path of a crash)
  // keeps its autosave; the next start recovers the document and the comparison with the edit.
  QTemporaryDir data;
  const QByteArray saved = qgetenv("CONVSCOPE_DATA_DIR");
  qputenv("CONVSCOPE_DATA_DIR", data.path().toUtf8());
  auto restore = qScopeGuard([&]() { qputenv("CONVSCOPE_DATA_DIR", saved); });
  json edited;
  {
    app::MainWindow w(nullptr, false);
    QVERIFY(w.projectController()->startSession());
    app::CompareWindow* c = openThree(w);
    QVERIFY(c);
    edited = c->document(1)->source();
    edited["layers"][0]["stride"] = json::array({1, 1});
    QVERIFY(c->document(1)->edit(edited, "stride"));
    QVERIFY(c->waitSettled(60000));
    QVERIFY(w.projectController()->autosaveNow());
  }
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QVERIFY(w.projectController()->offerRecovery(app::ProjectController::RecoverAnswer::Yes));
  app::CompareWindow* c = w.compareWindow();
  QVERIFY(c);
  QVERIFY(c->waitSettled(60000));
  QCOMPARE(c->stackCount(), 3);
  QCOMPARE(c->document(1)->source(), edited);
  QVERIFY(w.isWorkModified());
}

void CompareTest::kerasRecipeAndItsOneDTwinShareTheInput() {
  // A 2-D channels_last stack on (steps, 1, C) and a 1-D channels_last stack on (steps, C): the
  // shared input keeps each stack's own rank and layout, and the two agree to float rounding.
  app::MainWindow w(nullptr, false);
  w.document()->setForceSynchronous(true);
  QVERIFY(w.openLesson("conv1d_transpose_via_2d"));
  app::CompareWindow* c = w.compareWindow();
  QVERIFY(c);
  QCOMPARE(c->stackCount(), 2);
  QVERIFY(c->waitSettled(60000));
  QVERIFY2(c->comparison().has_value(), qPrintable(c->comparisonError()));
  QVERIFY(c->comparison()->pairs[0].comparable);
  QVERIFY(c->comparison()->pairs[0].maxAbsDiff < 1e-5);
  json next = w.document()->source();
  next["input"]["shape"] = json::array({12, 1, 2});
  emit c->inputEditor()->editRequested(next, "steps", -1);
  QVERIFY(c->waitSettled(60000));
  QVERIFY2(!c->document(1)->error(),
           qPrintable(c->document(1)->error() ? c->document(1)->error()->message : ""));
  QCOMPARE(c->document(1)->source()["input"]["shape"], json::array({12, 2}));
  QCOMPARE(c->document(1)->stack().input.shape, (engine::Shape{1, 2, 12}));
  QVERIFY(c->comparison().has_value());
  QCOMPARE(c->comparison()->stacks[1].outputShape, (engine::Shape{2, 24}));
  QVERIFY(c->comparison()->pairs[0].maxAbsDiff < 1e-5);
}

QTEST_MAIN(CompareTest)
#include "test_compare.moc"
