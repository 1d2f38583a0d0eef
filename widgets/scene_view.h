// SceneView: the scene of one stack drawn with QPainter in a plain QWidget — no OpenGL, no HUD —
// for places that show several scenes at once (the comparison's panes) and must work on any
// platform, including an offscreen one. Shows layer `layer()` of a snapshot in `view()` at `step()`;
// hovering a cell highlights its dependencies, shows its exact value as a tooltip and reports the
// cell (hovered()), and setLinkedHover() highlights a cell another view reported.
#pragma once
#include <QWidget>
#include <optional>

#include "widgets/scene/scene_renderer.h"

namespace convscope::widgets {

class SceneView : public QWidget {
  Q_OBJECT
  Q_PROPERTY(bool frameReady READ frameReady)
 public:
  explicit SceneView(QWidget* parent = nullptr);

  /// Shows `snapshot` (shared, never copied); the layer is clamped to its layers.
  void setSnapshot(SnapshotPtr snapshot);
  /// Layer shown; -1 = the last layer (kept last when the stack grows or shrinks).
  void setLayer(int layer);
  /// View; Auto (or a view that cannot show the layer) = the layer's teaching view.
  void setView(View view);
  /// Step, clamped to [0, stepCount()).
  void setStep(int step);
  void setTheme(Theme theme);
  /// Highlights `target` as if hovered here (an Output cell outside this layer's output is ignored).
  void setLinkedHover(const std::optional<HoverTarget>& target);

  SnapshotPtr snapshot() const { return m_snapshot; }
  /// The layer drawn (resolved from -1), 0 before a stack is set.
  int layer() const;
  View view() const { return m_model ? m_model->view : m_view; }
  int step() const { return m_step; }
  int stepCount() const { return m_model ? m_model->steps : 1; }
  SceneModelPtr model() const { return m_model; }
  /// The frame as it would be drawn now (export draws the same).
  SceneRequest currentRequest() const;
  bool frameReady() const { return true; }
  std::optional<HoverTarget> hover() const { return m_hover; }

 signals:
  /// The mouse moved onto another cell (nullopt: off every cell).
  void hovered(const std::optional<convscope::widgets::HoverTarget>& target);
  /// The view was clicked (a comparison makes its pane the active one).
  void clicked();
  /// The wheel asks for the previous (−1) or next (+1) step.
  void stepRequested(int delta);

 protected:
  void paintEvent(QPaintEvent* ev) override;
  void mouseMoveEvent(QMouseEvent* ev) override;
  void mousePressEvent(QMouseEvent* ev) override;
  void wheelEvent(QWheelEvent* ev) override;
  void leaveEvent(QEvent* ev) override;

 private:
  void rebuild();
  void setHover(const std::optional<HoverTarget>& target);

  SnapshotPtr m_snapshot;
  SceneModelPtr m_model;
  int m_layer = -1;  // -1: the last layer
  View m_view = View::Auto;
  int m_step = 0;
  Theme m_theme = Theme::Light;
  std::optional<HoverTarget> m_hover;
};

}  // namespace convscope::widgets
