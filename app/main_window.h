// MainWindow: the ConvScope desktop window (stack summary, lesson text, layer table).
#pragma once
#include <QMainWindow>
#include <memory>

#include "engine/stack.h"

class QLabel;
class QTableWidget;
class QTextBrowser;

namespace convscope::app {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  /// Shows a resolved stack (replaces the current one).
  void setStack(engine::Stack stack);

 private:
  void openStack();
  void refresh();

  engine::Stack m_stack;
  std::vector<engine::Tensor> m_outputs;
  QLabel* m_title = nullptr;
  QTextBrowser* m_lesson = nullptr;
  QTableWidget* m_layers = nullptr;
};

}  // namespace convscope::app
