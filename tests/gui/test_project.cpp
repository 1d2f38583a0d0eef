// Project documents, models, inputs and sessions (QT_QPA_PLATFORM=offscreen): .convscope save/open
// round trip with weight and input data files; newer-version and corrupt projects refused with a
// message while the current document stays; drag and drop of stacks, projects, models and input
// files (synthesised QDragEnterEvent/QDropEvent); ONNX import and WAV/CSV/NPY inputs through the
// window; recent files; autosave only while modified; and a crash-recovery run of the real app:
// edit, autosave, SIGKILL, restart with --recover yes, the edit is back.
#include <zip.h>

#include <QAbstractButton>
#include <QDir>
#include <QDirIterator>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <cmath>
#include <csignal>

#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "app/project/project_file.h"
#include "engine/io/npy.h"
#include "widgets/stack_editor.h"

using namespace convscope;
using app::ProjectController;

namespace {

engine::Tensor ramp(engine::Shape shape, float scale) {
  engine::Tensor t(shape);
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = scale * std::sin(0.37f * static_cast<float>(i) + 0.1f);
  return t;
}

void writeText(const QString& path, const QByteArray& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(text);
}

/// 16-bit PCM WAV with `channels` interleaved channels of `frames` samples each.
QByteArray wavBytes(int channels, int frames) {
  QByteArray pcm;
  for (int i = 0; i < frames; ++i)
    for (int c = 0; c < channels; ++c) {
      const auto v = static_cast<int16_t>(std::lround(12000 * std::sin(0.2 * i + c)));
      pcm.append(static_cast<char>(v & 0xff)).append(static_cast<char>((v >> 8) & 0xff));
    }
  auto u32 = [](uint32_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](uint16_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 2); };
  QByteArray b = "RIFF" + u32(static_cast<uint32_t>(36 + pcm.size())) + "WAVE";
  b += "fmt " + u32(16) + u16(1) + u16(static_cast<uint16_t>(channels)) + u32(8000) +
       u32(static_cast<uint32_t>(8000 * channels * 2)) + u16(static_cast<uint16_t>(channels * 2)) + u16(16);
  b += "data" + u32(static_cast<uint32_t>(pcm.size())) + pcm;
  return b;
}

/// A zip holding exactly `entries` (name → bytes), made with libzip directly.
QByteArray rawZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &ze);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
  zip_source_keep(src);
  for (const auto& [name, data] : entries)
    zip_file_add(za, name.c_str(), zip_source_buffer(za, data.data(), data.size(), 0), ZIP_FL_OVERWRITE);
  zip_close(za);
  zip_source_open(src);
  zip_source_seek(src, 0, SEEK_END);
  const zip_int64_t n = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  QByteArray out(static_cast<qsizetype>(n), 0);
  zip_source_read(src, out.data(), static_cast<zip_uint64_t>(n));
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&ze);
  return out;
}

void sendDrop(QWidget* target, const QString& file, bool* accepted) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(file)});
  const QPoint pos = target->rect().center();
  QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  *accepted = enter.isAccepted();
  if (!*accepted) return;
  QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &drop);
}

QString errorText(const app::Document* d) {
  return d->error() ? d->error()->message : QString();
}

bool sameOutputs(const app::Document& a, const app::Document& b) {
  if (a.outputs().size() != b.outputs().size()) return false;
  for (size_t i = 0; i < a.outputs().size(); ++i)
    if (a.outputs()[i].shape != b.outputs()[i].shape || a.outputs()[i].data != b.outputs()[i].data)
      return false;
  return true;
}

}  // namespace

class ProjectTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void projectRoundTripWithDataFiles();
  void newerVersionIsRefusedAndDocumentKept();
  void corruptProjectsAreRefusedAndDocumentKept();
  void openModelAndInputs();
  void dragAndDropOpensEachKind();
  void recentFilesKeepEightNewestFirst();
  void autosaveOnlyWhileModified();
  void autosaveOffIsToldInTheWindow();
  void recoveryWithTheLastLayerSelectedMovesItUp();
  void crashRecoveryOfTheRealApp();
  void screenshotsOfPromptAndMenu();

 private:
  /// Writes a stack whose conv weight, bias and input live in .npy files under `dir`.
  QString writeDataStack(const QString& dir);
  QTemporaryDir m_data;  // CONVSCOPE_DATA_DIR of the in-process windows
};

