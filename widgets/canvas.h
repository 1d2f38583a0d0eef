// Canvas: the animated scene in a QOpenGLWidget. paintGL draws the SceneRenderer frame (a QImage
// at the device pixel ratio, drawn with QPainter) and then the Dear ImGui 1.86 HUD through its
// OpenGL3 backend: playback (play/pause, step, scrub bar, speed), view and layer switchers, and live
// sliders for the current layer's kernel_size, stride, padding, dilation and output_padding.
// Events ImGui wants (io.WantCaptureMouse/Keyboard) are not handled by the canvas. Hovering a cell
// highlights its dependencies and shows its exact value and contributions as a tooltip.
// The SceneModel is rebuilt when the stack, layer or view changes — never inside paintGL.
#pragma once
#include <QElapsedTimer>
#include <QImage>
#include <QOpenGLWidget>
#include <QTimer>
#include <memory>
#include <optional>
#include <string>

#include "widgets/imgui_bridge.h"
#include "widgets/scene/scene_renderer.h"

namespace convscope::widgets {

class Canvas : public QOpenGLWidget {
  Q_OBJECT
  Q_PROPERTY(bool frameReady READ frameReady)
 public:
  explicit Canvas(QWidget* parent = nullptr);
  ~Canvas() override;

  /// Shows a stack and its forward outputs (copied into a snapshot).
  void setStack(const engine::Stack& stack, const std::vector<engine::Tensor>& outputs);
  /// Shows a shared snapshot (no copy).
  void setSnapshot(SnapshotPtr snapshot);
  /// Layer shown (clamped); the view stays, or falls back to the layer's default if it cannot show it.
  void setLayer(int layer);
  /// View; Auto picks the layer's teaching view (conv → slide, conv_transpose → scatter).
  void setView(View view);
  /// Step (clamped to [0, stepCount())).
  void setStep(int step);
  /// Colour theme of the scene.
  void setTheme(Theme theme);
  /// Shows or hides the ImGui HUD.
  void setHudVisible(bool on);
  /// Collapses the HUD bar to one row (its ▾/▴ button does the same).
  void setHudCollapsed(bool on);
  /// Height of the HUD bar docked at the bottom (0 when hidden); the scene is drawn above it.
  double hudHeight() const;
  /// Axis the HUD parameter sliders of a 2-D conv/conv_transpose layer show and edit: 0 (H), 1 (W)
  /// or -1 (H=W: both alike; always -1 for 1-D layers). Chosen anew when another layer is shown:
  /// -1 if the two axes agree on every shown parameter, else 0; an H=W choice falls back to H when
  /// a new stack makes the axes differ.
  int hudAxis() const { return m_hudAxis; }
  /// Picks the HUD axis (-1, 0 or 1; ignored unless the current layer is a 2-D conv/conv_transpose).
  void setHudAxis(int axis);

  int layer() const { return m_layer; }
  /// The view actually drawn (Auto resolved).
  View view() const { return m_model ? m_model->view : m_view; }
  int step() const { return m_step; }
  int stepCount() const { return m_model ? m_model->steps : 1; }
  bool isPlaying() const { return m_timer.isActive(); }
  /// Steps per second of playback.
  double speed() const { return m_speed; }
  /// The model being drawn (null before a stack is set).
  SceneModelPtr model() const { return m_model; }
  /// The frame request as it would be drawn now (for export: same renderer, same frame).
  SceneRequest currentRequest() const;
  /// True once a frame for the current stack/layer/view/step has been drawn.
  bool frameReady() const { return m_frameReady; }

 public slots:
  void togglePlay();
  void play();
  void pause();
  void stepForward();
  void stepBack();
  void first();
  void last();
  /// Speed ×1.5 / ÷1.5.
  void faster();
  void slower();

 signals:
  void stepChanged(int step);
  void playingChanged(bool playing);
  /// A HUD slider changed a parameter of `layer` (PyTorch name: kernel_size, stride, padding,
  /// dilation, output_padding) along `axis`: 0 (H), 1 (W), -1 every axis (1-D layers, H=W).
  /// The owner applies it (undo stack) and calls setStack/setSnapshot.
  void parameterEdited(int layer, const QString& key, int value, int axis = -1);
  /// A frame was drawn.
  void frameDrawn();

 protected:
  void initializeGL() override;
  /// Shuts the ImGui OpenGL backend down while its context is still current (context destroyed).
  void releaseGL();
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void mouseMoveEvent(QMouseEvent* ev) override;
  void mousePressEvent(QMouseEvent* ev) override;
  void mouseReleaseEvent(QMouseEvent* ev) override;
  void wheelEvent(QWheelEvent* ev) override;
  void keyPressEvent(QKeyEvent* ev) override;
  void keyReleaseEvent(QKeyEvent* ev) override;
  void leaveEvent(QEvent* ev) override;

 private:
  void rebuildModel();
  void invalidateFrame();
  void drawHud();
  /// HUD row 1: collapse toggle, transport buttons, scrub bar, speed (w: the HUD's width).
  void drawHudTransport(float w);
  /// HUD row 2: the view combo, the layer combo, the live parameters of layer `l` (conv and
  /// conv_transpose: a slider per parameter, with an axis selector for 2-D layers).
  void drawHudViewCombo(float w);
  void drawHudLayerCombo(float w);
  /// Returns true when the parameters wrapped to a third row (too narrow beside the combos).
  bool drawHudParameters(const engine::Layer& l);
  /// Re-chooses m_hudAxis for the current layer (see hudAxis()); called when the model is rebuilt.
  void syncHudAxis();
  void updateHover(QPointF pos);

  SnapshotPtr m_snapshot;
  SceneModelPtr m_model;
  int m_layer = 0;
  View m_view = View::Auto;
  int m_step = 0;
  Theme m_theme = Theme::Light;
  double m_speed = 2.0;
  bool m_hud = true;
  bool m_hudCollapsed = false;
  bool m_hudWrapped = false;   // the parameter sliders take a third HUD row (drawHudParameters)
  int m_hudAxis = -1;          // hudAxis()
  std::string m_hudAxisOwner;  // the layer m_hudAxis was chosen for ("" = none yet)
  std::optional<HoverTarget> m_hover;
  QImage m_frame;  // the scene, rendered when the request changed
  bool m_frameDirty = true;
  bool m_frameReady = false;
  QTimer m_timer;
  QElapsedTimer m_clock;
  ImGuiBridge m_imgui;
  bool m_glReady = false;
};

}  // namespace convscope::widgets
