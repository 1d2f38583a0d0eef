// fuzz_project: any bytes as a .convscope project file (a zip: manifest.json, stack.json, data/...)
// → readProject. Contract: a Project or a ReadResult error with a message naming the file; never a
// crash, leak or UB. An accepted project must survive encodeProject → readProject unchanged (stack,
// data files, view state), every data name it holds must be safe to extract (isSafeDataName), and
// every data path its stack names must be one of those members.
#include <QByteArray>
#include <QString>
#include <cstdio>
#include <cstdlib>

#include "app/project/project_file.h"

using namespace convscope::app::project;

namespace {

[[noreturn]] void contractBroken(const char* what) {
  std::fprintf(stderr, "fuzz_project: contract broken: %s\n", what);
  std::abort();
}

/// Small enough that an accepted input stays cheap (the defaults allow 16 GiB).
ReadLimits smallLimits() {
  ReadLimits l;
  l.maxEntryBytes = int64_t(8) << 20;
  l.maxNpyEntryBytes = int64_t(8) << 20;
  l.maxTotalBytes = int64_t(32) << 20;
  l.maxEntries = 256;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  const QString name = QStringLiteral("fuzz.convscope");
  const ReadResult r = readProject(bytes, name, smallLimits());
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;  // say why each seed was refused
  if (verbose) std::fprintf(stderr, "  %s\n", r.ok() ? "accepted" : qPrintable(r.message));
  if (!r.ok()) {
    if (r.message.isEmpty() || !r.message.contains(name))
      contractBroken("an error without a message naming the file");
    return 0;
  }
  for (const auto& [archiveName, contents] : r.project.files)
    if (!isSafeDataName(archiveName)) contractBroken("an accepted project holds an unsafe data name");
  // Every data path of an accepted project's stack is one of its own data/ members.
  for (const auto& ptr : fileReferences(r.project.stack)) {
    const QString ref = QString::fromStdString(r.project.stack.at(ptr).get<std::string>());
    if (!isSafeDataName(ref) || !r.project.files.count(ref))
      contractBroken("an accepted project's stack names a file that is not one of its data/ members");
  }
  QByteArray again;
  QString error;
  if (!encodeProject(r.project, &again, &error)) return 0;  // e.g. a stack nlohmann cannot dump
  const ReadResult back = readProject(again, name, smallLimits());
  if (!back.ok()) contractBroken("a project the reader accepted and the writer wrote does not read back");
  if (back.project.stack != r.project.stack) contractBroken("the stack changed in a write/read round trip");
  if (back.project.files != r.project.files)
    contractBroken("the data files changed in a write/read round trip");
  if (back.project.view.layer != r.project.view.layer || back.project.view.view != r.project.view.view ||
      back.project.view.step != r.project.view.step ||
      back.project.view.dockState != r.project.view.dockState)
    contractBroken("the view state changed in a write/read round trip");
  return 0;
}
