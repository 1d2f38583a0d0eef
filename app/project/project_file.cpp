// Index of this file:
//   [SECTION] READING
//   [SECTION] WRITING
//   [SECTION] DOCUMENTS
#include "app/project/project_file.h"

#include <zip.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <functional>
#include <memory>
#include <set>

#include "engine/core/limits.h"
#include "engine/io/data_path.h"
#include "engine/io/npy.h"
#include "engine/stack/stack.h"

namespace convscope::app::project {

namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kStack = "stack.json";

/// Archive name of compared stack i (0-based): "compare/1.json", "compare/2.json", ...
QString comparedName(int i) {
  return QString("compare/%1.json").arg(i + 1);
}
constexpr int64_t kMaxJsonBytes = int64_t(64) << 20;  // manifest and stack text

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

QString zipErrorText(zip_error_t* e) {
  return QString::fromUtf8(zip_error_strerror(e));
}

ReadResult fail(ReadError kind, const QString& message) {
  ReadResult r;
  r.error = kind;
  r.message = message;
  return r;
}

/// Reads one entry fully into `out`. The entry's declared uncompressed size is checked against
/// `cap` before anything is inflated; `checkPrefix` (may be empty) sees the first `prefixBytes` (or
/// the whole entry when shorter) and may refuse it before the rest is inflated. The buffer is sized
/// once from the declared size (after those checks) and reading stops as soon as the data exceeds
/// it, so an entry whose header lies never makes the reader allocate more than it declared.
bool readEntry(zip_t* za, zip_uint64_t index, int64_t cap, QByteArray* out, QString* why,
               const std::function<bool(const QByteArray&, zip_uint64_t, QString*)>& checkPrefix = {},
               int64_t prefixBytes = 0) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    *why = "unreadable entry";
    return false;
  }
  if (st.size > static_cast<zip_uint64_t>(std::max<int64_t>(cap, 0))) {
    *why = QString("the entry would inflate to %1, more than the %2 it may need")
               .arg(QString::fromStdString(engine::formatBytes(
                        static_cast<int64_t>(std::min<zip_uint64_t>(st.size, INT64_MAX)))),
                    QString::fromStdString(engine::formatBytes(cap)));
    return false;
  }
  zip_file_t* f = zip_fopen_index(za, index, 0);
  if (!f) {
    *why = zipErrorText(zip_get_error(za));
    return false;
  }
  out->clear();
  bool ok = true;
  try {
    const zip_uint64_t probe =
        checkPrefix ? std::min<zip_uint64_t>(st.size, static_cast<zip_uint64_t>(prefixBytes)) : 0;
    out->reserve(static_cast<qsizetype>(probe));
    char buf[65536];
    bool checked = !checkPrefix;
    for (;;) {
      if (!checked && static_cast<zip_uint64_t>(out->size()) >= probe) {
        if (!checkPrefix(*out, st.size, why)) {
          ok = false;
          break;
        }
        checked = true;
        out->reserve(static_cast<qsizetype>(st.size));
      }
      const zip_uint64_t want =
          checked ? sizeof buf : std::min<zip_uint64_t>(sizeof buf, probe - out->size());
      const zip_int64_t n = zip_fread(f, buf, want);
      if (n < 0) {
        *why = zipErrorText(zip_file_get_error(f));
        ok = false;
        break;
      }
      if (n == 0) {
        if (!checked) {  // shorter than the probe: check what there is
          if (!checkPrefix(*out, st.size, why)) ok = false;
          checked = true;
        }
        break;
      }
      if (static_cast<zip_uint64_t>(out->size()) + static_cast<zip_uint64_t>(n) > st.size) {
        *why = "entry holds more data than its header declares";
        ok = false;
        break;
      }
      if (checked && out->capacity() < out->size() + n) out->reserve(static_cast<qsizetype>(st.size));
      out->append(buf, static_cast<qsizetype>(n));
    }
  } catch (const std::bad_alloc&) {
    *why = QString("not enough memory to inflate the entry (%1)")
               .arg(QString::fromStdString(
                   engine::formatBytes(static_cast<int64_t>(std::min<zip_uint64_t>(st.size, INT64_MAX)))));
    out->clear();
    out->squeeze();
    ok = false;
  }
  zip_fclose(f);
  if (ok && static_cast<zip_uint64_t>(out->size()) != st.size) {
    *why = "entry is shorter than its header declares";
    ok = false;
  }
  return ok;
}

