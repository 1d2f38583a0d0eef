// Scene stress: random stacks (the fuzz_shapes generator, widened to long axes and 64 channels) →
// every layer × every view that supports it → SceneModel::build, buildSceneFrame at the first, a
// middle and the last step with a random hover, a rendered image, and hit tests at random points.
// This is what the canvas does after any edit in the app, so a crash or UB here is a crash there
// (gui_abuse met one: the scatter view of an unpool layer read weights it has none of).
//
// Contract checked per frame: the model has ≥ 1 step; the image has the requested size; the frame
// holds at most one cell per 4 px² (a view draws what fits, never one cell per element of a large
// tensor); no cell has a negative size; in frames of at least 640×400 every cell and box lies
// inside the frame; a hit test returns a cell that contains the point; a scatter frame at its last
// step shows the layer's output in its output row (stamps precomputed or traced for the cells in
// view).
//
//   canvas_scene_stress [--stacks N] [--seconds S] [--seed K] [--verbose]
// defaults: 300 resolved stacks, 60 s time box, seed 1. Prints what it covered; exits 1 on a broken
// contract (with the stack JSON, the layer, view and step).
#include <QGuiApplication>
#include <QImage>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <random>
#include <string>

#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/stack/stack.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/random_stack.h"
#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_renderer.h"

using namespace convscope;
using widgets::View;

namespace {

struct Options {
  int stacks = 300;
  double seconds = 60;
  uint32_t seed = 1;
  bool verbose = false;
};

std::string problemIn(const widgets::SceneFrame& f, QSizeF size) {
  const QRectF frame(QPointF(-1, -1), size + QSizeF(2, 2));
  size_t cells = 0;
  for (const auto& p : f.panels) {
    cells += p.cells.size();
    for (const auto& c : p.cells)
      if (!frame.contains(c.rect))
        return "a cell outside the " + std::to_string(int(size.width())) + "×" +
               std::to_string(int(size.height())) + " frame: (" + std::to_string(c.rect.x()) + ", " +
               std::to_string(c.rect.y()) + ") " + std::to_string(c.rect.width()) + "×" +
               std::to_string(c.rect.height());
  }
  if (double(cells) > size.width() * size.height() / 4)
    return std::to_string(cells) + " cells in one frame (more than one per 4 px²)";
  for (const auto& b : f.boxes)
    if (!frame.adjusted(-8, -8, 8, 8).contains(b.rect))
      return "a box outside the frame: (" + std::to_string(b.rect.x()) + ", " + std::to_string(b.rect.y()) +
             ") " + std::to_string(b.rect.width()) + "×" + std::to_string(b.rect.height());
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--stacks" && i + 1 < argc)
      o.stacks = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc)
      o.seconds = std::atof(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      o.seed = uint32_t(std::atoi(argv[++i]));
    else if (a == "--verbose")
      o.verbose = true;
    else {
      std::fprintf(stderr, "usage: canvas_scene_stress [--stacks N] [--seconds S] [--seed K] [--verbose]\n");
      return 2;
    }
  }
  engine::Limits lim;
  lim.maxTensorBytes = int64_t(64) << 20;
  lim.maxActivationBytes = int64_t(256) << 20;
  engine::setLimits(lim);