void ProjectTest::initTestCase() {
  QVERIFY(m_data.isValid());
  qputenv("CONVSCOPE_DATA_DIR", m_data.path().toUtf8());
  qputenv("CONVSCOPE_AUTOSAVE_MS", "300");
  QSettings().remove("recent/files");
}

QString ProjectTest::writeDataStack(const QString& dir) {
  QDir(dir).mkpath("weights");
  engine::writeNpy((dir + "/weights/w0.npy").toStdString(), ramp({3, 2, 5}, 0.5f));
  engine::writeNpy((dir + "/weights/b0.npy").toStdString(), ramp({3}, 0.1f));
  engine::writeNpy((dir + "/x.npy").toStdString(), ramp({2, 40}, 1.0f));
  const nlohmann::json stack = {
      {"convscope", 1},
      {"name", "data stack"},
      {"input", {{"data", "x.npy"}}},
      {"layers",
       nlohmann::json::array(
           {{{"op", "conv"}, {"weight", "weights/w0.npy"}, {"bias", "weights/b0.npy"}, {"stride", 2}},
            {{"op", "relu"}},
            {{"op", "conv_transpose"},
             {"out_channels", 1},
             {"kernel_size", 4},
             {"stride", 2},
             {"init", {{"kind", "random"}, {"seed", 3}}}}})}};
  const QString path = dir + "/stack.json";
  writeText(path, QByteArray::fromStdString(stack.dump(2)));
  return path;
}

void ProjectTest::projectRoundTripWithDataFiles() {
  QTemporaryDir src, out;
  const QString stackPath = writeDataStack(src.path());
  app::MainWindow w(nullptr, false);
  QString err;
  QVERIFY2(w.openFile(stackPath, &err), qPrintable(err));
  QVERIFY2(!w.document()->error(), qPrintable(errorText(w.document())));
  // An edit, and a view state to carry along.
  w.stackEditor()->setCurrentLayer(2);
  QVERIFY(w.stackEditor()->setParamText("kernel_size", "5"));
  QVERIFY(w.document()->isModified());
  const nlohmann::json edited = w.document()->source();

  const QString proj = out.filePath("work.convscope");
  QVERIFY2(w.projectController()->saveProject(proj, &err), qPrintable(err));
  QVERIFY(w.projectController()->lastWarnings().isEmpty());
  QVERIFY(!w.document()->isModified());
  QCOMPARE(w.document()->filePath(), proj);
  QCOMPARE(w.document()->source(), edited);  // saving a project never rewrites the document

  // The archive: manifest v1, stack with data/ paths, three data files with the original bytes.
  const auto r = app::project::readProjectFile(proj);
  QVERIFY2(r.ok(), qPrintable(r.message));
  QCOMPARE(r.project.formatVersion, 1);
  QCOMPARE(int(r.project.files.size()), 3);
  QCOMPARE(r.project.stack["layers"][0]["weight"].get<std::string>(), std::string("data/w0.npy"));
  QCOMPARE(r.project.stack["input"]["data"].get<std::string>(), std::string("data/x.npy"));
  QFile w0(src.filePath("weights/w0.npy"));
  QVERIFY(w0.open(QIODevice::ReadOnly));
  QCOMPARE(r.project.files.at("data/w0.npy"), w0.readAll());
  QCOMPARE(r.project.view.layer, 2);

  // The project is self-contained: remove the originals, open it in a fresh window.
  QVERIFY(QDir(src.path()).removeRecursively());
  app::MainWindow w2(nullptr, false);
  QVERIFY2(w2.projectController()->openProject(proj, &err), qPrintable(err));
  QVERIFY2(!w2.document()->error(), qPrintable(errorText(w2.document())));
  QCOMPARE(w2.document()->source()["layers"][2]["kernel_size"].get<int>(), 5);
  QCOMPARE(w2.document()->filePath(), proj);
  QVERIFY(!w2.document()->isModified());
  QCOMPARE(w2.currentLayer(), 2);
  QVERIFY(sameOutputs(*w.document(), *w2.document()));
  QCOMPARE(w2.document()->stack().input.shape, (engine::Shape{1, 2, 40}));

  // Edit and Save again (Ctrl+S path): still a project, and it reopens with the new edit.
  QVERIFY(w2.stackEditor()->setParamText("stride", "3"));
  w2.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w2));
  w2.activateWindow();
  QTest::keyClick(&w2, Qt::Key_S, Qt::ControlModifier);
  QTRY_VERIFY(!w2.document()->isModified());
  const auto r2 = app::project::readProjectFile(proj);
  QVERIFY2(r2.ok(), qPrintable(r2.message));
  QCOMPARE(r2.project.stack["layers"][2]["stride"].get<int>(), 3);
  QCOMPARE(int(r2.project.files.size()), 3);
}

