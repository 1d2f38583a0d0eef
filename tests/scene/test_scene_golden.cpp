// Golden images of every view of a few stacks, drawn through the QPainter path into a QImage
// (QT_QPA_PLATFORM=offscreen). Compared per pixel within a tolerance.
//
// Regenerate the golden set (after an intended visual change, and look at the PNGs!):
//   CONVSCOPE_UPDATE_GOLDEN=1 build/tests/scene/canvas_scene_tests --gtest_filter='Golden*'
// Write every view of every stack (themes too) for inspection:
//   CONVSCOPE_CANVAS_PNG_DIR=/tmp build/tests/scene/canvas_scene_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <QBuffer>
#include <QDir>
#include <QGuiApplication>
#include <QSvgGenerator>
#include <cmath>

#include "engine/stack/stack.h"
#include "scene_fixtures.h"
#include "widgets/scene/colour_maps.h"
#include "widgets/scene/scene_frame.h"

using namespace convscope;
using widgets::View;

namespace {

const QSize kSize(720, 450);  // small: keeps the golden set small; layout is tested at other sizes too

/// Fraction of pixels whose max channel difference exceeds 48.
double diffFraction(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return 1.0;
  const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
  int64_t bad = 0;
  for (int r = 0; r < x.height(); ++r) {
    const QRgb* p = reinterpret_cast<const QRgb*>(x.constScanLine(r));
    const QRgb* q = reinterpret_cast<const QRgb*>(y.constScanLine(r));
    for (int c = 0; c < x.width(); ++c) {
      const int d = std::max({std::abs(qRed(p[c]) - qRed(q[c])), std::abs(qGreen(p[c]) - qGreen(q[c])),
                              std::abs(qBlue(p[c]) - qBlue(q[c]))});
      if (d > 48) ++bad;
    }
  }
  return double(bad) / (double(x.width()) * x.height());
}

QImage render(const widgets::SnapshotPtr& snap, View v, int step, widgets::Theme theme) {
  const int layer = tests::layerForView(snap->stack, v);
  auto model = widgets::SceneModel::build(snap, layer, v);
  widgets::SceneRequest req{model, step, theme, QSizeF(kSize), std::nullopt, true};
  return widgets::renderSceneImage(req, 1.0).convertToFormat(QImage::Format_RGB32);
}

}  // namespace

TEST(GoldenScenes, EveryViewOfEveryStackMatches) {
  const bool update = qEnvironmentVariableIsSet("CONVSCOPE_UPDATE_GOLDEN");
  const QString dump = qEnvironmentVariable("CONVSCOPE_CANVAS_PNG_DIR");
  const QString goldenDir = QString(CONVSCOPE_SOURCE_DIR) + "/tests/scene/golden";
  for (const auto& c : tests::goldenStacks()) {
    const auto snap = tests::loadSnapshot(c.stackPath);
    for (View v : widgets::concreteViews()) {
      const int layer = tests::layerForView(snap->stack, v);
      const auto model = widgets::SceneModel::build(snap, layer, v);
      ASSERT_TRUE(model->error.isEmpty())
          << c.name << " " << widgets::viewName(v) << ": " << model->error.toStdString();
      const int step = model->steps / 2;  // mid-animation: something done, something pending
      const QImage img = render(snap, v, step, widgets::Theme::Light);
      const QString base = QString("%1_%2").arg(QString::fromStdString(c.name), widgets::viewName(v));
      if (!dump.isEmpty()) {
        img.save(dump + "/canvas_" + base + ".png");
        render(snap, v, step, widgets::Theme::Dark).save(dump + "/canvas_" + base + "_dark.png");
        render(snap, v, step, widgets::Theme::Print).save(dump + "/canvas_" + base + "_print.png");
      }
      const QString golden = goldenDir + "/" + base + ".png";
      if (update) {
        QDir().mkpath(goldenDir);
        ASSERT_TRUE(img.save(golden));
        continue;
      }
      QImage ref(golden);
      if (ref.isNull()) {
        ADD_FAILURE() << "missing golden " << golden.toStdString()
                      << " (see the header for the regenerate command)";
        continue;
      }
      EXPECT_LT(diffFraction(img, ref), 0.01) << base.toStdString() << " differs from its golden image";
    }
  }
}

