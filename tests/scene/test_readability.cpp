// Readability of the frames a learner reads: a 2-D layer with a singleton axis (W = 1) drawn with
// cells that carry their numbers and titles that do not overlap; cells not processed yet faded but
// with readable (dark on light) numbers; 2-D activations filling the frame with every channel; no
// dangling "·" in the activations title; --no-title / --no-caption leaving the text out.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QImage>
#include <QPainter>
#include <map>
#include <set>

#include "scene_fixtures.h"
#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"
#include "widgets/scene/scene_theme.h"

using namespace convscope;
using widgets::View;

namespace {

std::string lessonPath(const std::string& name) {
  return std::string(CONVSCOPE_SOURCE_DIR) + "/resources/lessons/" + name + ".json";
}

widgets::SceneFrame frameOf(const widgets::SnapshotPtr& snap, int layer, View v, int step,
                            QSizeF size = QSizeF(960, 600)) {
  const auto model = widgets::SceneModel::build(snap, layer, v);
  widgets::SceneRequest r;
  r.model = model;
  r.step = step;
  r.size = size;
  return widgets::buildSceneFrame(r);
}

double luminance(QRgb c) {
  return 0.2126 * qRed(c) + 0.7152 * qGreen(c) + 0.0722 * qBlue(c);
}

}  // namespace

// conv1d_transpose_via_2d: a (steps, 1) signal through a (3, 1) kernel. Every view that draws grids
// (scatter, slide, zero_insert) must give its cells room for numbers and keep titles apart.
TEST(Readability, SingletonWidthGridsCarryNumbersAndTitlesDoNotOverlap) {
  const auto snap = tests::loadSnapshot(lessonPath("conv1d_transpose_via_2d"));
  for (View v : {View::Scatter, View::Slide, View::ZeroInsert}) {
    const auto model = widgets::SceneModel::build(snap, 0, v);
    for (int step : {0, model->steps / 2, model->steps - 1}) {
      SCOPED_TRACE(std::string(widgets::viewName(v)) + " step " + std::to_string(step));
      const auto f = frameOf(snap, 0, v, step);
      int valueCells = 0;
      for (const auto& p : f.panels) {
        EXPECT_TRUE(p.showValues) << "a panel of a W = 1 grid prints no numbers";
        for (const auto& c : p.cells) {
          EXPECT_GE(c.rect.width(), widgets::kSceneMetrics.oneDecimalMinCell * f.unit) << "cell too small";
          valueCells += c.style == widgets::CellStyle::Value;
        }
      }
      EXPECT_GT(valueCells, 8);
      // titles (Label texts) never overlap one another, and say the grid is drawn as a row
      bool note = false;
      for (size_t i = 0; i < f.texts.size(); ++i) {
        if (f.texts[i].role != widgets::TextRole::Label) continue;
        note |= f.texts[i].text.contains("W = 1");
        for (size_t j = i + 1; j < f.texts.size(); ++j)
          if (f.texts[j].role == widgets::TextRole::Label)
            EXPECT_FALSE(f.texts[i].rect.intersects(f.texts[j].rect))
                << f.texts[i].text.toStdString() << " overlaps " << f.texts[j].text.toStdString();
      }
      EXPECT_TRUE(note) << "no title says the grid is W = 1 drawn as a row";
      // small labels (the "kept" crop of the scatter view, box labels) cover no cell
      std::vector<std::pair<QString, QRectF>> labels;
      for (const auto& t : f.texts)
        if (t.role == widgets::TextRole::Small && t.text.startsWith("kept"))
          labels.push_back({t.text, t.rect});
      for (const auto& b : f.boxes)
        if (!b.label.isEmpty())
          labels.push_back({b.label, QRectF(b.rect.left(), b.rect.bottom() + 1, b.rect.width(),
                                            widgets::fontPx(widgets::TextRole::Small, f.unit) * 1.4)});
      if (v == View::Scatter) EXPECT_FALSE(labels.empty()) << "no 'kept' label";
      for (const auto& [text, rect] : labels)
        for (const auto& p : f.panels)
          for (const auto& c : p.cells)
            EXPECT_FALSE(rect.intersects(c.rect.adjusted(1, 1, -1, -1)))
                << "label '" << text.toStdString() << "' covers a cell";
    }
  }
}

// The "kept" label of a 2-D scatter whose full buffer is cropped on every side sits under the grid,
// not on its cropped bottom row.
TEST(Readability, KeptLabelOfA2dScatterCoversNoCell) {
  const auto snap =
      tests::loadSnapshot(std::string(CONVSCOPE_SOURCE_DIR) + "/examples/chainer_deconv2d.json");
  const int layer = tests::layerForView(snap->stack, View::Scatter);
  const auto model = widgets::SceneModel::build(snap, layer, View::Scatter);
  const auto f = frameOf(snap, layer, View::Scatter, model->steps / 2);
  int kept = 0;
  for (const auto& t : f.texts) {
    if (!t.text.startsWith("kept")) continue;
    ++kept;
    for (const auto& p : f.panels)
      for (const auto& c : p.cells) EXPECT_FALSE(t.rect.intersects(c.rect.adjusted(1, 1, -1, -1)));
  }
  EXPECT_EQ(kept, 1);
}