void ProjectTest::newerVersionIsRefusedAndDocumentKept() {
  QTemporaryDir dir;
  const QString newer = dir.filePath("newer.convscope");
  const std::string manifest =
      R"({"format": "convscope-project", "format_version": 7, "saved_by": "ConvScope 9.0", "stack": "stack.json", "files": []})";
  writeText(newer,
            rawZip({{"manifest.json", manifest}, {"stack.json", R"({"convscope": 1, "layers": []})"}}));
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  QVERIFY(w.stackEditor()->setParamText("padding", "2"));
  const nlohmann::json before = w.document()->source();
  QString err;
  QVERIFY(!w.projectController()->openProject(newer, &err));
  QVERIFY2(err.contains("format version 7") && err.contains("up to 1") && err.contains("ConvScope 9.0") &&
               err.contains("newer ConvScope"),
           qPrintable(err));
  QCOMPARE(w.document()->source(), before);
  QVERIFY(w.document()->isModified());
  QCOMPARE(app::project::readProjectFile(newer).error, app::project::ReadError::NewerVersion);
}

void ProjectTest::corruptProjectsAreRefusedAndDocumentKept() {
  QTemporaryDir dir;
  // A good project to break.
  app::project::Project p;
  p.stack = {{"convscope", 1}, {"input", {{"data", "data/x.npy"}}}, {"layers", nlohmann::json::array()}};
  p.files["data/x.npy"] = QByteArray::fromStdString(engine::npyBytes(ramp({1, 300}, 1.0f)));
  QByteArray good;
  QString err;
  QVERIFY2(app::project::encodeProject(p, &good, &err), qPrintable(err));
  QVERIFY(app::project::readProject(good, "good").ok());

  QByteArray flipped = good;  // a byte inside the deflated data: CRC or inflate error
  const qsizetype at = flipped.indexOf("data/x.npy") + 40;
  flipped[at] = static_cast<char>(flipped[at] ^ 0x5a);
  const std::vector<std::pair<QString, QByteArray>> cases = {
      {"empty", QByteArray()},
      {"text", "this is not a zip file at all"},
      {"truncated", good.left(good.size() / 2)},
      {"flipped", flipped},
      {"no manifest", rawZip({{"stack.json", "{}"}})},
      {"manifest not json", rawZip({{"manifest.json", "{oops"}, {"stack.json", "{}"}})},
      {"wrong format", rawZip({{"manifest.json", R"({"format": "zip", "format_version": 1})"}})},
      {"missing data",
       rawZip({{"manifest.json",
                R"({"format": "convscope-project", "format_version": 1, "files": ["data/x.npy"]})"},
               {"stack.json", R"({"convscope": 1, "layers": []})"}})},
      {"escaping name",
       rawZip({{"manifest.json",
                R"({"format": "convscope-project", "format_version": 1, "files": ["data/../../evil.npy"]})"},
               {"stack.json", R"({"convscope": 1, "layers": []})"},
               {"data/../../evil.npy", "x"}})},
      {"stack not json", rawZip({{"manifest.json", R"({"format": "convscope-project", "format_version": 1})"},
                                 {"stack.json", "[1,"}})},
  };
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QVERIFY(w.openLesson("transposed_scatter"));
  QVERIFY(w.stackEditor()->setParamText("stride", "3"));
  const nlohmann::json before = w.document()->source();
  const QString title = w.document()->title();
  for (const auto& [name, bytes] : cases) {
    const QString path = dir.filePath(QString(name).replace(' ', '_') + ".convscope");
    writeText(path, bytes);
    QVERIFY2(!app::project::readProject(bytes, name).ok(), qPrintable(name));
    QVERIFY2(!w.projectController()->openProject(path, &err), qPrintable(name));
    QVERIFY2(err.contains("not a readable ConvScope project") && err.contains(path),
             qPrintable(name + ": " + err));
    QCOMPARE(w.document()->source(), before);
    QCOMPARE(w.document()->title(), title);
    // The same through the user path (drop / recent / dialog): a message, the document kept.
    w.projectController()->openFromUser(path);
    QVERIFY2(w.projectController()->lastError().contains("unchanged"),
             qPrintable(w.projectController()->lastError()));
    QCOMPARE(w.document()->source(), before);
  }
  // Nothing escaped the work folders.
  QVERIFY(!QFileInfo::exists(dir.filePath("../evil.npy")));
}

