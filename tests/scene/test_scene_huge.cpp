// Huge-kernel layers through every view: the checkerboard lesson's transposed conv with
// kernel_size 2000 (2-D: a 2045 × 2045 output, a 2000 × 2000 kernel), a 1-D conv_transpose with
// kernel_size 15000 on 40 samples and a 1-D conv with kernel_size 15000 and padding 14999. A view's
// model and frames must cost what the cells in view cost: each view's peak RSS grows by less than
// kMaxGrowth over the snapshot, and the drawn output cells equal the layer's output (CTest TIMEOUT
// catches a view that scales with the whole buffer or the kernel).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <QGuiApplication>
#include <chrono>
#include <cmath>
#include <set>

#include "engine/stack/stack.h"
#include "engine/teach/overlap.h"
#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_renderer.h"

using namespace convscope;
using widgets::View;

namespace {

constexpr int64_t kMaxGrowthKb = 256 * 1024;

int64_t peakKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

widgets::SnapshotPtr snapshotOf(const char* json) {
  auto snap = std::make_shared<widgets::StackSnapshot>();
  snap->stack = engine::resolveStack(nlohmann::json::parse(json), "huge.json", "");
  snap->outputs = engine::forward(snap->stack);
  return snap;
}

double outAt(const engine::Tensor& y, int o, const engine::Pos& p) {  // batch 0
  const int64_t A = y.dim(2), B = y.rank() >= 4 ? y.dim(3) : 1;
  return y.data[size_t((int64_t(o) * A + p[0]) * B + p[1])];
}

// Builds the model and the first, a middle and the last frame of every view of `layer`; checks
// memory, time, and that the output cells drawn at the last step are the layer's output.
void checkEveryView(const widgets::SnapshotPtr& snap, int layer) {
  const engine::Layer& l = snap->stack.layers[size_t(layer)];
  const engine::Tensor& y = snap->outputs[size_t(layer)];
  double scale = 1.0;
  for (float v : y.data) scale = std::max(scale, double(std::fabs(v)));
  for (View v : widgets::concreteViews()) {
    if (!widgets::viewSupports(v, l)) continue;
    const int64_t before = peakKb();
    const auto t0 = std::chrono::steady_clock::now();
    const auto model = widgets::SceneModel::build(snap, layer, v);
    ASSERT_TRUE(model->error.isEmpty()) << widgets::viewName(v) << ": " << model->error.toStdString();
    int outputCells = 0;
    for (int step : {0, model->steps / 2, model->steps - 1}) {
      widgets::SceneRequest r;
      r.model = model;
      r.step = step;
      r.size = QSizeF(960, 600);
      const widgets::SceneFrame f = widgets::buildSceneFrame(r);
      // A hover over one cell of each region (input, kernel, output, ...) answers at frame cost: no
      // copy of the weight, no zero-insertion form, no term list of a huge kernel.
      std::set<int> hovered;
      for (const auto& p : f.panels)
        for (const auto& c : p.cells)
          if (hovered.insert(int(c.target.region)).second) {
            const auto hit = widgets::hitTestScene(r, c.rect.center());
            ASSERT_TRUE(hit.has_value()) << widgets::viewName(v);
            EXPECT_FALSE(hit->tooltip.isEmpty()) << widgets::viewName(v);
          }
      if (step != model->steps - 1) continue;
      for (const auto& p : f.panels)
        for (const auto& c : p.cells) {
          if (c.target.region != widgets::HoverTarget::Region::Output || !c.hasValue) continue;
          if (v == View::Slide ||
              v == View::ZeroInsert) {  // outputs read from the layer (or its identity form)
            EXPECT_NEAR(c.value, outAt(y, c.target.channel, c.target.pos), 1e-5 * scale)
                << widgets::viewName(v);
          } else if (v == View::Scatter && c.style == widgets::CellStyle::Value) {  // summed per cell
            EXPECT_NEAR(c.value, outAt(y, c.target.channel, c.target.pos), 1e-5 * scale) << "scatter";
          }
          ++outputCells;
        }
      if (v == View::Overlap && (l.op == engine::Op::ConvTranspose || l.op == engine::Op::Unpool)) {
        const engine::OverlapCounts oc = engine::overlapCounts(l, false, false);
        for (const auto& p : f.panels)
          for (const auto& c : p.cells) {
            if (c.target.region != widgets::HoverTarget::Region::Count || c.rect.height() < 1) continue;
            const int64_t want = int64_t(oc.axes[0].counts[size_t(c.target.pos[0])]) *
                                 (l.dims == 2 ? oc.axes[1].counts[size_t(c.target.pos[1])] : 1);
            EXPECT_EQ(int64_t(c.value), want) << "overlap at " << c.target.pos[0] << ", " << c.target.pos[1];
          }
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t growth = peakKb() - before;
    std::printf("layer %d %-16s %6.3f s  peak RSS +%lld KB  output cells %d\n", layer, widgets::viewName(v),
                secs, (long long)growth, outputCells);
    EXPECT_LT(growth, kMaxGrowthKb) << widgets::viewName(v);
    EXPECT_LT(secs, 20.0) << widgets::viewName(v);
    if (v == View::Slide || v == View::Scatter || v == View::ZeroInsert) {
      EXPECT_GT(outputCells, 0) << widgets::viewName(v);
    }
  }
}

TEST(SceneHuge, CheckerboardTransposedConvKernel2000) {
  const auto snap = snapshotOf(R"({"convscope":1,"convention":"pytorch",
    "input":{"shape":[1,12,12],"dims":2,"generator":{"kind":"noise","seed":3}},
    "layers":[{"op":"upsample","scale_factor":2},
              {"op":"conv","out_channels":1,"kernel_size":3,"padding":1,"bias":false,"init":{"kind":"random","seed":1}},
              {"op":"conv_transpose","out_channels":1,"kernel_size":2000,"stride":2,"padding":1,"output_padding":1,
               "init":{"kind":"random","seed":2}}]})");
  checkEveryView(snap, 2);
}

TEST(SceneHuge, OneDTransposedConvKernel15000On40Samples) {
  const auto snap = snapshotOf(R"({"convscope":1,"convention":"pytorch",
    "input":{"shape":[2,40],"generator":{"kind":"noise","seed":5}},
    "layers":[{"op":"conv_transpose","out_channels":2,"kernel_size":15000,"stride":2,"padding":3,"dilation":1,
               "init":{"kind":"random","seed":4}}]})");
  checkEveryView(snap, 0);
}

TEST(SceneHuge, OneDConvKernel15000Padding14999) {
  const auto snap = snapshotOf(R"({"convscope":1,"convention":"pytorch",
    "input":{"shape":[1,40],"generator":{"kind":"noise","seed":6}},
    "layers":[{"op":"conv","out_channels":1,"kernel_size":15000,"padding":14999,"init":{"kind":"random","seed":7}}]})");
  checkEveryView(snap, 0);
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
