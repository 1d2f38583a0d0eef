#include "gui_launch.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <iostream>

#include "engine/error.h"
#include "engine/stack.h"
#include "gui_lessons.h"
#include "main_window.h"

namespace convscope::app {

int runGui(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  QCommandLineParser parser;
  parser.setApplicationDescription("ConvScope: convolution and transposed convolution, visible and exact.");
  parser.addHelpOption();
  QCommandLineOption lessonOpt("lesson", "Open the bundled lesson NAME.", "NAME");
  QCommandLineOption listOpt("list-lessons", "Print the bundled lesson names, one per line.");
  QCommandLineOption shotOpt("screenshot", "Save a screenshot of the window to FILE.png and exit.", "FILE");
  parser.addOptions({lessonOpt, listOpt, shotOpt});
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
  engine::Stack stack;
  try {
    if (pos.size() == 1) {
      if (!QFileInfo::exists(pos[0])) {
        std::cerr << "convscope: '" << pos[0].toStdString()
                  << "' is neither a command nor an existing stack file (see 'convscope --help')\n";
        return 2;
      }
      stack = engine::loadStack(pos[0].toStdString());
    } else {
      const QString name = parser.isSet(lessonOpt) ? parser.value(lessonOpt) : defaultLesson();
      const QString path = lessonPath(name);
      if (path.isEmpty()) {
        std::cerr << "convscope: no lesson named '" << name.toStdString() << "'; available: "
                  << lessonNames().join(", ").toStdString() << "\n";
        return 2;
      }
      QFile f(path);
      f.open(QIODevice::ReadOnly);
      const std::string text = f.readAll().toStdString();
      stack = engine::resolveStack(engine::parseStackJson(text, "lesson " + name.toStdString()),
                                   "lesson " + name.toStdString(), "");
    }
  } catch (const engine::EngineError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  MainWindow w;
  w.setStack(std::move(stack));
  w.show();
  if (parser.isSet(shotOpt)) {
    const QString file = parser.value(shotOpt);
    QTimer::singleShot(300, &w, [&w, file]() {
      const bool ok = w.grab().save(file, "PNG");
      if (!ok) std::cerr << "convscope: cannot write screenshot " << file.toStdString() << "\n";
      QApplication::exit(ok ? 0 : 2);
    });
  }
  return QApplication::exec();
}

}  // namespace convscope::app
