// Index of this file:
//   [SECTION] KINDS AND OPENING
//   [SECTION] DIALOGS AND RECENT FILES
//   [SECTION] SESSION, AUTOSAVE, RECOVERY
#include "app/gui/project_controller.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLockFile>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "app/gui/compare_window.h"
#include "app/gui/main_window.h"
#include "engine/core/error.h"
#include "engine/io/input_file.h"
#include "engine/onnx/onnx_import.h"
#include "engine/stack/stack.h"
#include "widgets/canvas.h"
#include "widgets/scene/scene_model.h"

namespace convscope::app {

ProjectController::ProjectController(MainWindow* window) : QObject(window), m_window(window) {
  // Every file a document is opened from or saved to goes to the recent list.
  connect(window->document(), &Document::fileStateChanged, this, [this]() {
    const QString p = m_window->document()->filePath();
    if (!p.isEmpty() && p != m_lastRecentPath) {
      m_lastRecentPath = p;
      addRecent(p);
    }
  });
}

ProjectController::~ProjectController() {
  if (m_timer) m_timer->stop();
  if (m_sessionDir.isEmpty()) return;
  // Clean exit. If the document still has changes nobody saved or discarded (the app quit without
  // asking, or a non-interactive run showed recovered work), keep them for the next start to offer.
  // Edits made only by a non-interactive run's command line (--screenshot FILE.wav) are not work.
  const Document* doc = m_window->document();
  if (m_window->isWorkModified() && !m_closeAccepted && (m_interactive || m_recovered)) {
    autosaveNow();
    if (QFileInfo::exists(autosavePath())) {
      m_lock.reset();  // the session folder without a marker is offered next time
      return;
    }
  }
  QDir(m_sessionDir).removeRecursively();
  m_lock.reset();  // unlock: removes the marker
}

// [SECTION] KINDS AND OPENING
ProjectController::FileKind ProjectController::kindOf(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  if (ext == "json") return FileKind::Stack;
  if (ext == "convscope") return FileKind::Project;
  if (ext == "onnx") return FileKind::Model;
  if (ext == "wav" || ext == "flac" || ext == "ogg" || ext == "npy" || ext == "csv") return FileKind::Input;
  return FileKind::Unknown;
}

bool ProjectController::openAny(const QString& path, QString* errorOut) {
  switch (kindOf(path)) {
    case FileKind::Stack:
      return m_window->openFile(path, errorOut);
    case FileKind::Project:
      return openProject(path, errorOut);
    case FileKind::Model:
      return openModel(path, errorOut);
    case FileKind::Input:
      return openInput(path, errorOut);
    case FileKind::Unknown:
      break;
  }
  if (errorOut)
    *errorOut = path +
                ": unknown file type; ConvScope opens stacks (.json), projects (.convscope), ONNX models "
                "(.onnx) and input files (.wav, .flac, .ogg, .npy, .csv)";
  return false;
}

QString ProjectController::newWorkDir() {
  QString root;
  if (!m_sessionDir.isEmpty()) {
    root = m_sessionDir + "/work";
  } else {
    if (!m_tempWork) m_tempWork = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/convscope-XXXXXX");
    if (!m_tempWork->isValid()) return {};
    root = m_tempWork->path();
  }
  for (;;) {
    const QString dir = QString("%1/%2").arg(root).arg(++m_workCounter);
    if (!QFileInfo::exists(dir) && QDir().mkpath(dir)) return dir;
    if (m_workCounter > 100000) return {};
  }
}

void ProjectController::applyView(const project::ViewState& v) {
  if (!v.dockState.isEmpty()) m_window->restoreState(v.dockState);
  if (v.layer >= 0 || !v.view.isEmpty() || v.step >= 0) m_window->applyViewState(v.view, v.layer, v.step);
}

bool ProjectController::openProject(const QString& path, QString* errorOut) {
  project::ReadResult r = project::readProjectFile(path);
  if (!r.ok()) {
    if (errorOut) *errorOut = r.message;
    return false;
  }
  const QString work = newWorkDir();
  QString why;
  if (work.isEmpty() || !project::extractProject(r.project, work, &why)) {
    if (errorOut)
      *errorOut = path + ": cannot unpack the project (" + (work.isEmpty() ? "no work folder" : why) + ")";
    if (!work.isEmpty()) QDir(work).removeRecursively();
    return false;
  }
  m_window->openDocument(r.project.stack, path, QString(), work, engine::DataAccess::ProjectDataOnly);
  applyView(r.project.view);
  restoreComparison(r.project, work);
  return true;
}

void ProjectController::restoreComparison(const project::Project& p, const QString& work) {
  if (p.compared.empty()) return;
  CompareWindow* c = m_window->openComparison();
  for (const project::ComparedStack& s : p.compared) {
    QString err;
    if (!c->addStack(s.stack, QString(), s.title.isEmpty() ? tr("compared stack") : s.title, work,
                     engine::DataAccess::ProjectDataOnly, &err))
      showStatus(err, 10000);
  }
  c->markSaved();
  c->show();
}

nlohmann::json ProjectController::workState() const {
  nlohmann::json state = nlohmann::json::array({m_window->document()->source()});
  if (const CompareWindow* c = m_window->compareWindow())
    for (int i = 1; i < c->stackCount(); ++i) state.push_back(c->document(i)->source());
  return state;
}

project::Project ProjectController::collectCurrent(QStringList* warnings, QStringList* bundled) const {
  const Document* doc = m_window->document();
  std::vector<project::ComparedSource> compared;
  if (const CompareWindow* c = m_window->compareWindow())
    for (int i = 1; i < c->stackCount(); ++i) {
      const Document* d = c->document(i);
      compared.push_back({d->source(), d->baseDir(), d->dataAccess(), d->title()});
    }
  project::Project p =
      project::collectProject(doc->source(), doc->baseDir(), warnings, doc->dataAccess(), bundled, compared);
  p.title = doc->title();
  p.origin = doc->filePath();
  p.view.layer = m_window->currentLayer();
  if (const auto* canvas = qobject_cast<const widgets::Canvas*>(m_window->canvas())) {
    p.view.view = QString::fromLatin1(widgets::viewName(canvas->view()));
    p.view.step = canvas->step();
  } else {
    p.view.view = m_window->requestedView();
    p.view.step = m_window->requestedStep();
  }
  p.view.dockState = m_window->saveState();
  return p;
}

bool ProjectController::saveProject(const QString& path, QString* errorOut) {
  m_warnings.clear();
  m_bundled.clear();
  const bool fromProject = m_window->document()->dataAccess() == engine::DataAccess::ProjectDataOnly;
  const project::Project p = collectCurrent(&m_warnings, &m_bundled);
  if (!project::writeProjectFile(path, p, errorOut)) return false;
  m_window->document()->markSaved(path);
  if (CompareWindow* c = m_window->compareWindow()) c->markSaved();
  // Say which files went into the project (and from where, for a stack's own files), so nobody
  // sends a file away without seeing it.
  QStringList carried;
  for (const QString& b : m_bundled)
    carried << (fromProject ? b.section(" <- ", 0, 0) : b.section(" <- ", 1));
  QString msg = carried.isEmpty() ? tr("Saved %1 (no data files)").arg(QFileInfo(path).fileName())
                                  : tr("Saved %1 with %n data file(s): %2", nullptr, int(carried.size()))
                                        .arg(QFileInfo(path).fileName(), carried.join(", "));
  if (!m_warnings.isEmpty()) msg += " · " + tr("warnings: %1").arg(m_warnings.join("; "));
  showStatus(msg, 15000);
  return true;
}

bool ProjectController::saveStack(const QString& path, QString* errorOut) {
  Document* doc = m_window->document();
  const QString oldBase = doc->baseDir().isEmpty() ? QDir::currentPath() : doc->baseDir();
  const QString newBase = QFileInfo(path).absolutePath();
  QStringList copied;
  if (QFileInfo(oldBase).canonicalFilePath() != QFileInfo(newBase).canonicalFilePath()) {
    // Plan first, copy after: nothing is written when one copy would clobber another file.
    std::vector<std::pair<QString, QString>> copies;
    for (const auto& ptr : project::fileReferences(doc->source())) {
      const QString ref = QString::fromStdString(doc->source().at(ptr).get<std::string>());
      if (QDir::isAbsolutePath(ref)) continue;
      const QString from = QDir(oldBase).absoluteFilePath(ref);
      if (!QFileInfo(from).isFile()) continue;  // already broken: the document shows that error
      if (QDir::cleanPath(ref).startsWith("..")) {
        if (errorOut)
          *errorOut = QString(
                          "%1: not saved: the data path '%2' points outside the stack's folder and would not "
                          "resolve from the new one (save a project, which carries the file)")
                          .arg(path, ref);
        return false;
      }
      const QString to = QDir(newBase).absoluteFilePath(ref);
      if (QFileInfo::exists(to)) {
        QFile a(from), b(to);
        if (a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly) && a.readAll() == b.readAll())
          continue;
        if (errorOut)
          *errorOut = QString(
                          "%1: not saved: the stack's data file '%2' would overwrite a different %3 "
                          "(choose another folder, or save a project)")
                          .arg(path, ref, to);
        return false;
      }
      copies.emplace_back(from, to);
    }
    for (const auto& [from, to] : copies) {
      if (!QDir().mkpath(QFileInfo(to).absolutePath()) || !QFile::copy(from, to)) {
        if (errorOut)
          *errorOut = QString("%1: not saved: cannot copy the data file %2 to %3").arg(path, from, to);
        return false;
      }
      copied << QFileInfo(to).fileName();
    }
  }
  if (!doc->save(path, errorOut)) return false;
  if (!copied.isEmpty()) showStatus("Saved; data files copied beside it: " + copied.join(", "), 10000);
  return true;
}

