// launch.cpp: the desktop launcher (see launch.h).
//
// Index of this file:
//   [SECTION] OPTIONS       the launcher's CommandSpec
//   [SECTION] BATCH HOOKS   --screenshot and --quit-after-first-frame
//   [SECTION] COMMAND LINE  the parsed options checked into LaunchOptions
//   [SECTION] WINDOW        open the document, recovery, test edits, --print-document, show
//   [SECTION] ENTRY         runGui
#include "app/launch.h"

#include <time.h>
#include <unistd.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSize>
#include <QTimer>
#include <QWindow>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "app/gui/canvas_binding.h"
#include "app/gui/compare_window.h"
#include "app/gui/guarded_application.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "app/project/lessons.h"
#include "widgets/canvas.h"
#include "widgets/scene/scene_model.h"

namespace convscope::app {

namespace {

// [SECTION] OPTIONS

// "slide, scatter, ..." (widgets::concreteViews).
std::string viewList() {
  std::string list;
  for (widgets::View v : widgets::concreteViews())
    list += std::string(list.empty() ? "" : ", ") + widgets::viewName(v);
  return list;
}

CommandSpec makeLauncherSpec() {
  CommandSpec c;
  c.summary = "open the app";
  c.usage = {"[FILE | --lesson NAME] [options]"};
  c.description = "ConvScope: convolution and transposed convolution, visible and exact.";
  c.positional = "FILE";
  c.options = {
      {{"lesson"}, "NAME", "open the bundled lesson NAME (default " + defaultLesson().toStdString() + ")"},
      {{"list-lessons"}, "", "print the bundled lesson names, one per line"},
      {{"view"}, "VIEW", "start the canvas on VIEW: " + viewList()},
      {{"layer"}, "I", "the layer the view shows (default: the lesson's)"},
      {{"step"},
       "T",
       "start the animation at step T, counted from 1 as the canvas shows it (\"step 1 / N\")"},
      {{"compare"},
       "STACK",
       "compare the document with STACK (a stack file or a bundled lesson's name) in the Compare "
       "window; repeatable, up to 3"},
      {{"screenshot"},
       "FILE",
       "save a screenshot of the whole window (of the Compare window with --compare) to FILE.png once "
       "drawn, and exit"},
      {{"size"},
       "WxH",
       "the window's size (W and H in 320..8192); default: 1400x900 fitted to the screen's "
       "available area, or the last size (not for --screenshot, which never reads the saved layout)"},
      {{"recover"},
       "yes|no|later",
       "answer the crash-recovery question without asking (default: ask; "
       "--screenshot and --print-document default to later)"},
      {{"test-edit"},
       "POINTER=JSON",
       "test hook: after opening, apply the undoable edit POINTER=JSON to the stack "
       "source (e.g. /layers/0/stride=2); repeatable"},
      {{"print-document"},
       "",
       "print the open document, once computed and after any --test-edit, as JSON (title, path, "
       "modified, error, source) and exit without showing the window"},
      {{"quit-after-first-frame"},
       "",
       "benchmark hook: once the canvas has painted its first frame of the document, print "
       "the milliseconds since the process started and exit 0 (convscope bench --interactive)"}};
  c.epilog = "FILE: a stack (.json), project (.convscope) or ONNX model (.onnx) to open.\n";
  return c;
}

// [SECTION] BATCH HOOKS

// Waits until the window is exposed and settled (no recompute, plots built, canvas frame drawn),
// lets queued repaints run, then grabs the whole window into `file`. Exits the app with 0 or 2.
void scheduleScreenshot(MainWindow* w, QWidget* target, const QString& file) {
  auto* timer = new QTimer(w);
  auto* clock = new QElapsedTimer;
  clock->start();
  auto settledTicks = std::make_shared<int>(0);
  QObject::connect(timer, &QTimer::timeout, w, [w, target, file, timer, clock, settledTicks]() {
    const bool exposed = target->windowHandle() && target->windowHandle()->isExposed();
    const bool settled = exposed && w->isSettled();
    *settledTicks = settled ? *settledTicks + 1 : 0;
    const bool timedOut = clock->elapsed() > 20000;
    if (*settledTicks < 4 && !timedOut) return;  // 4 ticks: queued replots and paints have run
    timer->stop();
    delete clock;
    if (timedOut) std::cerr << "convscope: warning: the window did not settle within 20 s; saving anyway\n";
    const QPixmap shot = target->grab();
    const bool ok = shot.save(file, "PNG");
    if (ok)
      std::cout << "convscope: wrote " << file.toStdString() << " (" << shot.width() << "x" << shot.height()
                << ", window " << target->width() << "x" << target->height() << ")" << std::endl;
    else
      std::cerr << "convscope: cannot write screenshot " << file.toStdString() << "\n";
    QApplication::exit(ok ? 0 : 2);
  });
  timer->start(50);
}

// Milliseconds since the kernel started this process (/proc/self/stat starttime, in clock ticks:
// 10 ms resolution), so that loading the libraries counts too; -1 where that is unavailable.
double msSinceProcessStart() {
  std::ifstream f("/proc/self/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  const auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) {
      timespec now{};
      if (clock_gettime(CLOCK_BOOTTIME, &now) != 0) return -1;
      const double start = std::stod(field) / double(sysconf(_SC_CLK_TCK));
      return (double(now.tv_sec) + double(now.tv_nsec) * 1e-9 - start) * 1000.0;
    }
  return -1;
}

// Paint events of one widget, passed to `onPaint` until it returns true (it then stops watching).
class FirstPaintFilter : public QObject {
 public:
  FirstPaintFilter(QObject* parent, std::function<bool()> onPaint)
      : QObject(parent), m_onPaint(std::move(onPaint)) {}
  bool eventFilter(QObject* obj, QEvent* ev) override {
    if (ev->type() == QEvent::Paint && m_onPaint && m_onPaint()) m_onPaint = nullptr;
    return QObject::eventFilter(obj, ev);
  }

