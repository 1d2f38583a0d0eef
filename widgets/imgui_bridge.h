// ImGuiBridge: feeds Qt input events to a Dear ImGui 1.86 context (the pre-1.87 io API: MousePos,
// MouseDown[], MouseWheel, KeysDown[] with KeyMap, AddInputCharacter). Each call makes the bridge's
// context current. Returns whether ImGui wants the event (io.WantCaptureMouse / WantCaptureKeyboard),
// so the host widget ignores it then.
#pragma once
#include <QPointF>
#include <QSize>

class QKeyEvent;
class QMouseEvent;
class QWheelEvent;
struct ImGuiContext;

namespace convscope::widgets {

class ImGuiBridge {
 public:
  /// Creates the ImGui context (no GL work; the renderer backend is initialised by the host).
  ImGuiBridge();
  ~ImGuiBridge();
  ImGuiBridge(const ImGuiBridge&) = delete;
  ImGuiBridge& operator=(const ImGuiBridge&) = delete;

  /// Makes this bridge's context current.
  void makeCurrent() const;
  ImGuiContext* context() const { return m_ctx; }
  /// Sets display size, framebuffer scale and delta time for a new frame (context made current).
  void beginFrame(QSize logicalSize, double devicePixelRatio, double deltaSeconds);

  /// Mouse moved to `pos` (logical pixels); true when ImGui wants the mouse.
  bool mouseMove(QPointF pos);
  /// Button pressed/released; true when ImGui wants the mouse.
  bool mouseButton(QMouseEvent* ev, bool down);
  /// Wheel; true when ImGui wants the mouse.
  bool wheel(QWheelEvent* ev);
  /// Key pressed/released (with its text on press); true when ImGui wants the keyboard.
  bool key(QKeyEvent* ev, bool down);
  /// The mouse left the widget.
  void mouseLeave();
  /// io.WantCaptureMouse / WantCaptureKeyboard of the last frame.
  bool wantsMouse() const;
  bool wantsKeyboard() const;

 private:
  ImGuiContext* m_ctx = nullptr;
};

}  // namespace convscope::widgets
