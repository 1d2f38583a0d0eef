// DifferencePlot: where two compared outputs differ. Given outputs a and b whose shapes are equal up
// to singleton spatial axes (engine::squeezedShape), it draws a − b: one line per channel against
// the position for 1-D outputs, a heatmap of the largest |a − b| over channels for 2-D outputs.
// The title names the pair, the largest |a − b| and where it is.
#pragma once
#include <QWidget>

#include "engine/core/tensor.h"
#include "widgets/scene/scene_theme.h"

class QCustomPlot;
class QLabel;

namespace convscope::widgets {

class DifferencePlot : public QWidget {
  Q_OBJECT
 public:
  explicit DifferencePlot(QWidget* parent = nullptr);

  /// Plots a − b (tensors (N, C, spatial...), batch 0); false (and a note instead of a plot) when
  /// their squeezed shapes differ.
  bool setPair(const engine::Tensor& a, const engine::Tensor& b, const QString& nameA, const QString& nameB);
  /// Shows `message` instead of a plot.
  void setMessage(const QString& message);
  void setTheme(Theme theme) { m_theme = theme; }

  /// The largest |a − b| of the last setPair (-1 when nothing is plotted).
  double maxAbsDifference() const { return m_maxAbs; }
  QCustomPlot* plot() const { return m_plot; }
  QString title() const;

 private:
  QLabel* m_title = nullptr;
  QCustomPlot* m_plot = nullptr;
  double m_maxAbs = -1;
  Theme m_theme = Theme::Light;
};

}  // namespace convscope::widgets
