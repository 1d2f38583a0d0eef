#include "app/launch.h"

#include <time.h>
#include <unistd.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>
#include <QWindow>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "app/gui/canvas_binding.h"
#include "app/gui/guarded_application.h"
#include "app/gui/lessons.h"
#include "app/gui/main_window.h"
#include "app/gui/project_controller.h"
#include "widgets/canvas.h"

namespace convscope::app {

namespace {

const QStringList kViews = {"slide",   "scatter",         "zero_insert", "matrix",
                            "overlap", "receptive_field", "activations"};

// Waits until the window is exposed and settled (no recompute, plots built, canvas frame drawn),
// lets queued repaints run, then grabs the whole window into `file`. Exits the app with 0 or 2.
void scheduleScreenshot(MainWindow* w, const QString& file) {
  auto* timer = new QTimer(w);
  auto* clock = new QElapsedTimer;
  clock->start();
  auto settledTicks = std::make_shared<int>(0);
  QObject::connect(timer, &QTimer::timeout, w, [w, file, timer, clock, settledTicks]() {
    const bool exposed = w->windowHandle() && w->windowHandle()->isExposed();
    const bool settled = exposed && w->isSettled();
    *settledTicks = settled ? *settledTicks + 1 : 0;
    const bool timedOut = clock->elapsed() > 20000;
    if (*settledTicks < 4 && !timedOut) return;  // 4 ticks: queued replots and paints have run
    timer->stop();
    delete clock;
    if (timedOut) std::cerr << "convscope: warning: the window did not settle within 20 s; saving anyway\n";
    const QPixmap shot = w->grab();
    const bool ok = shot.save(file, "PNG");
    if (ok)
      std::cout << "convscope: wrote " << file.toStdString() << " (" << shot.width() << "x" << shot.height()
                << ", window " << w->width() << "x" << w->height() << ")" << std::endl;
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

}  // namespace

int runGui(int argc, char** argv) {
  QElapsedTimer sinceMain;
  sinceMain.start();
  // Listing lessons needs no display: answer it before a QApplication connects to one.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--list-lessons") {
      QCoreApplication core(argc, argv);
      for (const QString& n : lessonNames()) std::cout << n.toStdString() << "\n";
      return 0;
    }
  GuardedApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  QCommandLineParser parser;
  parser.setApplicationDescription("ConvScope: convolution and transposed convolution, visible and exact.");
  parser.addHelpOption();
  QCommandLineOption lessonOpt("lesson", "Open the bundled lesson NAME.", "NAME");
  QCommandLineOption listOpt("list-lessons", "Print the bundled lesson names, one per line.");
  QCommandLineOption viewOpt("view", "Start the canvas on VIEW: " + kViews.join(", ") + ".", "VIEW");
  QCommandLineOption layerOpt("layer", "The layer the view shows (default: the lesson's).", "I");
  QCommandLineOption stepOpt("step", "Start the animation at step T.", "T");
  QCommandLineOption shotOpt(
      "screenshot", "Save a screenshot of the whole window to FILE.png once drawn, and exit.", "FILE");
  QCommandLineOption recoverOpt("recover",
                                "Answer the crash-recovery question without asking: yes, no, or later "
                                "(default: ask; --screenshot and --print-document default to later).",
                                "yes|no|later");
  QCommandLineOption testEditOpt(
      "test-edit",
      "Test hook: after opening, apply the undoable edit POINTER=JSON to the stack "
      "source (e.g. /layers/0/stride=2). Repeatable.",
      "POINTER=JSON");
  QCommandLineOption printOpt(
      "print-document",
      "Test hook: print the open document as JSON (title, path, modified, source) and exit.");
  QCommandLineOption firstFrameOpt(
      "quit-after-first-frame",
      "Benchmark hook: once the canvas has painted its first frame of the document, print "
      "the milliseconds since the process started and exit 0 (convscope bench --interactive).");
  parser.addOptions({lessonOpt, listOpt, viewOpt, layerOpt, stepOpt, shotOpt, recoverOpt, testEditOpt,
                     printOpt, firstFrameOpt});
  parser.addPositionalArgument("FILE", "A stack (.json), project (.convscope) or ONNX model (.onnx) to open.",
                               "[FILE]");
  if (!parser.parse(QApplication::arguments())) {
    std::cerr << "convscope: " << parser.errorText().toStdString() << " (see 'convscope --help')\n";
    return 2;
  }
  if (parser.isSet("help")) {
    std::cout << parser.helpText().toStdString();
    return 0;
  }
  if (parser.isSet(listOpt)) {
    for (const QString& n : lessonNames()) std::cout << n.toStdString() << "\n";
    return 0;
  }
  const QStringList pos = parser.positionalArguments();
  if (pos.size() > 1 || (pos.size() == 1 && parser.isSet(lessonOpt))) {
    std::cerr << "convscope: give one stack file or --lesson NAME, not both\n";
    return 2;
  }
  QString view;
  int layer = -1, step = -1;
  if (parser.isSet(viewOpt)) {
    view = parser.value(viewOpt);
    if (!kViews.contains(view)) {
      std::cerr << "convscope: unknown view '" << view.toStdString()
                << "'; views: " << kViews.join(", ").toStdString() << "\n";
      return 2;
    }
  }
  for (auto [opt, out, what] :
       {std::tuple{&layerOpt, &layer, "--layer"}, std::tuple{&stepOpt, &step, "--step"}}) {
    if (!parser.isSet(*opt)) continue;
    bool ok = false;
    *out = parser.value(*opt).toInt(&ok);
    if (!ok || *out < 0) {
      std::cerr << "convscope: " << what << " needs an integer >= 0, got '"
                << parser.value(*opt).toStdString() << "'\n";
      return 2;
    }
  }
  auto recover = ProjectController::RecoverAnswer::Ask;
  if (parser.isSet(recoverOpt)) {
    const QString v = parser.value(recoverOpt).toLower();
    if (v == "yes")
      recover = ProjectController::RecoverAnswer::Yes;
    else if (v == "no")
      recover = ProjectController::RecoverAnswer::No;
    else if (v == "later")
      recover = ProjectController::RecoverAnswer::Later;
    else {
      std::cerr << "convscope: --recover needs yes, no or later, got '" << v.toStdString() << "'\n";
      return 2;
    }
  } else if (parser.isSet(shotOpt) || parser.isSet(printOpt) || parser.isSet(firstFrameOpt)) {
    recover = ProjectController::RecoverAnswer::Later;  // never block a non-interactive run on a dialog
  }
  std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> testEdits;
  for (const QString& e : parser.values(testEditOpt)) {
    const qsizetype eq = e.indexOf('=');
    try {
      if (eq < 1) throw std::invalid_argument("no '='");
      testEdits.emplace_back(nlohmann::json::json_pointer(e.left(eq).toStdString()),
                             nlohmann::json::parse(e.mid(eq + 1).toStdString()));
    } catch (const std::exception& ex) {
      std::cerr << "convscope: --test-edit needs POINTER=JSON (e.g. /layers/0/stride=2), got '"
                << e.toStdString() << "': " << ex.what() << "\n";
      return 2;
    }
  }
  const bool screenshot = parser.isSet(shotOpt);
  const bool quitAfterFirstFrame = parser.isSet(firstFrameOpt);
  MainWindow w(nullptr, /*persistLayout=*/!screenshot && !quitAfterFirstFrame);
  app.setErrorHandler([&w](const QString& message) {
    w.projectController()->reportError(MainWindow::tr("Not completed"), message);
  });
  attachCanvas(w);
  if (parser.isSet(viewOpt) || parser.isSet(layerOpt) || parser.isSet(stepOpt))
    w.setRequestedView(view, layer, step);
  if (pos.size() == 1) {
    if (!QFileInfo::exists(pos[0])) {
      std::cerr << "convscope: '" << pos[0].toStdString()
                << "' is neither a command nor an existing stack file (see 'convscope --help')\n";
      return 2;
    }
    QString err;
    const auto kind = ProjectController::kindOf(pos[0]);
    if (kind == ProjectController::FileKind::Input) w.document()->newDocument();  // a stack to feed it to
    if (!(kind == ProjectController::FileKind::Unknown ? w.openFile(pos[0], &err)
                                                       : w.projectController()->openAny(pos[0], &err))) {
      std::cerr << err.toStdString() << "\n";
      return 2;
    }
  } else {
    const QString name = parser.isSet(lessonOpt) ? parser.value(lessonOpt) : defaultLesson();
    if (!w.openLesson(name)) {
      std::cerr << "convscope: no lesson named '" << name.toStdString()
                << "'; available: " << lessonNames().join(", ").toStdString() << "\n";
      return 2;
    }
  }
  ProjectController* files = w.projectController();
  if (!files->startSession())
    std::cerr << "convscope: warning: cannot start a session in "
              << ProjectController::dataDir().toStdString() << "; autosave is off\n";
  files->setInteractive(recover == ProjectController::RecoverAnswer::Ask && !screenshot &&
                        !quitAfterFirstFrame);
  files->offerRecovery(recover);
  for (const auto& [ptr, value] : testEdits) {
    nlohmann::json next = w.document()->source();
    try {
      next[ptr] = value;
    } catch (const std::exception& ex) {
      std::cerr << "convscope: --test-edit " << ptr.to_string() << ": " << ex.what() << "\n";
      return 2;
    }
    w.document()->edit(next, "test edit " + QString::fromStdString(ptr.to_string()));
  }
  if (parser.isSet(printOpt)) {
    w.document()->waitIdle();
    const nlohmann::json out = {
        {"title", w.document()->title().toStdString()},
        {"path", w.document()->filePath().toStdString()},
        {"modified", w.document()->isModified()},
        {"error", w.document()->error() ? w.document()->error()->message.toStdString() : ""},
        {"source", w.document()->source()}};
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  if (w.document()->error()) std::cerr << w.document()->error()->message.toStdString() << "\n";
  if (screenshot) w.resize(MainWindow::defaultSize());  // figures of one size, whatever the screen
  if (quitAfterFirstFrame) scheduleQuitAfterFirstFrame(&w, sinceMain);
  w.show();
  if (screenshot) scheduleScreenshot(&w, parser.value(shotOpt));
  return QApplication::exec();
}

}  // namespace convscope::app
