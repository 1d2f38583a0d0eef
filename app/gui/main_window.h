// MainWindow: the ConvScope desktop window. Central area: the canvas (a placeholder table until
// setCanvas() plugs one in). Docks: stack editor, input editor, activation plots, lesson text;
// their layout persists in QSettings. Owns the Document (undo/redo, File New/Open/Save/Save As)
// and turns the playback keys (Space, ←/→, Home/End, +/−) into signals the canvas connects to.
#pragma once
#include <QMainWindow>
#include <QPointer>
#include <limits>

class QShortcut;

#include "app/gui/document.h"
#include "widgets/scene/stack_snapshot.h"

class QDockWidget;
class QLabel;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace convscope::widgets {
class ActivationPlots;
class InputEditor;
class StackEditor;
}  // namespace convscope::widgets

namespace convscope::app {

class CanvasPlaceholder;
class CompareWindow;
class ProjectController;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  /// `persistLayout`: restore the dock layout and geometry from QSettings now and save them on
  /// close (off for screenshots and tests, which want the default layout).
  explicit MainWindow(QWidget* parent = nullptr, bool persistLayout = true);
  ~MainWindow() override;

  Document* document() const { return m_doc; }
  /// Opens a bundled lesson by name; false if there is none.
  bool openLesson(const QString& name);
  /// Opens a stack file; false (message in `errorOut`) if it cannot be read or parsed.
  bool openFile(const QString& path, QString* errorOut = nullptr);

  /// Projects, models, input files, drag and drop, recent files, autosave (project_controller.h).
  ProjectController* projectController() const { return m_project; }
  /// Replaces the document with `source` (Document::reset) and shows its view.
  void openDocument(const nlohmann::json& source, const QString& path, const QString& displayName,
                    const QString& baseDir, engine::DataAccess access = engine::DataAccess::Anywhere);
  /// Shows `view` / `layer` / `step` as a project saved them (not pinned like --view).
  void applyViewState(const QString& view, int layer, int step);
  /// Asks about unsaved changes (Save / Discard / Cancel); false if the user cancelled.
  bool maybeSaveChanges() { return maybeSave(); }
  /// Save (File → Save): the project or stack file, or Save As when there is none. A document
  /// with an open comparison is saved as a project (a stack file cannot hold the other stacks).
  bool saveDocument() { return fileSave(); }

  /// The open comparison (compare_window.h), null when none.
  CompareWindow* compareWindow() const;
  /// The open comparison, or a new one comparing the document with nothing yet (not shown).
  CompareWindow* openComparison();
  /// The document or the comparison's other stacks differ from what was last saved.
  bool isWorkModified() const;
  /// False for windows of screenshots and tests (no questions asked, no layout saved).
  bool asksQuestions() const { return m_persist; }

  /// Puts `canvas` in the central area (the window takes ownership; the placeholder is deleted).
  void setCanvas(QWidget* canvas);
  /// The central widget: the plugged-in canvas, or the placeholder.
  QWidget* canvas() const;

  /// A requested step meaning "the view's last step" (a lesson's "step": -1 or "last").
  static constexpr int kLastStep = std::numeric_limits<int>::max();

  /// The view asked for on the command line or by the lesson ("" = the lesson's or none),
  /// its layer (-1 = the lesson's or the canvas's choice) and step (-1 = none, kLastStep = last).
  void setRequestedView(const QString& view, int layer, int step);
  QString requestedView() const { return m_view; }
  int requestedStep() const { return m_step; }

  /// True when nothing is pending: no background recompute, plots built, and the canvas (if it
  /// defines a "frameReady" property) reports its requested frame drawn. Screenshots wait on it.
  bool isSettled() const;

  widgets::StackEditor* stackEditor() const { return m_stackEditor; }
  widgets::InputEditor* inputEditor() const { return m_inputEditor; }
  widgets::ActivationPlots* activationPlots() const { return m_plots; }
  /// The selected layer (stack editor), -1 if none.
  int currentLayer() const;

  /// The default size of the window (screenshots use it).
  static QSize defaultSize() { return {1400, 900}; }
  /// defaultSize() bounded by the screen's available area (a 1280×720 screen gets a window that fits).
  QSize fittedDefaultSize() const;
  /// The narrowest the lesson dock gets, however small the window is made (the stack and input
  /// editors' own layouts already keep them wider).
  static constexpr int kMinDockWidth = 220;

 signals:
  /// Space: play or pause the canvas animation.
  void playPauseRequested();
  /// ←/→: step the animation by `delta` (−1 / +1).
  void stepRequested(int delta);
  /// Home / End: go to the first / last step.
  void homeRequested();
  void endRequested();
  /// +/−: faster (+1) or slower (−1).
  void speedRequested(int delta);
  /// A view is asked for (lesson "view", --view/--step); `layer`/`step` −1 when unspecified,
  /// `step` kLastStep for the view's final step (the canvas clamps it).
  void viewRequested(const QString& view, int layer, int step);
  /// A new valid stack and outputs (also on the first load).
  void snapshotChanged(const widgets::SnapshotPtr& snap);
  /// The selected layer changed.
  void currentLayerChanged(int layer);

 protected:
  void closeEvent(QCloseEvent* ev) override;
  void dragEnterEvent(QDragEnterEvent* ev) override;
  void dropEvent(QDropEvent* ev) override;

 private:
  void buildDocks();
  void buildMenus();
  void onSourceChanged();
  void onStackChanged();
  void updateTitle();
  void updateLesson();
  void announceView();
  bool maybeSave();
  void fileNew();
  void fileOpen();
  bool fileSave();
  bool fileSaveAs();

  Document* m_doc = nullptr;
  ProjectController* m_project = nullptr;
  bool m_persist = true;
  CanvasPlaceholder* m_placeholder = nullptr;
  QPointer<QWidget> m_canvas;
  QPointer<CompareWindow> m_compare;
  widgets::StackEditor* m_stackEditor = nullptr;
  widgets::InputEditor* m_inputEditor = nullptr;
  widgets::ActivationPlots* m_plots = nullptr;
  QTextBrowser* m_lesson = nullptr;
  QDockWidget* m_stackDock = nullptr;
  QDockWidget* m_inputDock = nullptr;
  QDockWidget* m_plotsDock = nullptr;
  QDockWidget* m_lessonDock = nullptr;
  QLabel* m_statusText = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_cancel = nullptr;
  QShortcut* m_cancelShortcut = nullptr;  // Esc while a recompute runs
  QString m_view;
  int m_viewLayer = -1;
  int m_step = -1;
  bool m_viewFromCommandLine = false;
  bool m_shownValid = false;  // some resolved stack is on screen (canvas, plots, lesson): errors keep it
  QByteArray m_defaultState;
};

}  // namespace convscope::app
