// forwardFrom + reusableLayers (docs/performance.md §Interaction): the app recomputes only from the
// first layer an edit changed, taking the earlier outputs from the previous forward pass. These tests
// prove that this gives the same bits as a full forward pass, for random stacks and random edits, and
// that reuse is refused whenever the input, a global setting or a resolved layer (weights from files
// included) differs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "engine/io/npy.h"
#include "engine/stack/stack.h"

using namespace convscope::engine;
using json = nlohmann::json;

namespace {

// A random valid layer for a 1-D or 2-D stack with `channels` input channels; `rng` picks op and parameters.
json randomLayer(std::mt19937& rng, int dims, int& channels, int index) {
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto axes = [dims](int v) { return dims == 2 ? json::array({v, v}) : json(v); };
  const int kind = pick(0, 6);
  json l;
  switch (kind) {
    case 0:
    case 1: {
      const int out = pick(1, 4);
      l = {{"op", "conv"},
           {"out_channels", out},
           {"kernel_size", axes(pick(1, 4))},
           {"stride", axes(pick(1, 2))},
           {"padding", axes(pick(0, 1))},
           {"bias", pick(0, 1) == 1},
           {"init", {{"kind", "random"}, {"seed", pick(1, 99)}}}};
      channels = out;
      break;
    }
    case 2:
    case 3: {
      const int out = pick(1, 4);
      l = {{"op", "conv_transpose"},
           {"out_channels", out},
           {"kernel_size", axes(pick(1, 4))},
           {"stride", axes(pick(1, 3))},
           {"padding", axes(0)},
           {"bias", pick(0, 1) == 1},
           {"init", {{"kind", "random"}, {"seed", pick(1, 99)}}}};
      channels = out;
      break;
    }
    case 4:
      l = {{"op", "relu"}};
      break;
    case 5:
      l = {{"op", "max_pool"}, {"kernel_size", axes(2)}, {"stride", axes(1)}};
      break;
    default:
      l = {{"op", "leaky_relu"}, {"negative_slope", 0.1 + 0.1 * pick(0, 3)}};
      break;
  }
  (void)index;
  return l;
}

json randomStack(std::mt19937& rng, int dims, int layers) {
  int channels = std::uniform_int_distribution<int>(1, 3)(rng);
  json shape = dims == 2 ? json::array({channels, 9, 8}) : json::array({channels, 40});
  json doc = {{"convscope", 1},
              {"convention", "pytorch"},
              {"input", {{"shape", shape}, {"generator", {{"kind", "noise"}, {"seed", int(rng() % 1000)}}}}},
              {"layers", json::array()}};
  for (int i = 0; i < layers; ++i) doc["layers"].push_back(randomLayer(rng, dims, channels, i));
  return doc;
}

// One random edit of layer j: a new kernel size, stride, seed or a new layer altogether.
void editLayer(std::mt19937& rng, json& doc, int dims, int j) {
  json& l = doc["layers"][size_t(j)];
  auto axes = [dims](int v) { return dims == 2 ? json::array({v, v}) : json(v); };
  const int what = std::uniform_int_distribution<int>(0, 3)(rng);
  const bool hasKernel = l["op"] == "conv" || l["op"] == "conv_transpose";
  if (hasKernel && what == 0)
    l["kernel_size"] = axes(std::uniform_int_distribution<int>(1, 5)(rng));
  else if (hasKernel && what == 1)
    l["stride"] = axes(std::uniform_int_distribution<int>(1, 3)(rng));
  else if (hasKernel && what == 2)
    l["init"]["seed"] = int(l["init"]["seed"]) + 1;
  else if (l["op"] == "relu")
    l = {{"op", "leaky_relu"}, {"negative_slope", 0.25}};
  else
    l = {{"op", "relu"}};
}

bool sameOutputs(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!sameBits(a[i], b[i])) return false;
  return true;
}

// What the app does: outputs 0..j-1 from the previous pass, j.. from forwardFrom.
std::vector<Tensor> incremental(const Stack& prev, const std::vector<Tensor>& prevOut, const Stack& next,
                                int& reused) {
  reused = reusableLayers(prev, next);
  std::vector<Tensor> outs(prevOut.begin(), prevOut.begin() + reused);
  const Tensor& x = reused == 0 ? next.input : outs.back();
  for (Tensor& t : forwardFrom(next, reused, x)) outs.push_back(std::move(t));
  return outs;
}

}  // namespace

