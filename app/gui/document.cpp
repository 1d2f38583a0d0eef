// Index of this file:
//   [SECTION] LIFETIME, FILES, SAVED STATE
//   [SECTION] EDITS
//   [SECTION] RECOMPUTE ON THE WORKER THREAD
#include "app/gui/document.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QUndoStack>
#include <chrono>

#include "app/gui/commands.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/kernels/kernels.h"

namespace convscope::app {

// [SECTION] LIFETIME, FILES, SAVED STATE
Document::Document(QObject* parent)
    : QObject(parent),
      m_undo(new QUndoStack(this)),
      m_ownUndo(m_undo),
      m_snapshot(std::make_shared<widgets::StackSnapshot>()),
      m_jobs(new widgets::LatestJob(this)) {
  connect(m_undo, &QUndoStack::cleanChanged, this, &Document::fileStateChanged);
}

Document::~Document() {
  delete m_jobs;  // cancels a running recompute and joins its thread before the members go
  m_jobs = nullptr;
}

QString Document::title() const {
  if (!m_displayName.isEmpty()) return m_displayName;
  if (!m_path.isEmpty()) return QFileInfo(m_path).fileName();
  return "untitled";
}

void Document::shareUndoStack(QUndoStack* shared) {
  if (!shared || shared == m_undo) return;
  m_undo = shared;
  connect(m_undo, &QUndoStack::cleanChanged, this, &Document::fileStateChanged);
}

bool Document::isModified() const {
  return m_unsaved || m_source != m_savedSource;
}

void Document::reset(const nlohmann::json& source, const QString& path, const QString& displayName,
                     const QString& baseDir, engine::DataAccess access) {
  if (m_undo == m_ownUndo) m_undo->clear();
  m_path = path;
  m_displayName = displayName;
  m_baseDir = baseDir;
  m_access = access;
  m_savedSource = source;
  m_unsaved = false;
  m_hasValid = false;
  m_reused = 0;
  m_snapshot = std::make_shared<widgets::StackSnapshot>();
  applySource(source);
  emit fileStateChanged();
  emit documentReset();
}

void Document::newDocument() {
  const nlohmann::json doc = {
      {"convscope", 1},
      {"name", "untitled"},
      {"convention", "pytorch"},
      {"input", {{"shape", {1, 16}}, {"generator", {{"kind", "impulse"}}}}},
      {"layers",
       nlohmann::json::array(
           {{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"init", {{"kind", "ones"}}}}})}};
  reset(doc, QString(), QString(), QString());
}

bool Document::open(const QString& path, QString* errorOut) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (errorOut) *errorOut = path + ": cannot open the file for reading";
    return false;
  }
  const std::string text = f.readAll().toStdString();
  nlohmann::json doc;
  try {
    doc = engine::parseStackJson(text, path.toStdString());
  } catch (const engine::EngineError& e) {
    if (errorOut) *errorOut = QString::fromStdString(e.what());
    return false;
  }
  reset(doc, path, QString(), QFileInfo(path).absolutePath());
  return true;
}

bool Document::save(const QString& path, QString* errorOut) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    if (errorOut) *errorOut = path + ": cannot open the file for writing";
    return false;
  }
  const std::string text = m_source.dump(2) + "\n";
  if (f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size())) {
    if (errorOut) *errorOut = path + ": write failed";
    return false;
  }
  f.close();
  // Relative data paths were anchored at the old directory; a lesson keeps its generator inputs.
  m_path = path;
  m_displayName.clear();
  m_baseDir = QFileInfo(path).absolutePath();
  m_savedSource = m_source;
  m_unsaved = false;
  m_undo->setClean();
  emit fileStateChanged();
  return true;
}

void Document::markSaved(const QString& path) {
  m_path = path;
  m_displayName.clear();
  m_savedSource = m_source;
  m_unsaved = false;
  m_undo->setClean();
  emit fileStateChanged();
}

void Document::markClean() {
  m_savedSource = m_source;
  m_unsaved = false;
  emit fileStateChanged();
}

void Document::markUnsaved() {
  m_unsaved = true;
  emit fileStateChanged();
}