/// A data member's own header bounds what it may inflate to: a .npy must be exactly its header plus
/// the data its shape and dtype declare (the shape within the engine's tensor limit).
bool checkNpyPrefix(const QString& name, const QByteArray& prefix, zip_uint64_t declared, QString* why) {
  try {
    const engine::NpyHeader h = engine::parseNpyHeader(prefix.toStdString(), name.toStdString());
    const zip_uint64_t need = static_cast<zip_uint64_t>(h.dataOffset + h.dataBytes);
    if (declared != need) {
      *why = QString("the entry would inflate to %1 bytes, but its .npy header (shape %2) needs %3")
                 .arg(declared)
                 .arg(QString::fromStdString(engine::shapeToString(h.shape)))
                 .arg(need);
      return false;
    }
    return true;
  } catch (const engine::EngineError& e) {
    *why = QString::fromStdString(e.rule());
    return false;
  }
}

nlohmann::json parseJson(const QByteArray& text, const QString& what, QString* why) {
  try {
    // Refused before parsing: nesting deeper than a stack file may have (copying or dumping such
    // a value later would recurse once per level).
    const int cap = engine::limits().maxJsonDepth;
    size_t where = 0;
    if (engine::jsonNestingDepth(text.toStdString(), cap, where) > cap) {
      *why = what + " is nested deeper than " + QString::number(cap) + " levels (at byte " +
             QString::number(where) + ")";
      return nlohmann::json::value_t::discarded;
    }
    return nlohmann::json::parse(text.constData(), text.constData() + text.size());
  } catch (const nlohmann::json::exception& e) {
    *why = what + " is not valid JSON (" + QString::fromStdString(engine::jsonErrorText(e)) + ")";
    return nlohmann::json::value_t::discarded;
  }
}

QString sanitizedFileName(const QString& name) {
  QString out;
  for (QChar c : name)
    out += (c.isLetterOrNumber() && c.unicode() < 128) || c == '.' || c == '-' || c == '_' ? c : QChar('_');
  while (out.startsWith('.')) out.remove(0, 1);
  if (out.isEmpty()) out = "file";
  return out.left(120);
}

}  // namespace

int64_t ReadLimits::defaultNpyEntryBytes() {
  return engine::addSaturating(engine::mulSaturating(engine::limits().maxTensorBytes, 2), int64_t(1) << 20);
}
int64_t ReadLimits::defaultEntryBytes() {
  return engine::limits().maxTensorBytes;
}
int64_t ReadLimits::defaultTotalBytes() {
  return engine::mulSaturating(engine::limits().maxTensorBytes, 4);
}

bool isSafeDataName(const QString& name) {
  return engine::isProjectDataReference(name.toStdString());
}

std::vector<nlohmann::json::json_pointer> fileReferences(const nlohmann::json& stack) {
  std::vector<nlohmann::json::json_pointer> refs;
  if (!stack.is_object()) return refs;
  if (stack.contains("input") && stack["input"].is_object() && stack["input"].contains("data") &&
      stack["input"]["data"].is_string())
    refs.emplace_back("/input/data");
  if (stack.contains("layers") && stack["layers"].is_array()) {
    const auto& layers = stack["layers"];
    for (size_t i = 0; i < layers.size(); ++i) {
      if (!layers[i].is_object()) continue;
      for (const char* key : {"weight", "bias", "mean", "var"})
        if (layers[i].contains(key) && layers[i][key].is_string())
          refs.emplace_back("/layers/" + std::to_string(i) + "/" + key);
    }
  }
  return refs;
}

// [SECTION] READING
namespace {

/// A failed read on its way out of ProjectReader (caught by readProject).
struct ReadFailure {
  ReadResult result;
};

/// One pass over an untrusted project archive: open, manifest, stack, the data members the stack
/// names, then the view and document fields. Every failure throws ReadFailure with one message.
class ProjectReader {
 public:
  ProjectReader(const QString& label, const ReadLimits& limits) : m_label(label), m_limits(limits) {}

