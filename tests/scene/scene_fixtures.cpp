#include "scene_fixtures.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/stack/stack.h"

namespace convscope::tests {

std::vector<SceneCase> goldenStacks() {
  const std::string root = CONVSCOPE_SOURCE_DIR;
  return {{root + "/resources/lessons/conv1d_basics.json", "conv1d_basics"},
          {root + "/examples/onnx_same_upper.json", "onnx_same_upper"},
          {root + "/examples/chainer_deconv2d.json", "chainer_deconv2d"}};
}

widgets::SnapshotPtr loadSnapshot(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto snap = std::make_shared<widgets::StackSnapshot>();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  snap->stack = engine::resolveStack(engine::parseStackJson(ss.str(), path), path, dir);
  snap->outputs = engine::forward(snap->stack);
  return snap;
}

int layerForView(const engine::Stack& s, widgets::View v) {
  using widgets::View;
  const auto first = [&](engine::Op op) {
    for (size_t i = 0; i < s.layers.size(); ++i)
      if (s.layers[i].op == op) return int(i);
    return -1;
  };
  switch (v) {
    case View::Slide:
      return first(engine::Op::Conv);
    case View::Scatter:
    case View::ZeroInsert:
    case View::Overlap:
    case View::Matrix: {
      const int t = first(engine::Op::ConvTranspose);
      return t >= 0 ? t : first(engine::Op::Conv);
    }
    case View::ReceptiveField:
      return int(s.layers.size()) - 1;
    default:
      return -1;
  }
}

}  // namespace convscope::tests