// Inputs not yet processed (scatter view: every x[i] after this step) are faded, with their numbers
// darker than their fill (never white text under a white veil), in the light and dark themes.
TEST(Readability, FutureCellsAreFadedButReadable) {
  const auto snap = tests::loadSnapshot(lessonPath("transposed_scatter"));
  const auto model = widgets::SceneModel::build(snap, 0, View::Scatter);
  for (widgets::Theme th : {widgets::Theme::Light, widgets::Theme::Dark}) {
    widgets::SceneRequest r;
    r.model = model;
    r.step = 0;
    r.theme = th;
    const auto f = widgets::buildSceneFrame(r);
    const QImage img = widgets::renderSceneImage(r).convertToFormat(QImage::Format_RGB32);
    const double bg = luminance(widgets::scenePalette(th).background.rgb());
    int checked = 0;
    for (const auto& p : f.panels)
      for (const auto& c : p.cells) {
        if (!(c.marks & widgets::MarkDim)) continue;
        // the fill (a corner inside the border) and the text's extreme pixel in the cell's middle
        const QRect in = c.rect.adjusted(4, 4, -4, -4).toRect();
        const double fill = luminance(img.pixel(in.topLeft()));
        double far = fill;
        for (int y = in.top(); y <= in.bottom(); ++y)
          for (int x = in.left(); x <= in.right(); ++x) {
            const double l = luminance(img.pixel(x, y));
            if (std::abs(l - fill) > std::abs(far - fill)) far = l;
          }
        EXPECT_LT(std::abs(fill - bg), 60) << "a future cell is not faded toward the background";
        EXPECT_GT(std::abs(far - fill), 70) << "a future cell's number does not stand out from its fill";
        // light theme: dark text on a light fill; dark theme: light text on a dark fill
        EXPECT_EQ(far < fill, th == widgets::Theme::Light);
        ++checked;
      }
    EXPECT_GE(checked, 3);
  }
}

// A 2-D stack's activations: the header says images, every channel of a tensor is drawn, and the
// cells cover a good part of the frame.
TEST(Readability, Activations2dFillTheFrameWithEveryChannel) {
  const auto snap = tests::loadSnapshot(lessonPath("conv_x_deconv_y"));
  const auto f = frameOf(snap, -1, View::Activations, 0);
  bool said = false;
  for (const auto& t : f.texts) {
    said |= t.text.contains("each channel an image");
    EXPECT_FALSE(t.text.contains("columns are positions")) << "the 1-D sentence on a 2-D stack";
    EXPECT_FALSE(t.text.trimmed().endsWith(QString::fromUtf8("·")))
        << "dangling dot: " << t.text.toStdString();
  }
  EXPECT_TRUE(said);
  double area = 0;
  for (const auto& p : f.panels)
    for (const auto& c : p.cells) area += c.rect.width() * c.rect.height();
  EXPECT_GT(area / (f.size.width() * f.size.height()), 0.3)
      << "2-D activations leave most of the frame empty";
  // every channel of every tensor is an image of its own (2-D lesson and a multi-channel 2-D example)
  for (const std::string& path : {lessonPath("conv_x_deconv_y"),
                                  std::string(CONVSCOPE_SOURCE_DIR) + "/examples/chainer_deconv2d.json"}) {
    const auto s2 = tests::loadSnapshot(path);
    const auto g = frameOf(s2, -1, View::Activations, 0);
    std::map<int, std::set<int>> channels;  // tensor row → channels drawn
    for (const auto& p : g.panels)
      for (const auto& c : p.cells) channels[c.target.row].insert(c.target.channel);
    for (int row = -1; row < int(s2->outputs.size()); ++row) {
      const int C = int(row < 0 ? s2->stack.input.dim(1) : s2->outputs[size_t(row)].dim(1));
      EXPECT_EQ(int(channels[row].size()), C) << path << " tensor row " << row;
    }
  }
}

// --no-title / --no-caption (SceneRequest::showHeader / showCaption): the texts go, the cells grow.
TEST(Readability, NoTitleNoCaptionLeaveTheTextOutAndGrowTheScene) {
  const auto snap = tests::loadSnapshot(lessonPath("transposed_scatter"));
  const auto model = widgets::SceneModel::build(snap, 0, View::Scatter);
  widgets::SceneRequest r;
  r.model = model;
  r.step = 2;
  const auto full = widgets::buildSceneFrame(r);
  r.showHeader = false;
  r.showCaption = false;
  const auto bare = widgets::buildSceneFrame(r);
  auto has = [](const widgets::SceneFrame& f, const char* s) {
    for (const auto& t : f.texts)
      if (t.text.contains(s)) return true;
    return false;
  };
  EXPECT_TRUE(has(full, "step 3 / ") && has(full, "output length:"));
  EXPECT_FALSE(has(bare, "step 3 / ") || has(bare, "output length:") || has(bare, "stamps x[i]"));
  auto height = [](const widgets::SceneFrame& f) {
    QRectF b;
    for (const auto& p : f.panels)
      for (const auto& c : p.cells) b = b.isNull() ? c.rect : b.united(c.rect);
    return b.height();
  };
  EXPECT_GT(height(bare), height(full) * 1.1);
}