  Project read(const QByteArray& bytes) {
    open(bytes);
    const nlohmann::json manifest = readManifest();
    Project p;
    p.formatVersion = static_cast<int>(manifest["format_version"].get<int64_t>());
    readStack(manifest, p);
    readCompared(manifest, p);
    readDataMembers(manifest, p);
    readViewAndDocument(manifest, p);
    return p;
  }

 private:
  [[noreturn]] void fail(ReadError kind, const QString& message) const {
    throw ReadFailure{project::fail(kind, message)};
  }
  [[noreturn]] void corrupt(const QString& why) const {
    fail(ReadError::Corrupt, m_label + ": not a readable ConvScope project (" + why + ")");
  }

  void open(const QByteArray& bytes) {
    if (bytes.isEmpty()) corrupt("the file is empty");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t* src =
        zip_source_buffer_create(bytes.constData(), static_cast<zip_uint64_t>(bytes.size()), 0, &ze);
    if (!src) {
      const QString why = zipErrorText(&ze);
      zip_error_fini(&ze);
      corrupt(why);
    }
    m_zip.reset(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze));
    if (!m_zip) {
      zip_source_free(src);
      const QString why =
          zip_error_code_zip(&ze) == ZIP_ER_NOZIP ? QString("not a zip archive") : zipErrorText(&ze);
      zip_error_fini(&ze);
      corrupt(why);
    }
    zip_error_fini(&ze);
    const zip_int64_t count = zip_get_num_entries(m_zip.get(), 0);
    if (count < 0 || count > m_limits.maxEntries) corrupt(QString("%1 entries").arg(count));
  }

  zip_int64_t locate(const QString& entry) const {
    return zip_name_locate(m_zip.get(), entry.toUtf8().constData(), ZIP_FL_ENC_GUESS);
  }

  /// Inflates member `index` (at most `cap` bytes and what is left of the total budget); a failure
  /// is reported as "<what>: <reason>". `npyName` non-empty checks the member as that .npy file.
  QByteArray inflate(zip_int64_t index, int64_t cap, const QString& what, const QString& npyName = {}) {
    QByteArray out;
    QString why;
    auto check = [&](const QByteArray& prefix, zip_uint64_t declared, QString* w) {
      return checkNpyPrefix(npyName, prefix, declared, w);
    };
    if (!readEntry(m_zip.get(), static_cast<zip_uint64_t>(index),
                   std::min(cap, m_limits.maxTotalBytes - m_total), &out, &why,
                   npyName.isEmpty() ? nullptr
                                     : std::function<bool(const QByteArray&, zip_uint64_t, QString*)>(check),
                   m_limits.npyHeaderProbeBytes))
      corrupt(what + ": " + why);
    m_total += out.size();
    return out;
  }

  nlohmann::json parse(const QByteArray& text, const QString& what) const {
    QString why;
    nlohmann::json j = parseJson(text, what, &why);
    if (j.is_discarded()) corrupt(why);
    return j;
  }

  /// The manifest decides everything else: format and version first, so a newer file is named as such.
  nlohmann::json readManifest() {
    const zip_int64_t mi = locate(kManifest);
    if (mi < 0) corrupt("no manifest.json");
    const nlohmann::json manifest =
        parse(inflate(mi, std::min(kMaxJsonBytes, m_limits.maxEntryBytes), "manifest.json"), "manifest.json");
    if (!manifest.is_object() || !manifest.contains("format") || manifest["format"] != kFormatName)
      corrupt("manifest.json does not say \"format\": \"convscope-project\"");
    if (!manifest.contains("format_version") || !manifest["format_version"].is_number_integer())
      corrupt("manifest.json has no integer \"format_version\"");
    const int64_t version = manifest["format_version"].get<int64_t>();
    if (version < 1) corrupt(QString("format_version %1").arg(version));
    if (version > kFormatVersion) {
      QString by;
      if (manifest.contains("saved_by") && manifest["saved_by"].is_string())
        by = " by " + QString::fromStdString(manifest["saved_by"].get<std::string>());
      fail(ReadError::NewerVersion,
           QString("%1 was saved%2 in project format version %3; this ConvScope reads versions up to %4. "
                   "Open it with a newer ConvScope.")
               .arg(m_label, by)
               .arg(version)
               .arg(kFormatVersion));
    }
    return manifest;
  }

