#include "widgets/imgui_bridge.h"

#include <imgui.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>

namespace convscope::widgets {

namespace {

// Our KeysDown[] slots for the keys ImGui 1.86 maps through io.KeyMap.
struct KeySlot {
  int qt;
  ImGuiKey_ imgui;
};
constexpr KeySlot kKeys[] = {
    {Qt::Key_Tab, ImGuiKey_Tab},
    {Qt::Key_Left, ImGuiKey_LeftArrow},
    {Qt::Key_Right, ImGuiKey_RightArrow},
    {Qt::Key_Up, ImGuiKey_UpArrow},
    {Qt::Key_Down, ImGuiKey_DownArrow},
    {Qt::Key_PageUp, ImGuiKey_PageUp},
    {Qt::Key_PageDown, ImGuiKey_PageDown},
    {Qt::Key_Home, ImGuiKey_Home},
    {Qt::Key_End, ImGuiKey_End},
    {Qt::Key_Insert, ImGuiKey_Insert},
    {Qt::Key_Delete, ImGuiKey_Delete},
    {Qt::Key_Backspace, ImGuiKey_Backspace},
    {Qt::Key_Space, ImGuiKey_Space},
    {Qt::Key_Return, ImGuiKey_Enter},
    {Qt::Key_Escape, ImGuiKey_Escape},
    {Qt::Key_Enter, ImGuiKey_KeyPadEnter},
    {Qt::Key_A, ImGuiKey_A},
    {Qt::Key_C, ImGuiKey_C},
    {Qt::Key_V, ImGuiKey_V},
    {Qt::Key_X, ImGuiKey_X},
    {Qt::Key_Y, ImGuiKey_Y},
    {Qt::Key_Z, ImGuiKey_Z},
};

int slotOf(int qtKey) {
  for (size_t i = 0; i < sizeof(kKeys) / sizeof(kKeys[0]); ++i)
    if (kKeys[i].qt == qtKey) return int(i) + 1;  // slot 0 unused
  return -1;
}

}  // namespace

ImGuiBridge::ImGuiBridge() {
  ImGuiContext* prev = ImGui::GetCurrentContext();
  m_ctx = ImGui::CreateContext();
  ImGui::SetCurrentContext(m_ctx);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed by the canvas; nothing written to disk
  for (size_t i = 0; i < sizeof(kKeys) / sizeof(kKeys[0]); ++i) io.KeyMap[kKeys[i].imgui] = int(i) + 1;
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 6.0f;
  ImGui::GetStyle().FrameRounding = 4.0f;
  ImGui::GetStyle().Alpha = 0.95f;
  if (prev) ImGui::SetCurrentContext(prev);
}

ImGuiBridge::~ImGuiBridge() {
  if (m_ctx) ImGui::DestroyContext(m_ctx);
}

void ImGuiBridge::makeCurrent() const {
  ImGui::SetCurrentContext(m_ctx);
}

void ImGuiBridge::beginFrame(QSize size, double dpr, double dt) {
  makeCurrent();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(float(size.width()), float(size.height()));
  io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
  io.DeltaTime = float(dt > 0 ? dt : 1.0 / 60.0);
  // Hand over queued mouse input in order, stopping before a second change of a button this frame.
  bool changed[3] = {false, false, false};
  while (!m_mouse.empty()) {
    const MouseInput& in = m_mouse.front();
    if (in.button >= 0 && io.MouseDown[in.button] != in.down) {
      if (changed[in.button]) break;
      changed[in.button] = true;
      io.MouseDown[in.button] = in.down;
    }
    io.MousePos = ImVec2(float(in.pos.x()), float(in.pos.y()));
    m_mouse.pop_front();
  }
}

bool ImGuiBridge::mouseMove(QPointF pos) {
  makeCurrent();
  if (m_mouse.empty())
    ImGui::GetIO().MousePos = ImVec2(float(pos.x()), float(pos.y()));
  else if (m_mouse.back().button < 0)
    m_mouse.back().pos = pos;  // only the latest of consecutive moves matters
  else
    m_mouse.push_back({pos, -1, false});
  return ImGui::GetIO().WantCaptureMouse;
}

bool ImGuiBridge::mouseButton(QMouseEvent* ev, bool down) {
  makeCurrent();
  ImGuiIO& io = ImGui::GetIO();
  const int b = ev->button() == Qt::LeftButton     ? 0
                : ev->button() == Qt::RightButton  ? 1
                : ev->button() == Qt::MiddleButton ? 2
                                                   : -1;
  if (m_mouse.size() >= 256) m_mouse.pop_front();  // no frames are drawn (no OpenGL): keep the newest
  m_mouse.push_back({ev->position(), b, down});
  return io.WantCaptureMouse;
}

bool ImGuiBridge::wheel(QWheelEvent* ev) {
  makeCurrent();
  ImGuiIO& io = ImGui::GetIO();
  io.MouseWheel += float(ev->angleDelta().y()) / 120.0f;
  io.MouseWheelH += float(ev->angleDelta().x()) / 120.0f;
  return io.WantCaptureMouse;
}

bool ImGuiBridge::key(QKeyEvent* ev, bool down) {
  makeCurrent();
  ImGuiIO& io = ImGui::GetIO();
  const int slot = slotOf(ev->key());
  if (slot > 0) io.KeysDown[slot] = down;
  const Qt::KeyboardModifiers mods = ev->modifiers();
  io.KeyCtrl = mods & Qt::ControlModifier;
  io.KeyShift = mods & Qt::ShiftModifier;
  io.KeyAlt = mods & Qt::AltModifier;
  io.KeySuper = mods & Qt::MetaModifier;
  if (down && io.WantTextInput)
    for (QChar c : ev->text())
      if (c.isPrint()) io.AddInputCharacter(c.unicode());
  return io.WantCaptureKeyboard;
}

void ImGuiBridge::mouseLeave() {
  makeCurrent();
  if (m_mouse.empty())
    ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  else
    m_mouse.push_back({QPointF(-FLT_MAX, -FLT_MAX), -1, false});
}

}  // namespace convscope::widgets
