// Shared helpers of the fuzz targets (tests/fuzz): small limits so every input stays cheap, a
// scratch directory with a few valid .npy files, and a cost estimate that keeps forward() passes
// short. Used both by the libFuzzer executables and by the CTest replay of their corpora.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/core/layer.h"
#include "engine/core/limits.h"
#include "engine/io/npy.h"
#include "engine/stack/stack.h"

namespace convscope::fuzz {

/// Limits small enough that an accepted input never costs more than a few MiB.
inline void setSmallLimits() {
  engine::Limits l;
  l.maxTensorBytes = int64_t(4) << 20;
  l.maxActivationBytes = int64_t(16) << 20;
  engine::setLimits(l);
}

/// A per-process scratch directory (removed by nobody: it lives under the system temp dir).
inline std::filesystem::path scratchDir(const std::string& tag) {
  auto dir =
      std::filesystem::temp_directory_path() / ("convscope-fuzz-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

/// Writes the .npy files that the seed stacks name (x.npy, w0.npy, b0.npy, ...) into `dir`.
inline void writeFixtures(const std::filesystem::path& dir) {
  auto put = [&](const char* name, engine::Shape shape) {
    engine::Tensor t(shape);
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>((i * 7919) % 13) / 6.0f - 1.0f;
    engine::writeNpy((dir / name).string(), t);
  };
  put("x.npy", {2, 16});
  put("x2d.npy", {1, 8, 8});
  put("w.npy", {2, 2, 3});
  put("w0.npy", {2, 2, 3});
  put("w1.npy", {2, 2, 3});
  put("w2d.npy", {2, 1, 3, 3});
  put("b.npy", {2});
  put("b0.npy", {2});
  put("mean.npy", {2});
  put("var.npy", {2});
}

/// Work forward() would do for `st` (engine::multiplyAdds plus the elements read and written, × batch,
/// saturating); forward is skipped above a budget.
inline int64_t forwardCost(const engine::Stack& st) {
  using engine::addSaturating;
  using engine::mulSaturating;
  const int64_t batch = st.input.shape.empty() ? 1 : st.input.shape[0];
  int64_t cost = 0;
  for (const auto& l : st.layers) {
    const int64_t io =
        addSaturating(engine::numelSaturating(l.outputShape()), engine::numelSaturating(l.inputShape()));
    cost = addSaturating(cost, mulSaturating(addSaturating(io, engine::multiplyAdds(l)), batch));
  }
  return cost;
}

constexpr int64_t kForwardBudget = int64_t(30) << 20;  // ~0.1 s under ASan

/// Runs forward() when cheap enough and checks every output against the resolved shapes.
inline void forwardAndCheck(const engine::Stack& st) {
  if (forwardCost(st) > kForwardBudget) return;
  const auto outs = engine::forward(st);
  if (outs.size() != st.layers.size()) __builtin_trap();
  for (size_t i = 0; i < outs.size(); ++i) {
    engine::Shape want = st.layers[i].outputShape();
    want.insert(want.begin(), st.input.shape[0]);
    if (outs[i].shape != want || static_cast<int64_t>(outs[i].data.size()) != engine::numel(want))
      __builtin_trap();
  }
}

}  // namespace convscope::fuzz