  void readStack(const nlohmann::json& manifest, Project& p) {
    m_stackName = QString::fromStdString(kStack);
    if (manifest.contains("stack")) {
      if (!manifest["stack"].is_string()) corrupt("manifest \"stack\" is not a string");
      m_stackName = QString::fromStdString(manifest["stack"].get<std::string>());
    }
    const zip_int64_t si = locate(m_stackName);
    if (si < 0) corrupt("no " + m_stackName);
    p.stack = parse(inflate(si, std::min(kMaxJsonBytes, m_limits.maxEntryBytes), m_stackName), m_stackName);
    if (!p.stack.is_object()) corrupt(m_stackName + " is not a JSON object");
  }

  /// "compare": [{"stack": "compare/1.json", "title": "..."}, ...] — at most kMaxCompared, named in
  /// order; each an ordinary stack whose data references obey the same rule as the main stack's.
  void readCompared(const nlohmann::json& manifest, Project& p) {
    if (!manifest.contains("compare")) return;
    const auto& list = manifest["compare"];
    if (!list.is_array()) corrupt("manifest \"compare\" is not a list");
    if (list.size() > size_t(kMaxCompared))
      corrupt(
          QString("manifest \"compare\" lists %1 stacks (at most %2)").arg(list.size()).arg(kMaxCompared));
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& e = list[i];
      const QString expected = comparedName(int(i));
      if (!e.is_object() || !e.contains("stack") || e["stack"] != expected.toStdString())
        corrupt(QString("manifest \"compare\" entry %1 is not {\"stack\": \"%2\"}").arg(i).arg(expected));
      const zip_int64_t si = locate(expected);
      if (si < 0) corrupt("no " + expected);
      ComparedStack c;
      c.stack = parse(inflate(si, std::min(kMaxJsonBytes, m_limits.maxEntryBytes), expected), expected);
      if (!c.stack.is_object()) corrupt(expected + " is not a JSON object");
      if (e.contains("title") && e["title"].is_string())
        c.title = QString::fromStdString(e["title"].get<std::string>()).left(256);
      p.compared.push_back(std::move(c));
    }
  }

  /// The manifest lists the data members; only those the stacks name are inflated. Every data
  /// reference of every stack must be one of them (engine/io/data_path.h: a project reads nothing else).
  void readDataMembers(const nlohmann::json& manifest, Project& p) {
    std::set<QString> listed;
    if (manifest.contains("files")) {
      if (!manifest["files"].is_array()) corrupt("manifest \"files\" is not a list");
      for (const auto& f : manifest["files"]) {
        if (!f.is_string()) corrupt("manifest \"files\" holds a non-string");
        const QString fname = QString::fromStdString(f.get<std::string>());
        if (!isSafeDataName(fname))
          corrupt("unsafe data file name '" +
                  QString::fromStdString(engine::excerpt(fname.toStdString(), 64)) + "'");
        if (!listed.insert(fname).second) corrupt("data file '" + fname + "' listed twice");
        if (locate(fname) < 0) corrupt("data file '" + fname + "' is missing");  // present, not inflated
      }
    }
    readReferences(p.stack, m_stackName, listed, p);
    for (size_t i = 0; i < p.compared.size(); ++i)
      readReferences(p.compared[i].stack, comparedName(int(i)), listed, p);
  }

  /// Checks every data reference of `stack` (archive member `stackName`) and inflates what it names.
  void readReferences(const nlohmann::json& stack, const QString& stackName, const std::set<QString>& listed,
                      Project& p) {
    for (const auto& ptr : fileReferences(stack)) {
      const std::string ref = stack.at(ptr).get<std::string>();
      const QString qref = QString::fromStdString(ref);
      const QString where = stackName + " " + QString::fromStdString(ptr.to_string());
      if (!isSafeDataName(qref))
        fail(
            ReadError::Unsafe,
            QString("%1: refused: %2 names '%3', which is not one of the project's data files (a project may "
                    "only read members of its own data/ folder); nothing outside the project was read")
                .arg(m_label, where, QString::fromStdString(engine::excerpt(ref, 64))));
      if (!listed.count(qref)) corrupt(where + " names '" + qref + "', which the manifest does not list");
      if (p.files.count(qref)) continue;
      const zip_int64_t fi = locate(qref);
      if (fi < 0) corrupt("data file '" + qref + "' is missing");
      const bool isNpy = qref.endsWith(".npy", Qt::CaseInsensitive);
      p.files.emplace(qref, inflate(fi, isNpy ? m_limits.maxNpyEntryBytes : m_limits.maxEntryBytes, qref,
                                    isNpy ? qref : QString()));
    }
  }

  static void readViewAndDocument(const nlohmann::json& manifest, Project& p) {
    if (manifest.contains("view") && manifest["view"].is_object()) {
      const auto& v = manifest["view"];
      auto intOr = [&](const char* k) {
        return v.contains(k) && v[k].is_number_integer()
                   ? static_cast<int>(std::clamp<int64_t>(v[k].get<int64_t>(), -1, 1 << 30))
                   : -1;
      };
      p.view.layer = intOr("layer");
      p.view.step = intOr("step");
      if (v.contains("name") && v["name"].is_string())
        p.view.view = QString::fromStdString(v["name"].get<std::string>()).left(64);
      if (v.contains("dock_state") && v["dock_state"].is_string())
        p.view.dockState =
            QByteArray::fromBase64(QByteArray::fromStdString(v["dock_state"].get<std::string>()));
    }
    if (manifest.contains("document") && manifest["document"].is_object()) {
      const auto& d = manifest["document"];
      if (d.contains("title") && d["title"].is_string())
        p.title = QString::fromStdString(d["title"].get<std::string>()).left(256);
      if (d.contains("origin") && d["origin"].is_string())
        p.origin = QString::fromStdString(d["origin"].get<std::string>());
    }
  }

  QString m_label;
  const ReadLimits& m_limits;
  ZipPtr m_zip;
  int64_t m_total = 0;  // bytes inflated so far, against limits.maxTotalBytes
  QString m_stackName;
};

}  // namespace

