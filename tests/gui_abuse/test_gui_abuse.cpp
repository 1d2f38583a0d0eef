// The GUI under abuse (docs/bad-input.md): the real MainWindow with the OpenGL canvas attached
// (as app/launch.cpp builds it), driven through the paths the UI uses.
//
//  1. randomEditsAndUndoStorms: every bundled lesson in turn gets its share of N seeded random edits
//     — stack-editor fields (typed key by key or set as text; garbage included: negative, huge,
//     1e999, strings, empty, nested JSON), the canvas's parameterEdited signal (0, negative,
//     INT_MAX, layers out of range), add/remove/duplicate/move layers, convention switches, the
//     input editor's boxes, raw document edits replacing random JSON nodes, view/layer/step
//     switching and playback — interleaved with single undos/redos and undo/redo storms (hundreds
//     of undos, then redos). After every step: the document still holds a consistent last valid
//     snapshot (outputs present, shapes chained through the layers, the canvas drawing it), an
//     invalid source shows its error (status bar + stack editor) and never replaced the snapshot,
//     and after every undo/redo the source equals the one recorded for that undo index; a snapshot
//     that reused earlier layers' outputs (forwardFrom) equals a full forward pass bit for bit. At the
//     end of each lesson: undo all == the lesson file, redo all == the final state.
//  2. badCorpusThroughFileOpen: every stack.json and .npy of tests/bad_input (materialised by
//     make_cases.py) through File → Open stack… / File → Open input… (the real actions, the
//     QFileDialog filled in by a pilot that also records and dismisses message boxes). A file that
//     is refused leaves the current document exactly as it was (source, undo stack, path, snapshot)
//     and shows a message box; a JSON stack that parses but does not resolve opens with its error
//     shown and the canvas keeping the last valid stack (docs/bad-input.md).
//  3. unsavedChangesAreNeverDroppedSilently: with layout persistence on (the real app), a modified
//     document is not replaced by a bad file unless the user discards it (Cancel keeps it).
//  4. windowAbuse: tiny and huge window sizes, hovering/clicking/wheeling the canvas at random
//     points, toggling, floating and resetting the docks.
//
// Knobs: CONVSCOPE_ABUSE_SEED (default 8), CONVSCOPE_ABUSE_EDITS (default 2000),
// CONVSCOPE_ABUSE_SECONDS (time box of part 1, default 45), CONVSCOPE_ABUSE_STEP_LIMIT (seconds one
// step of part 1 may take before the watchdog aborts with what it was doing, default 60).
#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "app/gui/canvas_binding.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "app/project/lessons.h"
#include "engine/core/convention.h"
#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/stack/stack.h"
#include "widgets/canvas.h"
#include "widgets/input_editor.h"
#include "widgets/scene/scene_model.h"
#include "widgets/stack_editor.h"

using namespace convscope;
using json = nlohmann::json;