bool ProjectController::openModel(const QString& path, QString* errorOut) {
  if (!QFileInfo(path).isFile()) {
    if (errorOut) *errorOut = path + ": model file not found";
    return false;
  }
  const QString work = newWorkDir();
  if (work.isEmpty()) {
    if (errorOut) *errorOut = path + ": cannot create a work folder for the import";
    return false;
  }
  QString stem = QFileInfo(path).completeBaseName();
  stem.replace(QRegularExpression("[^A-Za-z0-9._-]"), "_");
  if (stem.isEmpty() || stem.startsWith('.')) stem = "model" + stem;
  const QString stackPath = work + "/" + stem + ".json";
  engine::ImportResult res;
  nlohmann::json source;
  try {
    res = engine::importOnnx(path.toStdString(), stackPath.toStdString());
    QFile f(stackPath);
    if (!f.open(QIODevice::ReadOnly))
      throw engine::EngineError({stackPath.toStdString(), -1, "", ""}, "cannot read the imported stack");
    source = engine::parseStackJson(f.readAll().toStdString(), stackPath.toStdString());
  } catch (const engine::EngineError& e) {
    QDir(work).removeRecursively();
    if (errorOut) *errorOut = QString::fromStdString(e.what());
    return false;
  } catch (const std::exception& e) {
    QDir(work).removeRecursively();
    if (errorOut) *errorOut = path + ": import failed: " + QString::fromUtf8(e.what());
    return false;
  }
  m_window->openDocument(source, QString(), QFileInfo(path).fileName() + " (imported)", work);
  addRecent(QFileInfo(path).absoluteFilePath());
  QStringList notes;
  for (const auto& n : res.notes) notes << QString::fromStdString(n);
  showStatus(QString("Imported %1: %2 layers, opset %3%4")
                 .arg(QFileInfo(path).fileName())
                 .arg(res.layers.size())
                 .arg(res.opset)
                 .arg(notes.isEmpty() ? QString() : " · " + notes.join("; ")),
             10000);
  return true;
}