// [SECTION] EDITS
bool Document::edit(const nlohmann::json& next, const QString& text, int mergeKey) {
  // Comparing, copying and dumping a json recurse once per level: a value nested deeper than a
  // stack file may be (engine limits, 64) never enters the document or its undo stack.
  if (engine::jsonValueDepth(next, engine::limits().maxJsonDepth) > engine::limits().maxJsonDepth)
    return false;
  if (next == m_source) return true;
  m_undo->push(new SetSourceCommand(this, m_source, next, text, mergeKey));
  return true;
}

void Document::applySource(const nlohmann::json& next) {
  m_source = next;
  emit sourceChanged();
  emit fileStateChanged();
  recompute();
}

// [SECTION] RECOMPUTE ON THE WORKER THREAD
int64_t Document::workEstimate(const nlohmann::json& source) {
  if (!source.is_object() || !source.contains("input") || !source["input"].is_object()) return 0;
  const auto& in = source["input"];
  if (!in.contains("shape") || !in["shape"].is_array()) return 0;
  int64_t n = 1;
  for (const auto& v : in["shape"]) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1) return 0;
    n = std::min<int64_t>(n * v.get<int64_t>(), int64_t(1) << 40);
  }
  const int64_t layers = source.contains("layers") && source["layers"].is_array()
                             ? static_cast<int64_t>(source["layers"].size())
                             : 0;
  return n * (layers + 1);
}

int Document::reusableSourceLayers(const nlohmann::json& prev, const nlohmann::json& next) {
  if (!prev.is_object() || !next.is_object()) return 0;
  auto descriptive = [](const std::string& key) {
    return key == "layers" || key == "name" || key == "description" || key == "lesson" || key == "view";
  };
  for (const nlohmann::json* a : {&prev, &next}) {
    const nlohmann::json& b = a == &prev ? next : prev;
    for (auto it = a->begin(); it != a->end(); ++it) {
      if (descriptive(it.key())) continue;
      const auto other = b.find(it.key());
      if (other == b.end() || *other != it.value()) return 0;
    }
  }
  const auto pl = prev.find("layers"), nl = next.find("layers");
  if (pl == prev.end() || nl == next.end() || !pl->is_array() || !nl->is_array()) return 0;
  const size_t n = std::min(pl->size(), nl->size());
  size_t i = 0;
  while (i < n && (*pl)[i] == (*nl)[i]) ++i;
  return static_cast<int>(i);
}

ComputeResult Document::compute(const nlohmann::json& source, const std::string& file,
                                const std::string& baseDir, const std::atomic<bool>* cancel,
                                const std::function<void(int, int)>& progress,
                                const widgets::SnapshotPtr& previous, engine::DataAccess access) {
  ComputeResult r;
  try {
    r.stack = engine::resolveStack(source, file, baseDir, access);
    const int total = static_cast<int>(r.stack.layers.size());
    // Reuse needs both: the same source for layers 0..j-1 and everything global, and the same resolved
    // layers and input bits (weight and data files are read again by the resolve and may have changed).
    int reuse = 0;
    if (previous && previous->outputs.size() == previous->stack.layers.size() &&
        previous->stack.baseDir == r.stack.baseDir && previous->stack.access == r.stack.access) {
      reuse = std::min(reusableSourceLayers(previous->stack.source, source),
                       engine::reusableLayers(previous->stack, r.stack));
      double abs = 0;
      if ((reuse > 0 || engine::sameBits(previous->stack.input, r.stack.input)) &&
          previous->inputAbsMaxKnown(&abs))
        r.inputAbsMax = abs;
    }
    r.outputs.reserve(r.stack.layers.size());
    for (int i = 0; i < reuse; ++i) r.outputs.push_back(previous->outputs.shared(static_cast<size_t>(i)));
    r.reused = reuse;
    if (progress && reuse > 0) progress(reuse, total);
    // The cancel flag stops the pass between layers and inside a running one (engine/core/cancel.h).
    std::vector<engine::Tensor> outs;
    try {
      outs = engine::forwardFrom(
          r.stack, reuse, reuse == 0 ? r.stack.input : r.outputs.back(),
          [&](int i) {
            if (progress && i > reuse) progress(i, total);
            return true;
          },
          cancel);
    } catch (const engine::Cancelled&) {
      r.cancelled = true;
      return r;
    }
    for (engine::Tensor& t : outs) r.outputs.push_back(std::move(t));
    if (progress && total > reuse) progress(total, total);
    r.ok = true;
  } catch (const engine::EngineError& e) {
    r.error.message = QString::fromStdString(e.what());
    r.error.rule = QString::fromStdString(e.rule());
    r.error.layer = e.context().layer;
    r.error.op = QString::fromStdString(e.context().op);
    r.error.param = QString::fromStdString(e.context().param);
  } catch (const std::bad_alloc&) {
    r.error.message = "out of memory while computing the stack";
    r.error.rule = r.error.message;
  } catch (const std::exception& e) {
    r.error.message = QString("internal error: ") + e.what();
    r.error.rule = r.error.message;
  }
  return r;
}

