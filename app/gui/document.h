// Document: the stack file being edited. Holds the JSON source (the truth, possibly invalid),
// re-resolves it with engine::resolveStack on every change, and keeps the last valid resolved
// Stack with its forward outputs. An invalid edit never loses the document: the error is reported
// (message, layer, parameter) and the last valid state stays on screen.
//
// Every edit goes through undoStack() (commands.h) and recomputes on a worker thread. A small stack
// (work estimate below asyncThreshold()) is waited for up to kSyncWaitMs and adopted inside the
// edit (one frame, as if synchronous); a larger or slower one goes on in the background with
// progress reports and cancel(); a newer edit supersedes a running one.
#pragma once
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "engine/stack/stack.h"
#include "widgets/latest_job.h"
#include "widgets/scene/stack_snapshot.h"

class QUndoStack;

namespace convscope::app {

/// Where the current source fails to resolve (from engine::EngineError).
struct DocumentError {
  QString message;  // EngineError::what(): full "file: layer i (op): parameter 'p': rule"
  QString rule;     // the rule alone
  int layer = -1;   // layer index, -1 for the input or the file as a whole
  QString op;       // op of that layer or "input"
  QString param;    // parameter name under the stack's convention, "" if none
};

/// Result of one recompute (resolved stack + every layer's output).
struct ComputeResult {
  bool ok = false;
  bool cancelled = false;
  engine::Stack stack;
  widgets::SharedTensors outputs;  // outputs 0..reused-1 shared with the previous snapshot
  int reused = 0;                  // leading layers taken from the previous snapshot, not recomputed
  double inputAbsMax =
      -1;  // the previous snapshot's input scale when the input is the same bits (-1: unknown)
  DocumentError error;
};

class Document : public QObject {
  Q_OBJECT
 public:
  explicit Document(QObject* parent = nullptr);
  ~Document() override;

  /// The JSON source as edited (may be invalid).
  const nlohmann::json& source() const { return m_source; }
  /// Last valid resolved stack (empty layers and no input before the first valid resolve).
  const engine::Stack& stack() const { return m_snapshot->stack; }
  /// Forward outputs of stack(): outputs()[i] is layer i's output (N, C, spatial...).
  const widgets::SharedTensors& outputs() const { return m_snapshot->outputs; }
  /// The last valid stack and outputs as one shareable immutable snapshot (never null).
  widgets::SnapshotPtr snapshot() const { return m_snapshot; }
  /// True once some source has resolved; stack()/outputs() are meaningful then.
  bool hasValidStack() const { return m_hasValid; }
  /// True when the current source() resolved (stack() belongs to it).
  bool isValid() const { return !m_error.has_value() && !m_busy; }
  /// The current source's error, if it does not resolve.
  const std::optional<DocumentError>& error() const { return m_error; }
  /// True while a background recompute runs.
  bool isBusy() const { return m_busy; }
  /// Leading layers of the current snapshot whose outputs were taken from the snapshot before it
  /// (an edit of layer j reuses 0..j-1); 0 when every layer was computed.
  int reusedLayers() const { return m_reused; }

  /// File path ("" for a lesson or a new document) and display title.
  QString filePath() const { return m_path; }
  QString title() const;
  /// True when the source differs from the last save/load.
  bool isModified() const;

  QUndoStack* undoStack() const { return m_undo; }
  /// Pushes this document's edits onto `shared` (not owned; another document's stack, so one undo
  /// history covers a comparison) instead of its own; reset() then leaves the shared history alone.
  void shareUndoStack(QUndoStack* shared);

  /// Replaces the document (no undo history): `file` names it in messages, `baseDir` anchors data
  /// paths, `access` says which files they may name (a project's: its own data/ members only).
  void reset(const nlohmann::json& source, const QString& path, const QString& displayName,
             const QString& baseDir, engine::DataAccess access = engine::DataAccess::Anywhere);
  /// A minimal new stack (impulse input, one conv).
  void newDocument();
  /// Loads a stack file; false with `errorOut` set when it cannot be read or is not JSON.
  /// A file that parses but does not resolve is opened (its error is reported).
  bool open(const QString& path, QString* errorOut);
  /// Writes source() as indented JSON to `path` (and adopts it as the file path).
  bool save(const QString& path, QString* errorOut);
  /// Directory relative data paths of source() are anchored at ("" = the working directory).
  QString baseDir() const { return m_baseDir; }
  /// Which files the data paths of source() may name: ProjectDataOnly for a document opened from a
  /// project (or its autosave), whose stack came from whoever wrote the project.
  engine::DataAccess dataAccess() const { return m_access; }
  /// Adopts `path` as the file path and the current source as saved, without writing anything
  /// (the project writer saved it); relative data paths stay anchored at baseDir().
  void markSaved(const QString& path);
  /// Adopts the current source as saved, keeping the path and title (a comparison's stack, saved
  /// inside the main document's project).
  void markClean();
  /// Marks the document as differing from any saved file (a recovered autosave).
  void markUnsaved();