bool ProjectController::openInput(const QString& path, QString* errorOut) {
  Document* doc = m_window->document();
  const nlohmann::json& src = doc->source();
  if (!src.is_object()) {
    if (errorOut) *errorOut = "open a stack before choosing its input file";
    return false;
  }
  const bool channelsLast = src.contains("layout") && src["layout"] == "channels_last";
  const QFileInfo fi(path);
  try {
    if (!fi.isFile()) throw engine::EngineError({path.toStdString(), -1, "", "data"}, "input file not found");
    (void)engine::readInputFile(fi.absoluteFilePath().toStdString(), "data", channelsLast);
  } catch (const engine::EngineError& e) {
    if (errorOut) *errorOut = QString::fromStdString(e.what());
    return false;
  }
  // A path relative to the document's folder when the file lies inside it, else absolute. A
  // project's stack may only name its own data/ members: the chosen file is copied in as one.
  QString ref = fi.absoluteFilePath();
  if (doc->dataAccess() == engine::DataAccess::ProjectDataOnly) {
    QString name = fi.fileName();
    name.replace(QRegularExpression("[^A-Za-z0-9._-]"), "_");
    while (name.startsWith('.')) name.remove(0, 1);
    if (name.isEmpty()) name = "input" + (fi.suffix().isEmpty() ? QString() : "." + fi.suffix());
    const QDir data(doc->baseDir() + "/data");
    QString member = name;
    for (int n = 2; QFileInfo::exists(data.filePath(member)); ++n)
      member = QString("%1_%2.%3").arg(QFileInfo(name).completeBaseName()).arg(n).arg(fi.suffix());
    if (!data.mkpath(".") || !QFile::copy(fi.absoluteFilePath(), data.filePath(member))) {
      if (errorOut)
        *errorOut = tr("%1: cannot copy the input into the project's data folder %2").arg(path, data.path());
      return false;
    }
    ref = "data/" + member;
  } else if (!doc->baseDir().isEmpty()) {
    const QString rel = QDir(doc->baseDir()).relativeFilePath(ref);
    if (!rel.startsWith("..") && !QDir::isAbsolutePath(rel)) ref = rel;
  }
  nlohmann::json next = src;
  if (!next.contains("input") || !next["input"].is_object()) next["input"] = nlohmann::json::object();
  auto& in = next["input"];
  in["data"] = ref.toStdString();
  in.erase("generator");
  in.erase("shape");
  doc->edit(next, "input: " + fi.fileName());
  return true;
}

