// The real canvas: a QOpenGLWidget drawing the scene plus the Dear ImGui HUD. Run under
// `xvfb-run -a` (Mesa llvmpipe). Grabs frames and checks they are not blank; writes
// /tmp/canvas_gl_<view>.png when CONVSCOPE_CANVAS_PNG_DIR is set.
#include <gtest/gtest.h>

#include <QApplication>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include "tests/scene/scene_fixtures.h"
#include "widgets/canvas.h"

using namespace convscope;
using widgets::View;

namespace {

int distinctColours(const QImage& img) {
  QSet<QRgb> s;
  const QImage x = img.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < x.height(); y += 2)
    for (int c = 0; c < x.width(); c += 2) s.insert(reinterpret_cast<const QRgb*>(x.constScanLine(y))[c]);
  return s.size();
}

}  // namespace

TEST(CanvasGl, ShowsSceneAndHudAndIsNotBlank) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  widgets::Canvas canvas;
  canvas.resize(960, 640);
  canvas.setSnapshot(snap);
  canvas.setLayer(2);
  canvas.setView(View::Auto);
  EXPECT_EQ(canvas.view(), View::Scatter);  // conv_transpose → scatter by default
  canvas.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&canvas));
  QTest::qWait(200);
  const QString dump = qEnvironmentVariable("CONVSCOPE_CANVAS_PNG_DIR");
  for (View v : widgets::concreteViews()) {
    canvas.setLayer(tests::layerForView(snap->stack, v) < 0 ? 0 : tests::layerForView(snap->stack, v));
    canvas.setView(v);
    canvas.setStep(canvas.stepCount() / 2);
    const QImage frame = canvas.grabFramebuffer();
    EXPECT_TRUE(canvas.frameReady());
    EXPECT_EQ(frame.width(), int(960 * canvas.devicePixelRatioF()));
    EXPECT_GT(distinctColours(frame), 20) << widgets::viewName(v);
    if (!dump.isEmpty()) frame.save(dump + "/canvas_gl_" + widgets::viewName(v) + ".png");
  }
}

TEST(CanvasGl, PlaybackSlotsAndAutoView) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  widgets::Canvas canvas;
  canvas.resize(800, 500);
  canvas.setSnapshot(snap);
  canvas.setLayer(0);
  EXPECT_EQ(canvas.view(), View::Slide);  // conv → slide
  QSignalSpy steps(&canvas, &widgets::Canvas::stepChanged);
  canvas.stepForward();
  canvas.stepForward();
  EXPECT_EQ(canvas.step(), 2);
  canvas.last();
  EXPECT_EQ(canvas.step(), canvas.stepCount() - 1);
  canvas.first();
  EXPECT_EQ(canvas.step(), 0);
  EXPECT_EQ(steps.count(), 4);
  const double sp = canvas.speed();
  canvas.faster();
  EXPECT_GT(canvas.speed(), sp);
  canvas.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&canvas));
  canvas.play();
  QTest::qWait(1300);
  EXPECT_GT(canvas.step(), 0);
  canvas.pause();
  EXPECT_FALSE(canvas.isPlaying());
}

TEST(CanvasGl, HoverShowsDependencies) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  widgets::Canvas canvas;
  canvas.resize(960, 600);
  canvas.setSnapshot(snap);
  canvas.setHudVisible(false);
  canvas.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&canvas));
  const QImage before = canvas.grabFramebuffer();
  // find an output cell and move the mouse there
  const auto req = canvas.currentRequest();
  std::optional<widgets::HitResult> hit;
  for (int y = 0; y < 600 && !hit; y += 4)
    for (int x = 0; x < 960 && !hit; x += 4) {
      auto h = widgets::hitTestScene(req, QPointF(x, y));
      if (h && h->target.region == widgets::HoverTarget::Region::Output) hit = h;
    }
  ASSERT_TRUE(hit);
  QTest::mouseMove(&canvas, hit->rect.center().toPoint());
  QTest::qWait(50);
  const QImage after = canvas.grabFramebuffer();
  EXPECT_NE(before, after);
}

// The parameter sliders take a third HUD row when they do not fit beside the view and layer combos
// (a 1280×720 window leaves the canvas about 600 px wide), and the scene gets the room left.
TEST(CanvasGl, HudSlidersWrapOnANarrowCanvas) {
  std::string path;
  for (const auto& c : tests::goldenStacks())
    if (c.name == "chainer_deconv2d") path = c.stackPath;
  ASSERT_FALSE(path.empty());
  const auto snap = tests::loadSnapshot(path);
  widgets::Canvas canvas;
  canvas.resize(1500, 600);
  canvas.setSnapshot(snap);
  canvas.setLayer(tests::layerForView(snap->stack, View::Slide));  // a 2-D conv: axis selector, 4 sliders
  canvas.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&canvas));
  auto settle = [&canvas]() {  // the HUD finds out it wraps while drawing; the next frame is resized
    for (int i = 0; i < 5; ++i) {
      canvas.grabFramebuffer();
      QTest::qWait(30);
    }
  };
  settle();
  const double twoRows = canvas.hudHeight();
  canvas.resize(600, 600);
  settle();
  EXPECT_GT(canvas.hudHeight(), twoRows + 10);
  EXPECT_DOUBLE_EQ(canvas.currentRequest().size.height(), 600 - canvas.hudHeight());
  EXPECT_TRUE(canvas.frameReady());
  const QString dump = qEnvironmentVariable("CONVSCOPE_CANVAS_PNG_DIR");
  if (!dump.isEmpty()) canvas.grabFramebuffer().save(dump + "/canvas_gl_narrow_hud.png");
  canvas.resize(1500, 600);
  settle();
  EXPECT_EQ(canvas.hudHeight(), twoRows);
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