namespace {

int envInt(const char* name, int fallback) {
  bool ok = false;
  const int v = qEnvironmentVariable(name).toInt(&ok);
  return ok ? v : fallback;
}

// ---------------------------------------------------------------- watchdog
// A step that runs longer than `limitS` (a hang, or a recompute nobody can cancel) aborts the test
// with what it was doing, instead of CTest's bare timeout: the lesson, the step, the op and the
// source the step started from.
class Watchdog {
 public:
  explicit Watchdog(int limitS) : m_limitS(limitS), m_thread([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> g(m_mutex);
      m_quit = true;
    }
    m_cv.notify_all();
    m_thread.join();
  }
  void begin(const QString& what, const std::string& source) {
    std::lock_guard<std::mutex> g(m_mutex);
    m_what = what.toStdString();
    m_source = source.substr(0, 4000);
    m_since = std::chrono::steady_clock::now();
    m_active = true;
  }
  void end() {
    std::lock_guard<std::mutex> g(m_mutex);
    m_active = false;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lk(m_mutex);
    while (!m_quit) {
      m_cv.wait_for(lk, std::chrono::seconds(1));
      if (m_active && std::chrono::steady_clock::now() - m_since > std::chrono::seconds(m_limitS)) {
        std::fprintf(stderr, "WATCHDOG: %s has run for more than %d s; it started from the source\n%s\n",
                     m_what.c_str(), m_limitS, m_source.c_str());
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  const int m_limitS;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_quit = false, m_active = false;
  std::string m_what, m_source;
  std::chrono::steady_clock::time_point m_since;
  std::thread m_thread;
};

// ---------------------------------------------------------------- modal pilot
// Answers every modal window while it runs: fills a QFileDialog with `fileToOpen` (or cancels it),
// records a QMessageBox's title and text and presses `answer` (or its escape button), closes
// anything else. Runs from a timer, so it works inside the dialogs' own event loops.
class ModalPilot : public QObject {
 public:
  struct Seen {
    QString kind, title, text;
  };
  QString fileToOpen;
  QMessageBox::StandardButton answer = QMessageBox::Cancel;
  QList<Seen> seen;

  ModalPilot() {
    connect(&m_timer, &QTimer::timeout, this, &ModalPilot::tick);
    m_timer.start(5);
  }
  int count(const QString& kind) const {
    int n = 0;
    for (const Seen& s : seen) n += s.kind == kind;
    return n;
  }
  QString describe() const {
    QStringList out;
    for (const Seen& s : seen) out << s.kind + " '" + s.title + "': " + s.text.left(200);
    return out.join(" | ");
  }

 private:
  void tick() {
    QWidget* m = QApplication::activeModalWidget();
    if (!m || !m->isVisible()) return;
    if (auto* fd = qobject_cast<QFileDialog*>(m)) {
      seen.append({"file", fd->windowTitle(), fileToOpen});
      if (fileToOpen.isEmpty()) {
        fd->reject();
      } else {
        fd->selectFile(fileToOpen);
        QMetaObject::invokeMethod(fd, "accept");  // protected; a slot
      }
      return;
    }
    if (auto* mb = qobject_cast<QMessageBox*>(m)) {
      seen.append({"box", mb->windowTitle(), mb->text()});
      QAbstractButton* b = mb->button(answer);
      if (!b) b = mb->escapeButton();
      if (b)
        b->click();
      else
        mb->done(0);
      return;
    }
    seen.append({"other", m->windowTitle(), m->metaObject()->className()});
    m->close();
  }
  QTimer m_timer;
};

QAction* findAction(QWidget& w, const QString& text, bool prefix = false) {
  for (QAction* a : w.findChildren<QAction*>())
    if (prefix ? a->text().startsWith(text) : a->text() == text) return a;
  return nullptr;
}

QLabel* statusLabel(app::MainWindow& w) {
  // The status text is the first QLabel added to the status bar (MainWindow::m_statusText).
  const auto labels = w.statusBar()->findChildren<QLabel*>(QString(), Qt::FindDirectChildrenOnly);
  return labels.isEmpty() ? nullptr : labels.first();
}

// A red message (field error or the general "⚠ … (the last valid state is shown)") in the editor.
bool editorShowsError(widgets::StackEditor* ed) {
  for (QLabel* l : ed->findChildren<QLabel*>())
    if (!l->isHidden() && !l->text().isEmpty() &&
        (l == ed->generalErrorLabel() || l->styleSheet().contains("c0392b")))
      return true;
  return false;
}

// Outputs present and the shapes chained through the layers (Layer shapes are without the batch).
QString snapshotProblem(const widgets::StackSnapshot& s) {
  auto str = [](const engine::Shape& sh) { return QString::fromStdString(engine::shapeToString(sh)); };
  if (s.outputs.size() != s.stack.layers.size())
    return QString("%1 outputs for %2 layers").arg(s.outputs.size()).arg(s.stack.layers.size());
  const engine::Tensor* prev = &s.stack.input;
  if (engine::numel(prev->shape) != prev->numel() || prev->rank() < 3)
    return "input data does not match its shape";
  const int64_t batch = prev->shape[0];
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    const engine::Layer& l = s.stack.layers[i];
    const engine::Tensor& out = s.outputs[i];
    const engine::Shape in(prev->shape.begin() + 1, prev->shape.end());
    if (l.inputShape() != in)
      return QString("layer %1 input %2, previous tensor %3")
          .arg(i)
          .arg(str(l.inputShape()), str(prev->shape));
    if (out.rank() < 3 || out.shape[0] != batch ||
        engine::Shape(out.shape.begin() + 1, out.shape.end()) != l.outputShape())
      return QString("layer %1 output %2, resolved %3").arg(i).arg(str(out.shape), str(l.outputShape()));
    if (engine::numel(out.shape) != out.numel()) return QString("layer %1 data size").arg(i);
    prev = &out;
  }
  return {};
}

QString nested(const QString& open, const QString& close, int depth, const QString& core = "1") {
  return open.repeated(depth) + core + close.repeated(depth);
}

// ---------------------------------------------------------------- random edits
class Abuser {
 public:
  Abuser(app::MainWindow& w, uint32_t seed) : w(w), doc(w.document()), ed(w.stackEditor()), rng(seed) {
    canvas = qobject_cast<widgets::Canvas*>(w.canvas());
    undo = doc->undoStack();
    QObject::connect(doc, &app::Document::stackChanged, &ctx, [this]() {
      // A new snapshot is adopted only for a source that resolved.
      if (doc->error()) violations << "stackChanged while the document has an error";
      if (doc->isBusy()) violations << "stackChanged while busy";
      errorSnap.reset();
    });
    QObject::connect(doc, &app::Document::errorChanged, &ctx, [this]() {
      if (doc->error()) errorSnap = doc->snapshot();  // the last valid state the error must keep
    });
  }

  QObject ctx;  // connection context: the connections go with the Abuser
  app::MainWindow& w;
  app::Document* doc;
  widgets::StackEditor* ed;
  widgets::Canvas* canvas = nullptr;
  QUndoStack* undo;
  std::mt19937 rng;
  std::vector<json> states;  // states[i]: the source at undo index i
  QStringList violations;
  widgets::SnapshotPtr errorSnap;
  QMap<QString, int> counts;
  QMap<QString, qint64> opMs;
  int undos = 0, redos = 0, storms = 0, waits = 0;
  int reuseChecks = 0;  // snapshots that reused earlier layers, compared with a full forward pass
  qint64 slowestMs = 0;
  int slowReports = 0;
  QString slowestOp;

  int rnd(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[size_t(rnd(0, int(v.size()) - 1))];
  }

  // The source as JSON text without the lesson prose (for diagnostics).
  static std::string withoutProse(const json& src) {
    if (!src.is_object() || !src.contains("description")) return src.dump();
    json c = src;
    c.erase("description");
    return c.dump();
  }

  void startSegment() {
    states.assign(size_t(undo->count()) + 1, json());
    states[size_t(undo->index())] = doc->source();
    errorSnap = doc->error() ? doc->snapshot() : nullptr;
  }

  // After an edit: the stack now has its own entry at index() (pushed, merged or unchanged).
  void recordEdit() {
    states.resize(size_t(undo->count()) + 1);
    states[size_t(undo->index())] = doc->source();
  }

  int layerCount() const {
    const json& s = doc->source();
    return s.is_object() && s.contains("layers") && s["layers"].is_array() ? int(s["layers"].size()) : 0;
  }

  std::string convention() const {
    const json& s = doc->source();
    return s.is_object() && s.contains("convention") && s["convention"].is_string()
               ? s["convention"].get<std::string>()
               : "pytorch";
  }

  // ---- value pools
  QString garbageText() {
    static const std::vector<QString> pool = {"0",
                                              "-1",
                                              "-100",
                                              "1",
                                              "2",
                                              "3",
                                              "4",
                                              "5",
                                              "7",
                                              "16",
                                              "1000000",
                                              "2147483647",
                                              "99999999999",
                                              "18446744073709551616",
                                              "1e999",
                                              "-1e999",
                                              "1e308",
                                              "2.5",
                                              "-0",
                                              "NaN",
                                              "inf",
                                              "\"\"",
                                              "",
                                              "   ",
                                              "abc",
                                              "same",
                                              "valid",
                                              "full",
                                              "causal",
                                              "zeros",
                                              "reflect",
                                              "[1,2]",
                                              "[0]",
                                              "[]",
                                              "[[1]]",
                                              "[3,3]",
                                              "[-1,-1]",
                                              "[1,2,3,4,5]",
                                              "{\"a\":{\"b\":[1,{\"c\":2}]}}",
                                              "{}",
                                              "[1,",
                                              "{",
                                              "}",
                                              "null",
                                              "true",
                                              "false",
                                              "\"3\"",
                                              "\"same\"",
                                              "0x10",
                                              "3 4",
                                              "[1e999]",
                                              "[2147483648, 1]",
                                              "\"\\u0000\""};
    const int r = rnd(0, 99);
    if (r < 3) return nested("[", "]", pick(std::vector<int>{10, 65, 300, 3000}));
    if (r < 5) return nested("{\"a\":", "}", pick(std::vector<int>{10, 65, 300}));
    if (r < 6) return "\"" + QString(rnd(100, 5000), QChar('x')) + "\"";
    if (r < 30) return QString::number(rnd(-3, 9));
    return pick(pool);
  }

  json garbageJson() {
    switch (rnd(0, 22)) {
      case 0:
        return 0;
      case 1:
        return -1;
      case 2:
        return rnd(1, 9);
      case 3:
        return INT64_MAX;
      case 4:
        return INT64_MIN;
      case 5:
        return UINT64_MAX;
      case 6:
        return 1e300;
      case 7:
        return 2.5;
      case 8:
        return std::numeric_limits<double>::infinity();
      case 9:
        return "";
      case 10:
        return "same";
      case 11:
        return std::string(size_t(rnd(1, 3000)), 'y');
      case 12:
        return nullptr;
      case 13:
        return true;
      case 14:
        return json::array();
      case 15:
        return json::object();
      case 16:
        return json::array({rnd(-2, 5), rnd(-2, 5)});
      case 17:
        return json::parse(nested("[", "]", rnd(2, 400)).toStdString());
      case 18:
        return json::parse(nested("{\"k\":", "}", rnd(2, 200)).toStdString());
      case 19:
        return json(std::vector<int>(size_t(rnd(0, 2000)), 3));
      case 20:
        return json::array({rnd(1, 4), rnd(1, 64)});
      case 21:
        return json::array({1, rnd(1, 1 << 22)});
      default:
        return rnd(1, 1 << 20);
    }
  }

  // ---- operations (each returns a short name for the statistics)
  QString opFieldText() {
    const int n = layerCount();
    if (n > 0 && chance(0.3)) ed->setCurrentLayer(rnd(0, n - 1));
    std::vector<std::string> keys = {"kernel_size",  "stride", "padding", "dilation",     "output_padding",
                                     "out_channels", "groups", "bias",    "padding_mode", "stirde",
                                     "op",           "init",   "weight",  "scale_factor", "negative_slope",
                                     "comment"};
    const int sel = ed->currentLayer();
    const json& s = doc->source();
    if (sel >= 0 && sel < n && s["layers"][size_t(sel)].is_object()) {
      const json& l = s["layers"][size_t(sel)];
      const std::string op = l.contains("op") && l["op"].is_string() ? l["op"].get<std::string>() : "";
      engine::Convention c = engine::Convention::PyTorch;
      engine::parseConvention(convention(), c);
      for (const auto& k : widgets::standardParamKeys(op, c)) keys.push_back(k), keys.push_back(k);
    }
    const std::string key = pick(keys);
    QString text = garbageText();
    QLineEdit* field = ed->fieldFor(key);
    if (field && text.size() <= 12 && chance(0.35)) {
      // Typed key by key into the field, as a user does (each keystroke is an edit, merged).
      field->setFocus();
      field->selectAll();
      if (text.isEmpty())
        QTest::keyClick(field, Qt::Key_Backspace);
      else
        QTest::keyClicks(field, text);
      return "type field";
    }
    ed->setParamText(key, text);  // what the field's textEdited handler calls
    return "set field";
  }

  QString opCanvasParam() {
    if (!canvas) return "canvas (none)";
    static const std::vector<QString> keys = {"kernel_size",    "stride", "padding", "dilation",
                                              "output_padding", "groups", "bogus"};
    const int n = layerCount();
    int layer = chance(0.85) ? rnd(0, std::max(0, n - 1))
                             : pick(std::vector<int>{-1, -7, n, n + 5, INT_MAX, INT_MIN});
    const int value =
        chance(0.6) ? rnd(0, 6) : pick(std::vector<int>{0, -1, -1000, INT_MAX, INT_MIN, 1 << 24, 100000});
    emit canvas->parameterEdited(layer, pick(keys), value);
    return "canvas parameter";
  }

  QString opLayers() {
    const int n = layerCount();
    if (n > 0 && chance(0.5)) ed->setCurrentLayer(rnd(-2, n + 2));
    switch (rnd(0, 5)) {
      case 0:
      case 1:
        ed->addLayer(pick(widgets::editorOps()));
        return "add layer";
      case 2:
        if (n > 1 || chance(0.3)) ed->removeCurrentLayer();
        return "remove layer";
      case 3:
        if (n < 14) ed->duplicateCurrentLayer();
        return "duplicate layer";
      default:
        ed->moveCurrentLayer(chance(0.5) ? -1 : 1);
        return "move layer";
    }
  }

  QString opConvention() {
    ed->setConvention(static_cast<engine::Convention>(rnd(0, 3)));
    return "convention";
  }

  QString opInput() {
    widgets::InputEditor* in = w.inputEditor();
    switch (rnd(0, 4)) {
      case 0:
        in->channelsBox()->setValue(pick(std::vector<int>{1, 2, 3, 4096, rnd(1, 8)}));
        break;
      case 1:
        in->lengthBox()->setValue(
            chance(0.05) ? 1 << 21 : pick(std::vector<int>{1, 2, 3, 16, 33, 1 << 30, 4099, rnd(1, 64)}));
        break;
      case 2:
        in->seedBox()->setValue(rnd(0, 1 << 30));
        break;
      default:
        in->kindBox()->setCurrentIndex(rnd(0, std::max(0, in->kindBox()->count() - 1)));
        break;
    }
    return "input editor";
  }

  // Collects JSON pointers of the source's nodes (bounded).
  static void pointers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out,
                       int depth) {
    out.push_back(at);
    if (depth > 6 || out.size() > 400) return;
    if (j.is_object())
      for (auto it = j.begin(); it != j.end(); ++it) pointers(it.value(), at / it.key(), out, depth + 1);
    else if (j.is_array())
      for (size_t i = 0; i < std::min<size_t>(j.size(), 8); ++i) pointers(j[i], at / i, out, depth + 1);
  }

  QString opRawDocument() {
    json next = doc->source();
    if (chance(0.02)) {
      next = garbageJson();  // the whole document replaced by a non-stack value
    } else {
      std::vector<json::json_pointer> ps;
      pointers(next, json::json_pointer(), ps, 0);
      const json::json_pointer p = ps[size_t(rnd(1, std::max(1, int(ps.size()) - 1)) % ps.size())];
      if (p.empty()) return "raw (root)";
      if (chance(0.2)) {
        json& parent = next[p.parent_pointer()];
        if (parent.is_object())
          parent.erase(p.back());
        else if (parent.is_array())
          parent.erase(size_t(std::stoul(p.back())));
      } else {
        next[p] = garbageJson();
      }
    }
    doc->edit(next, "abuse: raw edit", chance(0.2) ? 77 : -1);
    return "raw document";
  }

  QString opView() {
    using widgets::View;
    const int n = layerCount();
    switch (rnd(0, 9)) {
      case 0:
        if (canvas) canvas->setView(static_cast<View>(rnd(0, 7)));
        return "view";
      case 1:
        if (canvas) canvas->setLayer(rnd(-3, n + 3));
        return "canvas layer";
      case 2:
        if (canvas) canvas->setStep(pick(std::vector<int>{-5, 0, 1, 3, INT_MAX, rnd(0, 200)}));
        return "scrub";
      case 3:
        if (canvas) canvas->stepForward();
        return "step";
      case 4:
        if (canvas) canvas->stepBack();
        return "step";
      case 5:
        if (canvas) (chance(0.5) ? canvas->first() : canvas->last());
        return "step";
      case 6:
        if (canvas) canvas->togglePlay();
        return "play";
      case 7:
        if (canvas) (chance(0.5) ? canvas->faster() : canvas->slower());
        return "speed";
      case 8: {
        static const std::vector<QString> views = {"",       "slide",      "scatter",         "zero_insert",
                                                   "matrix", "overlap",    "receptive_field", "activations",
                                                   "bogus",  "zero-insert"};
        w.applyViewState(pick(views), rnd(-2, n + 2), rnd(-2, 50));
        return "view state";
      }
      default: {
        static const std::vector<QString> keys = {"Play / pause", "Step back", "Step forward", "First step",
                                                  "Last step",    "Faster",    "Slower"};
        if (QAction* a = findAction(w, pick(keys))) a->trigger();
        return "playback key";
      }
    }
  }

  // One undo (back) or redo through the stack or the Edit menu's action; nothing may push an edit
  // meanwhile (that would silently drop the redo history).
  void reverse(bool back, bool viaAction) {
    const int count = undo->count(), index = undo->index();
    QAction* a = viaAction ? findAction(w, back ? "&Undo" : "&Redo", true) : nullptr;
    if (a)
      a->trigger();
    else
      back ? undo->undo() : undo->redo();
    back ? ++undos : ++redos;
    settle(false);
    if (undo->count() != count)
      violations << QString("%1 at index %2 of %3 pushed or dropped commands: now %4 of %5, top '%6'")
                        .arg(back ? "undo" : "redo")
                        .arg(index)
                        .arg(count)
                        .arg(undo->index())
                        .arg(undo->count())
                        .arg(undo->text(undo->count() - 1));
  }

  QString opUndoRedo() {
    const bool back = chance(0.55);
    reverse(back, chance(0.3));
    return back ? "undo" : "redo";
  }

  // ---- checks
  void settle(bool forceWait) {
    QCoreApplication::processEvents();
    if (doc->isBusy() && (forceWait || chance(0.5))) {
      doc->waitIdle();
      ++waits;
      QCoreApplication::processEvents();
    }
  }

  // The invariants after every step; returns "" or what is wrong.
  QString check() {
    if (!violations.isEmpty()) return violations.join("; ");
    if (!doc->hasValidStack()) return "the document lost its last valid stack";
    const widgets::SnapshotPtr snap = doc->snapshot();
    if (!snap) return "null snapshot";
    if (const QString p = snapshotProblem(*snap); !p.isEmpty()) return "inconsistent snapshot: " + p;
    if (canvas && canvas->model() && canvas->model()->snapshot != snap)
      return "the canvas does not show the document's snapshot";
    const json& src = doc->source();
    if (states.size() != size_t(undo->count()) + 1)
      return QString("undo stack of %1 commands, %2 recorded: an edit nobody asked for")
          .arg(undo->count())
          .arg(states.size() - 1);
    if (src != states[size_t(undo->index())])
      return QString("source differs from the one recorded at undo index %1").arg(undo->index());
    if (ed->layerList()->count() != layerCount()) return "the layer list does not match the source";
    if (doc->isBusy()) return {};
    QLabel* status = statusLabel(w);
    if (const auto& err = doc->error()) {
      if (err->message.isEmpty()) return "an error without a message";
      if (errorSnap && snap != errorSnap) return "an invalid source replaced the last valid snapshot";
      if (!status || !status->text().startsWith("⚠"))
        return "error not in the status bar: " + (status ? status->text() : "");
      if (!editorShowsError(ed)) return "error not shown in the stack editor: " + err->message;
    } else {
      // The snapshot belongs to the current source: an independent resolve agrees on the shapes.
      try {
        const engine::Stack s = engine::resolveStack(src, "check", doc->baseDir().toStdString());
        if (s.layers.size() != snap->stack.layers.size())
          return "valid source, snapshot of another layer count";
        for (size_t i = 0; i < s.layers.size(); ++i)
          if (s.layers[i].outputShape() != snap->stack.layers[i].outputShape())
            return QString("valid source, snapshot layer %1 has another shape").arg(i);
        // Issue 7: a snapshot that took layers 0..j-1 from the one before holds the bits of a
        // full forward pass of the current source (small stacks: the check runs after every step).
        int64_t elements = s.input.numel();
        for (const engine::Layer& l : s.layers) elements += engine::numel(l.outputShape()) * s.input.shape[0];
        if (doc->reusedLayers() > 0 && elements <= (int64_t(1) << 20)) {
          const std::vector<engine::Tensor> full = engine::forward(s);
          for (size_t i = 0; i < full.size(); ++i)
            if (!engine::sameBits(full[i], snap->outputs[i]))
              return QString("layer %1 differs from a full forward pass (%2 layers reused)")
                  .arg(i)
                  .arg(doc->reusedLayers());
          ++reuseChecks;
        }
      } catch (const std::exception& e) {
        return QString("no error shown but the source does not resolve: ") + e.what();
      }
      if (status && status->text().startsWith("⚠")) return "stale error in the status bar";
    }
    return {};
  }

  // One random step; returns its name.
  QString step() {
    const int r = rnd(0, 99);
    if (r < 26) return opFieldText();
    if (r < 38) return opCanvasParam();
    if (r < 50) return opLayers();
    if (r < 54) return opConvention();
    if (r < 60) return opInput();
    if (r < 70) return opRawDocument();
    if (r < 82) return opView();
    return opUndoRedo();
  }

  // Undo/redo storm: `n` undos then `m` redos, random single reversals inside; returns "" or a failure.
  // Stops early (after the undos it has made, some redos) once `deadline` has passed.
  QString storm(const QDeadlineTimer& deadline) {
    ++storms;
    doc->waitIdle();
    // Hundreds of undos (a few past the start: refused quietly), then about as many redos.
    const int n = std::min(rnd(50, 400), undo->index() + 5), m = rnd(0, n + 5);
    for (int i = 0; i < n + m; ++i) {
      if (i >= 20 && deadline.hasExpired()) break;
      const bool back = i < n ? !chance(0.05) : chance(0.05);
      reverse(back, chance(0.1));
      if (const QString p = check(); !p.isEmpty())
        return QString("storm step %1 (%2): %3").arg(i).arg(back ? "undo" : "redo").arg(p);
    }
    return {};
  }
};

}  // namespace

class GuiAbuseTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void randomEditsAndUndoStorms();
  void badCorpusThroughFileOpen();
  void unsavedChangesAreNeverDroppedSilently();
  void windowAbuse();
  void regressions();
  void cleanupTestCase();

