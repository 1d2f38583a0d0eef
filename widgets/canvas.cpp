// Canvas (widgets/canvas.h): the scene in a QOpenGLWidget with the Dear ImGui HUD docked under it.
//
// Index of this file:
//   [SECTION] HUD GEOMETRY
//   [SECTION] STATE
//   [SECTION] PLAYBACK
//   [SECTION] PAINTING
//   [SECTION] HUD
//   [SECTION] INPUT
#include "widgets/canvas.h"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <cstdio>

namespace convscope::widgets {

// [SECTION] HUD GEOMETRY

namespace {
// The HUD is a bar docked at the bottom, full width: two rows (transport + scrub + speed; view, layer
// and parameter sliders), three when the sliders do not fit beside the combos (they wrap to a row
// of their own), or one when collapsed. Its style is fixed here so its height is known outside ImGui
// frames (the scene's frame size excludes it, so nothing of the scene is covered).
constexpr float kFontPx = 13.0f;  // ImGui's default font
constexpr float kFramePadY = 4.0f, kFramePadX = 6.0f;
constexpr float kWinPadY = 6.0f, kWinPadX = 8.0f;
constexpr float kSpacingY = 5.0f, kSpacingX = 6.0f;
constexpr float kRowH = kFontPx + 2 * kFramePadY;
constexpr float kMinSliderW = 56.0f;  // a parameter slider narrower than this wraps the sliders
}  // namespace

double Canvas::hudHeight() const {
  if (!m_hud) return 0.0;
  const int rows = m_hudCollapsed ? 1 : (m_hudWrapped ? 3 : 2);
  return double(rows * kRowH + (rows - 1) * kSpacingY + 2 * kWinPadY);
}

void Canvas::setHudCollapsed(bool on) {
  if (on == m_hudCollapsed) return;
  m_hudCollapsed = on;
  invalidateFrame();  // the scene gets the room back
}

// [SECTION] STATE
Canvas::Canvas(QWidget* parent) : QOpenGLWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(480, 300);
  connect(&m_timer, &QTimer::timeout, this, [this]() {
    if (m_step + 1 >= stepCount())
      pause();
    else
      setStep(m_step + 1);
  });
  m_clock.start();
}

Canvas::~Canvas() {
  // ~QOpenGLWidget destroys the context after this Canvas part is gone: the aboutToBeDestroyed
  // connection must not reach releaseGL then (UBSan: a call on an object that is no longer a Canvas).
  if (context()) disconnect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &Canvas::releaseGL);
  releaseGL();
}

void Canvas::setStack(const engine::Stack& stack, const std::vector<engine::Tensor>& outputs) {
  auto snap = std::make_shared<StackSnapshot>();
  snap->stack = stack;
  snap->outputs = outputs;
  setSnapshot(std::move(snap));
}

void Canvas::setSnapshot(SnapshotPtr snapshot) {
  m_snapshot = std::move(snapshot);
  if (m_snapshot) m_layer = std::clamp(m_layer, 0, std::max(0, int(m_snapshot->stack.layers.size()) - 1));
  rebuildModel();
}

void Canvas::setLayer(int layer) {
  if (m_snapshot) layer = std::clamp(layer, 0, std::max(0, int(m_snapshot->stack.layers.size()) - 1));
  if (layer == m_layer && m_model) return;
  m_layer = layer;
  rebuildModel();
}

void Canvas::setView(View view) {
  if (view == m_view && m_model) return;
  m_view = view;
  rebuildModel();
}

void Canvas::setStep(int step) {
  step = std::clamp(step, 0, stepCount() - 1);
  if (step == m_step) return;
  m_step = step;
  invalidateFrame();
  emit stepChanged(m_step);
}

void Canvas::setTheme(Theme theme) {
  m_theme = theme;
  invalidateFrame();
}

void Canvas::setHudVisible(bool on) {
  if (on == m_hud) return;
  m_hud = on;
  invalidateFrame();
}

SceneRequest Canvas::currentRequest() const {
  return SceneRequest{m_model, m_step, m_theme, QSizeF(width(), std::max(100.0, height() - hudHeight())),
                      m_hover, true};
}

void Canvas::rebuildModel() {
  if (!m_snapshot) return;
  View v = m_view;
  const auto& layers = m_snapshot->stack.layers;
  // a view that cannot show this layer falls back to the layer's teaching view (unless explicit)
  if (v != View::Auto && m_layer < int(layers.size()) && !viewSupports(v, layers[size_t(m_layer)]))
    v = View::Auto;
  m_model = SceneModel::build(m_snapshot, m_layer, v);
  m_hover.reset();
  const int old = m_step;
  m_step = std::clamp(m_step, 0, m_model->steps - 1);
  syncHudAxis();
  invalidateFrame();
  if (old != m_step) emit stepChanged(m_step);
}

