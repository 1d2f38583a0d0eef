// GuardedApplication: the app's QApplication. An exception that escapes an event handler (a failed
// allocation while building a view, say) would otherwise unwind through Qt's event loop, which is
// undefined, and end the process with the user's work. notify() catches it at the event that threw:
// the event counts as not handled, the window and the document stay as they were, and the handler
// set with setErrorHandler() is told once per event loop turn (the window shows it to the user).
#pragma once
#include <QApplication>
#include <QString>
#include <functional>

namespace convscope::app {

class GuardedApplication : public QApplication {
 public:
  GuardedApplication(int& argc, char** argv);
  bool notify(QObject* receiver, QEvent* event) override;
  /// Called (on the GUI thread, from a queued call) with a one-sentence message for the user.
  void setErrorHandler(std::function<void(const QString&)> handler) { m_handler = std::move(handler); }
  /// Exceptions caught so far (tests).
  int caughtCount() const { return m_caught; }

 private:
  void report(const QString& message);
  std::function<void(const QString&)> m_handler;
  int m_caught = 0;
  bool m_reportQueued = false;
};

}  // namespace convscope::app