// [SECTION] DIALOGS AND RECENT FILES
void ProjectController::showStatus(const QString& message, int ms) {
  // A status message set before the window is shown would not hide the status label (QStatusBar
  // hides only visible widgets): post it until the window is up.
  if (m_window->isVisible()) {
    m_window->statusBar()->showMessage(message, ms);
    return;
  }
  QTimer::singleShot(0, this, [this, message, ms]() { m_window->statusBar()->showMessage(message, ms); });
}

void ProjectController::reportError(const QString& title, const QString& message) {
  m_lastError = message;
  if (m_interactive)
    QMessageBox::warning(m_window, title, message);
  else
    showStatus("⚠ " + message, 10000);
}

void ProjectController::openFromUser(const QString& path) {
  const FileKind kind = kindOf(path);
  // An input file is an undoable edit of the current document; everything else replaces it.
  if (kind != FileKind::Input && kind != FileKind::Unknown && !m_window->maybeSaveChanges()) return;
  QString err;
  if (!openAny(path, &err)) {
    const char* title = kind == FileKind::Project ? "Cannot open project"
                        : kind == FileKind::Model ? "Cannot import model"
                        : kind == FileKind::Input ? "Cannot open input"
                                                  : "Cannot open file";
    reportError(title,
                err + (kind == FileKind::Input ? QString() : "\n\nThe current document is unchanged."));
    return;
  }
  m_lastError.clear();
}

void ProjectController::openProjectDialog() {
  const QString path = QFileDialog::getOpenFileName(m_window, "Open project", QString(),
                                                    "ConvScope projects (*.convscope);;All files (*)");
  if (!path.isEmpty()) openFromUser(path);
}

void ProjectController::openModelDialog() {
  const QString path = QFileDialog::getOpenFileName(m_window, "Open ONNX model", QString(),
                                                    "ONNX models (*.onnx);;All files (*)");
  if (!path.isEmpty()) openFromUser(path);
}

void ProjectController::openInputDialog() {
  const QString path =
      QFileDialog::getOpenFileName(m_window, "Open input", QString(),
                                   "Input files (*.wav *.flac *.ogg *.npy *.csv);;Audio (*.wav *.flac "
                                   "*.ogg);;NumPy (*.npy);;CSV (*.csv);;All files (*)");
  if (!path.isEmpty()) openFromUser(path);
}

QStringList ProjectController::recentFiles() const {
  return QSettings().value("recent/files").toStringList();
}

void ProjectController::addRecent(const QString& path) {
  const QString abs = QFileInfo(path).absoluteFilePath();
  QStringList list = recentFiles();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue("recent/files", list);
}

void ProjectController::attachRecentMenu(QMenu* menu) {
  connect(menu, &QMenu::aboutToShow, this, [this, menu]() {
    menu->clear();
    const QStringList list = recentFiles();
    int i = 0;
    for (const QString& path : list) {
      const QFileInfo fi(path);
      QAction* a = menu->addAction(
          QString("&%1 %2  —  %3").arg(++i).arg(fi.fileName(), QDir::toNativeSeparators(fi.absolutePath())));
      a->setToolTip(path);
      connect(a, &QAction::triggered, this, [this, path]() {
        if (!QFileInfo::exists(path)) {
          QStringList l = recentFiles();
          l.removeAll(path);
          QSettings().setValue("recent/files", l);
          reportError("Cannot open file", path + " no longer exists; it was removed from the recent files.");
          return;
        }
        openFromUser(path);
      });
    }
    if (list.isEmpty()) menu->addAction("(no recent files)")->setEnabled(false);
    menu->addSeparator();
    QAction* clear =
        menu->addAction("Clear recent files", this, []() { QSettings().remove("recent/files"); });
    clear->setEnabled(!list.isEmpty());
  });
}

