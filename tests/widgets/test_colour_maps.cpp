// One colour map for the canvas and the activation plots (widgets/scene/colour_maps.h): the same
// value gets the same colour in the canvas's activations view and in the plots' heatmaps, in every
// theme. No display: an offscreen QApplication for the plot widgets.
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <QApplication>
#include <cmath>

#include "tests/scene/scene_fixtures.h"
#include "widgets/activation_plots.h"
#include "widgets/scene/colour_maps.h"
#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_model.h"

using namespace convscope;
using widgets::Theme;

namespace {

constexpr Theme kThemes[] = {Theme::Light, Theme::Dark, Theme::Print};

// Largest difference of one 8-bit channel.
int channelDiff(QRgb a, QRgb b) {
  return std::max(
      {std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

// Grey level of c (Rec. 709 luma of its sRGB values): what a greyscale print keeps of it.
double luma(const QColor& c) {
  return 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF();
}

QApplication& app() {
  static int argc = 1;
  static char name[] = "widget_tests";
  static char* argv[] = {name, nullptr};
  qputenv("QT_QPA_PLATFORM", "offscreen");
  static QApplication a(argc, argv);
  return a;
}

}  // namespace

TEST(ColourMaps, PlotGradientSamplesTheCanvasMap) {
  for (Theme t : kThemes) {
    QCPColorGradient g = widgets::valueGradient(t);
    for (double absMax : {1.0, 0.37, 250.0})
      for (int i = -40; i <= 40; ++i) {
        const double v = absMax * i / 40.0;
        const QRgb canvas = widgets::divergingColor(v, absMax, t).rgb();
        const QRgb plot = g.color(v, QCPRange(-absMax, absMax));
        EXPECT_LE(channelDiff(canvas, plot), 1)
            << widgets::themeName(t) << " v=" << v << " absMax=" << absMax;
      }
  }
}

TEST(ColourMaps, MapsAreOrderedAndNeutralAtZero) {
  for (Theme t : kThemes) {
    EXPECT_EQ(widgets::divergingColor(0, 1, t), widgets::sampleStops(widgets::divergingStops(t), 0.5));
    EXPECT_EQ(widgets::divergingColor(NAN, 1, t), widgets::divergingColor(0, 1, t));
    EXPECT_EQ(widgets::divergingColor(5, 1, t), widgets::divergingColor(1, 1, t));  // clamped
    // Greyscale order: lightness moves away from the neutral colour's monotonically with |v|.
    const double l0 = luma(widgets::divergingColor(0, 1, t));
    for (int sign : {-1, 1}) {
      double prev = 0;
      for (int i = 1; i <= 20; ++i) {
        const double d = std::abs(luma(widgets::divergingColor(sign * i / 20.0, 1, t)) - l0);
        EXPECT_GE(d + 1e-3, prev) << widgets::themeName(t) << " " << sign * i / 20.0;
        prev = d;
      }
    }
    // Sequential: lightness moves one way from none to the most (darker on light themes).
    const double sign =
        luma(widgets::sequentialColor(20, 20, t)) > luma(widgets::sequentialColor(0, 20, t)) ? 1.0 : -1.0;
    double prev = -1e9;
    for (int i = 0; i <= 20; ++i) {
      const double l = sign * luma(widgets::sequentialColor(i, 20, t));
      EXPECT_GE(l + 1e-3, prev) << widgets::themeName(t) << " count " << i;
      prev = l;
    }
  }
}

TEST(ColourMaps, ThemeAccentsAreTheCategoricalPalette) {
  using namespace widgets::okabe_ito;
  EXPECT_EQ(widgets::scenePalette(Theme::Light).active, kOrange);
  EXPECT_EQ(widgets::scenePalette(Theme::Light).related, kBlue);
  EXPECT_EQ(widgets::scenePalette(Theme::Light).kernel, kBluishGreen);
  EXPECT_EQ(widgets::categoricalColor(0, Theme::Light), kBlue);
  EXPECT_EQ(widgets::categoricalColor(8, Theme::Light), kBlue);
  EXPECT_EQ(widgets::categoricalColor(7, Theme::Light), kBlack);
  EXPECT_NE(widgets::categoricalColor(7, Theme::Dark), kBlack);  // black is invisible on dark
}

// End to end: every value cell of the canvas's activations view against the plots' heatmap of the
// same tensor (row), in every theme.
TEST(ColourMaps, CanvasActivationsAndPlotsAgree) {
  app();
  const auto snap =
      tests::loadSnapshot(std::string(CONVSCOPE_SOURCE_DIR) + "/resources/lessons/conv1d_channels_slab.json");
  const auto model = widgets::SceneModel::build(snap, -1, widgets::View::Activations);
  ASSERT_TRUE(model->error.isEmpty()) << model->error.toStdString();
  for (Theme t : kThemes) {
    widgets::ActivationPlots plots;
    plots.resize(900, 700);
    plots.setTheme(t);
    plots.setMode(widgets::ActivationPlots::Mode::Heatmap);
    plots.setSnapshot(snap);
    ASSERT_TRUE(plots.isReady());
    const widgets::SceneFrame f =
        widgets::buildSceneFrame({model, 0, t, QSizeF(960, 600), std::nullopt, true});
    ASSERT_EQ(int(f.panels.size()), plots.rowCount());
    int compared = 0;
    for (int row = 0; row < plots.rowCount(); ++row) {
      QCustomPlot* heat = plots.heatmapPlot(row);
      ASSERT_NE(heat, nullptr) << "row " << row;
      auto* map = qobject_cast<QCPColorMap*>(heat->plottable(0));
      ASSERT_NE(map, nullptr);
      QCPColorGradient g = map->gradient();
      for (const widgets::SceneCell& c : f.panels[size_t(row)].cells) {
        if (c.style != widgets::CellStyle::Value) continue;
        const QRgb canvas = widgets::divergingColor(c.value, f.panels[size_t(row)].absMax, t).rgb();
        const QRgb plot = g.color(c.value, map->dataRange());
        EXPECT_LE(channelDiff(canvas, plot), 1)
            << widgets::themeName(t) << " row " << row << " v=" << c.value;
        ++compared;
      }
    }
    EXPECT_GT(compared, 20);
  }
}