TEST(ForwardFrom, FromLayerZeroIsTheFullForwardPass) {
  std::mt19937 rng(7);
  for (int dims : {1, 2}) {
    const Stack st = resolveStack(randomStack(rng, dims, 6), "t.json", "");
    EXPECT_TRUE(sameOutputs(forwardFrom(st, 0, st.input), forward(st)));
  }
}

TEST(ForwardFrom, RandomEditsOfAMiddleLayerGiveTheFullForwardPassBitForBit) {
  std::mt19937 rng(2024);
  int edits = 0, reusedSome = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const int dims = trial % 3 == 2 ? 2 : 1;
    const int n = std::uniform_int_distribution<int>(2, 8)(rng);
    json doc = randomStack(rng, dims, n);
    Stack prev;
    try {
      prev = resolveStack(doc, "t.json", "");
    } catch (const std::exception&) {
      continue;  // a random stack that shrinks below a kernel: not this test's business
    }
    const std::vector<Tensor> prevOut = forward(prev);
    // a chain of edits, each one incremental on top of the last (as slider moves are)
    Stack cur = prev;
    std::vector<Tensor> curOut = prevOut;
    for (int e = 0; e < 3; ++e) {
      const int j = std::uniform_int_distribution<int>(0, n - 1)(rng);
      json next = doc;
      editLayer(rng, next, dims, j);
      Stack st;
      try {
        st = resolveStack(next, "t.json", "");
      } catch (const std::exception&) {
        continue;
      }
      int reused = -1;
      const std::vector<Tensor> inc = incremental(cur, curOut, st, reused);
      const std::vector<Tensor> full = forward(st);
      ASSERT_TRUE(sameOutputs(inc, full))
          << "trial " << trial << " edit of layer " << j << ", reused " << reused << "\n"
          << next.dump();
      if (next["layers"][size_t(j)] != doc["layers"][size_t(j)]) {
        EXPECT_LE(reused, j) << "the edited layer " << j
                             << " was reused: " << next["layers"][size_t(j)].dump();
        if (reused == j) ++reusedSome;
      }
      ++edits;
      doc = next;
      cur = std::move(st);
      curOut = full;
    }
  }
  EXPECT_GT(edits, 150);
  EXPECT_GT(reusedSome, 50);  // the edits really were incremental, not full recomputes
}

TEST(ForwardFrom, UndoGivesBackTheFirstResultsBitForBit) {
  std::mt19937 rng(11);
  const json a = randomStack(rng, 1, 6);
  json b = a;
  b["layers"][3] = {{"op", "conv"},
                    {"out_channels", 2},
                    {"kernel_size", 3},
                    {"padding", 1},
                    {"init", {{"kind", "random"}, {"seed", 5}}}};
  const Stack sa = resolveStack(a, "t.json", ""), sb = resolveStack(b, "t.json", "");
  const std::vector<Tensor> oa = forward(sa);
  int r1 = -1, r2 = -1;
  const std::vector<Tensor> ob = incremental(sa, oa, sb, r1);
  const std::vector<Tensor> back = incremental(sb, ob, resolveStack(a, "t.json", ""), r2);
  EXPECT_EQ(r1, 3);
  EXPECT_EQ(r2, 3);
  EXPECT_TRUE(sameOutputs(back, oa));
  EXPECT_TRUE(sameOutputs(ob, forward(sb)));
}

TEST(ReusableLayers, NothingIsReusedWhenTheInputOrAGlobalSettingChanges) {
  std::mt19937 rng(3);
  const json doc = randomStack(rng, 1, 5);
  const Stack st = resolveStack(doc, "t.json", "");
  EXPECT_EQ(reusableLayers(st, resolveStack(doc, "t.json", "")), 5);
  json seed = doc;
  seed["input"]["generator"]["seed"] = int(doc["input"]["generator"]["seed"]) + 1;
  EXPECT_EQ(reusableLayers(st, resolveStack(seed, "t.json", "")), 0);
  json kind = doc;
  kind["input"]["generator"] = {{"kind", "impulse"}};
  EXPECT_EQ(reusableLayers(st, resolveStack(kind, "t.json", "")), 0);
  // the same numbers in a different layout: the layers read them differently
  json layout = doc;
  layout["layout"] = "channels_last";
  layout["input"]["shape"] = json::array({doc["input"]["shape"][1], doc["input"]["shape"][0]});
  EXPECT_EQ(reusableLayers(st, resolveStack(layout, "t.json", "")), 0);
  // a layer appended or removed at the end keeps every layer before it
  json more = doc;
  more["layers"].push_back({{"op", "relu"}});
  EXPECT_EQ(reusableLayers(st, resolveStack(more, "t.json", "")), 5);
  json fewer = doc;
  fewer["layers"].erase(fewer["layers"].begin() + 4);
  EXPECT_EQ(reusableLayers(st, resolveStack(fewer, "t.json", "")), 4);
  json inserted = doc;
  inserted["layers"].insert(inserted["layers"].begin() + 1, json{{"op", "tanh"}});
  const Stack ins = resolveStack(inserted, "t.json", "");
  int reused = -1;
  EXPECT_TRUE(sameOutputs(incremental(st, forward(st), ins, reused), forward(ins)));
  EXPECT_EQ(reused, 1);
}