ReadResult readProject(const QByteArray& bytes, const QString& name, const ReadLimits& limits) {
  try {
    ReadResult r;
    r.project = ProjectReader(name.isEmpty() ? QString("project") : name, limits).read(bytes);
    return r;
  } catch (ReadFailure& f) {
    return std::move(f.result);
  }
}

ReadResult readProjectFile(const QString& path, const ReadLimits& limits) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly))
    return fail(ReadError::Io, path + ": cannot open the file for reading (" + f.errorString() + ")");
  if (f.size() > limits.maxTotalBytes)
    return fail(ReadError::Corrupt, path + ": not a readable ConvScope project (the file is too large)");
  const QByteArray bytes = f.readAll();
  if (f.error() != QFileDevice::NoError)
    return fail(ReadError::Io, path + ": read failed (" + f.errorString() + ")");
  return readProject(bytes, path, limits);
}

// [SECTION] WRITING
bool encodeProject(const Project& p, QByteArray* out, QString* errorOut) {
  auto err = [&](const QString& m) {
    if (errorOut) *errorOut = m;
    return false;
  };
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [name, data] : p.files) {
    if (!isSafeDataName(name)) return err("unsafe data file name '" + name + "'");
    files.push_back(name.toStdString());
  }
  nlohmann::json view = nlohmann::json::object();
  if (p.view.layer >= 0) view["layer"] = p.view.layer;
  if (!p.view.view.isEmpty()) view["name"] = p.view.view.toStdString();
  if (p.view.step >= 0) view["step"] = p.view.step;
  if (!p.view.dockState.isEmpty()) view["dock_state"] = p.view.dockState.toBase64().toStdString();
  nlohmann::json compare = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> comparedTexts;  // archive name, stack text
  for (size_t i = 0; i < p.compared.size() && i < size_t(kMaxCompared); ++i) {
    const std::string name = comparedName(int(i)).toStdString();
    compare.push_back({{"stack", name}, {"title", p.compared[i].title.toStdString()}});
    comparedTexts.emplace_back(name, p.compared[i].stack.dump(2) + "\n");
  }
  nlohmann::json manifest = {
      {"format", kFormatName},
      {"format_version", kFormatVersion},
      {"saved_by", "ConvScope 0.1.0"},
      {"stack", kStack},
      {"files", files},
      {"view", view},
      {"document", {{"title", p.title.toStdString()}, {"origin", p.origin.toStdString()}}}};
  if (!compare.empty()) manifest["compare"] = compare;
  const std::string manifestText = manifest.dump(2) + "\n";
  const std::string stackText = p.stack.dump(2) + "\n";

  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &ze);
  if (!src) {
    const QString why = zipErrorText(&ze);
    zip_error_fini(&ze);
    return err("cannot create the archive: " + why);
  }
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
  if (!za) {
    const QString why = zipErrorText(&ze);
    zip_error_fini(&ze);
    zip_source_free(src);
    return err("cannot create the archive: " + why);
  }
  zip_error_fini(&ze);
  zip_source_keep(src);  // read the bytes back after zip_close
  auto add = [&](const std::string& name, const char* data, size_t size, int level) {
    zip_source_t* s = zip_source_buffer(za, data, size, 0);
    if (!s) return false;
    const zip_int64_t idx = zip_file_add(za, name.c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
      zip_source_free(s);
      return false;
    }
    return zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE,
                                    static_cast<zip_uint32_t>(level)) == 0;
  };
  bool ok = add(kManifest, manifestText.data(), manifestText.size(), 6) &&
            add(kStack, stackText.data(), stackText.size(), 6);
  for (auto it = comparedTexts.begin(); ok && it != comparedTexts.end(); ++it)
    ok = add(it->first, it->second.data(), it->second.size(), 6);
  for (auto it = p.files.begin(); ok && it != p.files.end(); ++it)
    ok = add(it->first.toStdString(), it->second.constData(), static_cast<size_t>(it->second.size()), 1);
  if (!ok) {
    const QString why = zipErrorText(zip_get_error(za));
    zip_discard(za);
    zip_source_free(src);
    return err("cannot build the archive: " + why);
  }
  if (zip_close(za) != 0) {
    const QString why = zipErrorText(zip_get_error(za));
    zip_discard(za);
    zip_source_free(src);
    return err("cannot build the archive: " + why);
  }
  // Copy the finished archive out of the buffer source.
  bool readOk = zip_source_open(src) == 0;
  if (readOk) {
    readOk = zip_source_seek(src, 0, SEEK_END) == 0;
    const zip_int64_t size = readOk ? zip_source_tell(src) : -1;
    readOk = readOk && size >= 0 && zip_source_seek(src, 0, SEEK_SET) == 0;
    if (readOk) {
      out->resize(static_cast<qsizetype>(size));
      readOk = zip_source_read(src, out->data(), static_cast<zip_uint64_t>(size)) == size;
    }
    zip_source_close(src);
  }
  zip_source_free(src);
  if (!readOk) return err("cannot read the archive back from memory");
  return true;
}

