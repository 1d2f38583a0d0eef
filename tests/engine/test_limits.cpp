// Limits (engine/core/limits.h, docs/bad-input.md §Limits): byte sizes, saturating arithmetic, and
// stacks that would exceed the tensor / activation caps refused by resolveStack before anything is
// allocated, with the size they would need.
#include <gtest/gtest.h>

#include <limits>

#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/io/npy.h"
#include "engine/stack/stack.h"

using namespace convscope::engine;
using nlohmann::json;

namespace {

// Restores the process-wide limits after each test.
class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { m_saved = limits(); }
  void TearDown() override { setLimits(m_saved); }
  Limits m_saved;
};

std::string refusal(const json& doc) {
  try {
    resolveStack(doc, "limits.json", "");
  } catch (const EngineError& e) {
    return e.what();
  }
  return "";
}

json sineStack(json shape, json layers) {
  return {{"convscope", 1},
          {"input", {{"shape", shape}, {"generator", {{"kind", "sine"}, {"seed", 1}}}}},
          {"layers", layers}};
}

}  // namespace

TEST(Limits, ParseByteSize) {
  int64_t v = 0;
  EXPECT_TRUE(parseByteSize("4096", v));
  EXPECT_EQ(v, 4096);
  EXPECT_TRUE(parseByteSize("4G", v));
  EXPECT_EQ(v, int64_t(4) << 30);
  EXPECT_TRUE(parseByteSize("512MiB", v));
  EXPECT_EQ(v, int64_t(512) << 20);
  EXPECT_TRUE(parseByteSize("64k", v));
  EXPECT_EQ(v, 65536);
  for (const char* bad : {"", "G", "-1", "0", "4X", "1.5G", "99999999999999999999", "9000000000T"})
    EXPECT_FALSE(parseByteSize(bad, v)) << bad;
}

TEST(Limits, DefaultsAreSizedForThisMachine) {
  const Limits d;
  EXPECT_EQ(d.maxActivationBytes, int64_t(4) << 30);
  EXPECT_EQ(d.maxTensorBytes, int64_t(2) << 30);
  EXPECT_EQ(d.maxJsonDepth, 64);
}

TEST(Limits, SaturatingArithmeticNeverOverflows) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(numelSaturating({int64_t(1) << 40, int64_t(1) << 40, int64_t(1) << 40}), big);
  EXPECT_EQ(numel({int64_t(1) << 40, int64_t(1) << 40, int64_t(1) << 40}), big);
  EXPECT_EQ(numelSaturating({2, 3, 0}), 0);
  EXPECT_EQ(tensorBytes({2, 3}), 24);
  EXPECT_EQ(mulSaturating(big / 2, 3), big);
  EXPECT_EQ(addSaturating(big - 1, 5), big);
  EXPECT_EQ(formatBytes(512), "512 bytes");
  EXPECT_EQ(formatBytes(int64_t(3) << 29), "1.5 GiB");
}

TEST_F(LimitsTest, ActivationBudgetRefusedBeforeForwardWithTheSizeNeeded) {
  Limits l;
  l.maxActivationBytes = 1 << 20;  // 1 MiB
  setLimits(l);
  // input 4 x 16384 floats = 256 KiB; two convs to 8 channels: 512 KiB each → 1.25 MiB in all
  const json layers = json::array({{{"op", "conv"}, {"out_channels", 8}, {"kernel_size", 1}},
                                   {{"op", "conv"}, {"out_channels", 8}, {"kernel_size", 1}}});
  const std::string msg = refusal(sineStack({4, 16384}, layers));
  EXPECT_NE(msg.find("1.2 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1.0 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CONVSCOPE_MAX_ACTIVATION_BYTES"), std::string::npos) << msg;
  l.maxActivationBytes = 2 << 20;
  setLimits(l);
  EXPECT_EQ(refusal(sineStack({4, 16384}, layers)), "");
}

TEST_F(LimitsTest, BatchCountsInTheBudget) {
  Limits l;
  l.maxActivationBytes = 1 << 20;
  setLimits(l);
  const json layers = json::array({{{"op", "relu"}}});
  EXPECT_EQ(refusal(sineStack({1, 4, 16384}, layers)), "");           // 256 KiB + 256 KiB
  const std::string msg = refusal(sineStack({4, 4, 16384}, layers));  // 1 MiB + 1 MiB
  EXPECT_NE(msg.find("2.0 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("batch 4"), std::string::npos) << msg;
}

TEST_F(LimitsTest, OneLayerOverTheTensorCapNamesTheLayer) {
  Limits l;
  l.maxTensorBytes = 1 << 20;
  setLimits(l);
  const json layers = json::array({{{"op", "relu"}}, {{"op", "upsample"}, {"scale_factor", 64}}});
  const std::string msg = refusal(sineStack({2, 4096}, layers));
  EXPECT_NE(msg.find("layer 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2.0 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CONVSCOPE_MAX_TENSOR_BYTES"), std::string::npos) << msg;
}

TEST_F(LimitsTest, InputAndWeightOverTheTensorCap) {
  Limits l;
  l.maxTensorBytes = 1 << 20;
  setLimits(l);
  std::string msg = refusal(sineStack({2, 1 << 18}, json::array()));
  EXPECT_NE(msg.find("input"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2.0 MiB"), std::string::npos) << msg;
  msg = refusal(
      sineStack({512, 4}, json::array({{{"op", "conv"}, {"out_channels", 1024}, {"kernel_size", 1}}})));
  EXPECT_NE(msg.find("weight"), std::string::npos) << msg;
}

TEST_F(LimitsTest, NpyDeclaredShapeOverTheTensorCap) {
  Limits l;
  l.maxTensorBytes = 1 << 20;
  setLimits(l);
  Tensor t({600, 600});
  try {
    parseNpy(npyBytes(t), "big.npy");
    FAIL() << "accepted";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("1.4 MiB"), std::string::npos) << e.what();
  }
}

TEST(Limits, DeepJsonRefusedBeforeParsing) {
  const std::string deep =
      "{\"convscope\": 1, \"name\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  try {
    parseStackJson(deep, "deep.json");
    FAIL() << "accepted";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("column 89"), std::string::npos) << e.what();
  }
  // brackets inside strings do not count
  EXPECT_NO_THROW(parseStackJson("{\"name\": \"" + std::string(1000, '[') + "\"}", "s.json"));
  size_t where = 0;
  EXPECT_EQ(jsonNestingDepth(R"({"a": [[1], {"b": "[[[\"[["}]})", 64, where), 3);
}

TEST(Limits, JsonValueDepthWithoutRecursion) {
  using nlohmann::json;
  EXPECT_EQ(jsonValueDepth(json(3), 64), 0);
  EXPECT_EQ(jsonValueDepth(json::array(), 64), 1);
  EXPECT_EQ(jsonValueDepth(json::parse(R"({"a": [[1], {"b": "[[[\"[["}], "c": {}})"), 64), 3);
  // 100000 levels: measured without recursing (the cap stops the walk early), and the same value
  // with the cap raised gives its true depth.
  json deep = json::array();
  for (int i = 0; i < 100000; ++i) deep = json::array({std::move(deep)});
  EXPECT_EQ(jsonValueDepth(deep, 64), 65);
  EXPECT_EQ(jsonValueDepth(deep, 1000000), 100001);
}