  /// Pushes an undoable edit replacing the whole source. `mergeKey` >= 0 merges consecutive edits
  /// with the same key (typing in one field) into one undo step.
  /// False (and nothing changes) when `next` nests deeper than engine::limits().maxJsonDepth.
  bool edit(const nlohmann::json& next, const QString& text, int mergeKey = -1);
  /// Applies a source without touching the undo stack (used by the commands themselves).
  void applySource(const nlohmann::json& next);

  /// The recompute thread, for measurements (bench --interactive heavy_edit_stays_live).
  const widgets::LatestJob* jobs() const { return m_jobs; }
  /// Cancels a running background recompute (the last valid state stays).
  void cancel();
  /// Blocks until no background recompute runs (tests, screenshots).
  void waitIdle();
  /// Work estimate (elements touched) above which recomputes go to a worker thread.
  static constexpr int64_t asyncThreshold() { return int64_t(1) << 22; }
  /// How long an edit of a small stack waits for its recompute before going on in the background.
  static constexpr int kSyncWaitMs = 60;
  /// Forces every recompute synchronous (true) or automatic (false); tests use it.
  void setForceSynchronous(bool on) { m_forceSync = on; }

  /// Estimated work of a source: input elements × (layers + 1), 0 if unknown.
  static int64_t workEstimate(const nlohmann::json& source);
  /// Resolves and runs `source`; `cancel` (may be null) is polled between layers, `progress`
  /// (may be empty) is told (done, total) layers. Never throws.
  /// With `previous` (the last valid snapshot, may be null) only the layers from the first one that
  /// differs are run: outputs 0..j-1 are shared with `previous` when reusableSourceLayers(previous
  /// source, source) and engine::reusableLayers(previous stack, the new stack) both cover them and
  /// the data paths are anchored at the same directory — the same bits as a full computation.
  static ComputeResult compute(const nlohmann::json& source, const std::string& file,
                               const std::string& baseDir, const std::atomic<bool>* cancel,
                               const std::function<void(int, int)>& progress,
                               const widgets::SnapshotPtr& previous = nullptr,
                               engine::DataAccess access = engine::DataAccess::Anywhere);
  /// Leading layers whose source is the same in `prev` and `next` (JSON equality), 0 when anything
  /// outside "layers" differs except the descriptive "name", "description", "lesson" and "view".
  static int reusableSourceLayers(const nlohmann::json& prev, const nlohmann::json& next);

 signals:
  /// The source changed (every edit, undo, redo, load).
  void sourceChanged();
  /// A new valid stack and its outputs are available.
  void stackChanged();
  /// error() changed (set or cleared).
  void errorChanged();
  /// A background recompute started (true) or ended (false).
  void busyChanged(bool busy);
  /// Background progress: `done` of `total` layers computed.
  void progress(int done, int total);
  /// filePath() or the modified state changed.
  void fileStateChanged();
  /// reset() replaced the document (another file, lesson or project).
  void documentReset();

 private:
  void recompute();
  void adopt(ComputeResult&& r);
  void setBusy(bool busy);

  nlohmann::json m_source;
  nlohmann::json m_savedSource;
  bool m_unsaved = false;  // markUnsaved(): modified whatever the source
  QString m_path, m_displayName, m_baseDir;
  engine::DataAccess m_access = engine::DataAccess::Anywhere;
  QUndoStack* m_undo = nullptr;
  QUndoStack* m_ownUndo = nullptr;  // m_undo unless shareUndoStack() pointed it elsewhere
  widgets::SnapshotPtr m_snapshot;
  bool m_hasValid = false;
  int m_reused = 0;
  std::optional<DocumentError> m_error;
  bool m_busy = false;
  bool m_forceSync = false;
  widgets::LatestJob* m_jobs = nullptr;  // the recompute thread: latest edit wins, superseded jobs cancelled
};

}  // namespace convscope::app