void Document::recompute() {
  const std::string file = (m_path.isEmpty() ? title() : m_path).toStdString();
  const std::string base = m_baseDir.toStdString();
  const engine::DataAccess access = m_access;
  // The last valid snapshot: layers an edit did not change keep its outputs (compute()).
  const widgets::SnapshotPtr previous = m_hasValid ? m_snapshot : nullptr;
  if (m_forceSync) {
    m_jobs->cancel();
    setBusy(false);
    adopt(compute(m_source, file, base, nullptr, {}, previous, access));
    return;
  }
  // Every recompute runs on the document's own job thread; a newer edit cancels the running one
  // (the engine polls the flag between tiles). A small stack (workEstimate below asyncThreshold)
  // is waited for up to kSyncWaitMs and adopted within the edit, as if synchronous; one that takes
  // longer (small input, huge kernels or channels: the estimate cannot see them) goes on in the
  // background with the busy state, so the window never freezes on an edit.
  QPointer<Document> self(this);
  const nlohmann::json src = m_source;
  auto idHolder = std::make_shared<std::atomic<uint64_t>>(0);
  const uint64_t id = m_jobs->submit([=](const std::atomic<bool>& cancel) -> widgets::LatestJob::Deliver {
    auto r = std::make_shared<ComputeResult>(compute(
        src, file, base, &cancel,
        [self, idHolder](int done, int total) {
          const uint64_t me = idHolder->load();
          QMetaObject::invokeMethod(
              self.data(),
              [self, me, done, total]() {
                if (self && self->m_busy && self->m_jobs->latest() == me) emit self->progress(done, total);
              },
              Qt::QueuedConnection);
        },
        previous, access));
    return [self, r]() {
      if (!self) return;
      self->setBusy(false);
      if (!r->cancelled) self->adopt(std::move(*r));
    };
  });
  idHolder->store(id);
  if (workEstimate(m_source) < asyncThreshold() && m_jobs->waitDelivered(id, kSyncWaitMs)) return;
  setBusy(true);
  emit progress(0, 1);
}

void Document::setBusy(bool busy) {
  if (m_busy == busy) return;
  m_busy = busy;
  emit busyChanged(busy);
}

void Document::adopt(ComputeResult&& r) {
  if (r.ok) {
    auto snap = std::make_shared<widgets::StackSnapshot>();
    snap->stack = std::move(r.stack);
    snap->outputs = std::move(r.outputs);
    if (r.inputAbsMax >= 0) snap->setInputAbsMax(r.inputAbsMax);
    m_snapshot = std::move(snap);
    m_reused = r.reused;
    m_hasValid = true;
    const bool hadError = m_error.has_value();
    m_error.reset();
    emit stackChanged();
    if (hadError) emit errorChanged();
  } else {
    m_error = r.error;
    emit errorChanged();
  }
}

void Document::cancel() {
  if (!m_busy) return;
  m_jobs->cancel();  // the running job stops at its next poll; its result is dropped
  setBusy(false);
}

void Document::waitIdle() {
  while (m_jobs->busy()) {
    m_jobs->waitIdle();
    QCoreApplication::sendPostedEvents(m_jobs, QEvent::MetaCall);
  }
  QCoreApplication::sendPostedEvents(m_jobs, QEvent::MetaCall);
  QCoreApplication::processEvents();
}

}  // namespace convscope::app
