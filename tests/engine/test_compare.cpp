// compareStacks: figures per stack (shapes, parameters, multiply-adds, receptive field, flat-input
// response, single layer) and pairwise differences, on stacks whose answers are known by hand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/compare/compare.h"
#include "engine/compare/compare_report.h"
#include "engine/core/error.h"
#include "engine/stack/stack.h"

namespace convscope::test {
namespace {

using nlohmann::json;

engine::Stack stackOf(const json& layers, const json& shape, const std::string& file) {
  const json doc = {{"convscope", 1},
                    {"input", {{"shape", shape}, {"generator", {{"kind", "noise"}, {"seed", 9}}}}},
                    {"layers", layers}};
  return engine::resolveStack(doc, file, ".");
}

const json kOnes = {{"kind", "ones"}};

/// ConvTranspose1d(1, 1, 3, stride 2, padding 1, output_padding 1) of ones: the checkerboard.
engine::Stack onesDeconv(const std::string& file) {
  return stackOf(json::array({{{"op", "conv_transpose"},
                               {"out_channels", 1},
                               {"kernel_size", 3},
                               {"stride", 2},
                               {"padding", 1},
                               {"output_padding", 1},
                               {"bias", false},
                               {"init", kOnes}}}),
                 {1, 12}, file);
}

/// Conv1d(1, 1, 3, padding 1) of ones, no bias.
json onesConv3() {
  return {{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3},
          {"padding", 1}, {"bias", false},     {"init", kOnes}};
}

TEST(Compare, UpsampleConvAndItsTransposedConvAgreeAndDifferInRipple) {
  const auto up = stackOf(json::array({{{"op", "upsample"}, {"scale_factor", 2}},
                                       {{"op", "conv"},
                                        {"out_channels", 1},
                                        {"kernel_size", 3},
                                        {"padding", 1},
                                        {"bias", false},
                                        {"init", {{"kind", "random"}, {"seed", 2}}}}}),
                          {1, 16}, "up.json");
  auto deconv = stackOf(json::array({{{"op", "conv_transpose"},
                                      {"out_channels", 1},
                                      {"kernel_size", 4},
                                      {"stride", 2},
                                      {"padding", 1},
                                      {"bias", false},
                                      {"init", kOnes}}}),
                        {1, 16}, "deconv.json");
  const auto& k = up.layers[1].weight.data;  // w0, w1, w2
  deconv.layers[0].weight.data = {k[2], k[1] + k[2], k[0] + k[1], k[0]};
  const auto c = engine::compareStacks({up, deconv});
  ASSERT_EQ(c.stacks.size(), 2u);
  ASSERT_EQ(c.pairs.size(), 1u);
  EXPECT_TRUE(c.pairs[0].comparable);
  EXPECT_LE(c.pairs[0].maxAbsDiff, 1e-6);
  EXPECT_EQ(c.stacks[0].outputShape, (engine::Shape{1, 32}));
  EXPECT_EQ(c.stacks[0].parameters, 3);
  EXPECT_EQ(c.stacks[1].parameters, 4);
  EXPECT_EQ(c.stacks[0].layers[1].multiplyAdds, 32 * 3);
  EXPECT_EQ(c.stacks[1].multiplyAdds, 16 * 4);
  EXPECT_TRUE(c.stacks[0].single.found);
  EXPECT_EQ(c.stacks[0].single.layer.op, engine::Op::ConvTranspose);
  // Both are the same map; on a flat input both phases sum all three weights (w2 + w0 + w1 and
  // w1 + w2 + w0): no checkerboard whatever the weights.
  EXPECT_TRUE(c.stacks[0].flat.hasInterior);
  EXPECT_NEAR(c.stacks[0].flat.ripple, 0.0, 1e-6);
  EXPECT_NEAR(c.stacks[1].flat.ripple, 0.0, 1e-6);
  EXPECT_EQ(c.stacks[0].flat.period[0], 1);
  EXPECT_NEAR(c.stacks[0].flat.max, double(k[0]) + k[1] + k[2], 1e-6);
  // The field of the centre output: stride 1/2 (one input per two outputs).
  EXPECT_EQ(engine::rationalString(c.stacks[0].field.stride[0]), "1/2");
}

TEST(Compare, TheCheckerboardOfAStrideTwoKernelThreeTransposedConvIsMeasured) {
  const auto deconv = onesDeconv("deconv.json");
  const auto upconv =
      stackOf(json::array({{{"op", "upsample"}, {"scale_factor", 2}}, onesConv3()}), {1, 12}, "upconv.json");
  const auto c = engine::compareStacks({deconv, upconv});
  // Ones in, a ones kernel: the transposed conv alternates 1 (one stamp) and 2 (two overlap).
  EXPECT_DOUBLE_EQ(c.stacks[0].flat.min, 1.0);
  EXPECT_DOUBLE_EQ(c.stacks[0].flat.max, 2.0);
  EXPECT_DOUBLE_EQ(c.stacks[0].flat.ripple, 1.0);
  EXPECT_EQ(c.stacks[0].flat.period[0], 2);
  // Upsample + conv of ones: every interior output sums three ones.
  EXPECT_DOUBLE_EQ(c.stacks[1].flat.ripple, 0.0);
  EXPECT_EQ(c.stacks[1].flat.period[0], 1);
  EXPECT_DOUBLE_EQ(c.stacks[1].flat.max, 3.0);
  ASSERT_TRUE(c.pairs[0].comparable);
  EXPECT_GT(c.pairs[0].maxAbsDiff, 0.5);
}

TEST(Compare, ATwoDStackOnASingletonAxisComparesWithItsOneDTwin) {
  const json w = {{"kind", "random"}, {"seed", 4}};
  const auto one = stackOf(
      json::array(
          {{{"op", "conv_transpose"}, {"out_channels", 2}, {"kernel_size", 3}, {"stride", 2}, {"init", w}}}),
      {2, 10}, "one.json");
  auto two = stackOf(json::array({{{"op", "conv_transpose"},
                                   {"out_channels", 2},
                                   {"kernel_size", json::array({3, 1})},
                                   {"stride", json::array({2, 1})},
                                   {"init", w}}}),
                     {2, 10, 1}, "two.json");
  two.layers[0].weight.data = one.layers[0].weight.data;  // (C, O, 3) and (C, O, 3, 1): same order
  two.layers[0].bias = one.layers[0].bias;
  const auto c = engine::compareStacks({one, two});
  ASSERT_TRUE(c.pairs[0].comparable) << c.pairs[0].why;
  EXPECT_EQ(c.pairs[0].maxAbsDiff, 0.0);
  EXPECT_EQ(c.stacks[1].outputShape, (engine::Shape{2, 21, 1}));
}

TEST(Compare, InputsThatDisagreeAreRefusedNamingBothShapes) {
  const auto a = stackOf(json::array({{{"op", "relu"}}}), {1, 10}, "a.json");
  const auto b = stackOf(json::array({{{"op", "relu"}}}), {1, 12}, "b.json");
  try {
    engine::compareStacks({a, b});
    FAIL() << "no error";
  } catch (const engine::EngineError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("b.json"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 12]"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 10]"), std::string::npos) << m;
  }
  EXPECT_THROW(engine::compareStacks({a}), engine::EngineError);
}