 private:
  void makeWindow(std::unique_ptr<app::MainWindow>& w, bool persist = false);
  QTemporaryDir m_corpus;
  QString m_corpusDir;
  bool m_corpusGenerated = false;
  QElapsedTimer m_total;
};

void GuiAbuseTest::initTestCase() {
  m_total.start();
  qInfo("platform: %s, seed %d", qPrintable(QGuiApplication::platformName()),
        envInt("CONVSCOPE_ABUSE_SEED", 8));
  // The corpus with its .npy files, as tests/bad_input/CMakeLists.txt materialises it.
  QProcess py;
  py.start(CONVSCOPE_PYTHON_EXE,
           {QString(CONVSCOPE_BAD_INPUT_DIR) + "/make_cases.py", "--out", m_corpus.path() + "/cases"});
  m_corpusGenerated =
      py.waitForFinished(60000) && py.exitStatus() == QProcess::NormalExit && py.exitCode() == 0;
  m_corpusDir = m_corpusGenerated ? m_corpus.path() + "/cases" : QString(CONVSCOPE_BAD_INPUT_DIR) + "/cases";
  if (!m_corpusGenerated)
    qWarning("make_cases.py failed (%s); using the committed stack.json files without their .npy files",
             qPrintable(QString::fromUtf8(py.readAllStandardError())));
}

