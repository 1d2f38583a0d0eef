// Files from strangers and edits that would freeze the window (QT_QPA_PLATFORM=offscreen):
// - a project whose stack names a file outside its own data/ members is refused, nothing outside is
//   read, and the open document stays; a project document cannot be made to read (and re-save) an
//   outside file by an edit; an input opened into a project document becomes a data/ member;
//   "Save as project" says which files it carried;
// - recomputes run on the document's own thread, never on Qt's global pool (which the raster paint
//   engine uses); a newer edit cancels a running heavy recompute and frees its thread quickly; the
//   event loop keeps running while it computes; Esc cancels and keeps the last valid result.
#include <sys/stat.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTimer>
#include <QtTest>
#include <chrono>
#include <cmath>

#include "app/gui/document.h"
#include "app/gui/guarded_application.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "app/project/project_file.h"
#include "engine/core/limits.h"
#include "engine/io/npy.h"
#include "widgets/latest_job.h"

using namespace convscope;

namespace {

engine::Tensor wave(engine::Shape shape, float scale) {
  engine::Tensor t(shape);
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = scale * std::sin(0.31f * static_cast<float>(i) + 0.2f);
  return t;
}

QByteArray npyOf(const engine::Tensor& t) {
  return QByteArray::fromStdString(engine::npyBytes(t));
}

nlohmann::json convStack(const std::string& weightRef) {
  return {
      {"convscope", 1},
      {"name", "safety"},
      {"input", {{"shape", {2, 16}}, {"generator", {{"kind", "ramp"}}}}},
      {"layers",
       {{{"op", "conv"}, {"out_channels", 3}, {"kernel_size", 3}, {"weight", weightRef}, {"bias", false}}}}};
}

/// A project file written with the library's encoder (the stack is taken as given).
QString writeProject(const QString& path, const nlohmann::json& stack, std::map<QString, QByteArray> files) {
  app::project::Project p;
  p.stack = stack;
  p.files = std::move(files);
  QString err;
  if (!app::project::writeProjectFile(path, p, &err)) qFatal("%s", qPrintable(err));
  return path;
}

// 64 x 32768 noise through conv 64 -> 64: cheap with kernel_size 3 (4e8 multiply-adds, also under
// the sanitizers), 5.5e11 with kernel_size kHeavy (many seconds here, minutes under ASan).
constexpr int kHeavy = 4095;
nlohmann::json heavyStack() {
  return {{"convscope", 1},
          {"name", "heavy"},
          {"input", {{"shape", {64, 32768}}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}},
          {"layers",
           {{{"op", "conv"},
             {"out_channels", 64},
             {"kernel_size", 3},
             {"padding", "same"},
             {"init", {{"kind", "random"}, {"seed", 1}}}}}}};
}

nlohmann::json withKernel(nlohmann::json s, int k) {
  s["layers"][0]["kernel_size"] = k;
  return s;
}

using Clock = std::chrono::steady_clock;

/// The cheap stack computed, then the edit whose recompute takes many seconds (running on return).
void startHeavyEdit(app::Document& doc) {
  doc.reset(heavyStack(), QString(), "heavy", QString());
  doc.waitIdle();
  QVERIFY(doc.hasValidStack());
  QVERIFY(doc.edit(withKernel(heavyStack(), kHeavy), "heavy"));
}

}  // namespace

class ProjectSafetyTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void cleanupTestCase();
  void projectNamingOutsideFilesIsRefusedAndDocumentKept();
  void projectDocumentNeverReadsOutsideFiles();
  void inputOpenedIntoAProjectBecomesAMember();
  void saveAsProjectSaysWhatItCarries();
  void recomputeNeverUsesTheGlobalPool();
  void newerEditCancelsAHeavyRecompute();
  void escapeCancelsAndKeepsTheLastResult();
  void exceptionInAnEventHandlerIsReportedNotFatal();

 private:
  QTemporaryDir m_data;
  engine::Limits m_saved;
};

void ProjectSafetyTest::initTestCase() {
  QVERIFY(m_data.isValid());
  qputenv("CONVSCOPE_DATA_DIR", m_data.path().toUtf8());
  m_saved = engine::limits();
  engine::Limits l = m_saved;
  l.maxMultiplyAdds = int64_t(1) << 42;  // the heavy edit must start, not be refused
  engine::setLimits(l);
}

void ProjectSafetyTest::cleanupTestCase() {
  engine::setLimits(m_saved);
}