TEST(ReusableLayers, AWeightFileRewrittenOnDiskStopsTheReuseAtItsLayer) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("convscope_forward_from_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Tensor w({2, 1, 3});
  for (size_t i = 0; i < w.data.size(); ++i) w.data[i] = 0.25f * float(i);
  writeNpy((dir / "w.npy").string(), w);
  const json doc = {
      {"convscope", 1},
      {"input", {{"shape", {1, 20}}, {"generator", {{"kind", "ramp"}}}}},
      {"layers", json::array({{{"op", "relu"}},
                              {{"op", "conv"}, {"out_channels", 2}, {"kernel_size", 3}, {"weight", "w.npy"}},
                              {{"op", "relu"}}})}};
  const Stack a = resolveStack(doc, "t.json", dir.string());
  EXPECT_EQ(reusableLayers(a, resolveStack(doc, "t.json", dir.string())), 3);
  w.data[4] = -1.0f;
  writeNpy((dir / "w.npy").string(), w);
  const Stack b = resolveStack(doc, "t.json", dir.string());
  EXPECT_EQ(reusableLayers(a, b), 1);
  int reused = -1;
  EXPECT_TRUE(sameOutputs(incremental(a, forward(a), b, reused), forward(b)));
  EXPECT_EQ(reused, 1);
  fs::remove_all(dir);
}

TEST(SameLayer, ComparesWeightsBitForBit) {
  const json doc = {
      {"convscope", 1},
      {"input", {{"shape", {1, 8}}, {"generator", {{"kind", "ramp"}}}}},
      {"layers",
       json::array(
           {{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"init", {{"kind", "ones"}}}}})}};
  const Stack st = resolveStack(doc, "t.json", "");
  Layer l = st.layers[0];
  EXPECT_TRUE(sameLayer(l, st.layers[0]));
  l.weight.data[1] = 1.0f;  // the same value
  EXPECT_TRUE(sameLayer(l, st.layers[0]));
  Layer z = st.layers[0];
  z.weight.data[1] = std::nextafter(1.0f, 2.0f);
  EXPECT_FALSE(sameLayer(z, st.layers[0]));
  Layer s = st.layers[0];
  s.ax[0].pe += 1;
  EXPECT_FALSE(sameLayer(s, st.layers[0]));
  Tensor p({2}), q({2});
  p.data[0] = 0.0f;
  q.data[0] = -0.0f;
  EXPECT_FALSE(sameBits(p, q));  // equal values, different bits: not reused (a safe miss)
}

TEST(ForwardFrom, StopsWhenAskedAndChecksItsInput) {
  std::mt19937 rng(5);
  const Stack st = resolveStack(randomStack(rng, 1, 6), "t.json", "");
  const std::vector<Tensor> full = forward(st);
  std::vector<int> asked;
  const auto part = forwardFrom(st, 2, full[1], [&asked](int i) {
    asked.push_back(i);
    return i < 4;
  });
  ASSERT_EQ(part.size(), 2u);
  EXPECT_EQ(asked, (std::vector<int>{2, 3, 4}));
  EXPECT_TRUE(sameBits(part[0], full[2]));
  EXPECT_TRUE(sameBits(part[1], full[3]));
  EXPECT_TRUE(forwardFrom(st, 6, full[5]).empty());
  EXPECT_THROW(forwardFrom(st, 7, full[5]), std::invalid_argument);
  EXPECT_THROW(forwardFrom(st, -1, st.input), std::invalid_argument);
  Tensor wrong({1, 1, 3});
  EXPECT_THROW(forwardFrom(st, 0, wrong), std::invalid_argument);
}
