// Receptive fields (engine/teach/receptive_field.h): the exact field equals the brute-force set of input
// positions whose perturbation changes the element (through engine::forward); path counts equal
// the impulse response of ones kernels; the closed form bounds (and, for forward chains, equals)
// the exact hull.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "engine/kernels/kernels.h"
#include "engine/teach/receptive_field.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

using teachtest::randomLayer;
using teachtest::randomTensor;
using teachtest::rnd;

// A random chain of 1-3 layers with consistent shapes; every spatial size stays <= 16.
std::vector<Layer> randomChain(std::mt19937& rng, int dims, const std::vector<Op>& ops, int C = 0) {
  for (;;) {
    std::vector<Layer> chain;
    const int n = rnd(rng, 1, 3);
    int ch = C ? C : rnd(rng, 1, 3);
    std::array<int, 2> in{rnd(rng, 2, 7), dims == 2 ? rnd(rng, 2, 7) : 0};
    bool ok = true;
    for (int i = 0; i < n && ok; ++i) {
      const Op op = ops[size_t(rnd(rng, 0, int(ops.size()) - 1))];
      Layer l = randomLayer(rng, op, dims, ch, in);
      if (C) {  // single-channel chains keep one channel
        if (l.op == Op::Conv || l.op == Op::ConvTranspose) {
          l.outChannels = C;
          l.groups = 1;
          Shape ws{C, C};
          for (int a = 0; a < dims; ++a) ws.push_back(l.ax[size_t(a)].k);
          l.weight = randomTensor(ws, rng);
        }
      }
      for (int a = 0; a < dims; ++a) {
        if (l.ax[size_t(a)].out > 16 || l.ax[size_t(a)].in != in[size_t(a)]) ok = false;
        in[size_t(a)] = l.ax[size_t(a)].out;
      }
      ch = l.outChannels;
      chain.push_back(std::move(l));
    }
    if (ok) return chain;
  }
}