void ProjectSafetyTest::projectNamingOutsideFilesIsRefusedAndDocumentKept() {
  QTemporaryDir dir;
  // The secret is a FIFO: opening it for reading would block this test.
  const QString secret = dir.filePath("secret.npy");
  QCOMPARE(::mkfifo(secret.toLocal8Bit().constData(), 0600), 0);
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QVERIFY(w.openLesson("conv1d_basics"));
  const nlohmann::json before = w.document()->source();
  const std::map<QString, QByteArray> files = {{"data/w.npy", npyOf(wave({3, 2, 3}, 1.f))}};
  for (const QString& ref :
       {secret, QString("data/../../etc/passwd"), QString("/proc/self/environ"), QString("~/.ssh/id_rsa")}) {
    const QString proj = writeProject(dir.filePath("evil.convscope"), convStack(ref.toStdString()), files);
    const auto r = app::project::readProjectFile(proj);
    QVERIFY(!r.ok());
    QCOMPARE(r.error, app::project::ReadError::Unsafe);
    QVERIFY2(r.message.contains("/layers/0/weight") && r.message.contains(ref.left(40)),
             qPrintable(r.message));
    QString err;
    QVERIFY(!w.projectController()->openProject(proj, &err));
    QVERIFY2(err.contains("not one of the project's data files"), qPrintable(err));
    QCOMPARE(w.document()->source(), before);  // the user's document stays
  }
}

void ProjectSafetyTest::projectDocumentNeverReadsOutsideFiles() {
  QTemporaryDir dir;
  const QString outside = dir.filePath("outside.npy");
  engine::writeNpy(outside.toStdString(), wave({3, 2, 3}, 2.f));
  const QString proj = writeProject(dir.filePath("ok.convscope"), convStack("data/w.npy"),
                                    {{"data/w.npy", npyOf(wave({3, 2, 3}, 1.f))}});
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QString err;
  QVERIFY2(w.projectController()->openProject(proj, &err), qPrintable(err));
  app::Document* doc = w.document();
  doc->setForceSynchronous(true);
  QCOMPARE(doc->dataAccess(), engine::DataAccess::ProjectDataOnly);
  QVERIFY(!doc->error());
  // An edit naming the outside file: refused by the engine, the last valid result stays.
  nlohmann::json next = doc->source();
  next["layers"][0]["weight"] = outside.toStdString();
  QVERIFY(doc->edit(next, "weight"));
  QVERIFY(doc->error().has_value());
  QCOMPARE(doc->error()->param, QString("weight"));
  QVERIFY(doc->hasValidStack());
  // Saving the project does not carry the outside file.
  const QString saved = dir.filePath("saved.convscope");
  QVERIFY2(w.projectController()->saveProject(saved, &err), qPrintable(err));
  QVERIFY(!w.projectController()->lastWarnings().isEmpty());
  QFile f(outside);
  QVERIFY(f.open(QIODevice::ReadOnly));
  const QByteArray secretBytes = f.readAll();
  QFile s(saved);
  QVERIFY(s.open(QIODevice::ReadOnly));
  const auto r = app::project::readProject(s.readAll(), saved);
  QVERIFY(!r.ok());  // its stack names an outside file: refused, as any such project
  for (const auto& lb : w.projectController()->lastBundled())
    QVERIFY2(!lb.contains("outside"), qPrintable(lb));
}

void ProjectSafetyTest::inputOpenedIntoAProjectBecomesAMember() {
  QTemporaryDir dir;
  const QString proj = writeProject(dir.filePath("in.convscope"), convStack("data/w.npy"),
                                    {{"data/w.npy", npyOf(wave({3, 2, 3}, 1.f))}});
  const QString input = dir.filePath("my signal.npy");
  engine::writeNpy(input.toStdString(), wave({2, 24}, 1.f));
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QString err;
  QVERIFY2(w.projectController()->openProject(proj, &err), qPrintable(err));
  w.document()->setForceSynchronous(true);
  QVERIFY2(w.projectController()->openInput(input, &err), qPrintable(err));
  const std::string ref = w.document()->source()["input"]["data"].get<std::string>();
  QCOMPARE(QString::fromStdString(ref), QString("data/my_signal.npy"));
  QVERIFY2(!w.document()->error(),
           qPrintable(w.document()->error() ? w.document()->error()->message : QString()));
  QCOMPARE(w.document()->stack().input.shape, (engine::Shape{1, 2, 24}));
  // Saved and reopened, the project carries it.
  const QString saved = dir.filePath("in2.convscope");
  QVERIFY2(w.projectController()->saveProject(saved, &err), qPrintable(err));
  const auto r = app::project::readProjectFile(saved);
  QVERIFY2(r.ok(), qPrintable(r.message));
  QVERIFY(r.project.files.count("data/my_signal.npy"));
}

void ProjectSafetyTest::saveAsProjectSaysWhatItCarries() {
  QTemporaryDir dir;
  engine::writeNpy(dir.filePath("w.npy").toStdString(), wave({3, 2, 3}, 1.f));
  const QString stackPath = dir.filePath("s.json");
  QFile f(stackPath);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(QByteArray::fromStdString(convStack("w.npy").dump()));
  f.close();
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QString err;
  QVERIFY2(w.openFile(stackPath, &err), qPrintable(err));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QVERIFY2(w.projectController()->saveProject(dir.filePath("p.convscope"), &err), qPrintable(err));
  const QStringList bundled = w.projectController()->lastBundled();
  QCOMPARE(bundled.size(), 1);
  QCOMPARE(bundled[0], "data/w.npy <- " + QFileInfo(dir.filePath("w.npy")).canonicalFilePath());
  QTRY_VERIFY2(w.statusBar()->currentMessage().contains(QFileInfo(dir.filePath("w.npy")).canonicalFilePath()),
               qPrintable(w.statusBar()->currentMessage()));
}

