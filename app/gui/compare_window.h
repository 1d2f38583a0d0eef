// CompareWindow: 2 to 4 stacks side by side on one shared input — the answer to "is design A the
// same as design B, and which is better?". Stack 0 is the main window's document itself; stacks 1..3
// are documents this window owns, whose edits go onto the main document's undo stack (one history:
// Ctrl+Z in either window undoes the last edit of any compared stack).
//
//  - Panes: per stack a header (name, remove), its layer list and its scene (widgets::SceneView),
//    all drawn at the same step and view; hovering an output cell highlights the same cell in the
//    other panes. Clicking a pane makes it the one the Stack dock edits.
//  - Input dock: the shared input. An edit there changes every stack's input in one undo step
//    (shared_input.h adapts its shape to each stack's layout and rank).
//  - Under the panes: the comparison table (engine::compareStacks on the shared input, recomputed
//    off the GUI thread after every edit) and the difference plot of any two stacks.
// Every pane shows its stack run on stack 0's input tensor (reshaped along singleton axes), so the
// scenes, the table and `convscope compare` agree exactly.
#pragma once
#include <QMainWindow>
#include <QPointer>
#include <QTimer>
#include <memory>
#include <optional>
#include <vector>

#include "engine/compare/compare.h"
#include "engine/io/data_path.h"
#include "widgets/scene/compare_frame.h"
#include "widgets/scene/scene_model.h"
#include "widgets/scene/stack_snapshot.h"

class QComboBox;
class QLabel;
class QListWidget;
class QSlider;
class QSplitter;
class QTabWidget;
class QToolButton;
class QHBoxLayout;

namespace convscope::widgets {
class ComparisonTable;
class DifferencePlot;
class InputEditor;
class LatestJob;
class SceneView;
class StackEditor;
}  // namespace convscope::widgets

namespace convscope::app {

class Document;
class MainWindow;

class CompareWindow : public QMainWindow {
  Q_OBJECT
 public:
  static constexpr int kMaxStacks = 4;

  explicit CompareWindow(MainWindow* main);
  ~CompareWindow() override;

  /// Adds a stack to compare (a document of this window); false with `errorOut` set when the window
  /// already holds kMaxStacks. Its input becomes the shared input at once (not an undo step).
  bool addStack(const nlohmann::json& source, const QString& path, const QString& title,
                const QString& baseDir, engine::DataAccess access, QString* errorOut);
  /// Adds a stack file or (name without ".json" and no folder) a bundled lesson.
  bool addFile(const QString& path, QString* errorOut);
  bool addLesson(const QString& name, QString* errorOut);
  /// Removes stack `index` (>= 1; stack 0 is the main document).
  void removeStack(int index);

  /// Stacks compared, the main document included.
  int stackCount() const { return int(m_panes.size()); }
  /// Document of stack `index` (0 = the main window's).
  Document* document(int index) const;
  widgets::SceneView* view(int index) const;
  widgets::ComparisonTable* table() const { return m_table; }
  widgets::DifferencePlot* differencePlot() const { return m_diff; }
  widgets::InputEditor* inputEditor() const { return m_inputEditor; }
  widgets::StackEditor* stackEditor() const { return m_stackEditor; }
  /// The stack the Stack dock edits.
  int activeStack() const { return m_active; }
  void setActiveStack(int index);
  /// The pair the difference plot shows.
  void setDifferencePair(int a, int b);

  /// The last comparison (nullopt before the first, or when it failed: comparisonError()).
  const std::optional<engine::Comparison>& comparison() const { return m_comparison; }
  QString comparisonError() const { return m_error; }
  /// No document recomputing and the comparison of the current stacks delivered.
  bool isSettled() const;
  /// Blocks until isSettled() (processing events); false after `ms`.
  bool waitSettled(int ms);

  /// Synchronised playback: every pane at step min(step, its last step); the view of every pane.
  void setStep(int step);
  int step() const { return m_step; }
  void setView(widgets::View view);
  void play();
  void pause();

  /// Any compared stack (besides the main document) edited, added or removed since markSaved().
  bool isModified() const;
  void markSaved();

  /// True once the window was closed (it is deleted soon after).
  bool isClosed() const { return m_closed; }

  /// The panes' scenes as drawn now, with their stacks' names (for the side-by-side export).
  std::vector<widgets::ComparisonPanel> panels() const;
  /// The figure size of the side-by-side export (widgets::comparisonFigureSize).
  QSize exportSize() const;

 signals:
  /// isModified() may have changed.
  void modifiedChanged();

 protected:
  void showEvent(QShowEvent* ev) override;
  void closeEvent(QCloseEvent* ev) override;
  void dragEnterEvent(QDragEnterEvent* ev) override;
  void dropEvent(QDropEvent* ev) override;

 private:
  struct Pane;
  Pane& addPane(Document* doc, bool owned);
  void buildMenus();
  void buildToolbar();
  void exportFigure();
  void exportAnimation();
  void buildDocks();
  void refreshPane(Pane& p);
  void refreshEditors();
  void onInputEdit(const nlohmann::json& next, const QString& text, int mergeKey);
  void syncInputsTo(Document* doc);
  void recompare();
  void adoptComparison(std::vector<widgets::SnapshotPtr> snaps, std::optional<engine::Comparison> c,
                       QString err);
  void refreshDifference();
  void updateStepUi();
  void updateTitle();
  void addFromDialog();

  MainWindow* m_main;
  std::vector<std::unique_ptr<Pane>> m_panes;
  QWidget* m_paneHost = nullptr;
  QHBoxLayout* m_paneLayout = nullptr;
  widgets::ComparisonTable* m_table = nullptr;
  widgets::DifferencePlot* m_diff = nullptr;
  QComboBox* m_diffA = nullptr;
  QComboBox* m_diffB = nullptr;
  QLabel* m_status = nullptr;
  QTabWidget* m_tabs = nullptr;
  widgets::InputEditor* m_inputEditor = nullptr;
  widgets::StackEditor* m_stackEditor = nullptr;
  QComboBox* m_viewBox = nullptr;
  QSlider* m_scrub = nullptr;
  QLabel* m_stepLabel = nullptr;
  QToolButton* m_playButton = nullptr;
  QTimer m_timer;
  widgets::LatestJob* m_jobs = nullptr;
  uint64_t m_pendingJob = 0;
  uint64_t m_deliveredJob = 0;
  std::optional<engine::Comparison> m_comparison;
  std::vector<engine::Stack> m_comparedStacks;
  QString m_error;
  int m_active = 0;
  int m_step = 0;
  widgets::View m_view = widgets::View::Auto;
  bool m_membershipChanged = false;
  bool m_closed = false;
  bool m_shownOnce = false;
  bool m_refreshPending = false;                       // a document signal's refresh is queued
  std::vector<widgets::SnapshotPtr> m_submittedSnaps;  // what the last comparison job was given
  std::vector<QString> m_submittedNames;
};

}  // namespace convscope::app