// [SECTION] SESSION, AUTOSAVE, RECOVERY
QString ProjectController::dataDir() {
  const QString env = qEnvironmentVariable("CONVSCOPE_DATA_DIR");
  if (!env.isEmpty()) return env;
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

int ProjectController::autosaveIntervalMs() {
  bool ok = false;
  const int ms = qEnvironmentVariableIntValue("CONVSCOPE_AUTOSAVE_MS", &ok);
  return ok && ms > 0 ? ms : 30000;
}

QString ProjectController::autosavePath() const {
  return m_sessionDir.isEmpty() ? QString() : m_sessionDir + "/autosave.convscope";
}

namespace {
// Creates `dir` and its parents; "" on success, else why not (the system's words).
QString makeFolder(const QString& dir) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(QFile::encodeName(dir).toStdString()), ec);
  if (ec) return QString::fromLocal8Bit(ec.message().c_str());
  if (!QFileInfo(dir).isDir()) return ProjectController::tr("not a folder");
  return {};
}
}  // namespace

bool ProjectController::startSession() {
  if (!m_sessionDir.isEmpty()) return true;
  const QString sessions = dataDir() + "/sessions";
  if (const QString why = makeFolder(sessions); !why.isEmpty()) {
    reportAutosaveOff(dataDir(), why);
    return false;
  }
  const QString id =
      QString("%1-%2").arg(QCoreApplication::applicationPid()).arg(QDateTime::currentMSecsSinceEpoch());
  m_lock = std::make_unique<QLockFile>(sessions + "/" + id + ".lock");
  m_lock->setStaleLockTime(0);
  if (!m_lock->tryLock(0)) {
    const QLockFile::LockError e = m_lock->error();
    m_lock.reset();
    reportAutosaveOff(sessions, e == QLockFile::PermissionError ? tr("permission denied")
                                : e == QLockFile::LockFailedError
                                    ? tr("the session is locked by another process")
                                    : tr("cannot create the session's lock file"));
    return false;
  }
  m_sessionDir = sessions + "/" + id;
  if (const QString why = makeFolder(m_sessionDir); !why.isEmpty()) {
    m_lock.reset();
    m_sessionDir.clear();
    reportAutosaveOff(sessions, why);
    return false;
  }
  m_timer = new QTimer(this);
  connect(m_timer, &QTimer::timeout, this, &ProjectController::autosaveNow);
  m_timer->start(autosaveIntervalMs());
  return true;
}

void ProjectController::reportAutosaveOff(const QString& folder, const QString& why) {
  if (m_autosaveNotice) return;  // once per window
  // A permanent status-bar widget: temporary messages and the document's status do not cover it.
  m_autosaveNotice = new QLabel(m_window);
  m_autosaveNotice->setObjectName("autosaveOffNotice");
  m_autosaveNotice->setText(
      tr("⚠ Autosave is off: cannot use %1 (%2)").arg(QDir::toNativeSeparators(folder), why));
  m_autosaveNotice->setToolTip(
      tr("Unsaved changes are not kept if ConvScope stops unexpectedly. Make the folder "
         "writable, or point CONVSCOPE_DATA_DIR at one that is, and restart."));
  m_autosaveNotice->setStyleSheet("color: #c0392b;");
  m_window->statusBar()->addPermanentWidget(m_autosaveNotice);
}

bool ProjectController::autosaveNow() {
  if (m_sessionDir.isEmpty()) return false;
  if (!m_window->isWorkModified()) {
    // Saved or back to the saved state: nothing to recover.
    if (QFileInfo::exists(autosavePath())) QFile::remove(autosavePath());
    m_lastAutosaved = nlohmann::json();
    return false;
  }
  const nlohmann::json state = workState();
  if (state == m_lastAutosaved && QFileInfo::exists(autosavePath())) return false;
  QStringList warnings;
  const project::Project p = collectCurrent(&warnings);
  QString err;
  if (!project::writeProjectFile(autosavePath(), p, &err)) {
    showStatus("Autosave failed: " + err, 10000);
    return false;
  }
  m_lastAutosaved = state;
  return true;
}

