// The op schema (engine/resolve/op_schema.h) against the resolvers: every key it lists is one the
// resolver reads, and the defaults it states are the ones the resolver applies
// (docs/conventions.md §Parameter names, §Elementwise defaults).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/core/error.h"
#include "engine/resolve/op_schema.h"
#include "engine/resolve/resolve.h"

using namespace convscope::engine;

namespace {

const Convention kConventions[] = {Convention::PyTorch, Convention::Keras, Convention::Onnx,
                                   Convention::Chainer};

Layer resolve1d(const nlohmann::json& spec, Convention c, const Shape& in = {2, 12}) {
  ResolveContext rc;
  rc.convention = c;
  rc.dims = 1;
  return resolveLayer(spec, rc, in);
}

}  // namespace

// A layer of `op` with its required parameters under `c` (named by the schema).
nlohmann::json minimalLayer(Op op, Convention c) {
  nlohmann::json l = {{"op", opName(op)}};
  auto set = [&](Param p, int v) { l[paramKey(op, c, p)] = v; };
  if (op == Op::Conv || op == Op::ConvTranspose) {
    set(Param::OutChannels, 2);
    set(Param::Kernel, 3);
  } else if (op == Op::MaxPool || op == Op::AvgPool || op == Op::Unpool) {
    set(Param::Kernel, 2);
  } else if (op == Op::Upsample) {
    set(Param::Scale, 2);
  } else if (op == Op::ZeroInsert) {
    set(Param::Stride, 2);
  }
  return l;
}

// Every parameter the schema lists with a JSON default is read by the op's resolver, and its
// default is a value the resolver accepts.
TEST(OpSchema, EveryListedDefaultIsAccepted) {
  for (Convention c : kConventions)
    for (Op op : allOps())
      for (const ParamSpec& p : opParams(op, c)) {
        const nlohmann::json def = paramDefault(op, c, p.param);
        if (def.is_null()) continue;
        nlohmann::json spec = minimalLayer(op, c);
        if (spec.contains(p.key)) continue;
        spec[p.key] = def;
        EXPECT_NO_THROW(resolve1d(spec, c)) << conventionName(c) << " " << opName(op) << " " << spec.dump();
      }
}

TEST(OpSchema, BatchNormDefaultEpsPerConvention) {
  const nlohmann::json spec = {{"op", "batch_norm"}};
  EXPECT_FLOAT_EQ(resolve1d(spec, Convention::PyTorch).eps, 1e-5f);
  EXPECT_FLOAT_EQ(resolve1d(spec, Convention::Keras).eps, 1e-3f);
  EXPECT_FLOAT_EQ(resolve1d(spec, Convention::Onnx).eps, 1e-5f);
  EXPECT_FLOAT_EQ(resolve1d(spec, Convention::Chainer).eps, 2e-5f);  // chainer.links.BatchNormalization
}

TEST(OpSchema, LeakySlopeDefaultsMatchTheTable) {
  for (Convention c : kConventions) {
    const Layer l = resolve1d({{"op", "leaky_relu"}}, c);
    EXPECT_FLOAT_EQ(l.alpha, static_cast<float>(paramDefault(Op::LeakyRelu, c, Param::Slope).get<double>()));
  }
}

TEST(OpSchema, KeysAndOps) {
  EXPECT_STREQ(paramKey(Op::MaxPool, Convention::Keras, Param::Kernel), "pool_size");
  EXPECT_STREQ(paramKey(Op::Unpool, Convention::Keras, Param::Kernel), "pool_size");
  EXPECT_STREQ(paramKey(Op::Conv, Convention::Chainer, Param::OutputPadding), "");
  EXPECT_STREQ(paramKey(Op::ConvTranspose, Convention::Keras, Param::Groups), "groups");
  const auto keys = standardKeys(Op::ConvTranspose, Convention::Keras);
  EXPECT_EQ(std::find(keys.begin(), keys.end(), "groups"), keys.end());  // no groups in Keras
  Op op;
  EXPECT_TRUE(parseOp("conv_transpose", op));
  EXPECT_EQ(op, Op::ConvTranspose);
  EXPECT_FALSE(parseOp("convolution", op));
}

// docs/conventions.md §PyTorch pools: 2p <= k with the undilated kernel (torch 1.13 refuses
// max_pool1d(k=3, d=2, p=2)); §Keras transposed convolution: strides > 1 with dilation_rate > 1.
TEST(OpSchema, DocumentationReviewRefusals) {
  EXPECT_THROW(resolve1d({{"op", "max_pool"}, {"kernel_size", 3}, {"padding", 2}, {"dilation", 2}},
                         Convention::PyTorch),
               EngineError);
  EXPECT_NO_THROW(resolve1d({{"op", "max_pool"}, {"kernel_size", 3}, {"padding", 1}, {"dilation", 2}},
                            Convention::PyTorch));
  try {
    resolve1d(
        {{"op", "conv_transpose"}, {"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"dilation_rate", 2}},
        Convention::Keras);
    FAIL() << "keras conv_transpose with strides 2 and dilation_rate 2 was accepted";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.context().param, "strides");
    EXPECT_NE(std::string(e.what()).find("dilation_rate"), std::string::npos);
  }
}