namespace {
// A 2-D conv/conv_transpose layer: the HUD shows its sliders per axis.
bool hudPerAxis(const engine::Layer& l) {
  return (l.op == engine::Op::Conv || l.op == engine::Op::ConvTranspose) && l.dims == 2;
}
// The value the HUD's "pad" slider shows along axis a: pad before (conv) or the crop start (conv_transpose).
int hudPad(const engine::Layer& l, int a) {
  return l.op == engine::Op::Conv ? l.ax[size_t(a)].pb : l.ax[size_t(a)].start;
}
// True when H and W agree on every parameter the HUD shows.
bool hudAxesAgree(const engine::Layer& l) {
  const engine::Axis &h = l.ax[0], &w = l.ax[1];
  return h.k == w.k && h.s == w.s && h.d == w.d && hudPad(l, 0) == hudPad(l, 1) &&
         (l.op != engine::Op::ConvTranspose || h.outputPadding == w.outputPadding);
}
}  // namespace

void Canvas::syncHudAxis() {
  const auto& layers = m_snapshot->stack.layers;
  if (m_layer >= int(layers.size()) || !hudPerAxis(layers[size_t(m_layer)])) {
    m_hudAxis = -1;
    m_hudAxisOwner.clear();
    return;
  }
  const engine::Layer& l = layers[size_t(m_layer)];
  // Edits of this layer keep the choice (a slider drag must not switch axis under the mouse);
  // another layer, or the same index of another stack, chooses again.
  const std::string owner = m_snapshot->stack.file + "\n" + m_snapshot->stack.name + "\n" +
                            std::to_string(layers.size()) + "\n" + std::to_string(m_layer) + "\n" +
                            engine::opName(l.op);
  const bool agree = hudAxesAgree(l);
  if (owner != m_hudAxisOwner) {
    m_hudAxisOwner = owner;
    m_hudAxis = agree ? -1 : 0;
  } else if (m_hudAxis < 0 && !agree) {
    m_hudAxis = 0;  // changed elsewhere (layer panel, undo): H=W would show H's value for both
  }
}

void Canvas::setHudAxis(int axis) {
  if (!m_snapshot || m_layer >= int(m_snapshot->stack.layers.size()) ||
      !hudPerAxis(m_snapshot->stack.layers[size_t(m_layer)]))
    return;
  axis = std::clamp(axis, -1, 1);
  if (axis == m_hudAxis) return;
  m_hudAxis = axis;
  update();
}

// [SECTION] PLAYBACK
void Canvas::invalidateFrame() {
  m_frameDirty = true;
  m_frameReady = false;
  update();
}

void Canvas::togglePlay() {
  isPlaying() ? pause() : play();
}

void Canvas::play() {
  if (m_step + 1 >= stepCount()) setStep(0);
  m_timer.start(int(1000.0 / m_speed));
  emit playingChanged(true);
  update();
}

void Canvas::pause() {
  m_timer.stop();
  emit playingChanged(false);
  update();
}

void Canvas::stepForward() {
  setStep(m_step + 1);
}
void Canvas::stepBack() {
  setStep(m_step - 1);
}
void Canvas::first() {
  setStep(0);
}
void Canvas::last() {
  setStep(stepCount() - 1);
}

void Canvas::faster() {
  m_speed = std::min(60.0, m_speed * 1.5);
  if (isPlaying()) m_timer.setInterval(int(1000.0 / m_speed));
  update();
}

void Canvas::slower() {
  m_speed = std::max(0.25, m_speed / 1.5);
  if (isPlaying()) m_timer.setInterval(int(1000.0 / m_speed));
  update();
}

// [SECTION] PAINTING
void Canvas::initializeGL() {
  // Called again when the widget gets a new context (e.g. reparented into the main window): the
  // backend of the old context was released in releaseGL.
  m_imgui.makeCurrent();
  if (m_glReady) releaseGL();
  if (!context() || !context()->isValid()) return;  // no OpenGL: the scene is drawn without the HUD
  m_glReady = ImGui_ImplOpenGL3_Init("#version 130");
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &Canvas::releaseGL, Qt::UniqueConnection);
}

void Canvas::releaseGL() {
  if (!m_glReady) return;
  makeCurrent();
  m_imgui.makeCurrent();
  ImGui_ImplOpenGL3_Shutdown();
  m_glReady = false;
  doneCurrent();
}

void Canvas::resizeGL(int, int) {
  m_frameDirty = true;
}