void GuiAbuseTest::cleanupTestCase() {
  qInfo("total runtime %.1f s", m_total.elapsed() / 1000.0);
}

void GuiAbuseTest::makeWindow(std::unique_ptr<app::MainWindow>& w, bool persist) {
  w = std::make_unique<app::MainWindow>(nullptr, persist);
  app::attachCanvas(*w);
  w->resize(760, 520);  // small: software OpenGL (llvmpipe under xvfb) composites the whole window per frame
  w->show();
  QVERIFY(QTest::qWaitForWindowExposed(w.get()));
}

// ---------------------------------------------------------------- 1. random edits, undo/redo storms
void GuiAbuseTest::randomEditsAndUndoStorms() {
  const uint32_t seed = uint32_t(envInt("CONVSCOPE_ABUSE_SEED", 8));
  const int total = envInt("CONVSCOPE_ABUSE_EDITS", 2000);
  const qint64 budgetMs = qint64(envInt("CONVSCOPE_ABUSE_SECONDS", 45)) * 1000;
  std::unique_ptr<app::MainWindow> w;
  makeWindow(w);
  // The OpenGL canvas wherever there is OpenGL (xvfb); the offscreen platform keeps the layer table.
  if (QGuiApplication::platformName() != "offscreen") QVERIFY(qobject_cast<widgets::Canvas*>(w->canvas()));
  Abuser a(*w, seed);
  Watchdog watchdog(envInt("CONVSCOPE_ABUSE_STEP_LIMIT", 60));
  const QStringList lessons = app::lessonNames();
  QVERIFY(!lessons.isEmpty());
  QElapsedTimer clock;
  clock.start();
  int done = 0, segments = 0, edits = 0;
  for (int li = 0; li < lessons.size() && done < total; ++li) {
    const qint64 left = budgetMs - clock.elapsed();
    if (left <= 0) break;
    const qint64 segBudget = left / (lessons.size() - li);
    const int segEdits = (total - done) / int(lessons.size() - li);
    const QString lesson = lessons[li];
    QVERIFY2(w->openLesson(lesson), qPrintable(lesson));
    w->document()->waitIdle();
    QFile f(app::lessonPath(lesson));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const json original = engine::parseStackJson(f.readAll().toStdString(), "lesson");
    QCOMPARE(w->document()->source(), original);
    QVERIFY(w->document()->hasValidStack());
    a.startSegment();
    QElapsedTimer seg;
    seg.start();
    int i = 0;
    const QDeadlineTimer segDeadline(segBudget);
    for (; i < segEdits && seg.elapsed() < segBudget; ++i) {
      QElapsedTimer opClock;
      opClock.start();
      watchdog.begin(QString("%1 step %2").arg(lesson).arg(i), Abuser::withoutProse(a.doc->source()));
      QString op;
      if (a.undo->index() >= 30 && a.chance(0.02)) {
        const QString p = a.storm(segDeadline);
        QVERIFY2(p.isEmpty(),
                 qPrintable(QString("%1, seed %2, step %3: %4").arg(lesson).arg(seed).arg(i).arg(p)));
        op = "storm";
      } else {
        const int before = a.undo->count();
        op = a.step();
        if (op != "undo" && op != "redo") a.recordEdit();
        edits += op != "undo" && op != "redo";
        Q_UNUSED(before);
        a.settle(false);
      }
      watchdog.end();
      ++a.counts[op];
      a.opMs[op] += opClock.elapsed();
      const QString p = a.check();
      QVERIFY2(p.isEmpty(),
               qPrintable(QString("%1, seed %2, step %3 (%4): %5").arg(lesson).arg(seed).arg(i).arg(op, p)));
      if (opClock.elapsed() > 500 && a.slowReports++ < 10)
        qInfo("slow step: %s step %d (%s) took %lld ms; input %s, %d layers, error: %s", qPrintable(lesson),
              i, qPrintable(op), opClock.elapsed(),
              a.doc->source().is_object() && a.doc->source().contains("input")
                  ? a.doc->source()["input"].dump().substr(0, 120).c_str()
                  : "-",
              a.layerCount(), a.doc->error() ? qPrintable(a.doc->error()->message.left(160)) : "none");
      if (opClock.elapsed() > a.slowestMs) {
        a.slowestMs = opClock.elapsed();
        a.slowestOp = lesson + ": " + op;
      }
    }
    done += i;
    ++segments;
    // Undo everything: the lesson as loaded; redo everything: the last state of the stack.
    a.doc->waitIdle();
    const int count = a.undo->count();
    const json top = a.states.back();
    while (a.undo->canUndo()) {
      watchdog.begin(QString("%1: undo all, at index %2").arg(lesson).arg(a.undo->index()),
                     Abuser::withoutProse(a.doc->source()));
      a.reverse(true, false);
      a.settle(true);
      watchdog.end();
      const QString p = a.check();
      QVERIFY2(p.isEmpty(), qPrintable(QString("%1: undo all, at index %2: %3 (top command '%4')")
                                           .arg(lesson)
                                           .arg(a.undo->index())
                                           .arg(p, a.undo->text(a.undo->count() - 1))));
    }
    QCOMPARE(a.undo->index(), 0);
    QVERIFY2(w->document()->source() == original, qPrintable(lesson + ": undo all != the lesson"));
    QVERIFY2(!w->document()->error(), qPrintable(lesson + ": the lesson does not resolve after undo all"));
    QVERIFY2(a.check().isEmpty(), qPrintable(a.check()));
    // The snapshot is the lesson's own result again, value for value.
    const app::ComputeResult fresh = app::Document::compute(original, "lesson", "", nullptr, {});
    QVERIFY(fresh.ok);
    QCOMPARE(w->document()->outputs().size(), fresh.outputs.size());
    for (size_t k = 0; k < fresh.outputs.size(); ++k) {
      QVERIFY(w->document()->outputs()[k].shape == fresh.outputs[k].shape);
      QVERIFY(w->document()->outputs()[k].data == fresh.outputs[k].data);
    }
    while (a.undo->canRedo()) {
      watchdog.begin(QString("%1: redo all, at index %2").arg(lesson).arg(a.undo->index()),
                     Abuser::withoutProse(a.doc->source()));
      a.reverse(false, false);
      a.settle(true);
      watchdog.end();
      const QString p = a.check();
      QVERIFY2(p.isEmpty(),
               qPrintable(QString("%1: redo all, at index %2: %3").arg(lesson).arg(a.undo->index()).arg(p)));
    }
    QCOMPARE(a.undo->index(), count);
    QVERIFY2(w->document()->source() == top, qPrintable(lesson + ": redo all != the final state"));
    QVERIFY2(a.check().isEmpty(), qPrintable(a.check()));
    qInfo("%-26s %4d steps, undo stack %3d, %5.1f s", qPrintable(lesson), i, count, seg.elapsed() / 1000.0);
  }
  QStringList stats;
  for (auto it = a.counts.begin(); it != a.counts.end(); ++it)
    stats << QString("%1 %2 (%3 ms)").arg(it.key()).arg(it.value()).arg(a.opMs.value(it.key()));
  qInfo(
      "part 1: %d steps (%d edits) over %d lessons in %.1f s; %d undos, %d redos, %d storms, %d waits for "
      "background recomputes; %d incremental recomputes equal to a full forward pass; slowest step %lld ms "
      "(%s)",
      done, edits, segments, clock.elapsed() / 1000.0, a.undos, a.redos, a.storms, a.waits, a.reuseChecks,
      a.slowestMs, qPrintable(a.slowestOp));
  qInfo("part 1 steps: %s", qPrintable(stats.join(", ")));
  QVERIFY(done >= std::min(total, 100));
  if (done >= 500) QVERIFY2(a.reuseChecks > 0, "no edit of a later layer reused the earlier ones");
}

