// ImGuiBridge: feeds Qt input events to a Dear ImGui 1.86 context (the pre-1.87 io API: MousePos,
// MouseDown[], MouseWheel, KeysDown[] with KeyMap, AddInputCharacter). Each call makes the bridge's
// context current. Returns whether ImGui wants the event (io.WantCaptureMouse / WantCaptureKeyboard),
// so the host widget ignores it then.
//
// ImGui 1.86 samples io.MouseDown[] once per frame, so a press and a release arriving between two
// frames (a touchpad tap, a fast click) would never be seen. Mouse buttons and moves are therefore
// queued and handed to ImGui by beginFrame(): at most one change of each button per frame, so a
// released button stays down for one frame and every click reaches ImGui. While hasPendingInput()
// the host must draw another frame.
#pragma once
#include <QPointF>
#include <QSize>
#include <deque>

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
  /// Sets display size, framebuffer scale and delta time for a new frame (context made current),
  /// and applies the queued mouse input this frame may see (see above).
  void beginFrame(QSize logicalSize, double devicePixelRatio, double deltaSeconds);
  /// Mouse input is still queued for later frames: the host should schedule another frame.
  bool hasPendingInput() const { return !m_mouse.empty(); }

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

 private:
  struct MouseInput {
    QPointF pos;
    int button = -1;  // -1: a move; 0 left, 1 right, 2 middle
    bool down = false;
  };
  ImGuiContext* m_ctx = nullptr;
  std::deque<MouseInput> m_mouse;  // not yet seen by a frame, oldest first
};

}  // namespace convscope::widgets
