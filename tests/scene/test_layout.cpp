// Layout of the scene: cells sized from the frame (the content uses most of it), text never below
// the readable minimum, long layers shown as a window around the active step with "…" markers,
// 2-D cells square.
#include <gtest/gtest.h>

#include <QFile>
#include <QTemporaryDir>

#include "scene_fixtures.h"
#include "widgets/scene/scene_frame.h"

using namespace convscope;
using widgets::View;

namespace {

QRectF cellBounds(const widgets::SceneFrame& f) {
  QRectF b;
  for (const auto& p : f.panels)
    for (const auto& c : p.cells) b = b.isNull() ? c.rect : b.united(c.rect);
  return b;
}

bool hasText(const widgets::SceneFrame& f, const QString& s) {
  for (const auto& t : f.texts)
    if (t.text == s) return true;
  return false;
}

}  // namespace

TEST(SceneLayout, TextIsNeverBelowTheMinimum) {
  for (const auto& c : tests::goldenStacks()) {
    const auto snap = tests::loadSnapshot(c.stackPath);
    for (View v : widgets::concreteViews()) {
      const auto model = widgets::SceneModel::build(snap, tests::layerForView(snap->stack, v), v);
      for (QSizeF size : {QSizeF(480, 300), QSizeF(720, 450), QSizeF(1400, 700)}) {
        const auto f = widgets::buildSceneFrame(
            {model, model->steps / 2, widgets::Theme::Light, size, std::nullopt, true});
        for (const auto& t : f.texts) {
          const double px = t.px > 0 ? t.px : widgets::fontPx(t.role, f.unit);
          EXPECT_GE(px, widgets::kMinTextPx - 0.01)
              << c.name << " " << widgets::viewName(v) << " '" << t.text.toStdString() << "'";
        }
      }
    }
  }
}

TEST(SceneLayout, ContentFillsTheFrame) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[0].stackPath);  // conv1d_basics
  for (View v : {View::Slide, View::Scatter, View::ZeroInsert}) {
    const auto model = widgets::SceneModel::build(snap, tests::layerForView(snap->stack, v), v);
    for (QSizeF size : {QSizeF(820, 560), QSizeF(960, 600)}) {
      const auto f = widgets::buildSceneFrame({model, 1, widgets::Theme::Light, size, std::nullopt, true});
      const QRectF b = cellBounds(f);
      EXPECT_GT(b.width(), 0.6 * size.width()) << widgets::viewName(v);
      EXPECT_NEAR(b.center().x(), size.width() / 2, 0.12 * size.width()) << widgets::viewName(v);
      double minH = 1e9;
      for (const auto& p : f.panels)
        for (const auto& c : p.cells) minH = std::min(minH, c.rect.height());
      EXPECT_GE(minH, 30) << widgets::viewName(v);  // cells big enough for their values
    }
  }
}

TEST(SceneLayout, LongLayersShowAWindowAroundTheActiveStep) {
  QTemporaryDir dir;
  const QString path = dir.filePath("long.json");
  QFile file(path);
  ASSERT_TRUE(file.open(QIODevice::WriteOnly));
  file.write(
      R"({"convscope": 1, "convention": "pytorch", "input": {"shape": [1, 400], "generator": {"kind": "sine", "frequency": 3}},
                "layers": [{"op": "conv", "out_channels": 1, "kernel_size": 3, "padding": 1},
                           {"op": "conv_transpose", "out_channels": 1, "kernel_size": 3, "stride": 2}]})");
  file.close();
  const auto snap = tests::loadSnapshot(path.toStdString());
  for (View v : {View::Slide, View::Scatter, View::ZeroInsert, View::Matrix}) {
    const int layer = v == View::Slide ? 0 : 1;
    const auto model = widgets::SceneModel::build(snap, layer, v);
    ASSERT_TRUE(model->error.isEmpty()) << model->error.toStdString();
    const int step = v == View::Matrix || v == View::ZeroInsert ? 400 : 200;
    const auto f =
        widgets::buildSceneFrame({model, step, widgets::Theme::Light, QSizeF(900, 560), std::nullopt, true});
    int cells = 0, active = 0;
    double minW = 1e9;
    for (const auto& p : f.panels)
      for (const auto& c : p.cells) {
        ++cells;
        minW = std::min(minW, c.rect.width());
        if (c.marks & widgets::MarkActive) ++active;
        EXPECT_GE(c.rect.left(), -0.5);
        EXPECT_LE(c.rect.right(), 900.5);
      }
    EXPECT_GE(minW, v == View::Matrix ? 20 : 25) << widgets::viewName(v);
    EXPECT_LT(cells, 400) << widgets::viewName(v);
    EXPECT_GT(active, 0) << widgets::viewName(v);
    EXPECT_TRUE(hasText(f, QString(QChar(0x2026)))) << widgets::viewName(v);
  }
}

TEST(SceneLayout, TwoDimensionalCellsAreSquare) {
  const auto snap = tests::loadSnapshot(tests::goldenStacks()[2].stackPath);  // chainer_deconv2d
  for (View v : {View::Slide, View::Scatter, View::Activations, View::ReceptiveField}) {
    const auto model = widgets::SceneModel::build(snap, tests::layerForView(snap->stack, v), v);
    const auto f =
        widgets::buildSceneFrame({model, 0, widgets::Theme::Light, QSizeF(900, 560), std::nullopt, true});
    for (const auto& p : f.panels)
      for (const auto& c : p.cells)
        EXPECT_NEAR(c.rect.width(), c.rect.height(), 0.01) << widgets::viewName(v);
  }
}