QMessageBox* ProjectController::makeRecoveryBox(const QString& title, const QString& when, QWidget* parent) {
  auto* box = new QMessageBox(parent);
  box->setIcon(QMessageBox::Question);
  box->setWindowTitle("Recover unsaved work?");
  box->setText(QString("ConvScope did not shut down cleanly. Unsaved changes to <b>%1</b> were autosaved %2.")
                   .arg(title.toHtmlEscaped(), when.toHtmlEscaped()));
  box->setInformativeText(
      "Recover them now? If you discard them they are deleted; "
      "if you choose Later they are offered again at the next start.");
  box->setStandardButtons(QMessageBox::Yes | QMessageBox::Discard | QMessageBox::Ignore);
  box->button(QMessageBox::Yes)->setText("Recover");
  box->button(QMessageBox::Ignore)->setText("Later");
  box->setDefaultButton(QMessageBox::Yes);
  return box;
}

bool ProjectController::offerRecovery(RecoverAnswer answer) {
  const QString sessions = dataDir() + "/sessions";
  const QString own = QFileInfo(m_sessionDir).fileName();
  // Stale sessions: their marker can be taken (owner gone) or is missing.
  struct Candidate {
    QString dir;
    std::shared_ptr<QLockFile> lock;
    QDateTime when;
  };
  std::vector<Candidate> found;
  const QStringList dirs = QDir(sessions).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
  for (const QString& id : dirs) {
    if (id == own) continue;
    auto lock = std::make_shared<QLockFile>(sessions + "/" + id + ".lock");
    lock->setStaleLockTime(0);
    if (!lock->tryLock(0)) continue;  // a running instance
    const QString dir = sessions + "/" + id;
    const QFileInfo autosave(dir + "/autosave.convscope");
    if (!autosave.isFile()) {
      QDir(dir).removeRecursively();  // crashed with nothing unsaved
      continue;
    }
    found.push_back({dir, lock, autosave.lastModified()});
  }
  if (found.empty()) return false;
  std::sort(found.begin(), found.end(),
            [](const Candidate& a, const Candidate& b) { return a.when > b.when; });
  const Candidate& c = found.front();
  const QString file = c.dir + "/autosave.convscope";
  if (answer == RecoverAnswer::Later) return false;
  project::ReadResult r = project::readProjectFile(file);
  const QString title = r.ok() && !r.project.title.isEmpty() ? r.project.title : QString("a document");
  if (answer == RecoverAnswer::Ask) {
    std::unique_ptr<QMessageBox> box(
        makeRecoveryBox(title, c.when.toString("yyyy-MM-dd HH:mm:ss"), m_window));
    const int b = box->exec();
    answer = b == QMessageBox::Yes       ? RecoverAnswer::Yes
             : b == QMessageBox::Discard ? RecoverAnswer::No
                                         : RecoverAnswer::Later;
    if (answer == RecoverAnswer::Later) return false;
  }
  if (answer == RecoverAnswer::No) {
    QDir(c.dir).removeRecursively();
    return false;
  }
  QString err;
  const QString work = r.ok() ? newWorkDir() : QString();
  if (!r.ok() || work.isEmpty() || !project::extractProject(r.project, work, &err)) {
    // Keep the file where the user can find it; never delete what could not be read.
    const QString keep =
        dataDir() + "/unrecovered-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".convscope";
    QFile::rename(file, keep);
    QDir(c.dir).removeRecursively();
    reportError("Cannot recover", (r.ok() ? err : r.message) + "\n\nThe autosave was kept as " + keep + ".");
    return false;
  }
  // A recovered project keeps its file (Save overwrites it); anything else is saved anew.
  const bool fromProject = kindOf(r.project.origin) == FileKind::Project;
  const QString shown = title.endsWith(" (recovered)") ? title : title + " (recovered)";
  m_window->openDocument(r.project.stack, fromProject ? r.project.origin : QString(), shown, work,
                         engine::DataAccess::ProjectDataOnly);
  m_window->document()->markUnsaved();
  applyView(r.project.view);
  restoreComparison(r.project, work);
  m_lastRecentPath = m_window->document()->filePath();
  m_recovered = true;
  // Own it before the old copy goes: a second crash right now still finds it.
  autosaveNow();
  QDir(c.dir).removeRecursively();
  showStatus("Recovered unsaved changes to " + title, 10000);
  return true;
}

}  // namespace convscope::app