 private:
  std::function<bool()> m_onPaint;
};

// --quit-after-first-frame (convscope bench --interactive): once the central widget has painted
// the document — the canvas's first frame with a scene model (Canvas::frameDrawn), or the layer
// table when there is no OpenGL — and the window has been flushed (the next event-loop turn),
// prints the time since the process started and exits 0.
void scheduleQuitAfterFirstFrame(MainWindow* w, const QElapsedTimer& sinceMain) {
  QWidget* central = w->canvas();
  auto* canvas = qobject_cast<widgets::Canvas*>(central);
  const QString kind = canvas ? "OpenGL canvas" : "layer table, no OpenGL";
  auto report = [w, kind, sinceMain]() {
    QTimer::singleShot(0, w, [kind, sinceMain]() {
      const double ms = msSinceProcessStart();
      std::cout << "convscope: first frame after " << (ms >= 0 ? ms : double(sinceMain.elapsed()))
                << " ms since process start (" << sinceMain.elapsed() << " ms since main; platform "
                << QGuiApplication::platformName().toStdString() << ", canvas: " << kind.toStdString() << ")"
                << std::endl;
      QApplication::exit(0);
    });
  };
  if (canvas) {
    auto once = std::make_shared<bool>(false);
    QObject::connect(canvas, &widgets::Canvas::frameDrawn, w, [canvas, once, report]() {
      if (*once || !canvas->model()) return;  // a frame before the document's scene is not it
      *once = true;
      report();
    });
  } else if (central) {  // the layer table: its first paint once the document has computed
    central->installEventFilter(new FirstPaintFilter(central, [w, report]() {
      if (w->document()->isBusy() || !w->document()->hasValidStack()) return false;
      report();
      return true;
    }));
  }
  QTimer::singleShot(60000, w, []() {
    std::cerr << "convscope: --quit-after-first-frame: no frame was painted within 60 s\n";
    QApplication::exit(1);
  });
}

// [SECTION] COMMAND LINE

// Everything the command line asks of the app, checked before a window exists.
struct LaunchOptions {
  QString file;    // FILE, or "" for a lesson
  QString lesson;  // --lesson, or the default lesson when there is no FILE
  bool viewGiven = false;
  QString view;
  int layer = -1, step = -1;
  ProjectController::RecoverAnswer recover = ProjectController::RecoverAnswer::Ask;
  std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> testEdits;
  QStringList compare;  // --compare: stack files or lesson names
  QString screenshot;   // "" = none
  QSize size;           // --size; invalid = the fitted default (or the saved geometry)
  bool printDocument = false;
  bool quitAfterFirstFrame = false;
};

ProjectController::RecoverAnswer recoverValue(const Arguments& a) {
  using Answer = ProjectController::RecoverAnswer;
  const auto v = a.value("recover");
  if (!v) {  // never block a non-interactive run on a dialog
    const bool batch =
        a.isSet("screenshot") || a.isSet("print-document") || a.isSet("quit-after-first-frame");
    return batch ? Answer::Later : Answer::Ask;
  }
  const QString answer = QString::fromStdString(*v).toLower();
  if (answer == "yes") return Answer::Yes;
  if (answer == "no") return Answer::No;
  if (answer == "later") return Answer::Later;
  a.fail("--recover needs yes, no or later, got '" + *v + "'");
}

// --size WxH, each side in 320..8192; an invalid QSize when not given.
QSize windowSize(const Arguments& a) {
  const auto v = a.value("size");
  if (!v) return {};
  const size_t x = v->find_first_of("xX");
  auto side = [&](const std::string& t) {
    try {
      size_t used = 0;
      const long n = std::stol(t, &used);
      if (used == t.size() && n >= 320 && n <= 8192) return int(n);
    } catch (const std::exception&) {
    }
    a.fail("--size must be WxH with W and H in 320..8192 (e.g. 1280x720), got '" + *v + "'");
  };
  if (x == std::string::npos) a.fail("--size must be WxH (e.g. 1280x720), got '" + *v + "'");
  return {side(v->substr(0, x)), side(v->substr(x + 1))};
}

// Validates the parsed command line; throws UsageError naming the option.
LaunchOptions launchOptions(const Arguments& a) {
  LaunchOptions o;
  if (a.positional().size() > 1 || (a.positional().size() == 1 && a.isSet("lesson")))
    a.fail("give one FILE or --lesson NAME, not both");
  if (!a.positional().empty()) o.file = QString::fromStdString(a.positional()[0]);
  o.lesson = QString::fromStdString(a.value("lesson").value_or(defaultLesson().toStdString()));
  if (lessonPath(o.lesson).isEmpty())
    a.fail("no lesson named '" + o.lesson.toStdString() +
           "' for --lesson (lessons: " + lessonNames().join(", ").toStdString() + ")");
  o.viewGiven = a.isSet("view") || a.isSet("layer") || a.isSet("step");
  if (const auto v = a.value("view")) {
    const auto view = widgets::viewFromName(QString::fromStdString(*v));
    if (!view || *view == widgets::View::Auto)
      a.fail("unknown view '" + *v + "' for --view (views: " + viewList() + ")");
    o.view = widgets::viewName(*view);
  }
  o.layer = a.intValue("layer", 0, 1000000000, -1);
  o.step = a.intValue("step", 1, 1000000000, 0) - 1;  // typed from 1; the window counts from 0 (-1: none)
  o.recover = recoverValue(a);
  for (const std::string& e : a.values("test-edit")) {
    const size_t eq = e.find('=');
    try {
      if (eq == std::string::npos || eq < 1) throw std::invalid_argument("no '='");
      o.testEdits.emplace_back(nlohmann::json::json_pointer(e.substr(0, eq)),
                               nlohmann::json::parse(e.substr(eq + 1)));
    } catch (const std::exception& ex) {
      a.fail("--test-edit needs POINTER=JSON (e.g. /layers/0/stride=2), got '" + e + "': " + ex.what());
    }
  }
  for (const std::string& c : a.values("compare")) {
    const QString stack = QString::fromStdString(c);
    if (!QFileInfo(stack).isFile() && lessonPath(stack).isEmpty())
      a.fail("--compare " + c +
             ": no such stack file or lesson (lessons: " + lessonNames().join(", ").toStdString() + ")");
    o.compare << stack;
  }
  if (o.compare.size() > CompareWindow::kMaxStacks - 1)
    a.fail("--compare: at most " + std::to_string(CompareWindow::kMaxStacks - 1) +
           " stacks besides the document");
  o.screenshot = QString::fromStdString(a.value("screenshot").value_or(""));
  o.printDocument = a.isSet("print-document");
  o.size = windowSize(a);
  o.quitAfterFirstFrame = a.isSet("quit-after-first-frame");
  return o;
}

// [SECTION] WINDOW

// Opens FILE (a stack, project, ONNX model or an input to feed a new stack) or the lesson; false
// with the message on stderr when it cannot.
bool openStart(MainWindow& w, const LaunchOptions& o) {
  if (o.file.isEmpty()) {
    if (w.openLesson(o.lesson)) return true;
    std::cerr << "convscope: no lesson named '" << o.lesson.toStdString()
              << "'; available: " << lessonNames().join(", ").toStdString() << "\n";
    return false;
  }
  if (!QFileInfo::exists(o.file)) {
    std::cerr << "convscope: '" << o.file.toStdString()
              << "' is neither a command nor an existing stack file (see 'convscope --help')\n";
    return false;
  }
  QString err;
  const auto kind = ProjectController::kindOf(o.file);
  if (kind == ProjectController::FileKind::Input) w.document()->newDocument();  // a stack to feed it to
  if (kind == ProjectController::FileKind::Unknown ? w.openFile(o.file, &err)
                                                   : w.projectController()->openAny(o.file, &err))
    return true;
  std::cerr << err.toStdString() << "\n";
  return false;
}

// --test-edit: each edit as one undoable edit of the document; false (message on stderr) when a
// pointer does not fit the source.
bool applyTestEdits(MainWindow& w, const LaunchOptions& o) {
  for (const auto& [ptr, value] : o.testEdits) {
    nlohmann::json next = w.document()->source();
    try {
      next[ptr] = value;
    } catch (const std::exception& ex) {
      std::cerr << "convscope: --test-edit " << ptr.to_string() << ": " << ex.what() << "\n";
      return false;
    }
    w.document()->edit(next, "test edit " + QString::fromStdString(ptr.to_string()));
  }
  return true;
}

// --compare: the Compare window with each stack added; false (message on stderr) when one cannot be.
bool openComparison(MainWindow& w, const LaunchOptions& o) {
  if (o.compare.isEmpty()) return true;
  CompareWindow* c = w.openComparison();
  while (c->stackCount() > 1) c->removeStack(c->stackCount() - 1);  // what a lesson opened beside it
  for (const QString& stack : o.compare) {
    QString err;
    if (!(QFileInfo(stack).isFile() ? c->addFile(stack, &err) : c->addLesson(stack, &err))) {
      std::cerr << "convscope: --compare " << stack.toStdString() << ": " << err.toStdString() << "\n";
      return false;
    }
  }
  c->markSaved();  // opened from files: nothing to save yet
  return true;
}

// --print-document: the open document once computed, as JSON on stdout; with a comparison open,
// "compare" lists its other stacks the same way.
void printDocument(MainWindow& w) {
  auto describe = [](Document* d) {
    d->waitIdle();
    return nlohmann::json{{"title", d->title().toStdString()},
                          {"path", d->filePath().toStdString()},
                          {"modified", d->isModified()},
                          {"error", d->error() ? d->error()->message.toStdString() : ""},
                          {"source", d->source()}};
  };
  nlohmann::json out = describe(w.document());
  if (CompareWindow* c = w.compareWindow()) {
    out["compare"] = nlohmann::json::array();
    for (int i = 1; i < c->stackCount(); ++i) out["compare"].push_back(describe(c->document(i)));
  }
  std::cout << out.dump(2) << std::endl;
}

// --help and --list-lessons: answered without a window; nullopt when the command line asks for neither.
std::optional<int> answerWithoutWindow(const Arguments& a) {
  if (a.helpRequested()) {
    std::cout << helpText(launcherSpec());
    return 0;
  }
  if (a.isSet("list-lessons")) {
    for (const QString& n : lessonNames()) std::cout << n.toStdString() << "\n";
    return 0;
  }
  return std::nullopt;
}

// The window, opened on what `o` names, with autosave and recovery started; exit status 2 (the
// message on stderr) when the document cannot be opened.
int runWindow(GuardedApplication& app, const LaunchOptions& o, const QElapsedTimer& sinceMain) {
  const bool batch = !o.screenshot.isEmpty() || o.quitAfterFirstFrame;
  MainWindow w(nullptr, /*persistLayout=*/!batch);
  app.setErrorHandler([&w](const QString& message) {
    w.projectController()->reportError(MainWindow::tr("Not completed"), message);
  });
  attachCanvas(w);
  if (o.viewGiven) w.setRequestedView(o.view, o.layer, o.step);
  if (!openStart(w, o)) return 2;
  ProjectController* files = w.projectController();
  if (!files->startSession())
    std::cerr << "convscope: warning: cannot start a session in "
              << ProjectController::dataDir().toStdString() << "; autosave is off\n";
  files->setInteractive(o.recover == ProjectController::RecoverAnswer::Ask && !batch);
  files->offerRecovery(o.recover);
  if (!applyTestEdits(w, o) || !openComparison(w, o)) return 2;
  if (o.printDocument) {
    printDocument(w);
    return 0;
  }
  if (w.document()->error()) std::cerr << w.document()->error()->message.toStdString() << "\n";
  // --size wins; a screenshot otherwise gets the default size fitted to the screen (as a first
  // start does), never a geometry saved by an earlier session (batch runs do not read it).
  if (o.size.isValid())
    w.resize(o.size);
  else if (!o.screenshot.isEmpty())
    w.resize(w.fittedDefaultSize());
  if (o.quitAfterFirstFrame) scheduleQuitAfterFirstFrame(&w, sinceMain);
  w.show();
  CompareWindow* compare = w.compareWindow();
  if (compare && o.size.isValid()) compare->resize(o.size);
  if (compare) compare->show();
  if (!o.screenshot.isEmpty())
    scheduleScreenshot(&w, compare ? static_cast<QWidget*>(compare) : &w, o.screenshot);
  return QApplication::exec();
}

}  // namespace

// [SECTION] ENTRY

const CommandSpec& launcherSpec() {
  static const CommandSpec c = makeLauncherSpec();
  return c;
}

int runGui(int argc, char** argv) {
  QElapsedTimer sinceMain;
  sinceMain.start();
  // A command line that parses as it stands is answered (--help, --list-lessons) or refused (a bad
  // value) before a QApplication connects to a display. One that does not may hold Qt's own options
  // (-platform, -style, ...): QApplication removes those, and the rest is parsed again.
  std::optional<Arguments> args;
  std::optional<LaunchOptions> options;
  try {
    args = parseArguments(launcherSpec(), std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError&) {
  }
  try {
    if (args) {
      if (const auto status = answerWithoutWindow(*args)) return *status;
      options = launchOptions(*args);
    }
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  GuardedApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  if (!options) {
    try {
      std::vector<std::string> rest;
      for (const QString& s : QApplication::arguments().mid(1)) rest.push_back(s.toStdString());
      args = parseArguments(launcherSpec(), rest);
      if (const auto status = answerWithoutWindow(*args)) return *status;
      options = launchOptions(*args);
    } catch (const UsageError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  return runWindow(app, *options, sinceMain);
}

}  // namespace convscope::app