bool sameValue(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Brute force: positions q of the `from` activation whose perturbation (all channels, several
// signed trials) changes some channel of layer J's output at P.
std::set<Pos> bruteField(const std::vector<Layer>& layers, const Tensor& input, int J, const Pos& P, int from,
                         std::mt19937& rng) {
  std::vector<Layer> upto(layers.begin(), layers.begin() + J + 1);
  Stack st;
  st.dims = layers[0].dims;
  st.input = input;
  st.layers = upto;
  const std::vector<Tensor> base = forward(st);
  const Tensor& src = from < 0 ? input : base[size_t(from)];
  const Tensor& y = base[size_t(J)];
  const int dims = layers[0].dims;
  const int H = dims == 2 ? int(src.dim(2)) : 1, W = int(src.dim(dims == 2 ? 3 : 2));
  std::set<Pos> found;
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (int h = 0; h < H; ++h)
    for (int w = 0; w < W; ++w) {
      const Pos q = dims == 2 ? Pos{h, w} : Pos{w, 0};
      for (int trial = 0; trial < 4; ++trial) {
        Tensor p = src;
        for (int c = 0; c < src.dim(1); ++c) {
          const float sign = trial == 0 ? 1.0f : (trial == 1 ? -1.0f : (u(rng) > 1.0f ? 1.0f : -1.0f));
          p.data[size_t(flatIndex(p, 0, c, q))] += sign * 1000.0f * u(rng);
        }
        Tensor out;
        if (from < 0) {
          Stack s2 = st;
          s2.input = p;
          out = forward(s2).back();  // through engine::forward
        } else {
          out = p;
          for (int l = from + 1; l <= J; ++l) out = forwardLayer(layers[size_t(l)], out);
        }
        bool changed = false;
        for (int o = 0; o < y.dim(1) && !changed; ++o) {
          const size_t i = size_t(flatIndex(y, 0, o, P));
          changed = !sameValue(out.data[i], y.data[i]);
        }
        if (changed) {
          found.insert(q);
          break;
        }
      }
    }
  return found;
}

bool checkAgainstBruteForce(const std::vector<Layer>& layers, const Tensor& input, std::mt19937& rng,
                            const std::string& what, int& hullChecks) {
  const int J = int(layers.size()) - 1;
  const int from = rnd(rng, -1, J - 1);
  const Layer& top = layers[size_t(J)];
  const Pos P = top.dims == 2 ? Pos{rnd(rng, 0, top.ax[0].out - 1), rnd(rng, 0, top.ax[1].out - 1)}
                              : Pos{rnd(rng, 0, top.ax[0].out - 1), 0};
  const ReceptiveField rf = receptiveField(layers, J, P, from);
  std::set<Pos> exact;
  for (const FieldPoint& p : rf.points) {
    exact.insert(p.position);
    EXPECT_GT(p.paths, 0);
  }
  {
    // A max-pool window of padding only (Chainer cover_all) makes the element -inf whatever the
    // input: no perturbation can change it, so there is nothing to compare against.
    Stack st;
    st.input = input;
    st.layers.assign(layers.begin(), layers.end());
    const Tensor y = forward(st)[size_t(J)];
    bool finite = true;
    for (int o = 0; o < y.dim(1); ++o)
      finite = finite && std::isfinite(y.data[size_t(flatIndex(y, 0, o, P))]);
    if (!finite) return false;
  }
  const std::set<Pos> brute = bruteField(layers, input, J, P, from, rng);
  EXPECT_EQ(exact, brute) << what << " J=" << J << " from=" << from << " P=" << P[0] << "," << P[1];
  if (rf.closedForm.applies) {
    EXPECT_TRUE(rf.closedForm.withinBounds) << what;
  }
  if (rf.closedForm.hullChecked) {
    ++hullChecks;
    EXPECT_TRUE(rf.closedForm.hullMatches) << what;
  }
  return true;
}

std::string describe(const std::vector<Layer>& ls) {
  std::string s;
  for (const Layer& l : ls) {
    s += std::string(opName(l.op)) + "[";
    for (int a = 0; a < l.dims; ++a)
      s += "in" + std::to_string(l.ax[a].in) + " out" + std::to_string(l.ax[a].out) + " k" +
           std::to_string(l.ax[a].k) + " s" + std::to_string(l.ax[a].s) + " d" + std::to_string(l.ax[a].d) +
           " pb" + std::to_string(l.ax[a].pb) + " pe" + std::to_string(l.ax[a].pe) + " st" +
           std::to_string(l.ax[a].start) + ";";
    s += "] ";
  }
  return s;
}

TEST(ReceptiveFieldProperty, RandomChainsEqualBruteForce) {
  std::mt19937 rng(31337);
  const std::vector<Op> ops = {Op::Conv,     Op::ConvTranspose, Op::MaxPool,    Op::AvgPool,
                               Op::Upsample, Op::Unpool,        Op::ZeroInsert, Op::LeakyRelu};
  int configs = 0, hullChecks = 0;
  for (int it = 0; it < 800 && configs < 520; ++it) {
    const int dims = 1 + it % 2;
    const std::vector<Layer> chain = randomChain(rng, dims, ops);
    const Tensor x = randomTensor(teachtest::inputShapeOf(chain[0], 1), rng);
    configs += checkAgainstBruteForce(chain, x, rng, describe(chain), hullChecks) ? 1 : 0;
  }
  EXPECT_GE(configs, 500);
  EXPECT_GT(hullChecks, 20);
}

TEST(ReceptiveFieldProperty, ResolvedStacksAllConventions) {
  std::mt19937 rng(4242);
  int configs = 0, hullChecks = 0;
  for (int it = 0; it < 800 && configs < 520; ++it) {
    const std::string conv = teachtest::conventions()[size_t(it % 4)];
    Stack st;
    ASSERT_TRUE(teachtest::randomResolvedStack(rng, conv, 1 + (it / 4) % 2, rnd(rng, 1, 3), st)) << conv;
    configs += checkAgainstBruteForce(st.layers, st.input, rng, st.source.dump(), hullChecks) ? 1 : 0;
  }
  EXPECT_GE(configs, 500);
}

TEST(ReceptiveFieldProperty, PathCountsEqualOnesImpulseResponse) {
  // One channel, ones kernels, no bias: d out[P] / d in[q] = number of tap chains from P to q.
  std::mt19937 rng(77);
  const std::vector<Op> ops = {Op::Conv, Op::ConvTranspose, Op::Upsample, Op::Unpool, Op::ZeroInsert};
  for (int it = 0; it < 300; ++it) {
    const int dims = 1 + it % 2;
    std::vector<Layer> chain = randomChain(rng, dims, ops, 1);
    for (Layer& l : chain) {
      if (!l.weight.empty()) std::fill(l.weight.data.begin(), l.weight.data.end(), 1.0f);
      l.bias = Tensor();
      l.padMode = PadMode::Zeros;
      l.upsampleMode = UpsampleMode::Nearest;
    }
    const int J = int(chain.size()) - 1;
    const Layer& top = chain.back();
    const Pos P = dims == 2 ? Pos{rnd(rng, 0, top.ax[0].out - 1), rnd(rng, 0, top.ax[1].out - 1)}
                            : Pos{rnd(rng, 0, top.ax[0].out - 1), 0};
    const ReceptiveField rf = receptiveField(chain, J, P, -1);
    std::map<Pos, int64_t> paths;
    for (const FieldPoint& p : rf.points) paths[p.position] = p.paths;
    const Shape xs = teachtest::inputShapeOf(chain[0], 1);
    const int H = dims == 2 ? int(xs[2]) : 1, W = int(xs[dims == 2 ? 3 : 2]);
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) {
        Tensor x(xs, 0.0f);
        const Pos q = dims == 2 ? Pos{h, w} : Pos{w, 0};
        x.data[size_t(flatIndex(x, 0, 0, q))] = 1.0f;
        Tensor y = x;
        for (const Layer& l : chain) y = forwardLayer(l, y);
        const double got = y.data[size_t(flatIndex(y, 0, 0, P))];
        const double want = paths.count(q) ? double(paths[q]) : 0.0;
        EXPECT_EQ(got, want) << describe(chain);
      }
  }
}

TEST(ReceptiveField, ClassicForwardChainClosedForm) {
  // conv k3 s1 → conv k3 s2 → conv k3 d2: stride 2, span 1 + 2 + 2 + 2*2*2 = 13, dilation 1.
  std::mt19937 rng(1);
  std::vector<Layer> ls;
  std::array<int, 2> in{40, 0};
  for (auto [k, s, d] : std::vector<std::array<int, 3>>{{3, 1, 1}, {3, 2, 1}, {3, 1, 2}}) {
    Layer l;
    l.op = Op::Conv;
    l.inChannels = l.outChannels = 1;
    l.ax[0] = Axis{in[0], (in[0] - d * (k - 1) - 1) / s + 1, k, s, d, 0, 0, 0, 0};
    l.weight = randomTensor({1, 1, k}, rng);
    in[0] = l.ax[0].out;
    ls.push_back(l);
  }
  const ReceptiveField rf = receptiveField(ls, 2, {5, 0}, -1);
  EXPECT_EQ(rationalString(rf.closedForm.stride[0]), "2");
  EXPECT_EQ(rationalString(rf.closedForm.span[0]), "13");
  EXPECT_EQ(rf.closedForm.dilation[0], 1);
  EXPECT_TRUE(rf.closedForm.hullChecked);
  EXPECT_TRUE(rf.closedForm.hullMatches);
  EXPECT_EQ(rf.hull[0][0], 10);
  EXPECT_EQ(rf.hull[0][1], 22);
  EXPECT_EQ(int(rf.points.size()), 13);
}

TEST(ReceptiveField, UpsamplingStrideIsFractional) {
  std::mt19937 rng(2);
  Layer l = randomLayer(rng, Op::ConvTranspose, 1, 1, {6, 0});
  l.ax[0].s = 2;
  l.ax[0].k = 4;
  l.ax[0].d = 1;
  l.ax[0].start = 1;
  l.ax[0].out = l.ax[0].fullLength() - 2;
  l.weight = randomTensor({1, l.outChannels / l.groups, 4}, rng);
  const ReceptiveField rf = receptiveField(std::vector<Layer>{l}, 0, {5, 0}, -1);
  EXPECT_EQ(rationalString(rf.closedForm.stride[0]), "1/2");
  EXPECT_FALSE(rf.closedForm.forwardOnly);
  EXPECT_TRUE(rf.closedForm.withinBounds);
  // Output 5 = full 6 = 2i + j: i in {2 (j=2), 3 (j=0)}.
  ASSERT_EQ(rf.points.size(), 2u);
  EXPECT_EQ(rf.points[0].position[0], 2);
  EXPECT_EQ(rf.points[1].position[0], 3);
}

TEST(ReceptiveField, BadArgumentsThrow) {
  std::mt19937 rng(3);
  const std::vector<Layer> ls{randomLayer(rng, Op::Conv, 1)};
  EXPECT_THROW(receptiveField(ls, 1, {0, 0}, -1), EngineError);
  EXPECT_THROW(receptiveField(ls, 0, {0, 0}, 0), EngineError);
  EXPECT_THROW(receptiveField(ls, 0, {ls[0].ax[0].out, 0}, -1), EngineError);
}

}  // namespace
}  // namespace convscope::engine
