#include "gui_launch.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>
#include <QWindow>
#include <iostream>
#include <string>

#include "gui_canvas.h"
#include "gui_lessons.h"
#include "main_window.h"

namespace convscope::app {

namespace {

const QStringList kViews = {"slide", "scatter", "zero_insert", "matrix", "overlap", "receptive_field", "activations"};

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

}  // namespace

int runGui(int argc, char** argv) {
  // Listing lessons needs no display: answer it before a QApplication connects to one.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--list-lessons") {
      QCoreApplication core(argc, argv);
      for (const QString& n : lessonNames()) std::cout << n.toStdString() << "\n";
      return 0;
    }
  QApplication app(argc, argv);
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
  QCommandLineOption shotOpt("screenshot", "Save a screenshot of the whole window to FILE.png once drawn, and exit.",
                             "FILE");
  parser.addOptions({lessonOpt, listOpt, viewOpt, layerOpt, stepOpt, shotOpt});
  parser.addPositionalArgument("STACK", "A stack file to open.", "[STACK.json]");
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
      std::cerr << "convscope: unknown view '" << view.toStdString() << "'; views: " << kViews.join(", ").toStdString()
                << "\n";
      return 2;
    }
  }
  for (auto [opt, out, what] : {std::tuple{&layerOpt, &layer, "--layer"}, std::tuple{&stepOpt, &step, "--step"}}) {
    if (!parser.isSet(*opt)) continue;
    bool ok = false;
    *out = parser.value(*opt).toInt(&ok);
    if (!ok || *out < 0) {
      std::cerr << "convscope: " << what << " needs an integer >= 0, got '" << parser.value(*opt).toStdString() << "'\n";
      return 2;
    }
  }
  const bool screenshot = parser.isSet(shotOpt);
  MainWindow w(nullptr, /*persistLayout=*/!screenshot);
  attachCanvas(w);
  if (parser.isSet(viewOpt) || parser.isSet(layerOpt) || parser.isSet(stepOpt)) w.setRequestedView(view, layer, step);
  if (pos.size() == 1) {
    if (!QFileInfo::exists(pos[0])) {
      std::cerr << "convscope: '" << pos[0].toStdString()
                << "' is neither a command nor an existing stack file (see 'convscope --help')\n";
      return 2;
    }
    QString err;
    if (!w.openFile(pos[0], &err)) {
      std::cerr << err.toStdString() << "\n";
      return 2;
    }
  } else {
    const QString name = parser.isSet(lessonOpt) ? parser.value(lessonOpt) : defaultLesson();
    if (!w.openLesson(name)) {
      std::cerr << "convscope: no lesson named '" << name.toStdString() << "'; available: "
                << lessonNames().join(", ").toStdString() << "\n";
      return 2;
    }
  }
  if (w.document()->error()) std::cerr << w.document()->error()->message.toStdString() << "\n";
  if (screenshot) w.resize(MainWindow::defaultSize());
  w.show();
  if (screenshot) scheduleScreenshot(&w, parser.value(shotOpt));
  return QApplication::exec();
}

}  // namespace convscope::app
