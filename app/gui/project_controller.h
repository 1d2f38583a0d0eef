// ProjectController: the main window's files beyond plain stack JSON — projects (.convscope,
// project_file.h), ONNX models (engine::importOnnx), input data files (WAV/FLAC/OGG/NPY/CSV →
// the stack's input "data"), drag and drop routing, recent files (QSettings, max 8), and the
// session: autosave every 30 s while modified, a clean-exit marker, and recovery after a crash.
//
// Session layout under dataDir() (QStandardPaths::AppDataLocation, or $CONVSCOPE_DATA_DIR):
//   sessions/<id>.lock          QLockFile held while the app runs (the clean-exit marker; a lock
//                               whose process is gone, or a session folder without one, is stale)
//   sessions/<id>/autosave.convscope   the document as a project file, written while modified
//   sessions/<id>/work/<n>/     folders opened projects and imported models are unpacked into
// A clean exit after the user saved or discarded removes the session; an exit that leaves a
// modified document (crash, kill, quit without asking, a non-interactive run showing recovered
// work) leaves it for the next start to offer.
#pragma once
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "app/project/project_file.h"

class QLabel;
class QLockFile;
class QMenu;
class QMessageBox;
class QTemporaryDir;
class QTimer;
class QWidget;

namespace convscope::app {

class MainWindow;

class ProjectController : public QObject {
  Q_OBJECT
 public:
  explicit ProjectController(MainWindow* window);
  ~ProjectController() override;

  enum class FileKind { Unknown, Stack, Project, Model, Input };
  /// What a path is, by its extension (case-insensitive).
  static FileKind kindOf(const QString& path);

  // ---- opening and saving; each returns false with `errorOut` set and keeps the current document
  /// Opens a stack, project or model (replacing the document) or sets an input file (an undoable edit).
  bool openAny(const QString& path, QString* errorOut);
  bool openProject(const QString& path, QString* errorOut);
  /// Saves the document, its data files and the view state as a project (atomic).
  bool saveProject(const QString& path, QString* errorOut);
  /// Saves the document as a stack file; when that moves it to another folder, the data files its
  /// relative paths name are copied along (refusing to overwrite a different file of that name).
  bool saveStack(const QString& path, QString* errorOut);
  /// Imports an ONNX model into a fresh work folder and opens the resulting stack (unsaved, untitled).
  bool openModel(const QString& path, QString* errorOut);
  /// Points the stack's input at a data file (checked first): input.data = path, generator and
  /// shape removed. One undo step.
  bool openInput(const QString& path, QString* errorOut);

  // ---- user actions (dialogs; errors go to reportError)
  void openProjectDialog();
  void openModelDialog();
  void openInputDialog();
  /// Asks about unsaved changes when needed, then opens `path`; errors are reported.
  void openFromUser(const QString& path);
  /// Fills `menu` with the recent files (rebuilt each time it is shown).
  void attachRecentMenu(QMenu* menu);

  /// Shows `message` in a message box, or only in the status bar when not interactive (tests).
  void reportError(const QString& title, const QString& message);
  void setInteractive(bool on) { m_interactive = on; }
  /// A temporary status-bar message (deferred until the window is shown).
  void showStatus(const QString& message, int ms);
  QString lastError() const { return m_lastError; }
  /// Warnings of the last project save (data files that could not be included).
  QStringList lastWarnings() const { return m_warnings; }
  /// Data files the last project save carried: "data/<name> <- <file it was read from>".
  QStringList lastBundled() const { return m_bundled; }

  // ---- recent files
  QStringList recentFiles() const;
  void addRecent(const QString& path);
  static constexpr int kMaxRecent = 8;

  // ---- session, autosave, recovery
  /// $CONVSCOPE_DATA_DIR, else the user's application data folder.
  static QString dataDir();
  /// Autosave interval: $CONVSCOPE_AUTOSAVE_MS (tests), else 30 000 ms.
  static int autosaveIntervalMs();
  /// Takes the clean-exit marker and starts the autosave timer (the real app only). When the data
  /// folder cannot hold a session, autosave is off: the window shows a lasting notice naming the
  /// folder and the reason (once), and this returns false.
  bool startSession();
  QString sessionDir() const { return m_sessionDir; }
  QString autosavePath() const;
  /// Writes the autosave now if the document is modified and changed since the last autosave;
  /// removes it when the document is unmodified. True if a file was written.
  bool autosaveNow();
  /// The user has saved or discarded (close accepted): a clean exit removes the session.
  void closeAccepted() { m_closeAccepted = true; }

  enum class RecoverAnswer { Ask, Yes, No, Later };
  /// Looks for the autosave of a session that did not exit cleanly and offers it: Ask shows a
  /// message box, Yes/No answer without one, Later leaves it for the next start. True if the
  /// document was replaced by the recovered one.
  bool offerRecovery(RecoverAnswer answer);
  /// The recovery question (a modal box, not yet shown) for an autosave of `title` saved at `when`.
  static QMessageBox* makeRecoveryBox(const QString& title, const QString& when, QWidget* parent);

 private:
  QString newWorkDir();
  project::Project collectCurrent(QStringList* warnings, QStringList* bundled = nullptr) const;
  /// Opens the comparison a project holds (its stacks unpacked into `work`), if any.
  void restoreComparison(const project::Project& p, const QString& work);
  /// The sources autosave watches: the document's and every compared stack's.
  nlohmann::json workState() const;
  void applyView(const project::ViewState& v);
  void reportAutosaveOff(const QString& folder, const QString& why);

  MainWindow* m_window;
  bool m_interactive = true;
  QString m_lastError;
  QStringList m_warnings;
  QStringList m_bundled;
  QString m_lastRecentPath;
  // session
  QString m_sessionDir;
  std::unique_ptr<QLockFile> m_lock;
  std::unique_ptr<QTemporaryDir> m_tempWork;  // work folders when no session runs
  QTimer* m_timer = nullptr;
  nlohmann::json m_lastAutosaved;
  QPointer<QLabel> m_autosaveNotice;  // shown once autosave turned out to be off
  bool m_closeAccepted = false;
  bool m_recovered = false;  // this session holds recovered work
  int m_workCounter = 0;
};

}  // namespace convscope::app