TEST(Compare, OutputsOfDifferentShapesAreNotDiffed) {
  const auto a = stackOf(json::array({{{"op", "upsample"}, {"scale_factor", 2}}}), {1, 10}, "a.json");
  const auto b = stackOf(json::array({{{"op", "relu"}}}), {1, 10}, "b.json");
  const auto c = engine::compareStacks({a, b});
  EXPECT_FALSE(c.pairs[0].comparable);
  EXPECT_NE(c.pairs[0].why.find("[1, 20]"), std::string::npos) << c.pairs[0].why;
}

TEST(CompareReport, TextAndJsonCarryEveryFigure) {
  const auto deconv = onesDeconv("dir/deconv.json");
  const auto upconv = stackOf(
      json::array(
          {{{"op", "upsample"}, {"scale_factor", 2}},
           {{"op", "relu"}},
           {{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"padding", 1}, {"init", kOnes}}}),
      {1, 12}, "upconv.json");
  const std::vector<engine::Stack> stacks{deconv, upconv};
  const auto c = engine::compareStacks(stacks);
  const std::string text = engine::comparisonText(c, stacks);
  for (const char* want :
       {"stack               deconv.json", "parameters", "multiply-adds", "field stride",
        "flat input: ripple", "flat input: period", "single layer",
        "deconv.json vs upconv.json: max |difference|",
        "deconv.json: one layer: ConvTranspose1d(1, 1, kernel_size=3, stride=2, padding=1, "
        "output_padding=1, bias=False)",
        "upconv.json: no single layer: a nonlinearity at layer 1 (relu)"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const auto j = engine::comparisonJson(c, stacks);
  ASSERT_EQ(j["stacks"].size(), 2u);
  EXPECT_EQ(j["stacks"][0]["single_layer"]["op"], "conv_transpose");
  EXPECT_EQ(j["stacks"][0]["single_layer"]["crop"], json::array({json::array({1, 0})}));
  EXPECT_EQ(j["stacks"][0]["flat_response"]["period"], json::array({2}));
  EXPECT_EQ(j["stacks"][1]["single_layer"]["found"], false);
  EXPECT_EQ(j["pairs"][0]["comparable"], true);
  EXPECT_EQ(j["pairs"][0]["largest_at"]["position"].size(), 1u);
}

}  // namespace
}  // namespace convscope::test