bool writeProjectFile(const QString& path, const Project& p, QString* errorOut) {
  QByteArray bytes;
  QString why;
  if (!encodeProject(p, &bytes, &why)) {
    if (errorOut) *errorOut = path + ": " + why;
    return false;
  }
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) {
    if (errorOut) *errorOut = path + ": cannot open the file for writing (" + f.errorString() + ")";
    return false;
  }
  if (f.write(bytes) != bytes.size() || !f.commit()) {
    if (errorOut)
      *errorOut = path + ": write failed (" + f.errorString() + "); the previous file is unchanged";
    f.cancelWriting();
    return false;
  }
  return true;
}

// [SECTION] DOCUMENTS
namespace {

/// Gathers the data files of one or more stacks into a project: each file once, under a unique
/// "data/<name>", every reference rewritten to it.
class Collector {
 public:
  Collector(Project& p, QStringList* warnings, QStringList* bundled)
      : m_p(p), m_warnings(warnings), m_bundled(bundled) {}

  /// `source` with its data references pointing at the project's members.
  nlohmann::json collect(const nlohmann::json& source, const QString& baseDir, engine::DataAccess access,
                         const QString& prefix) {
    nlohmann::json out = source;
    const QDir base(baseDir.isEmpty() ? QDir::currentPath() : baseDir);
    for (const auto& ptr : fileReferences(source)) {
      const QString ref = QString::fromStdString(source.at(ptr).get<std::string>());
      const QString where = prefix + QString::fromStdString(ptr.to_string());
      const QString canonical = canonicalFile(ref, base, access, where);
      if (canonical.isEmpty()) continue;
      auto known = m_byCanonical.find(canonical);
      if (known == m_byCanonical.end()) {
        QFile f(canonical);
        if (!f.open(QIODevice::ReadOnly)) {
          warn(QString("%1: cannot read '%2'; the reference is saved as written").arg(where, ref));
          continue;
        }
        const QString name = uniqueName(QFileInfo(canonical).fileName());
        if (m_bundled) *m_bundled << name + " <- " + canonical;
        m_p.files.emplace(name, f.readAll());
        known = m_byCanonical.emplace(canonical, name).first;
      }
      out[ptr] = known->second.toStdString();
    }
    return out;
  }

