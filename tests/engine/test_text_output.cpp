// Text a learner reads: the output-size formulas of `check` for every convention and op (each axis
// once, its numbers substituted, no "X = X ="), the receptive field's closed form in words, and
// shapes in the stack's layout with the convention's axis names (engine/stack/shape_words.h).
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/resolve/op_schema.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/shape_words.h"
#include "engine/stack/stack.h"
#include "engine/teach/receptive_field.h"

using namespace convscope::engine;

namespace {

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> r;
  size_t i = 0;
  for (size_t j; (j = s.find(sep, i)) != std::string::npos; i = j + sep.size())
    r.push_back(s.substr(i, j - i));
  r.push_back(s.substr(i));
  return r;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Digits and + - * / ( ) , only (after removing floor / ceil / max), with an operator: an
// expression with its numbers in.
bool numericExpression(std::string seg) {
  for (const char* f : {"floor", "ceil", "max"})
    for (size_t p; (p = seg.find(f)) != std::string::npos;) seg.erase(p, std::string(f).size());
  bool digit = false, op = false;
  for (char c : seg) {
    if (std::isdigit(static_cast<unsigned char>(c)))
      digit = true;
    else if (std::string("+-*/").find(c) != std::string::npos)
      op = true;
    else if (std::string(" (),").find(c) == std::string::npos)
      return false;
  }
  return digit && op;
}

// Checks one resolved layer's formula; returns "" or what is wrong.
std::string formulaProblem(const Layer& l) {
  const std::string& f = l.formula;
  const std::vector<std::string> eq = split(f, " = ");
  for (size_t i = 0; i + 1 < eq.size(); ++i)
    if (trim(eq[i]) == trim(eq[i + 1]) || trim(split(eq[i], "; ").back()) == trim(eq[i + 1]))
      return "repeated '" + trim(eq[i + 1]) + " ='";
  int axisParts = 0;
  for (const std::string& part : split(f, "; ")) {
    const std::string p = trim(part);
    const int a = p.rfind("L_out", 0) == 0 || p.rfind("H_out", 0) == 0 ? 0
                  : p.rfind("W_out", 0) == 0                           ? 1
                                                                       : -1;
    if (a < 0) continue;
    ++axisParts;
    const Axis& x = l.ax[size_t(a)];
    bool substituted = false;
    for (const std::string& seg : split(p, " = "))
      if (numericExpression(seg) && (seg.find(std::to_string(x.in)) != std::string::npos ||
                                     seg.find(std::to_string(x.in - 1)) != std::string::npos))
        substituted = true;
    if (!substituted)
      return "no expression with the input length " + std::to_string(x.in) + " in '" + p + "'";
    bool result = false;
    for (const std::string& seg : split(p, " = ")) {
      const std::string out = std::to_string(x.out);
      if (seg.rfind(out, 0) == 0 &&
          (seg.size() == out.size() || !std::isdigit(static_cast<unsigned char>(seg[out.size()]))))
        result = true;
    }
    if (!result) return "no '= " + std::to_string(x.out) + "' (the output length) in '" + p + "'";
  }
  if (axisParts != l.dims)
    return "expected " + std::to_string(l.dims) + " axis parts, got " + std::to_string(axisParts);
  return "";
}

// Variants of a layer, by meaning; keys are the convention's (op schema). Values a convention
// refuses are skipped.
std::vector<std::map<Param, nlohmann::json>> variants() {
  using J = nlohmann::json;
  std::vector<std::map<Param, J>> v = {
      {},
      {{Param::Stride, 2}},
      {{Param::Stride, 2}, {Param::Padding, 1}},
      {{Param::Padding, J::array({1, 1})}},
      {{Param::Padding, "same"}},
      {{Param::Padding, "same"}, {Param::Stride, 2}},
      {{Param::Padding, "causal"}},
      {{Param::Padding, "valid"}, {Param::Stride, 2}},
      {{Param::AutoPad, "SAME_UPPER"}, {Param::Stride, 2}},
      {{Param::AutoPad, "SAME_LOWER"}},
      {{Param::Stride, 2}, {Param::OutputPadding, 1}},
      {{Param::Padding, "same"}, {Param::Stride, 2}, {Param::OutputPadding, 1}},
      {{Param::Stride, 2}, {Param::CeilMode, true}},
      {{Param::Stride, 2}, {Param::CoverAll, true}},
      {{Param::Stride, 2}, {Param::CoverAll, false}},
      {{Param::Dilation, 2}},
  };
  for (int t = 22; t <= 28; ++t) v.push_back({{Param::Stride, 2}, {Param::TargetSize, t}});
  return v;
}

nlohmann::json layerSpec(Op op, Convention c, const std::map<Param, nlohmann::json>& extra, bool& usable) {
  nlohmann::json l = {{"op", opName(op)}};
  usable = true;
  auto set = [&](Param p, const nlohmann::json& v) {
    const std::string key = paramKey(op, c, p);
    if (key.empty()) usable = false;
    l[key] = v;
  };
  if (op == Op::Conv || op == Op::ConvTranspose) {
    set(Param::OutChannels, 2);
    set(Param::Kernel, 3);
  } else if (op == Op::Upsample) {
    set(Param::Scale, 2);
  } else if (op == Op::ZeroInsert) {
    set(Param::Stride, 2);
  } else {
    set(Param::Kernel, 2);
  }
  for (const auto& [p, v] : extra) set(p, v);
  return l;
}

}  // namespace