void Canvas::paintGL() {
  const qreal dpr = devicePixelRatioF();
  const SceneRequest req = currentRequest();
  if (m_frameDirty || m_frame.size() != (req.size * dpr).toSize()) {
    if (m_model)
      m_frame = renderSceneImage(req, dpr);
    else {
      m_frame = QImage((QSizeF(size()) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
      m_frame.setDevicePixelRatio(dpr);
      m_frame.fill(scenePalette(m_theme).background);
    }
    m_frameDirty = false;
  }
  {
    QPainter p(this);
    p.fillRect(rect(), scenePalette(m_theme).background);
    p.drawImage(QPointF(0, 0), m_frame);
  }
  if (m_hud && m_glReady) {
    const double dt = m_clock.restart() / 1000.0;
    m_imgui.beginFrame(size(), dpr, dt);
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    const double hudH = hudHeight();
    drawHud();
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (m_imgui.hasPendingInput()) update();  // a release held back for this frame, or more clicks
    if (hudHeight() != hudH) {                // the sliders wrapped or unwrapped: the scene gets a new size
      invalidateFrame();
      return;  // not ready: the next frame is the one drawn at the new size
    }
  }
  if (!m_frameReady) {
    m_frameReady = true;
    emit frameDrawn();
  }
}

// [SECTION] HUD
namespace {

/// Runs fn on the canvas's thread after this ImGui frame: the slots may rebuild the model, which
/// must never happen inside the frame.
template <class F>
void queued(Canvas* c, F fn) {
  QMetaObject::invokeMethod(c, fn, Qt::QueuedConnection);
}

}  // namespace

void Canvas::drawHud() {
  const float w = float(width()), h = float(hudHeight());
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(kWinPadX, kWinPadY));
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(kFramePadX, kFramePadY));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(kSpacingX, kSpacingY));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  ImGui::SetNextWindowPos(ImVec2(0, float(height()) - h), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(0.94f);
  ImGui::Begin("Playback", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  drawHudTransport(w);
  bool wrapped = false;
  if (!m_hudCollapsed) {
    // row 2: view and layer, then the live parameters of the current layer
    drawHudViewCombo(w);
    if (m_snapshot && !m_snapshot->stack.layers.empty()) {
      drawHudLayerCombo(w);
      wrapped = drawHudParameters(m_snapshot->stack.layers[size_t(m_layer)]);
    }
  }
  m_hudWrapped = wrapped;
  ImGui::End();
  ImGui::PopStyleVar(5);
}

void Canvas::drawHudTransport(float w) {
  // row 1: collapse toggle, transport, scrub bar, speed
  if (ImGui::ArrowButton("##collapse", m_hudCollapsed ? ImGuiDir_Up : ImGuiDir_Down))
    queued(this, [this] { setHudCollapsed(!m_hudCollapsed); });
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", m_hudCollapsed ? "Show the view, layer and parameter controls"
                                           : "Collapse the controls to one row");
  ImGui::SameLine();
  if (ImGui::Button("|<")) queued(this, [this] { first(); });
  ImGui::SameLine();
  if (ImGui::Button("<")) queued(this, [this] { stepBack(); });
  ImGui::SameLine();
  if (ImGui::Button(isPlaying() ? "Pause" : "Play ")) queued(this, [this] { togglePlay(); });
  ImGui::SameLine();
  if (ImGui::Button(">")) queued(this, [this] { stepForward(); });
  ImGui::SameLine();
  if (ImGui::Button(">|")) queued(this, [this] { last(); });
  ImGui::SameLine();
  const float speedW = std::clamp(w * 0.12f, 70.0f, 140.0f);
  const float speedLabel = ImGui::CalcTextSize("steps/s").x;
  int step = m_step + 1;
  ImGui::SetNextItemWidth(
      std::max(60.0f, ImGui::GetContentRegionAvail().x - speedW - speedLabel - 2 * kSpacingX));
  char stepFmt[48];
  std::snprintf(stepFmt, sizeof stepFmt, "step %%d / %d", std::max(1, stepCount()));
  if (ImGui::SliderInt("##step", &step, 1, std::max(1, stepCount()), stepFmt))
    queued(this, [this, step] { setStep(step - 1); });
  ImGui::SameLine();
  float sp = float(m_speed);
  ImGui::SetNextItemWidth(speedW);
  if (ImGui::SliderFloat("steps/s", &sp, 0.25f, 30.0f, "%.2f", ImGuiSliderFlags_Logarithmic)) {
    m_speed = sp;
    if (isPlaying()) m_timer.setInterval(int(1000.0 / m_speed));
  }
}