void ProjectSafetyTest::recomputeNeverUsesTheGlobalPool() {
  app::Document doc;
  startHeavyEdit(doc);
  if (QTest::currentTestFailed()) return;
  QVERIFY(doc.isBusy());
  QTest::qWait(200);
  QVERIFY(doc.isBusy());
  QCOMPARE(QThreadPool::globalInstance()->activeThreadCount(), 0);
  doc.cancel();
  doc.waitIdle();
}

void ProjectSafetyTest::newerEditCancelsAHeavyRecompute() {
  app::Document doc;
  startHeavyEdit(doc);
  if (QTest::currentTestFailed()) return;
  const uint64_t heavy = doc.jobs()->latest();
  QVERIFY(doc.isBusy());
  // The event loop keeps running while it computes.
  std::vector<Clock::time_point> ticks;
  QTimer timer;
  connect(&timer, &QTimer::timeout, [&]() { ticks.push_back(Clock::now()); });
  timer.start(10);
  QTest::qWait(800);
  timer.stop();
  QVERIFY(doc.isBusy());
  double gap = 0;
  for (size_t i = 1; i < ticks.size(); ++i)
    gap = std::max(gap, std::chrono::duration<double, std::milli>(ticks[i] - ticks[i - 1]).count());
  QVERIFY2(ticks.size() > 20 && gap < 500,
           qPrintable(QString("%1 ticks, longest gap %2 ms").arg(ticks.size()).arg(gap)));
  // A newer edit: the heavy job gives its thread up (1 s of slack for a loaded machine; the bench
  // measures it precisely) and the newer result is adopted.
  qint64 endedNs = -1;
  bool wasCancelled = false;
  connect(doc.jobs(), &widgets::LatestJob::jobEnded, this, [&](quint64 id, bool cancelled, qint64 ns) {
    if (id == heavy) endedNs = ns, wasCancelled = cancelled;
  });
  const auto t0 = Clock::now();
  QVERIFY(doc.edit(withKernel(heavyStack(), 5), "newer"));
  QTRY_VERIFY_WITH_TIMEOUT(endedNs >= 0, 20000);
  QVERIFY(wasCancelled);
  const double ms =
      (double(endedNs) -
       double(std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count())) /
      1e6;
  QVERIFY2(ms < 1000,
           qPrintable(QString("the cancelled job freed its thread %1 ms after the newer edit").arg(ms)));
  doc.waitIdle();
  QTRY_VERIFY_WITH_TIMEOUT(!doc.isBusy(), 20000);
  QCOMPARE(doc.stack().layers[0].ax[0].k, 5);
}

void ProjectSafetyTest::escapeCancelsAndKeepsTheLastResult() {
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  w.openDocument(heavyStack(), QString(), "heavy", QString());
  w.document()->waitIdle();
  QVERIFY(w.document()->hasValidStack());
  w.show();
  w.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&w));
  const auto before = w.document()->snapshot();
  QVERIFY(w.document()->edit(withKernel(heavyStack(), kHeavy), "heavy"));
  QVERIFY(w.document()->isBusy());
  QTest::qWait(100);
  QTest::keyClick(&w, Qt::Key_Escape);
  QVERIFY(!w.document()->isBusy());
  QCOMPARE(w.document()->snapshot(), before);  // the last valid result stays
  QCOMPARE(w.document()->stack().layers[0].ax[0].k, 3);
  // Esc does nothing when nothing runs (and does not crash).
  QTest::keyClick(&w, Qt::Key_Escape);
  w.document()->waitIdle();
}

namespace {
/// Throws from its event handler, as a view whose allocation fails would.
class Thrower : public QObject {
 public:
  bool event(QEvent* e) override {
    if (e->type() == QEvent::User) throw std::bad_alloc();
    return QObject::event(e);
  }
};
}  // namespace

void ProjectSafetyTest::exceptionInAnEventHandlerIsReportedNotFatal() {
  auto* app = dynamic_cast<app::GuardedApplication*>(QCoreApplication::instance());
  QVERIFY(app);
  QString told;
  app->setErrorHandler([&](const QString& m) { told = m; });
  const int before = app->caughtCount();
  Thrower t;
  QCoreApplication::postEvent(&t, new QEvent(QEvent::User));
  QCoreApplication::postEvent(&t, new QEvent(QEvent::User));
  QTRY_COMPARE(app->caughtCount(), before + 2);
  QTRY_VERIFY(told.contains("Not enough memory"));
  app->setErrorHandler({});
}

int main(int argc, char** argv) {
  app::GuardedApplication a(argc, argv);
  ProjectSafetyTest t;
  return QTest::qExec(&t, argc, argv);
}
#include "test_project_safety.moc"
