// The length solver and the stack length table. The solver's list is compared with a brute-force
// enumeration of every spelling within the same bounds (each decided by resolveLayer, with no
// stride window and no derived output_padding): it must miss none, and every layer it reports
// must resolve to L2. The table is compared with resolveStack at each length, and its fixes are
// applied to the stack and resolved again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <tuple>

#include "engine/core/error.h"
#include "engine/lengths/length_solver.h"
#include "engine/lengths/stack_lengths.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/stack.h"

namespace convscope::test {
namespace {

using engine::Convention;
using engine::Op;
using nlohmann::json;
using Geometry = std::tuple<int, int, int, int, int, int>;  // op, k, s, d, before, after

// The resolved layer of `spec` on a 1-channel input of length L, or nullopt when refused.
std::optional<engine::Layer> resolveOn(const json& spec, Convention cv, int L) {
  engine::ResolveContext rc;
  rc.convention = cv;
  try {
    return engine::resolveLayer(spec, rc, engine::Shape{1, L});
  } catch (const engine::EngineError&) {
    return std::nullopt;
  }
}

Geometry geometryOf(const engine::Layer& l) {
  const engine::Axis& x = l.ax[0];
  const bool conv = l.op == Op::Conv;
  return {static_cast<int>(l.op),
          x.k,
          x.s,
          x.d,
          conv ? x.pb : x.start,
          conv ? x.pe : static_cast<int>(x.fullLength64() - x.start - x.out)};
}

// Every spelling of one (op, k, s, d) within the solver's bounds, written out independently.
std::vector<json> allSpellings(Op op, Convention cv, int k, int s, int d, int L2) {
  const bool conv = op == Op::Conv;
  json base = {{"op", conv ? "conv" : "conv_transpose"}};
  const int P = d * (k - 1), opMax = std::max(s, d);
  std::vector<json> padForms;  // the padding keys alone
  std::vector<json> extras = {json::object()};
  switch (cv) {
    case Convention::PyTorch:
      base.update({{"out_channels", 1}, {"kernel_size", k}, {"stride", s}, {"dilation", d}});
      if (conv) padForms = {{{"padding", "same"}}, {{"padding", "valid"}}};
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) padForms.push_back({{"padding", json::array({json::array({b, e})})}});
      if (!conv) {
        for (int o = 0; o < opMax; ++o) extras.push_back({{"output_padding", o}});
        extras.push_back({{"output_size", L2}});
      }
      break;
    case Convention::Keras:
      base.update({{"filters", 1}, {"kernel_size", k}, {"strides", s}, {"dilation_rate", d}});
      for (const char* w : {"valid", "same", "causal"}) padForms.push_back({{"padding", w}});
      if (!conv)
        for (int o = 0; o < s; ++o) extras.push_back({{"output_padding", o}});
      break;
    case Convention::Onnx:
      base.update({{"out_channels", 1}, {"kernel_shape", k}, {"strides", s}, {"dilations", d}});
      for (const char* w : {"VALID", "SAME_UPPER", "SAME_LOWER"}) padForms.push_back({{"auto_pad", w}});
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) padForms.push_back({{"pads", {b, e}}});
      if (!conv)
        for (int o = 0; o < opMax; ++o) extras.push_back({{"output_padding", o}});
      break;
    case Convention::Chainer:
      base.update({{"out_channels", 1}, {"ksize", k}, {"stride", s}, {"dilate", d}});
      for (int p = 0; p <= P; ++p) padForms.push_back({{"pad", p}});
      if (conv)
        extras.push_back({{"cover_all", true}});
      else
        extras.push_back({{"outsize", L2}});
      break;
  }
  std::vector<json> all;
  for (const json& p : padForms)
    for (const json& x : extras) {
      json l = base;
      l.update(p);
      l.update(x);
      all.push_back(l);
    }
  return all;
}

std::set<Geometry> bruteForce(const engine::SolveRequest& r) {
  std::set<Geometry> found;
  const int d = r.dilation > 0 ? r.dilation : 1;
  for (Op op : {Op::Conv, Op::ConvTranspose}) {
    if ((op == Op::Conv && r.op == engine::SolveOp::ConvTranspose) ||
        (op == Op::ConvTranspose && r.op == engine::SolveOp::Conv))
      continue;
    for (int k = 1; k <= r.maxKernel; ++k)
      for (int s = 1; s <= r.maxStride; ++s)
        for (const json& spec : allSpellings(op, r.convention, k, s, d, r.out))
          if (auto l = resolveOn(spec, r.convention, r.in); l && l->ax[0].out == r.out)
            found.insert(geometryOf(*l));
  }
  return found;
}

