#include "widgets/compare/difference_plot.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "engine/compare/compare.h"
#include "widgets/scene/colour_maps.h"

namespace convscope::widgets {

DifferencePlot::DifferencePlot(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_title = new QLabel(this);
  m_title->setWordWrap(true);
  m_plot = new QCustomPlot(this);
  m_plot->setMinimumHeight(120);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  layout->addWidget(m_title);
  layout->addWidget(m_plot, 1);
}

QString DifferencePlot::title() const {
  return m_title->text();
}

void DifferencePlot::setMessage(const QString& message) {
  m_maxAbs = -1;
  m_title->setText(message);
  m_plot->clearPlottables();
  m_plot->clearGraphs();
  m_plot->replot();
}

bool DifferencePlot::setPair(const engine::Tensor& a, const engine::Tensor& b, const QString& nameA,
                             const QString& nameB) {
  auto noBatch = [](const engine::Shape& s) { return engine::Shape(s.begin() + 1, s.end()); };
  const engine::Shape sa = engine::squeezedShape(noBatch(a.shape)),
                      sb = engine::squeezedShape(noBatch(b.shape));
  if (a.shape.size() < 3 || sa != sb) {
    setMessage(tr("%1 and %2 have outputs of different shapes (%3 and %4): no difference to plot")
                   .arg(nameA, nameB, QString::fromStdString(engine::shapeToString(noBatch(a.shape))),
                        QString::fromStdString(engine::shapeToString(noBatch(b.shape)))));
    return false;
  }
  // Same data order once singleton axes are dropped: batch 0 of each is C × (H ×) L floats.
  const int64_t channels = sa[0];
  const bool twoD = sa.size() >= 3;
  const int64_t h = twoD ? sa[1] : 1, w = twoD ? sa[2] : (sa.size() > 1 ? sa[1] : 1);
  const int64_t plane = h * w;
  m_plot->clearPlottables();
  m_plot->clearGraphs();
  m_maxAbs = 0;
  int64_t worstC = 0, worstP = 0;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < plane; ++p) {
      const double d =
          std::fabs(double(a.data[size_t(c * plane + p)]) - double(b.data[size_t(c * plane + p)]));
      if (d > m_maxAbs) m_maxAbs = d, worstC = c, worstP = p;
    }
  const QString where = twoD ? QString("(%1, %2)").arg(worstP / w).arg(worstP % w) : QString::number(worstP);
  m_title->setText(tr("%1 − %2: largest |difference| %3 at channel %4, position %5")
                       .arg(nameA, nameB, QString::number(m_maxAbs, 'g', 6))
                       .arg(worstC)
                       .arg(where));
  if (!twoD) {
    const int shown = int(std::min<int64_t>(channels, 16));
    for (int c = 0; c < shown; ++c) {
      QCPGraph* g = m_plot->addGraph();
      QVector<double> x(static_cast<qsizetype>(w)), y(static_cast<qsizetype>(w));
      for (int64_t i = 0; i < w; ++i) {
        x[int(i)] = double(i);
        y[int(i)] = double(a.data[size_t(c * plane + i)]) - double(b.data[size_t(c * plane + i)]);
      }
      g->setData(x, y, true);
      g->setPen(QPen(categoricalColor(c, m_theme), 1.5));
      g->setName(tr("ch %1").arg(c));
    }
    m_plot->xAxis->setLabel(tr("position"));
    m_plot->yAxis->setLabel(tr("%1 − %2").arg(nameA, nameB));
    m_plot->xAxis->setRange(-0.5, double(w) - 0.5);
    const double r = m_maxAbs > 0 ? m_maxAbs * 1.1 : 1.0;
    m_plot->yAxis->setRange(-r, r);
  } else {
    auto* map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    map->data()->setSize(int(w), int(h));
    map->data()->setRange(QCPRange(0, double(std::max<int64_t>(w - 1, 1))),
                          QCPRange(0, double(std::max<int64_t>(h - 1, 1))));
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double m = 0;
        for (int64_t c = 0; c < channels; ++c) {
          const size_t i = size_t(c * plane + y * w + x);
          m = std::max(m, std::fabs(double(a.data[i]) - double(b.data[i])));
        }
        map->data()->setCell(int(x), int(h - 1 - y), m);  // row 0 at the top, as on the canvas
      }
    QCPColorGradient g(QCPColorGradient::gpHot);
    g.setLevelCount(256);
    map->setGradient(g.inverted());
    map->setDataRange(QCPRange(0, m_maxAbs > 0 ? m_maxAbs : 1.0));
    map->setInterpolate(false);
    m_plot->xAxis->setLabel(tr("W"));
    m_plot->yAxis->setLabel(tr("H (max |difference| over channels)"));
    m_plot->rescaleAxes();
  }
  m_plot->replot();
  return true;
}

}  // namespace convscope::widgets
