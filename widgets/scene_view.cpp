#include "widgets/scene_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>

#include "widgets/scene/compare_frame.h"

namespace convscope::widgets {

SceneView::SceneView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(200, 160);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void SceneView::setSnapshot(SnapshotPtr snapshot) {
  m_snapshot = std::move(snapshot);
  rebuild();
}

int SceneView::layer() const {
  if (!m_snapshot || m_snapshot->stack.layers.empty()) return 0;
  const int last = int(m_snapshot->stack.layers.size()) - 1;
  return m_layer < 0 ? last : std::min(m_layer, last);
}

void SceneView::setLayer(int layer) {
  if (layer == m_layer && m_model) return;
  m_layer = layer;
  rebuild();
}

void SceneView::setView(View view) {
  if (view == m_view && m_model) return;
  m_view = view;
  rebuild();
}

void SceneView::setStep(int step) {
  step = std::clamp(step, 0, stepCount() - 1);
  if (step == m_step) return;
  m_step = step;
  update();
}

void SceneView::setTheme(Theme theme) {
  m_theme = theme;
  update();
}

void SceneView::rebuild() {
  m_model.reset();
  m_hover.reset();
  if (!m_snapshot || m_snapshot->stack.layers.empty() || m_snapshot->outputs.empty()) {
    update();
    return;
  }
  const int l = layer();
  View v = m_view;
  if (v != View::Auto && !viewSupports(v, m_snapshot->stack.layers[size_t(l)])) v = View::Auto;
  m_model = SceneModel::build(m_snapshot, l, v);
  m_step = std::clamp(m_step, 0, m_model->steps - 1);
  update();
}

SceneRequest SceneView::currentRequest() const {
  // A narrow pane lays the scene out at kMinSceneWidth and draws it scaled down (compare_frame.h).
  return SceneRequest{m_model, m_step, m_theme, QSizeF(width(), height()) / sceneScaleFor(width()),
                      m_hover, true};
}

void SceneView::setLinkedHover(const std::optional<HoverTarget>& target) {
  std::optional<HoverTarget> t = target;
  if (t && m_snapshot && !m_snapshot->outputs.empty()) {
    // Only an output cell this layer's output has: (channel, position) inside (N, C, spatial...).
    const engine::Shape& s = m_snapshot->outputs[size_t(layer())].shape;
    bool inside =
        t->region == HoverTarget::Region::Output && s.size() >= 3 && t->channel >= 0 && t->channel < s[1];
    for (size_t a = 2; inside && a < s.size(); ++a) inside = t->pos[a - 2] >= 0 && t->pos[a - 2] < s[a];
    if (!inside) t.reset();
  }
  if (t == m_hover) return;
  m_hover = t;
  update();
}

void SceneView::setHover(const std::optional<HoverTarget>& target) {
  if (target == m_hover) return;
  m_hover = target;
  update();
  emit hovered(target);
}

void SceneView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  if (!m_model) {
    p.fillRect(rect(), palette().window());
    p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("No valid stack to show yet"));
    return;
  }
  const double scale = sceneScaleFor(width());
  p.scale(scale, scale);
  renderScene(p, currentRequest());
}

void SceneView::mouseMoveEvent(QMouseEvent* ev) {
  if (!m_model) return;
  const double scale = sceneScaleFor(width());
  const auto hit = hitTestScene(currentRequest(), ev->position() / scale);
  setHover(hit ? std::optional<HoverTarget>(hit->target) : std::nullopt);
  if (hit) {
    const QRectF cell(hit->rect.topLeft() * scale, hit->rect.size() * scale);
    QToolTip::showText(ev->globalPosition().toPoint(), hit->tooltip, this, cell.toRect());
  } else
    QToolTip::hideText();
}

void SceneView::mousePressEvent(QMouseEvent* ev) {
  emit clicked();
  QWidget::mousePressEvent(ev);
}

void SceneView::wheelEvent(QWheelEvent* ev) {
  emit stepRequested(ev->angleDelta().y() > 0 ? -1 : 1);
}

void SceneView::leaveEvent(QEvent*) {
  setHover(std::nullopt);
}

}  // namespace convscope::widgets