void ProjectTest::openModelAndInputs() {
  QTemporaryDir dir;
  app::MainWindow w(nullptr, false);
  QString err;
  const QString model = QString(CONVSCOPE_GUI_TEST_DATA) + "/tiny_conv1d.onnx";
  QVERIFY2(w.projectController()->openModel(model, &err), qPrintable(err));
  QVERIFY2(!w.document()->error(), qPrintable(errorText(w.document())));
  QCOMPARE(w.document()->stack().layers.size(), size_t(3));
  QCOMPARE(w.document()->outputs().back().shape, (engine::Shape{1, 1, 64}));
  QVERIFY(w.document()->title().contains("tiny_conv1d.onnx"));
  QVERIFY(w.document()->filePath().isEmpty());  // Save asks where

  // Inputs: mono WAV, CSV, NPY — each one undoable edit, lengths follow the file.
  writeText(dir.filePath("tone.wav"), wavBytes(1, 50));
  writeText(dir.filePath("sig.csv"), "value\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
  engine::writeNpy(dir.filePath("x.npy").toStdString(), ramp({1, 24}, 1.0f));
  const int undoBefore = w.document()->undoStack()->count();
  const std::vector<std::pair<QString, int>> inputs = {{"tone.wav", 50}, {"sig.csv", 10}, {"x.npy", 24}};
  for (const auto& [file, len] : inputs) {
    QVERIFY2(w.projectController()->openInput(dir.filePath(file), &err), qPrintable(err));
    QVERIFY2(!w.document()->error(), qPrintable(file + ": " + errorText(w.document())));
    QCOMPARE(w.document()->stack().input.dim(-1), int64_t(len));
    QVERIFY(!w.document()->source()["input"].contains("generator"));
    QCOMPARE(QFileInfo(QString::fromStdString(w.document()->source()["input"]["data"].get<std::string>()))
                 .fileName(),
             file);
  }
  QCOMPARE(w.document()->undoStack()->count(), undoBefore + 3);
  QCOMPARE(w.document()->outputs().back().dim(-1), int64_t(48));
  // A bad input file: message, no edit.
  writeText(dir.filePath("bad.wav"), "RIFF nonsense");
  const nlohmann::json before = w.document()->source();
  QVERIFY(!w.projectController()->openInput(dir.filePath("bad.wav"), &err));
  QVERIFY2(err.contains("bad.wav"), qPrintable(err));
  QCOMPARE(w.document()->source(), before);
  // A model that is not ONNX: message, document kept.
  writeText(dir.filePath("junk.onnx"), "not a protobuf");
  QVERIFY(!w.projectController()->openModel(dir.filePath("junk.onnx"), &err));
  QVERIFY2(err.contains("junk.onnx"), qPrintable(err));
  QCOMPARE(w.document()->source(), before);

  // Saved as a plain stack in another folder, the imported weights come along.
  const QString stackCopy = dir.filePath("elsewhere/model.json");
  QVERIFY(QDir().mkpath(dir.filePath("elsewhere")));
  QVERIFY2(w.projectController()->saveStack(stackCopy, &err), qPrintable(err));
  {
    app::Document d;
    QVERIFY2(d.open(stackCopy, &err), qPrintable(err));
    QVERIFY2(!d.error(), qPrintable(errorText(&d)));
    QVERIFY(sameOutputs(*w.document(), d));
    QVERIFY(QDir(dir.filePath("elsewhere")).entryList({"*.npy"}, QDir::Files).size() >= 3);
  }
  // The imported model with its input saves as one project and reopens complete.
  const QString proj = dir.filePath("model.convscope");
  QVERIFY2(w.projectController()->saveProject(proj, &err), qPrintable(err));
  app::MainWindow w2(nullptr, false);
  QVERIFY2(w2.projectController()->openProject(proj, &err), qPrintable(err));
  QVERIFY2(!w2.document()->error(), qPrintable(errorText(w2.document())));
  QVERIFY(sameOutputs(*w.document(), *w2.document()));
}

void ProjectTest::dragAndDropOpensEachKind() {
  QTemporaryDir dir;
  const QString stackPath = writeDataStack(dir.path());
  app::MainWindow w(nullptr, false);
  w.projectController()->setInteractive(false);
  QVERIFY(w.openLesson("conv1d_basics"));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  bool accepted = false;

  sendDrop(&w, stackPath, &accepted);  // a stack
  QVERIFY(accepted);
  QTRY_COMPARE(w.document()->filePath(), stackPath);
  QVERIFY(!w.document()->error());

  QString err;
  const QString proj = dir.filePath("dropped.convscope");
  QVERIFY2(w.projectController()->saveProject(proj, &err), qPrintable(err));
  QVERIFY(w.openLesson("conv1d_basics"));
  sendDrop(&w, proj, &accepted);  // a project
  QVERIFY(accepted);
  QTRY_COMPARE(w.document()->filePath(), proj);
  QCOMPARE(w.document()->stack().input.dim(-1), int64_t(40));

  engine::writeNpy(dir.filePath("in2.npy").toStdString(), ramp({2, 30}, 1.0f));
  sendDrop(&w, dir.filePath("in2.npy"), &accepted);  // an input file
  QVERIFY(accepted);
  QTRY_COMPARE(w.document()->stack().input.dim(-1), int64_t(30));
  QVERIFY(w.document()->isModified());
  QCOMPARE(w.document()->filePath(), proj);  // same document, edited

  w.document()->undoStack()->undo();  // nothing unsaved: the next drop replaces silently
  sendDrop(&w, QString(CONVSCOPE_GUI_TEST_DATA) + "/tiny_conv1d.onnx", &accepted);  // a model
  QVERIFY(accepted);
  QTRY_VERIFY(w.document()->title().contains("tiny_conv1d"));
  QCOMPARE(w.document()->stack().layers.size(), size_t(3));

  writeText(dir.filePath("notes.txt"), "hello");
  sendDrop(&w, dir.filePath("notes.txt"), &accepted);  // unknown: refused at drag-enter
  QVERIFY(!accepted);

  // Onto the central canvas area: the drop reaches the window too.
  QWidget* central = w.centralWidget();
  QVERIFY(central);
  QVERIFY(!central->acceptDrops());
}

void ProjectTest::recentFilesKeepEightNewestFirst() {
  QSettings().remove("recent/files");
  app::MainWindow w(nullptr, false);
  for (int i = 0; i < 11; ++i) w.projectController()->addRecent(QString("/tmp/r%1.json").arg(i));
  w.projectController()->addRecent("/tmp/r5.json");
  const QStringList list = w.projectController()->recentFiles();
  QCOMPARE(list.size(), ProjectController::kMaxRecent);
  QCOMPARE(list.front(), QString("/tmp/r5.json"));
  QCOMPARE(list.at(1), QString("/tmp/r10.json"));
  QCOMPARE(list.count("/tmp/r5.json"), 1);
  QVERIFY(!list.contains("/tmp/r2.json"));
  // Opening and saving files adds them.
  QTemporaryDir dir;
  const QString stackPath = writeDataStack(dir.path());
  QString err;
  QVERIFY(w.openFile(stackPath, &err));
  QCOMPARE(w.projectController()->recentFiles().front(), QFileInfo(stackPath).absoluteFilePath());
  QVERIFY(w.projectController()->saveProject(dir.filePath("a.convscope"), &err));
  QCOMPARE(w.projectController()->recentFiles().front(), dir.filePath("a.convscope"));
  // The File menu lists them.
  QMenu* recent = nullptr;
  for (QAction* a : w.menuBar()->actions())
    if (a->menu() && a->text() == "&File")
      for (QAction* b : a->menu()->actions())
        if (b->menu() && b->text().contains("recent")) recent = b->menu();
  QVERIFY(recent);
  emit recent->aboutToShow();
  QVERIFY(recent->actions().size() >= ProjectController::kMaxRecent);
  QVERIFY(recent->actions().front()->text().contains("a.convscope"));
}

void ProjectTest::autosaveOnlyWhileModified() {
  QString sessionDir;
  {
    app::MainWindow w(nullptr, false);
    ProjectController* pc = w.projectController();
    QVERIFY(pc->startSession());
    sessionDir = pc->sessionDir();
    QVERIFY(sessionDir.startsWith(m_data.path()));
    QVERIFY(QFileInfo::exists(sessionDir + ".lock"));
    QVERIFY(w.openLesson("conv1d_basics"));
    QVERIFY(!pc->autosaveNow());  // unmodified: nothing
    QVERIFY(!QFileInfo::exists(pc->autosavePath()));
    QVERIFY(w.stackEditor()->setParamText("stride", "1"));
    QVERIFY(pc->autosaveNow());
    QVERIFY(!pc->autosaveNow());  // unchanged since
    const auto r = app::project::readProjectFile(pc->autosavePath());
    QVERIFY2(r.ok(), qPrintable(r.message));
    QCOMPARE(r.project.stack["layers"][0]["stride"].get<int>(), 1);
    QCOMPARE(r.project.title, QString("lesson conv1d_basics"));
    // Back to the saved state: the autosave goes away.
    w.document()->undoStack()->undo();
    QVERIFY(!pc->autosaveNow());
    QVERIFY(!QFileInfo::exists(pc->autosavePath()));
    QVERIFY(w.stackEditor()->setParamText("stride", "1"));
    QVERIFY(pc->autosaveNow());
    // The timer does it too.
    QVERIFY(w.stackEditor()->setParamText("stride", "4"));
    QTRY_VERIFY_WITH_TIMEOUT(
        app::project::readProjectFile(pc->autosavePath()).project.stack["layers"][0]["stride"] == 4,
        ProjectController::autosaveIntervalMs() + 3000);
    pc->closeAccepted();  // the user discarded on close
  }
  QVERIFY(!QFileInfo::exists(sessionDir));
  QVERIFY(!QFileInfo::exists(sessionDir + ".lock"));
}

void ProjectTest::autosaveOffIsToldInTheWindow() {
  // A data folder that cannot be created (its parent is a regular file; permissions would not stop
  // root): the session cannot start and the window says so, with the folder and the reason.
  QTemporaryDir tmp;
  const QString blocker = tmp.filePath("not-a-folder");
  writeText(blocker, "a file where the data folder's parent should be");
  const QString dataDir = blocker + "/convscope-data";
  const QByteArray saved = qgetenv("CONVSCOPE_DATA_DIR");
  qputenv("CONVSCOPE_DATA_DIR", dataDir.toUtf8());
  auto restore = qScopeGuard([&]() { qputenv("CONVSCOPE_DATA_DIR", saved); });
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  ProjectController* pc = w.projectController();
  QVERIFY(!pc->startSession());
  QVERIFY(!pc->startSession());  // asked again: still one notice
  auto notices = [&]() {
    QList<QLabel*> found;
    for (QLabel* l : w.statusBar()->findChildren<QLabel*>())
      if (l->text().contains(dataDir) || l->text().contains(QDir::toNativeSeparators(dataDir))) found << l;
    return found;
  };
  QTRY_COMPARE(notices().size(), 1);
  QLabel* notice = notices().front();
  QVERIFY2(notice->text().contains("autosave", Qt::CaseInsensitive), qPrintable(notice->text()));
  QVERIFY2(notice->text().contains("Not a directory", Qt::CaseInsensitive) ||
               notice->text().contains("not a folder", Qt::CaseInsensitive),
           qPrintable(notice->text()));
  QTRY_VERIFY(notice->isVisible());
  // It stays: other status messages come and go, an edit recomputes, the notice is still shown.
  pc->showStatus("something else", 50);
  QVERIFY(w.stackEditor()->setParamText("stride", "1"));
  QTest::qWait(200);
  QVERIFY(notice->isVisible());
  QVERIFY(!pc->autosaveNow());
}

void ProjectTest::recoveryWithTheLastLayerSelectedMovesItUp() {
  // A window quit without asking while the last layer is selected leaves its autosave (the same
  // path as a crash); the next start recovers it, selects that layer again, and ▲ / ▼ must be the
  // buttons that apply to the last layer.
  {
    app::MainWindow w(nullptr, false);
    ProjectController* pc = w.projectController();
    QVERIFY(pc->startSession());
    QVERIFY(w.openLesson("conv1d_basics"));
    QVERIFY(w.stackEditor()->setParamText("stride", "1"));
    w.stackEditor()->setCurrentLayer(2);
    QCOMPARE(w.currentLayer(), 2);
    QVERIFY(pc->autosaveNow());
  }
  app::MainWindow w(nullptr, false);
  ProjectController* pc = w.projectController();
  pc->setInteractive(false);
  QVERIFY(pc->offerRecovery(ProjectController::RecoverAnswer::Yes));
  w.document()->waitIdle();
  QCoreApplication::processEvents();
  QCOMPARE(w.currentLayer(), 2);
  QCOMPARE(w.document()->source()["layers"][2]["op"].get<std::string>(), std::string("conv_transpose"));
  QPushButton *up = nullptr, *down = nullptr;
  for (QPushButton* b : w.stackEditor()->findChildren<QPushButton*>()) {
    if (b->text() == QString::fromUtf8("▲")) up = b;
    if (b->text() == QString::fromUtf8("▼")) down = b;
  }
  QVERIFY(up && down);
  QVERIFY2(up->isEnabled(), "move up is disabled for the last layer");
  QVERIFY2(!down->isEnabled(), "move down is enabled for the last layer");
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QTest::mouseClick(up, Qt::LeftButton);
  QCOMPARE(w.document()->source()["layers"][1]["op"].get<std::string>(), std::string("conv_transpose"));
  QCOMPARE(w.currentLayer(), 1);
  QVERIFY(up->isEnabled() && down->isEnabled());
  w.document()->undoStack()->undo();
  w.stackEditor()->setCurrentLayer(0);
  QVERIFY(!up->isEnabled() && down->isEnabled());
}

void ProjectTest::crashRecoveryOfTheRealApp() {
  // The real app under xvfb-run (its OpenGL canvas needs a display; Qt's offscreen platform has
  // no OpenGL), or offscreen when xvfb-run is missing. Under xvfb-run a shell records the app's
  // pid and execs it, so SIGKILL hits the app itself, not the xvfb-run script.
  QTemporaryDir data;
  const QString xvfb = QString(CONVSCOPE_XVFB_RUN);
  const bool useXvfb = !xvfb.isEmpty() && !xvfb.endsWith("NOTFOUND") && QFileInfo::exists(xvfb);
  const QString pidFile = data.filePath("app.pid");
  auto run = [&](const QStringList& args, QProcess& proc) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("CONVSCOPE_DATA_DIR", data.filePath("appdata"));
    env.insert("CONVSCOPE_AUTOSAVE_MS", "200");
    if (useXvfb) {
      env.remove("QT_QPA_PLATFORM");
      proc.setProgram(xvfb);
      proc.setArguments(
          QStringList{"-a", "sh", "-c", "echo $$ > '" + pidFile + "'; exec \"$0\" \"$@\"", CONVSCOPE_EXE} +
          args);
    } else {
      env.insert("QT_QPA_PLATFORM", "offscreen");
      proc.setProgram(CONVSCOPE_EXE);
      proc.setArguments(args);
    }
    proc.setProcessEnvironment(env);
    QFile::remove(pidFile);
    proc.start();
  };
  auto printDocument = [&](const QStringList& args) {
    QProcess proc;
    run(args + QStringList{"--print-document"}, proc);
    if (!proc.waitForFinished(60000) || proc.exitCode() != 0) {
      qWarning() << proc.readAllStandardError();
      return nlohmann::json();
    }
    return nlohmann::json::parse(proc.readAllStandardOutput().toStdString(), nullptr, false);
  };
  auto autosaves = [&]() {
    return QDir(data.filePath("appdata/sessions")).entryList({"*"}, QDir::Dirs | QDir::NoDotAndDotDot).size();
  };
  auto crashAfterEdit = [&](const QString& edit) {
    QProcess app;
    run({"--lesson", "conv1d_basics", "--test-edit", edit}, app);
    QVERIFY(app.waitForStarted(20000));
    // Wait for the autosave of the edit, then kill -9 mid-session.
    QString file;
    QTRY_VERIFY_WITH_TIMEOUT(([&]() {
                               QDirIterator it(data.filePath("appdata/sessions"), {"autosave.convscope"},
                                               QDir::Files, QDirIterator::Subdirectories);
                               if (!it.hasNext()) return false;
                               file = it.next();
                               return app::project::readProjectFile(file).ok();
                             }()),
                             30000);
    if (useXvfb) {
      QFile pf(pidFile);
      QVERIFY(pf.open(QIODevice::ReadOnly));
      const qint64 pid = pf.readAll().trimmed().toLongLong();
      QVERIFY(pid > 1);
      QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
      QVERIFY(app.waitForFinished(20000));
      // xvfb-run passes the app's status on, unless its own clean-up then fails (exit 5, seen under
      // load: "problem while cleaning up temporary directory") — the app was killed all the same.
      const QByteArray err = app.readAllStandardError();
      if (app.exitCode() != 128 + SIGKILL) qWarning() << "xvfb-run exit" << app.exitCode() << err.right(400);
      QVERIFY(app.exitCode() == 128 + SIGKILL ||
              (app.exitCode() == 5 && err.contains("cleaning up temporary directory")));
    } else {
      app.kill();  // SIGKILL
      QVERIFY(app.waitForFinished(10000));
      QCOMPARE(app.exitStatus(), QProcess::CrashExit);
    }
    QVERIFY(QFileInfo::exists(file));
  };

  // 1. Edit, autosave, crash; the next start recovers the edit.
  crashAfterEdit("/layers/0/stride=3");
  if (QTest::currentTestFailed()) return;
  nlohmann::json doc = printDocument({"--recover", "yes"});
  QVERIFY(doc.is_object());
  QCOMPARE(doc["source"]["layers"][0]["stride"].get<int>(), 3);
  QVERIFY(doc["modified"].get<bool>());
  QVERIFY2(doc["title"].get<std::string>().find("(recovered)") != std::string::npos, doc.dump().c_str());
  QCOMPARE(doc["error"].get<std::string>(), std::string());
  // That run exited without saving or discarding: the recovered work is still kept…
  QCOMPARE(autosaves(), 1);
  // …until the user says no: then nothing is offered again.
  doc = printDocument({"--recover", "no"});
  QCOMPARE(doc["source"]["layers"][0]["stride"].get<int>(), 2);  // the lesson as shipped
  QVERIFY(!doc["modified"].get<bool>());
  QCOMPARE(autosaves(), 0);
  doc = printDocument({"--recover", "yes"});
  QCOMPARE(doc["source"]["layers"][0]["stride"].get<int>(), 2);

  // 2. A crash, then "later": kept for the next start, which recovers it.
  crashAfterEdit("/layers/0/padding=2");
  if (QTest::currentTestFailed()) return;
  doc = printDocument({"--recover", "later"});
  QCOMPARE(doc["source"]["layers"][0]["padding"].get<int>(), 1);
  QCOMPARE(autosaves(), 1);
  doc = printDocument({"--recover", "yes"});
  QCOMPARE(doc["source"]["layers"][0]["padding"].get<int>(), 2);

  // 3. Edits made only by a non-interactive run's command line leave nothing behind.
  doc = printDocument({"--recover", "no", "--lesson", "conv1d_basics", "--test-edit", "/layers/0/stride=5"});
  QCOMPARE(doc["source"]["layers"][0]["stride"].get<int>(), 5);
  QVERIFY(doc["modified"].get<bool>());
  QCOMPARE(autosaves(), 0);
  crashAfterEdit("/layers/0/padding=2");
  if (QTest::currentTestFailed()) return;

  // 4. The recovered document shows in a screenshot of the real window.
  const QString png = data.filePath("recovered.png");
  QProcess shot;
  run({"--recover", "yes", "--screenshot", png}, shot);
  QVERIFY(shot.waitForFinished(90000));
  QVERIFY2(shot.exitCode() == 0, shot.readAllStandardError().constData());
  QVERIFY(!QImage(png).isNull());
  if (!qEnvironmentVariableIsEmpty("CONVSCOPE_SHOT_DIR"))
    QFile::copy(png, qEnvironmentVariable("CONVSCOPE_SHOT_DIR") + "/recovered.png");
}

