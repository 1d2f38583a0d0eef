// CanvasPlaceholder: what the central area shows until a canvas is plugged in with
// MainWindow::setCanvas() — a table of the layers with their shapes and output-length formulas.
#pragma once
#include <QWidget>

#include "widgets/scene/stack_snapshot.h"

class QLabel;
class QTableWidget;

namespace convscope::app {

class CanvasPlaceholder : public QWidget {
  Q_OBJECT
 public:
  explicit CanvasPlaceholder(QWidget* parent = nullptr);
  /// Shows `snap`'s layers; `currentLayer` is highlighted (-1: none).
  void setSnapshot(const widgets::SnapshotPtr& snap, int currentLayer);
  /// Highlights one layer row.
  void setCurrentLayer(int layer);

 private:
  QLabel* m_title = nullptr;
  QLabel* m_subtitle = nullptr;
  QTableWidget* m_table = nullptr;
};

}  // namespace convscope::app
