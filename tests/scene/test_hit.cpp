// Hit-testing: pointing at a cell returns what was drawn there, with its exact value.
#include <gtest/gtest.h>

#include "scene_fixtures.h"
#include "widgets/scene/scene_frame.h"

using namespace convscope;
using widgets::HoverTarget;
using widgets::View;

namespace {

/// Centre of the first drawn cell of `region` found by scanning the frame.
std::optional<widgets::HitResult> findRegion(const widgets::SceneRequest& req, HoverTarget::Region region) {
  for (int y = 0; y < int(req.size.height()); y += 3)
    for (int x = 0; x < int(req.size.width()); x += 3) {
      auto h = widgets::hitTestScene(req, QPointF(x, y));
      if (h && h->target.region == region) return h;
    }
  return std::nullopt;
}

}  // namespace

TEST(HitTest, SlideOutputTooltipHasExactValueAndTerms) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  const auto model = widgets::SceneModel::build(snap, 0, View::Slide);
  widgets::SceneRequest req{model, model->steps - 1, widgets::Theme::Light, QSizeF(960, 600), std::nullopt,
                            true};
  const auto hit = findRegion(req, HoverTarget::Region::Output);
  ASSERT_TRUE(hit);
  const int m = hit->target.pos[0];
  const double v = snap->outputs[0].data[size_t(m)];
  EXPECT_TRUE(hit->tooltip.contains(widgets::formatValue(v, 6).replace(QChar(0x2212), '-')) ||
              hit->tooltip.contains(widgets::formatValue(v, 6)))
      << hit->tooltip.toStdString();
  EXPECT_TRUE(hit->tooltip.contains("Σ")) << hit->tooltip.toStdString();
  // the hit cell's own hit test at its centre returns the same target
  const auto again = widgets::hitTestScene(req, hit->rect.center());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->target, hit->target);
}

TEST(HitTest, EmptySpaceHitsNothingAndEveryViewHasCells) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  for (View v : widgets::concreteViews()) {
    const auto model = widgets::SceneModel::build(snap, tests::layerForView(snap->stack, v), v);
    widgets::SceneRequest req{model, 0, widgets::Theme::Light, QSizeF(960, 600), std::nullopt, true};
    EXPECT_FALSE(widgets::hitTestScene(req, QPointF(2, 2))) << widgets::viewName(v);
    bool any = false;
    for (int y = 0; y < 600 && !any; y += 4)
      for (int x = 0; x < 960 && !any; x += 4) any = widgets::hitTestScene(req, QPointF(x, y)).has_value();
    EXPECT_TRUE(any) << widgets::viewName(v);
  }
}

TEST(HitTest, HoverMarksDependencies) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);
  const auto model = widgets::SceneModel::build(snap, 0, View::Slide);
  widgets::SceneRequest req{model, 0, widgets::Theme::Light, QSizeF(960, 600), std::nullopt, true};
  const auto hit = findRegion(req, HoverTarget::Region::Output);
  ASSERT_TRUE(hit);
  const QImage plain = widgets::renderSceneImage(req);
  req.hover = hit->target;
  const QImage hovered = widgets::renderSceneImage(req);
  EXPECT_NE(plain, hovered);
}
