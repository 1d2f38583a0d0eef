#include "app/gui/guarded_application.h"

#include <QTimer>
#include <cstdio>
#include <exception>
#include <new>

#include "engine/core/error.h"

namespace convscope::app {

GuardedApplication::GuardedApplication(int& argc, char** argv) : QApplication(argc, argv) {}

bool GuardedApplication::notify(QObject* receiver, QEvent* event) {
  try {
    return QApplication::notify(receiver, event);
  } catch (const std::bad_alloc&) {
    report(tr("Not enough memory for the last action; it was not completed. Your document is unchanged."));
  } catch (const engine::EngineError& e) {
    report(QString::fromStdString(e.what()));
  } catch (const std::exception& e) {
    report(tr("Internal error in the last action (%1); it was not completed. Your document is unchanged.")
               .arg(QString::fromLocal8Bit(e.what())));
  }
  return false;
}

void GuardedApplication::report(const QString& message) {
  ++m_caught;
  std::fprintf(stderr, "convscope: %s\n", message.toLocal8Bit().constData());
  if (!m_handler || m_reportQueued) return;
  m_reportQueued = true;  // one message per burst (a paint that fails fails on every frame)
  QTimer::singleShot(0, this, [this, message]() {
    m_reportQueued = false;
    if (m_handler) m_handler(message);
  });
}

}  // namespace convscope::app