void checkAgainstBruteForce(const engine::SolveRequest& r) {
  SCOPED_TRACE("L " + std::to_string(r.in) + " -> " + std::to_string(r.out) + " under " +
               engine::conventionName(r.convention) + ", op " + std::to_string(static_cast<int>(r.op)) +
               ", dilation " + std::to_string(r.dilation));
  const engine::SolveResult res = engine::solveLength(r);
  std::set<Geometry> reported;
  for (const auto& sol : res.solutions) {
    std::vector<json> spellings = sol.alternatives;
    spellings.push_back(sol.layer);
    for (const json& spec : spellings) {
      const auto l = resolveOn(spec, r.convention, r.in);
      ASSERT_TRUE(l.has_value()) << spec.dump();
      EXPECT_EQ(l->ax[0].out, r.out) << spec.dump();
      EXPECT_EQ(geometryOf(*l), geometryOf(*resolveOn(sol.layer, r.convention, r.in))) << spec.dump();
    }
    reported.insert(geometryOf(*resolveOn(sol.layer, r.convention, r.in)));
  }
  const std::set<Geometry> brute = bruteForce(r);
  for (const Geometry& g : brute) {
    EXPECT_TRUE(reported.count(g)) << "missed: op " << std::get<0>(g) << " k " << std::get<1>(g) << " s "
                                   << std::get<2>(g) << " d " << std::get<3>(g) << " applied ("
                                   << std::get<4>(g) << ", " << std::get<5>(g) << ")";
  }
  EXPECT_EQ(reported.size(), res.solutions.size()) << "one solution per resolved layer";
  if (res.solutions.empty()) {
    EXPECT_TRUE(brute.empty());
    EXPECT_TRUE(res.nearestBelow > 0 || res.nearestAbove > 0 || brute.empty());
  }
}

TEST(LengthSolver, FindsEverythingABruteForceFindsRandomCases) {
  std::mt19937 rng(18);
  const Convention cvs[] = {Convention::PyTorch, Convention::Keras, Convention::Onnx, Convention::Chainer};
  for (int i = 0; i < 48; ++i) {
    engine::SolveRequest r;
    r.in = std::uniform_int_distribution<int>(1, 30)(rng);
    const int shape = std::uniform_int_distribution<int>(0, 2)(rng);
    r.out = shape == 0   ? std::uniform_int_distribution<int>(1, r.in)(rng)
            : shape == 1 ? std::uniform_int_distribution<int>(r.in, 4 * r.in)(rng)
                         : std::uniform_int_distribution<int>(1, 60)(rng);
    r.convention = cvs[i % 4];
    r.op = static_cast<engine::SolveOp>(std::uniform_int_distribution<int>(0, 2)(rng));
    r.maxKernel = 5;
    r.maxStride = 6;
    r.dilation = i % 7 == 3 ? 2 : 0;
    checkAgainstBruteForce(r);
  }
}

TEST(LengthSolver, FindsEverythingABruteForceFindsClassicCases) {
  for (Convention cv : {Convention::PyTorch, Convention::Keras, Convention::Onnx, Convention::Chainer}) {
    engine::SolveRequest r;
    r.convention = cv;
    r.maxKernel = 6;
    r.maxStride = 5;
    for (auto [in, out] : {std::pair{10, 20}, {10, 5}, {7, 14}, {7, 4}, {1, 3}, {16, 16}, {9, 3}}) {
      r.in = in;
      r.out = out;
      checkAgainstBruteForce(r);
    }
  }
}

TEST(LengthSolver, EveryLengthMarkHoldsOnAWideRange) {
  for (Convention cv : {Convention::PyTorch, Convention::Keras, Convention::Onnx, Convention::Chainer})
    for (auto [in, out] : {std::pair{50, 100}, {50, 25}, {48, 16}}) {
      engine::SolveRequest r;
      r.in = in;
      r.out = out;
      r.convention = cv;
      r.maxKernel = 8;
      const auto res = engine::solveLength(r);
      int marked = 0;
      for (const auto& sol : res.solutions) {
        if (!sol.allLengths) continue;
        ++marked;
        for (int L = 1; L <= 400; ++L) {
          const auto l = resolveOn(sol.layer, cv, L);
          ASSERT_TRUE(l.has_value()) << sol.layer.dump() << " at " << L;
          const long long want =
              sol.op == Op::Conv ? (L + sol.s - 1) / sol.s : static_cast<long long>(L) * sol.s;
          ASSERT_EQ(l->ax[0].out, want) << sol.layer.dump() << " at " << L;
        }
      }
      EXPECT_GT(marked, 0) << engine::conventionName(cv) << " " << in << " -> " << out;
      r.allLengthsOnly = true;
      EXPECT_EQ(static_cast<int>(engine::solveLength(r).solutions.size()), marked);
    }
}