// ---------------------------------------------------------------- 2. the bad-input corpus
void GuiAbuseTest::badCorpusThroughFileOpen() {
  std::unique_ptr<app::MainWindow> w;
  makeWindow(w);
  auto* canvas = qobject_cast<widgets::Canvas*>(w->canvas());
  app::Document* doc = w->document();
  QAction* openStack = findAction(*w, "&Open stack…");
  QAction* openInput = findAction(*w, "Open &input…");
  QVERIFY(openStack && openInput);
  ModalPilot pilot;

  // The current document: a lesson with two edits on its undo stack.
  auto freshDocument = [&]() {
    QVERIFY(w->openLesson("conv1d_basics"));
    w->stackEditor()->setCurrentLayer(0);
    QVERIFY(w->stackEditor()->setParamText("padding", "2"));
    w->stackEditor()->addLayer("relu");
    doc->waitIdle();
    QCOMPARE(doc->undoStack()->count(), 2);
    QVERIFY(doc->isValid());
  };
  freshDocument();

  QStringList stacks, npys;
  for (QDirIterator it(m_corpusDir, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {
    const QString p = it.next();
    if (p.endsWith("/stack.json"))
      stacks << p;
    else if (p.endsWith(".npy"))
      npys << p;
  }
  stacks.sort();
  npys.sort();
  QVERIFY(stacks.size() >= 80);
  if (m_corpusGenerated) QVERIFY(npys.size() >= 10);

  int refused = 0, openedWithError = 0, openedWithWarning = 0, inputsRefused = 0, inputsAccepted = 0;
  QElapsedTimer clock;
  clock.start();
  // Opens `path` through `action` (File → Open …); returns the pilot's record.
  auto openThrough = [&](QAction* action, const QString& path) {
    pilot.seen.clear();
    pilot.fileToOpen = path;
    pilot.answer = QMessageBox::Ok;
    action->trigger();  // runs the dialog (answered by the pilot), opens, shows any error box
    doc->waitIdle();
    QCoreApplication::processEvents();
  };
  struct Before {
    json source;
    int count, index;
    QString path, title;
    widgets::SnapshotPtr snap;
  };
  auto before = [&]() {
    return Before{
        doc->source(),  doc->undoStack()->count(), doc->undoStack()->index(), doc->filePath(), doc->title(),
        doc->snapshot()};
  };
  auto unchanged = [&](const Before& b) {
    return doc->source() == b.source && doc->undoStack()->count() == b.count &&
           doc->undoStack()->index() == b.index && doc->filePath() == b.path && doc->title() == b.title &&
           doc->snapshot() == b.snap;
  };

  for (const QString& path : stacks) {
    const QString name = QFileInfo(path).dir().dirName();
    QFile ef(QFileInfo(path).dir().filePath("expect.json"));
    int expectExit = 2;
    if (ef.open(QIODevice::ReadOnly))
      expectExit = json::parse(ef.readAll().toStdString(), nullptr, false).value("exit", 2);
    if (doc->filePath() != QString() || !doc->isValid()) freshDocument();
    const Before b = before();
    const widgets::SnapshotPtr shown = canvas && canvas->model() ? canvas->model()->snapshot : nullptr;
    openThrough(openStack, path);
    const QString ctx = name + ": " + pilot.describe();
    QVERIFY2(pilot.count("file") == 1, qPrintable(ctx));
    QVERIFY2(pilot.count("other") == 0, qPrintable(ctx));
    if (pilot.count("box") > 0) {
      // Refused: one "Cannot open stack" box with the message, the document exactly as it was.
      ++refused;
      QVERIFY2(pilot.count("box") == 1 && pilot.seen.last().title == "Cannot open stack" &&
                   !pilot.seen.last().text.isEmpty(),
               qPrintable(ctx));
      QVERIFY2(expectExit == 2, qPrintable(ctx + " (an exit-0 case was refused)"));
      QVERIFY2(unchanged(b), qPrintable(name + ": a refused file changed the current document"));
      QVERIFY2(doc->isValid(), qPrintable(name));
      continue;
    }
    // Opened: the file's JSON exactly (never half-read), no history, its path.
    QFile sf(path);
    QVERIFY(sf.open(QIODevice::ReadOnly));
    QCOMPARE(doc->source(), engine::parseStackJson(sf.readAll().toStdString(), "x"));
    QCOMPARE(doc->undoStack()->count(), 0);
    QCOMPARE(doc->filePath(), path);
    QLabel* status = statusLabel(*w);
    QVERIFY(status);
    if (expectExit == 2) {
      ++openedWithError;
      QVERIFY2(doc->error().has_value(), qPrintable(name + ": a bad stack opened without an error"));
      QVERIFY2(status->text().startsWith("⚠") && status->text().contains(doc->error()->rule.left(20)),
               qPrintable(name + ": status bar shows '" + status->text() + "'"));
      QVERIFY2(editorShowsError(w->stackEditor()), qPrintable(name + ": the stack editor shows no error"));
      // The canvas keeps drawing the last valid stack.
      if (shown)
        QVERIFY2(canvas->model() && canvas->model()->snapshot == shown,
                 qPrintable(name + ": the canvas lost its stack"));
    } else {
      ++openedWithWarning;
      QVERIFY2(doc->isValid(), qPrintable(name + ": " + (doc->error() ? doc->error()->message : QString())));
      QVERIFY2(!doc->stack().warnings.empty(), qPrintable(name + ": no warning"));
      QVERIFY2(status->text() == QString::fromStdString(doc->stack().warnings.front()),
               qPrintable(name + ": status bar shows '" + status->text() + "'"));
      QVERIFY(snapshotProblem(*doc->snapshot()).isEmpty());
    }
    // Still usable: an edit and its undo on whatever was opened.
    json next = doc->source();
    if (next.is_object()) {
      next["name"] = "edited";
      doc->edit(next, "abuse", -1);
      doc->undoStack()->undo();
      doc->waitIdle();
    }
  }

  // Every .npy (good or corrupt) as the stack's input through File → Open input…, and as a stack
  // through File → Open stack… (binary garbage into the JSON reader).
  for (const QString& path : npys) {
    const QString name = QFileInfo(path).dir().dirName() + "/" + QFileInfo(path).fileName();
    if (doc->filePath() != QString() || !doc->isValid()) freshDocument();
    Before b = before();
    openThrough(openStack, path);
    QVERIFY2(pilot.count("box") == 1 && pilot.seen.last().title == "Cannot open stack",
             qPrintable(name + ": " + pilot.describe()));
    QVERIFY2(unchanged(b), qPrintable(name + ": a refused file changed the current document"));

    openThrough(openInput, path);
    if (pilot.count("box") > 0) {
      ++inputsRefused;
      QVERIFY2(pilot.count("box") == 1 && pilot.seen.last().title == "Cannot open input" &&
                   !pilot.seen.last().text.isEmpty(),
               qPrintable(name + ": " + pilot.describe()));
      QVERIFY2(unchanged(b), qPrintable(name + ": a refused input changed the current document"));
    } else {
      // Accepted: one undoable edit; undo gives the document back exactly.
      ++inputsAccepted;
      QCOMPARE(doc->undoStack()->index(), b.index + 1);
      QCOMPARE(doc->undoStack()->count(), b.index + 1);
      doc->undoStack()->undo();
      doc->waitIdle();
      QVERIFY2(doc->source() == b.source, qPrintable(name + ": undo after an input file"));
      QVERIFY(doc->isValid());
    }
    QVERIFY(snapshotProblem(*doc->snapshot()).isEmpty());
  }
  qInfo(
      "part 2: %lld stack files (%d refused unchanged, %d opened showing their error, %d opened with a "
      "warning), "
      "%lld .npy files (each also as a stack: refused; as input: %d refused, %d accepted) in %.1f s",
      stacks.size(), refused, openedWithError, openedWithWarning, npys.size(), inputsRefused, inputsAccepted,
      clock.elapsed() / 1000.0);
}

// ---------------------------------------------------------------- 3. unsaved changes
void GuiAbuseTest::unsavedChangesAreNeverDroppedSilently() {
  std::unique_ptr<app::MainWindow> w;
  makeWindow(w, /*persist=*/true);
  app::Document* doc = w->document();
  QVERIFY(w->openLesson("conv1d_basics"));
  w->stackEditor()->setCurrentLayer(0);
  QVERIFY(w->stackEditor()->setParamText("padding", "4"));
  QVERIFY(doc->isModified());
  const json src = doc->source();
  const int count = doc->undoStack()->count();
  ModalPilot pilot;
  QAction* openStack = findAction(*w, "&Open stack…");
  QVERIFY(openStack);
  // A stack that parses but does not resolve would replace the document (and show its error).
  const QString bad = m_corpusDir + "/stride_zero/stack.json";
  QVERIFY(QFileInfo::exists(bad));
  for (int round = 0; round < 2; ++round) {
    // File → Open, then drag and drop / recent files (ProjectController::openFromUser).
    pilot.seen.clear();
    pilot.fileToOpen = bad;
    pilot.answer = QMessageBox::Cancel;
    if (round == 0)
      openStack->trigger();
    else
      w->projectController()->openFromUser(bad);
    QCoreApplication::processEvents();
    QVERIFY2(pilot.count("box") == 1 && pilot.seen.first().title == "Unsaved changes",
             qPrintable(pilot.describe()));
    QCOMPARE(pilot.count("file"), 0);
    QVERIFY(doc->source() == src);
    QCOMPARE(doc->undoStack()->count(), count);
    QVERIFY(doc->isModified());
  }
  // Discard: the bad stack opens, its error shown.
  pilot.seen.clear();
  pilot.answer = QMessageBox::Discard;
  openStack->trigger();
  doc->waitIdle();
  QVERIFY2(pilot.count("file") == 1, qPrintable(pilot.describe()));
  QCOMPARE(doc->filePath(), bad);
  QVERIFY(doc->error().has_value());
  doc->markSaved(doc->filePath());  // nothing to ask about when the window goes
}

// ---------------------------------------------------------------- 4. the window itself
void GuiAbuseTest::windowAbuse() {
  std::unique_ptr<app::MainWindow> w;
  makeWindow(w);
  QVERIFY(w->openLesson("transposed_scatter"));
  app::Document* doc = w->document();
  auto* gl = qobject_cast<widgets::Canvas*>(w->canvas());  // null on the offscreen platform
  QWidget* canvas = w->canvas();
  QVERIFY(canvas);
  std::mt19937 rng(uint32_t(envInt("CONVSCOPE_ABUSE_SEED", 8)) + 4);
  auto rnd = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const json src = doc->source();
  const QList<QDockWidget*> docks = w->findChildren<QDockWidget*>();
  QCOMPARE(docks.size(), 4);
  QAction* reset = findAction(*w, "Reset layout");
  QVERIFY(reset);
  QElapsedTimer clock;
  clock.start();
  int resizes = 0, hovers = 0, dockToggles = 0, clicks = 0;
  const QList<QSize> sizes = {{1, 1},       {0, 0},      {40, 30},    {200, 120},
                              {4000, 3000}, {6000, 400}, {300, 2500}, {1000, 700}};
  for (int round = 0; round < 40 && clock.elapsed() < 8000; ++round) {
    const QSize s = round % 5 == 0 ? sizes[round / 5 % sizes.size()] : QSize(rnd(1, 3000), rnd(1, 2000));
    w->resize(s);
    ++resizes;
    QCoreApplication::processEvents();
    for (int k = 0; k < 6; ++k) {
      const QPoint p(rnd(-20, std::max(1, canvas->width() + 20)),
                     rnd(-20, std::max(1, canvas->height() + 20)));
      QTest::mouseMove(canvas, p);
      ++hovers;
    }
    QDockWidget* d = docks[rnd(0, int(docks.size()) - 1)];
    switch (rnd(0, 4)) {
      case 0:
        d->toggleViewAction()->trigger();
        break;
      case 1:
        d->setFloating(!d->isFloating());
        break;
      case 2:
        d->setVisible(!d->isVisible());
        break;
      case 3:
        reset->trigger();
        break;
      default:
        if (gl) gl->setView(static_cast<widgets::View>(rnd(0, 7)));
        break;
    }
    ++dockToggles;
    QCoreApplication::processEvents();
    QVERIFY2(doc->source() == src, "resizing, hovering or docks changed the document");
    QVERIFY(doc->isValid() && snapshotProblem(*doc->snapshot()).isEmpty());
  }
  // Clicks, drags and wheel turns anywhere on the canvas (the HUD may turn them into edits).
  reset->trigger();
  w->resize(760, 520);
  QCoreApplication::processEvents();
  Abuser a(*w, uint32_t(rnd(0, 1 << 30)));
  a.startSegment();
  for (int k = 0; k < 150 && clock.elapsed() < 12000; ++k) {
    const QPoint p(rnd(0, std::max(1, canvas->width() - 1)), rnd(0, std::max(1, canvas->height() - 1)));
    switch (rnd(0, 3)) {
      case 0:
        QTest::mouseClick(canvas, Qt::LeftButton, {}, p);
        break;
      case 1:
        QTest::mousePress(canvas, Qt::LeftButton, {}, p);
        QTest::mouseMove(canvas, QPoint(rnd(0, canvas->width()), p.y()));
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(rnd(0, canvas->width()), p.y()));
        break;
      case 2: {
        QWheelEvent ev(p, canvas->mapToGlobal(p), {}, QPoint(0, rnd(-480, 480)), Qt::NoButton, {},
                       Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(canvas, &ev);
        break;
      }
      default:
        QTest::mouseMove(canvas, p);
        break;
    }
    ++clicks;
    // The HUD takes queued button changes one per frame (a click within one event-loop turn is not
    // lost): the edit it makes may land during the settle, so it is recorded after it.
    a.settle(true);
    a.recordEdit();
    const QString problem = a.check();
    QVERIFY2(problem.isEmpty(), qPrintable(QString("canvas input %1: %2").arg(k).arg(problem)));
  }
  qInfo(
      "part 4: %d resizes (1x1 .. 6000x400), %d hovers, %d dock toggles, %d clicks/drags/wheels on the "
      "canvas "
      "(%d undo steps made by the HUD) in %.1f s",
      resizes, hovers, dockToggles, clicks, doc->undoStack()->count(), clock.elapsed() / 1000.0);
}

// ---------------------------------------------------------------- 5. what the abuse found
void GuiAbuseTest::regressions() {
  std::unique_ptr<app::MainWindow> w;
  makeWindow(w);
  app::Document* doc = w->document();
  QVERIFY(w->openLesson("conv1d_basics"));
  const json lesson = doc->source();
  const widgets::SnapshotPtr valid = doc->snapshot();

  // 1. A HUD slider edit for a layer the source no longer has as an object (the canvas shows the
  //    last valid stack), a negative layer, or a convention that is not a string: ignored, not a
  //    json::type_error out of a slot (std::terminate) or an out-of-bounds write through layers[-1].
  if (auto* gl = qobject_cast<widgets::Canvas*>(w->canvas())) {
    json bad = lesson;
    bad["layers"][0] = 5;
    doc->edit(bad, "layer 0 is a number");
    const int count = doc->undoStack()->count();
    emit gl->parameterEdited(0, "stride", 2);
    emit gl->parameterEdited(-1, "stride", 2);
    bad = lesson;
    bad["convention"] = json::array({1});
    doc->edit(bad, "convention is a list");
    emit gl->parameterEdited(0, "stride", 3);  // (an edit is fine here; not crashing is the point)
    QCOMPARE(
        doc->undoStack()->count(),
        count + 1 +
            (doc->source()["layers"][0].contains("stride") && doc->source()["layers"][0]["stride"] == 3 ? 1
                                                                                                        : 0));
    emit gl->parameterEdited(-1, "stride", 2);
    QCoreApplication::processEvents();
    QVERIFY(doc->snapshot() == valid);
  }

  // 2. Switching the convention when a layer's "op" is not a string (StackEditor::setConvention).
  json bad = lesson;
  bad["layers"][1]["op"] = 5;
  w->openDocument(bad, QString(), "op is a number", QString());
  w->stackEditor()->setConvention(engine::Convention::Keras);
  QCOMPARE(doc->source()["convention"], json("keras"));
  QCOMPARE(doc->source()["layers"][1]["op"], json(5));
  QVERIFY(doc->error());

  // 3. "layout" or the generator's "kind" not strings: the input editor shows the document
  //    (InputEditor::setDocumentState threw json::type_error on every change of such a source).
  for (const json& v : {json(5), json::array(), json::object(), json(nullptr)}) {
    bad = lesson;
    bad["layout"] = v;
    bad["input"]["generator"]["kind"] = v;
    w->openDocument(bad, QString(), "layout/kind of any type", QString());
    QCOMPARE(doc->source(), bad);
    QVERIFY(doc->error());
    w->inputEditor()->lengthBox()->setValue(20);  // composed() reads "layout" too
    QCOMPARE(doc->undoStack()->count(), 1);
  }

  // 4. Showing a document is never an edit of it: an input whose generator position lies beyond
  //    a shorter length made the input editor clamp its position box and push an "Input position"
  //    edit from inside undo/redo/open (a merge into the command being undone lost the redo state).
  w->openDocument(lesson, QString(), "position", QString());
  json longer = lesson;
  longer["input"]["shape"] = {1, 200};
  longer["input"]["generator"] = {{"kind", "impulse"}, {"position", 150}};
  doc->edit(longer, "long input");
  json shorter = longer;
  shorter["input"]["shape"] = {1, 16};
  doc->edit(shorter, "short input");
  QCOMPARE(doc->undoStack()->count(), 2);
  QCOMPARE(doc->source(), shorter);
  doc->undoStack()->undo();
  QCOMPARE(doc->source(), longer);
  doc->undoStack()->redo();
  QCOMPARE(doc->source(), shorter);
  QCOMPARE(doc->undoStack()->count(), 2);
  w->openDocument(shorter, QString(), "opened", QString());
  QCOMPARE(doc->undoStack()->count(), 0);
  QVERIFY(!doc->isModified());
}

int main(int argc, char** argv) {
  // Qt's own file dialog (the pilot fills it in), and smaller memory caps than the 24 GiB-machine
  // defaults so that random huge parameters are refused before allocating gigabytes.
  QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
  engine::Limits limits;
  limits.maxTensorBytes = int64_t(64) << 20;
  limits.maxActivationBytes = int64_t(256) << 20;
  engine::setLimits(limits);
  QApplication app(argc, argv);
  QApplication::setApplicationName("ConvScopeGuiAbuse");
  QApplication::setOrganizationName("ConvScope");
  QStandardPaths::setTestModeEnabled(true);
  GuiAbuseTest t;
  return QTest::qExec(&t, argc, argv);
}

#include "test_gui_abuse.moc"
