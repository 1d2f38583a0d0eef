#include "widgets/scene/compare_frame.h"

#include <QFont>
#include <QFontMetricsF>
#include <algorithm>

#include "widgets/scene/scene_theme.h"

namespace convscope::widgets {

int comparisonSteps(const std::vector<ComparisonPanel>& panels) {
  int steps = 1;
  for (const ComparisonPanel& p : panels) steps = std::max(steps, p.model->steps);
  return steps;
}

double comparisonHeaderHeight(double height) {
  return std::clamp(height * 0.05, 22.0, 40.0);
}

void renderComparison(QPainter& p, const std::vector<ComparisonPanel>& panels, int step, Theme theme,
                      QSizeF size, bool showHeader, bool showCaption) {
  const ScenePalette& pal = scenePalette(theme);
  p.save();
  p.fillRect(QRectF(QPointF(0, 0), size), pal.background);
  const int n = std::max<int>(1, int(panels.size()));
  const double gap = 8, head = comparisonHeaderHeight(size.height());
  const double w = (size.width() - gap * (n - 1)) / n;
  QFont font("DejaVu Sans");
  font.setPixelSize(int(std::max(12.0, head * 0.55)));
  font.setBold(true);
  for (int i = 0; i < int(panels.size()); ++i) {
    const ComparisonPanel& panel = panels[size_t(i)];
    const double x = i * (w + gap);
    const QRectF headRect(x, 0, w, head);
    p.setFont(font);
    p.setPen(pal.text);
    const QString name = QFontMetricsF(font).elidedText(panel.name, Qt::ElideMiddle, w - 8);
    p.drawText(headRect.adjusted(4, 0, -4, 0), Qt::AlignLeft | Qt::AlignVCenter, name);
    if (i > 0) {
      p.setPen(QPen(pal.gridLine, pal.strokeWidth));
      p.drawLine(QPointF(x - gap / 2, 4), QPointF(x - gap / 2, size.height() - 4));
    }
    SceneRequest r;
    r.model = panel.model;
    r.step = std::clamp(step, 0, panel.model->steps - 1);
    r.theme = theme;
    const double scale = sceneScaleFor(w);
    const QSizeF place(w, std::max(60.0, size.height() - head));
    r.size = place / scale;
    r.showHeader = showHeader;
    r.showCaption = showCaption;
    p.save();
    p.translate(x, head);
    p.setClipRect(QRectF(QPointF(0, 0), place));
    p.scale(scale, scale);
    renderScene(p, r);
    p.restore();
  }
  p.restore();
}

}  // namespace convscope::widgets
