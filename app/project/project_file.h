// Project files (.convscope): one zip holding a whole document — the stack JSON, every data file it
// references (weights, biases, batch-norm statistics, the input) and the view state. Format:
// docs/project-format.md. Qt Core and libzip only (no widgets), so a fuzzer can link it: every
// reader entry point takes untrusted bytes and reports problems as a ReadResult, never by crashing.
#pragma once
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/io/data_path.h"

namespace convscope::app::project {

/// The format version this build writes and the newest it reads.
inline constexpr int kFormatVersion = 1;
/// The manifest's "format" value.
inline constexpr const char* kFormatName = "convscope-project";
/// File name suffix of project files.
inline constexpr const char* kSuffix = ".convscope";

/// What the window showed when the project was saved (all optional).
struct ViewState {
  int layer = -1;        // selected layer, -1 = none
  QString view;          // canvas view name ("slide", ...), "" = automatic
  int step = -1;         // animation step, -1 = none
  QByteArray dockState;  // QMainWindow::saveState(), empty = keep the current layout
};

/// One more stack of a comparison (the main stack is compared with up to kMaxCompared of them).
struct ComparedStack {
  nlohmann::json stack;  // stack source; data paths are archive names, like the main stack's
  QString title;         // the name its pane showed
};
inline constexpr int kMaxCompared = 3;

/// A project in memory.
struct Project {
  nlohmann::json stack;                 // stack source; data paths are archive names ("data/w.npy")
  std::vector<ComparedStack> compared;  // stacks compared with it ("compare/<i>.json"), may be empty
  std::map<QString, QByteArray> files;  // archive name ("data/...") → file contents
  ViewState view;
  QString title;                       // display title when saved (informational)
  QString origin;                      // the file the document came from (informational)
  int formatVersion = kFormatVersion;  // as read from the manifest
};

/// Io: the file cannot be read; Corrupt: not a well-formed project; NewerVersion: a newer format;
/// Unsafe: well-formed, but its stack names a file outside the project's data/ members.
enum class ReadError { None, Io, Corrupt, NewerVersion, Unsafe };

struct ReadResult {
  ReadError error = ReadError::None;
  QString message;  // one clear sentence naming the file, empty when ok
  Project project;
  bool ok() const { return error == ReadError::None; }
};

/// Limits for untrusted input (a fuzzer lowers them). Defaults follow the engine's limits
/// (engine/core/limits.h): a member is refused from its declared size before anything is inflated.
struct ReadLimits {
  /// A .npy member: its header's shape within the tensor limit, stored as float64 at most.
  int64_t maxNpyEntryBytes = defaultNpyEntryBytes();
  /// Any other member (audio, CSV input): decoded to float32 it must fit the tensor limit.
  int64_t maxEntryBytes = defaultEntryBytes();
  /// All members read together (the zip itself is read into memory first and counts too).
  int64_t maxTotalBytes = defaultTotalBytes();
  int64_t maxEntries = 10000;
  /// How much of a .npy member is inflated to read its header before the rest.
  int64_t npyHeaderProbeBytes = int64_t(1) << 16;

  static int64_t defaultNpyEntryBytes();
  static int64_t defaultEntryBytes();
  static int64_t defaultTotalBytes();
};

/// Decodes a project from the bytes of a .convscope file; `name` names it in messages. Only the data
/// members the stack names are inflated; a stack naming anything else is refused (Unsafe).
ReadResult readProject(const QByteArray& bytes, const QString& name, const ReadLimits& limits = {});
/// Reads and decodes the project file `path`.
ReadResult readProjectFile(const QString& path, const ReadLimits& limits = {});

/// Encodes `p` as the bytes of a .convscope file (manifest, stack.json, data files); false with
/// `errorOut` set on failure (an unsafe archive name, a libzip error).
bool encodeProject(const Project& p, QByteArray* out, QString* errorOut);
/// Encodes `p` and writes it to `path` atomically (QSaveFile): the old file stays intact on failure.
bool writeProjectFile(const QString& path, const Project& p, QString* errorOut);

/// JSON pointers of every data-file reference in a stack source: input.data and the string-valued
/// weight / bias / mean / var of each layer.
std::vector<nlohmann::json::json_pointer> fileReferences(const nlohmann::json& stack);

/// Builds a project from a document: reads every file the source references (relative paths
/// anchored at `baseDir`, or the working directory when it is empty) into "data/<name>" and points
/// the stored stack at them. Under DataAccess::ProjectDataOnly (a document opened from a project)
/// only references the engine would read (engine::dataFilePath) are read; anything else is never
/// opened. A reference that cannot be read is kept as written and reported in `warnings` (the save
/// still succeeds: the document is never lost for a missing data file). `bundled` (may be null)
/// receives one line per file carried: "data/<name> <- <the file it was read from>".
/// A compared stack's document, for collectProject.
struct ComparedSource {
  nlohmann::json source;
  QString baseDir;
  engine::DataAccess access = engine::DataAccess::Anywhere;
  QString title;
};
/// `compared`: the stacks of an open comparison, collected the same way into Project::compared
/// (a file two stacks name is carried once).
Project collectProject(const nlohmann::json& source, const QString& baseDir, QStringList* warnings,
                       engine::DataAccess access = engine::DataAccess::Anywhere,
                       QStringList* bundled = nullptr, const std::vector<ComparedSource>& compared = {});

/// Writes the project's data files under `dir` (created if needed); the project's stack then
/// resolves with `dir` as its base directory. False with `errorOut` set on failure.
bool extractProject(const Project& p, const QString& dir, QString* errorOut);

/// True for an archive name a project may hold a data file under: "data/" then one or more
/// path components, none empty, "." or "..", no backslash, colon or control character.
bool isSafeDataName(const QString& name);

}  // namespace convscope::app::project