TEST(LengthSolver, RanksTheEvenSymmetricEveryLengthUpsamplerFirst) {
  engine::SolveRequest r;
  r.in = 100;
  r.out = 200;
  r.op = engine::SolveOp::ConvTranspose;
  const auto res = engine::solveLength(r);
  ASSERT_FALSE(res.solutions.empty());
  const auto& first = res.solutions.front();
  EXPECT_TRUE(first.allLengths);
  EXPECT_TRUE(first.evenOverlap);
  EXPECT_TRUE(first.symmetric);
  EXPECT_EQ(first.outputPadding, 0);
  for (const auto& sol : res.solutions) EXPECT_EQ(resolveOn(sol.layer, r.convention, 100)->ax[0].out, 200);
}

TEST(LengthSolver, NoSolutionNamesTheNearestLengths) {
  engine::SolveRequest r;
  r.in = 10;
  r.out = 1000;
  r.op = engine::SolveOp::ConvTranspose;
  r.stride = 2;
  r.maxKernel = 4;
  const auto res = engine::solveLength(r);
  EXPECT_TRUE(res.solutions.empty());
  EXPECT_GT(res.nearestBelow, 0);
  EXPECT_LT(res.nearestBelow, 1000);
  EXPECT_EQ(res.nearestAbove, 0);
}

TEST(LengthSolver, RefusesLengthsOutOfRange) {
  engine::SolveRequest r;
  r.in = 0;
  EXPECT_THROW(engine::solveLength(r), std::invalid_argument);
}

// [SECTION] the stack length table

json codec(const std::string& convention, int L) {
  const bool keras = convention == "keras";
  auto layer = [&](const char* op, bool transposed) {
    json l = {{"op", op}, {keras ? "filters" : "out_channels", 2}, {"kernel_size", 4}};
    l[keras ? "strides" : "stride"] = 2;
    if (keras)
      l["padding"] = "same";
    else
      l["padding"] = 1;
    (void)transposed;
    return l;
  };
  return {{"convscope", 1},
          {"convention", convention},
          {"input", {{"shape", {1, 2, L}}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}},
          {"layers",
           {layer("conv", false),
            {{"op", "relu"}},
            layer("conv", false),
            layer("conv_transpose", true),
            layer("conv_transpose", true)}}};
}

TEST(StackLengths, AgreesWithResolveStackAndItsFixesBringLengthsBack) {
  const engine::Stack st = engine::resolveStack(codec("pytorch", 64), "codec.json", ".");
  const engine::LengthTable t = engine::stackLengths(st, 1, 70);
  ASSERT_TRUE(t.roundTrip);
  EXPECT_EQ(t.period, 4);
  EXPECT_EQ(t.residues, std::vector<int>{0});
  for (int L = 1; L <= 70; ++L) {
    std::optional<engine::Stack> direct;
    try {
      direct = engine::resolveStack(codec("pytorch", L), "codec.json", ".");
    } catch (const engine::EngineError&) {
    }
    ASSERT_EQ(direct.has_value(), t.refused[static_cast<size_t>(L - 1)] < 0) << L;
    if (!direct) continue;
    for (int i = 0; i < t.layers; ++i)
      EXPECT_EQ(t.at(L, i), direct->layers[static_cast<size_t>(i)].ax[0].out);
    if (t.last(L) == L) continue;
    bool fixed = false;
    const auto fixes = engine::lengthFixes(st, t, L, fixed);
    ASSERT_TRUE(fixed) << L;
    json doc = codec("pytorch", L);
    for (const auto& f : fixes) doc["layers"][static_cast<size_t>(f.layer)].update(f.change);
    const engine::Stack repaired = engine::resolveStack(doc, "codec.json", ".");
    EXPECT_EQ(repaired.layers.back().ax[0].out, L) << doc.dump();
  }
}

TEST(StackLengths, KerasSameComesBackForEveryLengthAndAStraightStackIsNoRoundTrip) {
  const engine::Stack st = engine::resolveStack(codec("keras", 64), "codec.json", ".");
  const engine::LengthTable t = engine::stackLengths(st, 1, 100);
  ASSERT_TRUE(t.roundTrip);
  EXPECT_EQ(t.bad, 100 - t.good);
  json plain = codec("pytorch", 32);
  plain["layers"] = json::array({{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}}});
  const engine::LengthTable p = engine::stackLengths(engine::resolveStack(plain, "p.json", "."), 1, 10);
  EXPECT_FALSE(p.roundTrip);
  EXPECT_EQ(p.refused[0], 0);
  EXPECT_EQ(p.at(10, 0), 8);
  EXPECT_THROW(engine::stackLengths(engine::resolveStack(plain, "p.json", "."), 5, 4), std::invalid_argument);
}

}  // namespace
}  // namespace convscope::test
