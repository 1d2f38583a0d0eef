// HeadlessApp: a QApplication for the headless commands (render, animate, bench --interactive) that
// draw with Qt without a desktop. The offscreen platform unless QT_QPA_PLATFORM says otherwise, and
// a private XDG_RUNTIME_DIR when none is set (Qt warns on every run otherwise). Does nothing when a
// QCoreApplication already exists; the application lives as long as this object.
#pragma once
#include <unistd.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QString>
#include <memory>

namespace convscope::app {

class HeadlessApp {
 public:
  HeadlessApp() {
    if (QCoreApplication::instance()) return;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
      const QString rt = QDir::tempPath() + QString("/runtime-convscope-%1").arg(getuid());
      QDir().mkpath(rt);
      QFile::setPermissions(rt, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
      qputenv("XDG_RUNTIME_DIR", rt.toLocal8Bit());
    }
    static int argc = 1;
    static char name[] = "convscope";
    static char* argv[] = {name, nullptr};
    m_app = std::make_unique<QApplication>(argc, argv);
  }

 private:
  std::unique_ptr<QApplication> m_app;
};

}  // namespace convscope::app
