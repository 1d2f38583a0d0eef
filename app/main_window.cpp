#include "main_window.h"

#include <QAction>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "engine/error.h"

namespace convscope::app {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("ConvScope");
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  m_title = new QLabel(central);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.4);
  f.setBold(true);
  m_title->setFont(f);
  layout->addWidget(m_title);
  auto* split = new QSplitter(Qt::Vertical, central);
  m_lesson = new QTextBrowser(split);
  m_layers = new QTableWidget(split);
  m_layers->setColumnCount(5);
  m_layers->setHorizontalHeaderLabels({"#", "op", "input (C, spatial)", "output (C, spatial)", "formula"});
  m_layers->horizontalHeader()->setStretchLastSection(true);
  m_layers->verticalHeader()->hide();
  m_layers->setEditTriggers(QAbstractItemView::NoEditTriggers);
  split->addWidget(m_lesson);
  split->addWidget(m_layers);
  layout->addWidget(split, 1);
  setCentralWidget(central);

  QMenu* file = menuBar()->addMenu("&File");
  QAction* open = file->addAction("&Open stack…");
  open->setShortcut(QKeySequence::Open);
  connect(open, &QAction::triggered, this, &MainWindow::openStack);
  QAction* quit = file->addAction("&Quit");
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);
  resize(1100, 700);
}

void MainWindow::openStack() {
  const QString path = QFileDialog::getOpenFileName(this, "Open stack", QString(), "Stack files (*.json)");
  if (path.isEmpty()) return;
  try {
    setStack(engine::loadStack(path.toStdString()));
  } catch (const engine::EngineError& e) {
    QMessageBox::warning(this, "Cannot open stack", QString::fromStdString(e.what()));
  }
}

void MainWindow::setStack(engine::Stack stack) {
  m_stack = std::move(stack);
  m_outputs = engine::forward(m_stack);
  refresh();
}

void MainWindow::refresh() {
  const QString name = QString::fromStdString(m_stack.name.empty() ? m_stack.file : m_stack.name);
  setWindowTitle("ConvScope — " + name);
  m_title->setText(name + QString("   ·   %1 convention, %2-D")
                              .arg(engine::conventionName(m_stack.convention))
                              .arg(m_stack.dims));
  m_lesson->setPlainText(QString::fromStdString(m_stack.description));
  m_layers->setRowCount(static_cast<int>(m_stack.layers.size()));
  for (int i = 0; i < static_cast<int>(m_stack.layers.size()); ++i) {
    const auto& l = m_stack.layers[static_cast<size_t>(i)];
    const QStringList cells = {QString::number(i), engine::opName(l.op),
                               QString::fromStdString(engine::shapeToString(l.inputShape())),
                               QString::fromStdString(engine::shapeToString(l.outputShape())),
                               QString::fromStdString(l.formula)};
    for (int c = 0; c < cells.size(); ++c) m_layers->setItem(i, c, new QTableWidgetItem(cells[c]));
  }
  m_layers->resizeColumnsToContents();
}

}  // namespace convscope::app