TEST(FormulaText, EveryConventionAndOpSubstitutesItsNumbersOnce) {
  const Op ops[] = {Op::Conv,   Op::ConvTranspose, Op::MaxPool,   Op::AvgPool,
                    Op::Unpool, Op::Upsample,      Op::ZeroInsert};
  int checked = 0;
  for (Convention c : {Convention::PyTorch, Convention::Keras, Convention::Onnx, Convention::Chainer})
    for (Op op : ops)
      for (int dims : {1, 2}) {
        int resolved = 0;
        for (const auto& extra : variants()) {
          bool usable = false;
          const nlohmann::json spec = layerSpec(op, c, extra, usable);
          if (!usable) continue;
          ResolveContext rc;
          rc.convention = c;
          rc.dims = dims;
          const Shape in = dims == 1 ? Shape{2, 13} : Shape{2, 13, 17};
          Layer l;
          try {
            l = resolveLayer(spec, rc, in);
          } catch (const EngineError&) {
            continue;  // a combination this convention refuses
          }
          ++resolved;
          ++checked;
          EXPECT_EQ(formulaProblem(l), "")
              << conventionName(c) << " " << spec.dump() << " " << dims << "-D: " << l.formula;
        }
        if (paramKey(op, c, op == Op::Upsample ? Param::Scale : Param::Stride)[0] != '\0')
          EXPECT_GE(resolved, 1) << conventionName(c) << " " << opName(op) << " " << dims << "-D";
      }
  EXPECT_GE(checked, 150);
}

TEST(FormulaText, TheCheckerFindsDoubledLabelsAndMissingNumbers) {
  Layer l;
  l.dims = 1;
  l.ax[0].in = 13;
  l.ax[0].out = 25;
  l.formula = "L_out = L_out = s(L-1)+d(k-1)+1-2p = 2*12 + 3 - 2 = 25";
  EXPECT_NE(formulaProblem(l), "");
  l.formula = "L_out = s(L-1) + k - 2p = 25";
  EXPECT_NE(formulaProblem(l), "");
  l.formula = "L_out = s(L-1)+d(k-1)+1-2p = 2*12 + 3 - 2 = 25";
  EXPECT_EQ(formulaProblem(l), "");
}