void ProjectTest::screenshotsOfPromptAndMenu() {
  // Renders the recovery question and the File menu; saved when CONVSCOPE_SHOT_DIR is set.
  const QString outDir = qEnvironmentVariable("CONVSCOPE_SHOT_DIR");
  std::unique_ptr<QMessageBox> box(
      ProjectController::makeRecoveryBox("lesson conv1d_basics", "2024-05-01 12:00:00", nullptr));
  box->show();
  QVERIFY(QTest::qWaitForWindowExposed(box.get()));
  const QImage boxImg = box->grab().toImage();
  QVERIFY(boxImg.width() > 200);
  QVERIFY(box->button(QMessageBox::Yes)->text() == "Recover");
  app::MainWindow w(nullptr, false);
  QVERIFY(w.openLesson("conv1d_basics"));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QMenu* file = w.menuBar()->actions().front()->menu();
  QVERIFY(file);
  QStringList texts;
  for (QAction* a : file->actions()) texts << a->text();
  for (const char* t : {"Open &project…", "Open &model (ONNX)…", "Open &input…", "Open &recent"})
    QVERIFY2(texts.contains(t), qPrintable(texts.join(" | ")));
  file->popup(w.mapToGlobal(QPoint(10, 30)));
  QVERIFY(QTest::qWaitForWindowExposed(file));
  const QImage menuImg = file->grab().toImage();
  QVERIFY(menuImg.height() > 100);
  if (!outDir.isEmpty()) {
    boxImg.save(outDir + "/recovery_prompt.png");
    menuImg.save(outDir + "/file_menu.png");
  }
  file->hide();
}

QTEST_MAIN(ProjectTest)
#include "test_project.moc"
