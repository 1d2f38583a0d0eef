// Golden images of every view of a few stacks, drawn through the QPainter path into a QImage
// (QT_QPA_PLATFORM=offscreen). Compared per pixel within a tolerance.
//
// Regenerate the golden set (after an intended visual change, and look at the PNGs!):
//   CONVSCOPE_UPDATE_GOLDEN=1 build/tests/canvas/canvas_scene_tests --gtest_filter='Golden*'
// Write every view of every stack (themes too) for inspection:
//   CONVSCOPE_CANVAS_PNG_DIR=/tmp build/tests/canvas/canvas_scene_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <QDir>
#include <QGuiApplication>
#include <cmath>

#include "scene_fixtures.h"

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
      const int d = std::max({std::abs(qRed(p[c]) - qRed(q[c])), std::abs(qGreen(p[c]) - qGreen(q[c])), std::abs(qBlue(p[c]) - qBlue(q[c]))});
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
  const QString goldenDir = QString(CONVSCOPE_SOURCE_DIR) + "/tests/canvas/golden";
  for (const auto& c : tests::goldenStacks()) {
    const auto snap = tests::loadSnapshot(c.stackPath);
    for (View v : widgets::concreteViews()) {
      const int layer = tests::layerForView(snap->stack, v);
      const auto model = widgets::SceneModel::build(snap, layer, v);
      ASSERT_TRUE(model->error.isEmpty()) << c.name << " " << widgets::viewName(v) << ": " << model->error.toStdString();
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
        ADD_FAILURE() << "missing golden " << golden.toStdString() << " (see the header for the regenerate command)";
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