TEST(FieldWords, FractionalStrideSpanAndPaddingAreSaidInWords) {
  FieldClosedForm cf;
  cf.stride[0] = {1, 2};
  cf.span[0] = {5, 2};
  cf.padding[0] = {5, 2};
  const std::vector<std::string> w = closedFormWords(cf, 1);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("(a fractional stride)"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("1 input step per 2 output steps"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("span - 1 = 3/2"), std::string::npos) << w[1];
  EXPECT_NE(w[1].find("1 or 2 whole input positions"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("1/2*p - 5/2"), std::string::npos) << w[2];
  cf.stride[1] = {4, 1};
  cf.span[1] = {7, 1};
  cf.padding[1] = {-1, 1};
  const std::vector<std::string> w2 = closedFormWords(cf, 2);
  ASSERT_EQ(w2.size(), 6u);
  EXPECT_EQ(w2[0].rfind("H: ", 0), 0u);
  EXPECT_NE(w2[3].find("W: stride 4: one output step moves the field 4 input steps"), std::string::npos)
      << w2[3];
  EXPECT_EQ(w2[4], "W: span 7: the field of one output covers 7 input positions");
  EXPECT_NE(w2[5].find("4*p + 1"), std::string::npos) << w2[5];
}

namespace {

Stack stackOf(const std::string& convention, const std::string& layout, const nlohmann::json& shape,
              const nlohmann::json& layers) {
  const nlohmann::json doc = {
      {"convscope", 1},
      {"convention", convention},
      {"layout", layout},
      {"input", {{"shape", shape}, {"dims", int(shape.size()) - 1}, {"generator", {{"kind", "noise"}}}}},
      {"layers", layers}};
  return resolveStack(doc, "", "");
}

}  // namespace

TEST(ShapeWords, KerasChannelsLastIsStepsThenInputDimOrFilters) {
  const Stack st =
      stackOf("keras", "channels_last", {8000, 1},
              {{{"op", "relu"}}, {{"op", "conv"}, {"filters", 8}, {"kernel_size", 5}}, {{"op", "relu"}}});
  EXPECT_EQ(layoutShapeText(st, st.layers[0].outputShape(), 0), "[8000, 1] (steps, input_dim)");
  const Shape inCf(st.input.shape.begin() + 1, st.input.shape.end());
  EXPECT_EQ(inCf, (Shape{1, 8000}));  // canonical: channels first
  EXPECT_EQ(layoutShapeText(st, inCf, -1), "[8000, 1] (steps, input_dim)");
  EXPECT_EQ(layoutShapeText(st, st.layers[1].outputShape(), 1), "[7996, 8] (steps, filters)");
  EXPECT_EQ(layoutShapeText(st, st.layers[2].outputShape(), 2), "[7996, 8] (steps, filters)");
  const LayoutShape s = layoutShape(st, st.layers[1].outputShape(), 1);
  EXPECT_EQ(s.dims, (Shape{7996, 8}));
  EXPECT_EQ(s.words, (std::vector<std::string>{"steps", "filters"}));
}

TEST(ShapeWords, PyTorchIsChannelsFirstAndKeras2dIsHeightWidthChannels) {
  const Stack pt = stackOf("pytorch", "channels_first", {3, 16},
                           {{{"op", "conv"}, {"out_channels", 4}, {"kernel_size", 3}}});
  EXPECT_EQ(layoutShapeText(pt, pt.layers[0].inputShape(), -1), "[3, 16] (C, L)");
  EXPECT_EQ(layoutShapeText(pt, pt.layers[0].outputShape(), 0), "[4, 14] (C, L)");
  const Stack k2 =
      stackOf("keras", "channels_last", {6, 5, 3}, {{{"op", "conv"}, {"filters", 2}, {"kernel_size", 3}}});
  EXPECT_EQ(layoutShapeText(k2, k2.layers[0].inputShape(), -1), "[6, 5, 3] (height, width, channels)");
  EXPECT_EQ(layoutShapeText(k2, k2.layers[0].outputShape(), 0), "[4, 3, 2] (height, width, filters)");
  const Stack pl = stackOf("pytorch", "channels_last", {6, 5, 3}, nlohmann::json::array({{{"op", "relu"}}}));
  EXPECT_EQ(layoutShapeText(pl, pl.layers[0].outputShape(), 0), "[6, 5, 3] (H, W, C)");
}
