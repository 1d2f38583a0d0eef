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

namespace convscope::app::project {

/// The format version this build writes and the newest it reads.
inline constexpr int kFormatVersion = 1;
/// The manifest's "format" value.
inline constexpr const char* kFormatName = "convscope-project";
/// File name suffix of project files.
inline constexpr const char* kSuffix = ".convscope";

/// What the window showed when the project was saved (all optional).
struct ViewState {
  int layer = -1;          // selected layer, -1 = none
  QString view;            // canvas view name ("slide", ...), "" = automatic
  int step = -1;           // animation step, -1 = none
  QByteArray dockState;    // QMainWindow::saveState(), empty = keep the current layout
};

/// A project in memory.
struct Project {
  nlohmann::json stack;                   // stack source; data paths are archive names ("data/w.npy")
  std::map<QString, QByteArray> files;    // archive name ("data/...") → file contents
  ViewState view;
  QString title;                          // display title when saved (informational)
  QString origin;                         // the file the document came from (informational)
  int formatVersion = kFormatVersion;     // as read from the manifest
};

enum class ReadError { None, Io, Corrupt, NewerVersion };

struct ReadResult {
  ReadError error = ReadError::None;
  QString message;  // one clear sentence naming the file, empty when ok
  Project project;
  bool ok() const { return error == ReadError::None; }
};

/// Limits for untrusted input (a fuzzer lowers them).
struct ReadLimits {
  int64_t maxEntryBytes = int64_t(4) << 30;   // one uncompressed entry
  int64_t maxTotalBytes = int64_t(16) << 30;  // all uncompressed entries together
  int64_t maxEntries = 10000;
};

/// Decodes a project from the bytes of a .convscope file; `name` names it in messages.
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
/// the stored stack at them. A reference that cannot be read is kept as written and reported in
/// `warnings` (the save still succeeds: the document is never lost for a missing data file).
Project collectProject(const nlohmann::json& source, const QString& baseDir, QStringList* warnings);

/// Writes the project's data files under `dir` (created if needed); the project's stack then
/// resolves with `dir` as its base directory. False with `errorOut` set on failure.
bool extractProject(const Project& p, const QString& dir, QString* errorOut);

/// True for an archive name a project may hold a data file under: "data/" then one or more
/// path components, none empty, "." or "..", no backslash, colon or control character.
bool isSafeDataName(const QString& name);

}  // namespace convscope::app::project