void Canvas::drawHudViewCombo(float w) {
  const auto& views = concreteViews();
  int vi = 0;
  for (size_t i = 0; i < views.size(); ++i)
    if (views[i] == view()) vi = int(i);
  ImGui::SetNextItemWidth(std::clamp(w * 0.16f, 110.0f, 190.0f));
  const std::string viewPreview = std::string("view: ") + viewName(views[size_t(vi)]);
  if (ImGui::BeginCombo("##view", viewPreview.c_str())) {
    for (size_t i = 0; i < views.size(); ++i) {
      const bool ok = !m_snapshot || m_snapshot->stack.layers.empty() ||
                      viewSupports(views[i], m_snapshot->stack.layers[size_t(std::min<int>(
                                                 m_layer, int(m_snapshot->stack.layers.size()) - 1))]);
      if (!ok) ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.4f);
      if (ImGui::Selectable(viewName(views[i]), int(i) == vi) && ok) {
        const View nv = views[i];
        queued(this, [this, nv] { setView(nv); });
      }
      if (!ok) ImGui::PopStyleVar();
    }
    ImGui::EndCombo();
  }
}

void Canvas::drawHudLayerCombo(float w) {
  const auto& layers = m_snapshot->stack.layers;
  ImGui::SameLine();
  const std::string cur =
      "layer " + std::to_string(m_layer) + " · " + engine::opName(layers[size_t(m_layer)].op);
  // wide enough for the whole name ("layer 12 · conv_transpose") and the arrow, up to 35 % of the HUD
  const float want =
      ImGui::CalcTextSize(cur.c_str()).x + ImGui::GetFrameHeight() + 2 * ImGui::GetStyle().FramePadding.x;
  ImGui::SetNextItemWidth(std::clamp(want, 120.0f, std::max(120.0f, w * 0.35f)));
  if (ImGui::BeginCombo("##layer", cur.c_str())) {
    for (size_t i = 0; i < layers.size(); ++i) {
      const std::string name = std::to_string(i) + " · " + engine::opName(layers[i].op);
      if (ImGui::Selectable(name.c_str(), int(i) == m_layer)) {
        const int li = int(i);
        queued(this, [this, li] { setLayer(li); });
      }
    }
    ImGui::EndCombo();
  }
}

bool Canvas::drawHudParameters(const engine::Layer& l) {
  // live parameters of the current layer; a 2-D layer gets an axis selector H | W | H=W first,
  // and its sliders show and edit the selected axis (H=W: H's values, edits set both axes)
  const bool conv = l.op == engine::Op::Conv, convT = l.op == engine::Op::ConvTranspose;
  if (!conv && !convT) return false;
  const bool perAxis = hudPerAxis(l);
  const int axis = perAxis ? m_hudAxis : -1;  // emitted with every edit
  const int shown = std::max(0, axis);        // the axis the sliders read
  const engine::Axis& a = l.ax[size_t(shown)];
  struct P {
    const char* key;
    const char* label;  // short, so every slider fits on the row
    int value, lo, hi;
    int other;  // the value along the axis not shown (2-D)
  };
  const engine::Axis& o = l.ax[size_t(perAxis ? 1 - shown : shown)];
  std::vector<P> ps{{"kernel_size", "k", a.k, 1, 15, o.k},
                    {"stride", "stride", a.s, 1, 8, o.s},
                    {"padding", "pad", hudPad(l, shown), 0, std::max(1, a.d * (a.k - 1)),
                     hudPad(l, perAxis ? 1 - shown : shown)},
                    {"dilation", "dil", a.d, 1, 6, o.d}};
  if (convT)
    ps.push_back({"output_padding", "out_pad", a.outputPadding, 0, std::max(0, std::max(a.s, a.d) - 1),
                  o.outputPadding});
  float labels = 0;
  for (const P& p : ps) labels += ImGui::CalcTextSize(p.label).x + 2 * kSpacingX;
  // the axis selector's three buttons, 1 px apart, and the gap after them
  float selector = 0;
  if (perAxis)
    for (const char* t : {"H=W", "H", "W"}) selector += ImGui::CalcTextSize(t).x + 2 * kFramePadX + 1.0f;
  if (perAxis) selector += 2 * kSpacingX;
  ImGui::SameLine(0, 2 * kSpacingX);  // the room left on this row, after the combos
  // too narrow for every slider at kMinSliderW: the selector and the sliders take a row of their own
  const bool wrap = ImGui::GetContentRegionAvail().x < selector + labels + float(ps.size()) * kMinSliderW;
  if (wrap) ImGui::NewLine();
  if (perAxis) {
    // a segmented toggle: the selected axis drawn as a pressed button
    static constexpr const char* kAxisLabels[3] = {"H=W", "H", "W"};  // index axis + 1
    static constexpr const char* kAxisTips[3] = {"Sliders edit both axes alike (H=W)",
                                                 "Sliders show and edit the height axis (H) only",
                                                 "Sliders show and edit the width axis (W) only"};
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(1.0f, kSpacingY));
    for (const int ax : {0, 1, -1}) {
      const bool on = ax == m_hudAxis;
      if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
      const std::string id = std::string(kAxisLabels[ax + 1]) + "##hudaxis";
      if (ImGui::Button(id.c_str()) && !on) queued(this, [this, ax] { setHudAxis(ax); });
      if (on) ImGui::PopStyleColor();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kAxisTips[ax + 1]);
      ImGui::SameLine();
    }
    ImGui::PopStyleVar();
    ImGui::SameLine(0, 2 * kSpacingX);
  }
  const float sliderW = std::max(36.0f, (ImGui::GetContentRegionAvail().x - labels) / float(ps.size()));
  for (size_t i = 0; i < ps.size(); ++i) {
    int v = ps[i].value;
    if (i) ImGui::SameLine(0, kSpacingX);
    ImGui::SetNextItemWidth(sliderW);
    const std::string id = std::string(ps[i].label) + "##" + ps[i].key;
    if (ImGui::SliderInt(id.c_str(), &v, ps[i].lo, std::max(ps[i].lo + 1, ps[i].hi)) && v != ps[i].value) {
      const int layer = m_layer;
      const QString key = ps[i].key;
      queued(this, [this, layer, key, v, axis] { emit parameterEdited(layer, key, v, axis); });
    }
    if (ImGui::IsItemHovered()) {
      if (!perAxis)
        ImGui::SetTooltip("%s", ps[i].key);
      else if (axis < 0)
        ImGui::SetTooltip("%s (H and W)", ps[i].key);
      else
        ImGui::SetTooltip("%s[%s] (%s is %d)", ps[i].key, axis ? "W" : "H", axis ? "H" : "W", ps[i].other);
    }
  }
  return wrap;
}