 private:
  void warn(const QString& w) {
    if (m_warnings) *m_warnings << w;
  }

  /// The file `ref` names, canonical; "" (with a warning) when it is not one to carry.
  QString canonicalFile(const QString& ref, const QDir& base, engine::DataAccess access,
                        const QString& where) {
    QString abs = QDir::isAbsolutePath(ref) ? ref : base.absoluteFilePath(ref);
    if (access == engine::DataAccess::ProjectDataOnly) {
      try {
        abs = QString::fromStdString(
            engine::dataFilePath(ref.toStdString(), base.absolutePath().toStdString(), access, {}));
      } catch (const engine::EngineError&) {
        warn(QString("%1: '%2' is not one of the project's data files; it was not read and the reference is "
                     "saved as written")
                 .arg(where, QString::fromStdString(engine::excerpt(ref.toStdString(), 64))));
        return {};
      }
    }
    const QString canonical = QFileInfo(abs).canonicalFilePath();
    if (canonical.isEmpty() || !QFileInfo(canonical).isFile()) {
      warn(QString("%1: file '%2' not found; the reference is saved as written").arg(where, ref));
      return {};
    }
    return canonical;
  }

  QString uniqueName(const QString& fileName) {
    const QString clean = sanitizedFileName(fileName);
    QString name = "data/" + clean;
    for (int n = 2; m_used.count(name); ++n) {
      const QFileInfo fi(clean);
      name = QString("data/%1_%2%3")
                 .arg(fi.completeBaseName())
                 .arg(n)
                 .arg(fi.suffix().isEmpty() ? "" : "." + fi.suffix());
    }
    m_used.insert(name);
    return name;
  }

  Project& m_p;
  QStringList* m_warnings;
  QStringList* m_bundled;
  std::map<QString, QString> m_byCanonical;  // canonical path → archive name
  std::set<QString> m_used;
};

}  // namespace

Project collectProject(const nlohmann::json& source, const QString& baseDir, QStringList* warnings,
                       engine::DataAccess access, QStringList* bundled,
                       const std::vector<ComparedSource>& compared) {
  Project p;
  Collector c(p, warnings, bundled);
  p.stack = c.collect(source, baseDir, access, QString());
  for (size_t i = 0; i < compared.size() && i < size_t(kMaxCompared); ++i) {
    const ComparedSource& s = compared[i];
    p.compared.push_back({c.collect(s.source, s.baseDir, s.access, comparedName(int(i)) + " "), s.title});
  }
  return p;
}

bool extractProject(const Project& p, const QString& dir, QString* errorOut) {
  QDir root(dir);
  if (!root.mkpath(".")) {
    if (errorOut) *errorOut = dir + ": cannot create the folder";
    return false;
  }
  for (const auto& [name, data] : p.files) {
    if (!isSafeDataName(name)) {
      if (errorOut) *errorOut = "unsafe data file name '" + name + "'";
      return false;
    }
    const QString path = root.filePath(name);
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
      if (errorOut) *errorOut = path + ": cannot create the folder";
      return false;
    }
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
      if (errorOut) *errorOut = path + ": cannot write (" + f.errorString() + ")";
      return false;
    }
  }
  return true;
}

}  // namespace convscope::app::project