  std::mt19937 rng(o.seed);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  int tried = 0, resolved = 0, models = 0, frames = 0, hits = 0, failures = 0;
  // First the stacks that go past SceneModel's budgets (stamps, traces, counts, matrix) and long
  // axes, then random ones.
  const char* const fixedStacks[] = {
      R"({"convscope":1,"convention":"pytorch","input":{"shape":[64,200]},"layers":[{"op":"conv_transpose","out_channels":64,"kernel_size":4,"stride":2}]})",
      R"({"convscope":1,"convention":"keras","layout":"channels_last","input":{"shape":[2097152,1]},"layers":[{"op":"conv_transpose","filters":1,"kernel_size":3,"strides":2,"padding":"same"}]})",
      R"({"convscope":1,"convention":"pytorch","input":{"shape":[16,40,40],"dims":2},"layers":[{"op":"conv_transpose","out_channels":16,"kernel_size":3,"stride":2,"padding":1,"output_padding":1}]})",
      R"({"convscope":1,"convention":"chainer","input":{"shape":[64,3000]},"layers":[{"op":"unpool","ksize":3}]})",
      R"({"convscope":1,"convention":"pytorch","input":{"shape":[64,16000]},"layers":[{"op":"conv","out_channels":64,"kernel_size":9,"padding":4},{"op":"relu"},{"op":"conv_transpose","out_channels":32,"kernel_size":8,"stride":4,"padding":2}]})"};
  size_t nextFixed = 0;
  while (resolved < o.stacks && elapsed() < o.seconds) {
    ++tried;
    uint8_t bytes[96];
    for (uint8_t& b : bytes) b = uint8_t(rng());
    fuzz::Bytes b(bytes, sizeof bytes);
    nlohmann::json doc = nextFixed < std::size(fixedStacks) ? nlohmann::json::parse(fixedStacks[nextFixed++])
                                                            : fuzz::randomStack(b, true);
    if (!doc["input"].contains("generator")) doc["input"]["generator"] = {{"kind", "noise"}, {"seed", 3}};
    auto snap = std::make_shared<widgets::StackSnapshot>();
    try {
      snap->stack = engine::resolveStack(doc, "stress.json", "");
      if (fuzz::forwardCost(snap->stack) > (int64_t(1) << 31)) continue;
      snap->outputs = engine::forward(snap->stack);
    } catch (const engine::EngineError&) {
      continue;
    }
    ++resolved;
    if (o.verbose) std::fprintf(stderr, "%d: %s\n", resolved, doc.dump().c_str());
    const widgets::SnapshotPtr shared = snap;
    const int L = int(snap->stack.layers.size());
    for (int li = -1; li < L; ++li)
      for (View v : widgets::concreteViews()) {
        if (li < 0 ? v != View::Activations : !widgets::viewSupports(v, snap->stack.layers[size_t(li)]))
          continue;
        const auto model = widgets::SceneModel::build(shared, li, v);
        ++models;
        auto fail = [&](const std::string& what, int step) {
          ++failures;
          std::fprintf(stderr, "FAIL layer %d view %s step %d: %s\n  stack: %s\n", li, widgets::viewName(v),
                       step, what.c_str(), doc.dump().c_str());
        };
        if (model->steps < 1) {
          fail("steps < 1", 0);
          continue;
        }
        const QSizeF sizes[] = {QSizeF(960, 600), QSizeF(320, 200), QSizeF(1600, 400)};
        for (int step : {0, model->steps / 2, model->steps - 1}) {
          widgets::SceneRequest r;
          r.model = model;
          r.step = step;
          r.size = sizes[rng() % 3];
          if (rng() % 2) {
            widgets::HoverTarget h;
            h.region = widgets::HoverTarget::Region(rng() % 9);
            h.row = int(rng() % 5) - 1;
            h.channel = int(rng() % 70) - 2;
            h.pos = {int(rng() % 5000) - 2, int(rng() % 100) - 2};
            r.hover = h;
          }
          const widgets::SceneFrame f = widgets::buildSceneFrame(r);
          // Frames too small for the titles and formula (under 640×400) only must not crash.
          const bool roomy = r.size.width() >= 640 && r.size.height() >= 400;
          if (const std::string p = problemIn(f, r.size); !p.empty() && roomy && model->error.isEmpty())
            fail(p, step);
          // Scatter at its last step: the accumulated stamps + bias are the layer's output, whether
          // the model precomputed the stamps or the frame traced the steps in view.
          if (v == View::Scatter && step == model->steps - 1 && model->error.isEmpty()) {
            const engine::Tensor& y = model->layerOutput();
            for (const auto& p : f.panels)
              for (const auto& c : p.cells) {
                if (c.target.region != widgets::HoverTarget::Region::Output) continue;
                const int64_t H = y.rank() >= 4 ? y.dim(2) : 1, W = y.dim(y.rank() - 1);
                const int a = y.rank() >= 4 ? c.target.pos[0] : 0,
                          b = y.rank() >= 4 ? c.target.pos[1] : c.target.pos[0];
                const double want = y.data[size_t((int64_t(c.target.channel) * H + a) * W + b)];
                if (std::fabs(c.value - want) > 1e-4 * (1 + std::fabs(want))) {
                  fail("scatter output cell " + std::to_string(c.value) + " != layer output " +
                           std::to_string(want),
                       step);
                  break;
                }
              }
          }
          for (const auto& p : f.panels)  // any frame, however small: no cell of negative size
            if (std::any_of(p.cells.begin(), p.cells.end(),
                            [](const auto& c) { return c.rect.width() < 0 || c.rect.height() < 0; })) {
              fail("a cell of negative size", step);
              break;
            }
          const QImage img = widgets::renderSceneImage(r);
          ++frames;
          if (img.size() != r.size.toSize()) fail("image of another size", step);
          for (int k = 0; k < 4; ++k) {
            const QPointF pt(double(rng() % 1000) / 1000 * r.size.width(),
                             double(rng() % 1000) / 1000 * r.size.height());
            if (const auto hit = widgets::hitTestScene(r, pt)) {
              ++hits;
              if (!hit->rect.adjusted(-1, -1, 1, 1).contains(pt))
                fail("a hit whose cell does not hold the point", step);
            }
          }
        }
      }
  }
  std::printf(
      "scene stress: %d random stacks tried, %d resolved; %d models, %d frames, %d hits in %.1f s; %d "
      "failures\n",
      tried, resolved, models, frames, hits, elapsed(), failures);
  return failures ? 1 : 0;
}