// [SECTION] INPUT
void Canvas::updateHover(QPointF pos) {
  if (!m_model) return;
  const auto hit = hitTestScene(currentRequest(), pos);
  std::optional<HoverTarget> t;
  if (hit) t = hit->target;
  if (t != m_hover) {
    m_hover = t;
    invalidateFrame();
  }
  if (hit)
    QToolTip::showText(mapToGlobal(pos.toPoint()), hit->tooltip, this, hit->rect.toRect());
  else
    QToolTip::hideText();
}

void Canvas::mouseMoveEvent(QMouseEvent* ev) {
  const bool imgui = m_hud && m_imgui.mouseMove(ev->position());
  if (!imgui) updateHover(ev->position());
  update();
}

void Canvas::mousePressEvent(QMouseEvent* ev) {
  if (!(m_hud && m_imgui.mouseButton(ev, true))) QOpenGLWidget::mousePressEvent(ev);
  update();
}

void Canvas::mouseReleaseEvent(QMouseEvent* ev) {
  if (!(m_hud && m_imgui.mouseButton(ev, false))) QOpenGLWidget::mouseReleaseEvent(ev);
  update();
}

void Canvas::wheelEvent(QWheelEvent* ev) {
  if (m_hud && m_imgui.wheel(ev)) {
    update();
    return;
  }
  ev->angleDelta().y() > 0 ? stepBack() : stepForward();  // the wheel scrubs the animation
}

void Canvas::keyPressEvent(QKeyEvent* ev) {
  if (m_hud && m_imgui.key(ev, true)) {
    update();
    return;
  }
  switch (ev->key()) {
    case Qt::Key_Space:
      togglePlay();
      break;
    case Qt::Key_Right:
      stepForward();
      break;
    case Qt::Key_Left:
      stepBack();
      break;
    case Qt::Key_Home:
      first();
      break;
    case Qt::Key_End:
      last();
      break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      faster();
      break;
    case Qt::Key_Minus:
      slower();
      break;
    default:
      QOpenGLWidget::keyPressEvent(ev);
      return;
  }
}

void Canvas::keyReleaseEvent(QKeyEvent* ev) {
  if (m_hud) m_imgui.key(ev, false);
  QOpenGLWidget::keyReleaseEvent(ev);
}

void Canvas::leaveEvent(QEvent* ev) {
  m_imgui.mouseLeave();
  if (m_hover) {
    m_hover.reset();
    invalidateFrame();
  }
  QOpenGLWidget::leaveEvent(ev);
}

}  // namespace convscope::widgets