TEST(GoldenScenes, EveryStepOfEveryViewDraws) {
  for (const auto& c : tests::goldenStacks()) {
    const auto snap = tests::loadSnapshot(c.stackPath);
    for (View v : widgets::concreteViews()) {
      const auto model = widgets::SceneModel::build(snap, tests::layerForView(snap->stack, v), v);
      for (int s = 0; s < model->steps; s += std::max(1, model->steps / 7)) {
        SCOPED_TRACE(c.name + " " + widgets::viewName(v) + " step " + std::to_string(s));
        QImage img(480, 300, QImage::Format_RGB32);
        QPainter p(&img);
        widgets::renderScene(p, {model, s, widgets::Theme::Light, QSizeF(480, 300), std::nullopt, true});
      }
    }
  }
}

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// Issue 7: on raster devices, cells a few pixels small take a fast path (no antialiasing, a 1-pixel
// cosmetic outline) and cells outside the frame are skipped. Each visible dense cell still shows
// its colour, and a vector device (SVG) still gets one shape per cell, the frame's full list.
TEST(DenseCells, RasterKeepsEachCellsColourAndVectorsKeepEveryShape) {
  nlohmann::json layers = nlohmann::json::array({{{"op", "conv_transpose"},
                                                  {"out_channels", 48},
                                                  {"kernel_size", 4},
                                                  {"stride", 2},
                                                  {"padding", 1},
                                                  {"init", {{"kind", "random"}, {"seed", 3}}}}});
  const nlohmann::json doc = {
      {"convscope", 1},
      {"input", {{"shape", {48, 300}}, {"generator", {{"kind", "noise"}, {"seed", 2}}}}},
      {"layers", layers}};
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = engine::resolveStack(doc, "dense.json", "");
  snap->outputs = engine::forward(snap->stack);
  const auto model = widgets::SceneModel::build(snap, 0, View::Activations);  // 48 channel rows of ~5 px
  const widgets::SceneRequest req{model, 5, widgets::Theme::Light, QSizeF(kSize), std::nullopt, true};
  const widgets::SceneFrame f = widgets::buildSceneFrame(req);
  ASSERT_FALSE(f.panels.empty());
  const widgets::ScenePanel& input = f.panels.front();
  ASSERT_GT(input.cells.size(), 100u);
  ASSERT_LT(input.cells.front().rect.height(), 6.0) << "not a dense view any more: pick more channels";
  const QImage img = widgets::renderSceneImage(req, 1.0).convertToFormat(QImage::Format_RGB32);
  int checked = 0, matched = 0;
  for (const widgets::SceneCell& c : input.cells) {
    if (c.marks || c.style != widgets::CellStyle::Value || c.rect.height() < 3 ||
        c.rect.bottom() > kSize.height())
      continue;
    // the pixel row in the middle of the cell, away from its outline
    const QPoint at(int(c.rect.center().x()), int(std::floor(c.rect.top())) + int(c.rect.height() / 2));
    const QColor want = widgets::divergingColor(c.value, input.absMax, widgets::Theme::Light);
    const QColor got = img.pixelColor(at);
    ++checked;
    if (std::max({std::abs(got.red() - want.red()), std::abs(got.green() - want.green()),
                  std::abs(got.blue() - want.blue())}) <= 6)
      ++matched;
  }
  ASSERT_GT(checked, 100);
  EXPECT_GE(matched, checked * 9 / 10) << matched << " of " << checked << " dense cells show their colour";
  // the vector path: every cell of the frame (also those below the frame's bottom edge) as a shape
  size_t cells = 0;
  for (const auto& p : f.panels) cells += p.cells.size();
  QByteArray svg;
  QBuffer buf(&svg);
  buf.open(QIODevice::WriteOnly);
  QSvgGenerator gen;
  gen.setOutputDevice(&buf);
  gen.setSize(kSize);
  gen.setViewBox(QRect(QPoint(0, 0), kSize));
  {
    QPainter p(&gen);
    widgets::renderScene(p, req);
  }
  const qsizetype shapes = svg.count("<path") + svg.count("<rect");
  EXPECT_GE(size_t(shapes), cells) << "SVG shapes " << shapes << " for " << cells << " cells";
}

// The matrix view's size is known from the layer's shapes: a matrix too large to draw is reported
// without building it (a 64-channel conv_transpose over 8000 samples took minutes and gigabytes),
// and for the matrices that are drawn the shapes agree with the built matrix.
TEST(MatrixView, SizeFromTheShapesAndTooLargeIsNotBuilt) {
  for (const auto& c : tests::goldenStacks()) {
    const auto snap = tests::loadSnapshot(c.stackPath);
    for (int li = 0; li < int(snap->stack.layers.size()); ++li) {
      const engine::Layer& l = snap->stack.layers[size_t(li)];
      if (!widgets::viewSupports(View::Matrix, l)) continue;
      const auto model = widgets::SceneModel::build(snap, li, View::Matrix);
      int64_t rows = l.outChannels, cols = l.inChannels;
      for (int a = 0; a < l.dims; ++a) rows *= l.ax[size_t(a)].out, cols *= l.ax[size_t(a)].in;
      EXPECT_EQ(model->matRows, rows) << c.name << " layer " << li;
      EXPECT_EQ(model->matCols, cols) << c.name << " layer " << li;
    }
  }
  const nlohmann::json doc = {
      {"convscope", 1},
      {"input", {{"shape", {64, 8000}}, {"generator", {{"kind", "noise"}, {"seed", 2}}}}},
      {"layers", nlohmann::json::array({{{"op", "conv_transpose"},
                                         {"out_channels", 64},
                                         {"kernel_size", 8},
                                         {"stride", 2},
                                         {"padding", 3},
                                         {"init", {{"kind", "random"}, {"seed", 6}}}}})}};
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = engine::resolveStack(doc, "big.json", "");
  snap->outputs = engine::forward(snap->stack);
  const auto model = widgets::SceneModel::build(snap, 0, View::Matrix);  // seconds → microseconds
  EXPECT_TRUE(model->error.isEmpty());
  EXPECT_TRUE(model->matrix.empty());
  EXPECT_EQ(model->matRows, 64 * 16000);
  EXPECT_EQ(model->matCols, 64 * 8000);
  EXPECT_TRUE(model->transposed);
}
