#include "engine/compare/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {
namespace {

Shape withoutBatch(const Shape& s) {
  return Shape(s.begin() + 1, s.end());
}

double value(const Rational& r) {
  return double(r.num) / double(r.den);
}

/// Output indices m along axis `a` whose closed-form field [A m - pad, A m - pad + span - 1] lies
/// inside [0, in - 1]; first > last when there is none.
std::array<int64_t, 2> interiorRange(const FieldClosedForm& f, int a, int64_t in, int64_t out) {
  const double A = value(f.stride[size_t(a)]), pad = value(f.padding[size_t(a)]),
               span = value(f.span[size_t(a)]);
  std::array<int64_t, 2> r{out, -1};
  const double eps = 1e-9;
  for (int64_t m = 0; m < out; ++m) {
    const double lo = A * double(m) - pad, hi = lo + span - 1;
    if (lo >= -eps && hi <= double(in - 1) + eps) r = {std::min(r[0], m), std::max(r[1], m)};
  }
  return r;
}

/// The flat-input response of a stack's last output y (1, O, spatial...) over its interior.
FlatResponse flatResponse(const Stack& st, const Tensor& y, const FieldClosedForm& field) {
  FlatResponse fr;
  const Layer& first = st.layers.front();
  const Layer& last = st.layers.back();
  const int dims = last.dims;
  const int64_t O = last.outChannels;
  const int64_t H = dims == 2 ? last.ax[0].out : 1, W = dims == 2 ? last.ax[1].out : last.ax[0].out;
  std::array<std::array<int64_t, 2>, 2> in{};
  if (dims == 2) {
    in[0] = interiorRange(field, 0, first.ax[0].in, H);
    in[1] = interiorRange(field, 1, first.ax[1].in, W);
  } else {
    in[0] = {0, 0};
    in[1] = interiorRange(field, 0, first.ax[0].in, W);
  }
  fr.interior = dims == 2 ? in : std::array<std::array<int64_t, 2>, 2>{in[1], {0, 0}};
  if (in[0][0] > in[0][1] || in[1][0] > in[1][1]) return fr;
  fr.hasInterior = true;
  auto at = [&](int64_t o, int64_t h, int64_t w) { return double(y.data[size_t((o * H + h) * W + w)]); };
  fr.min = std::numeric_limits<double>::infinity();
  fr.max = -fr.min;
  for (int64_t o = 0; o < O; ++o) {
    double cmin = std::numeric_limits<double>::infinity(), cmax = -cmin;
    for (int64_t h = in[0][0]; h <= in[0][1]; ++h)
      for (int64_t w = in[1][0]; w <= in[1][1]; ++w) {
        cmin = std::min(cmin, at(o, h, w));
        cmax = std::max(cmax, at(o, h, w));
      }
    fr.min = std::min(fr.min, cmin);
    fr.max = std::max(fr.max, cmax);
    fr.ripple = std::max(fr.ripple, cmax - cmin);
  }
  const double scale = std::max({1.0, std::abs(fr.min), std::abs(fr.max)});
  const double tol = 1e-6 * scale;
  // Smallest period along each axis (slot 0 = H, 1 = W), at most half the interior.
  std::array<int64_t, 2> period{0, 0};
  for (int slot = 0; slot < 2; ++slot) {
    const int64_t len = in[size_t(slot)][1] - in[size_t(slot)][0] + 1;
    if (len == 1) {
      period[size_t(slot)] = 1;
      continue;
    }
    for (int64_t p = 1; p <= len / 2 && !period[size_t(slot)]; ++p) {
      bool ok = true;
      for (int64_t o = 0; o < O && ok; ++o)
        for (int64_t h = in[0][0]; h <= in[0][1] - (slot == 0 ? p : 0) && ok; ++h)
          for (int64_t w = in[1][0]; w <= in[1][1] - (slot == 1 ? p : 0) && ok; ++w)
            ok = std::abs(at(o, h + (slot == 0 ? p : 0), w + (slot == 1 ? p : 0)) - at(o, h, w)) <= tol;
      if (ok) period[size_t(slot)] = p;
    }
  }
  fr.period = dims == 2 ? period : std::array<int64_t, 2>{period[1], 0};
  return fr;
}

StackFigures figuresOf(const Stack& st, const Tensor& out) {
  StackFigures f;
  f.name = st.file.empty() ? st.name : st.file;
  f.inputShape = withoutBatch(st.input.shape);
  f.outputShape = withoutBatch(out.shape);
  for (const Layer& l : st.layers) {
    f.layers.push_back({opName(l.op), l.outputShape(), parameterCount(l), multiplyAdds(l)});
    f.parameters += f.layers.back().parameters;
    f.multiplyAdds = addSaturating(f.multiplyAdds, f.layers.back().multiplyAdds);
  }
  const Layer& last = st.layers.back();
  Pos centre{last.ax[0].out / 2, last.dims == 2 ? last.ax[1].out / 2 : 0};
  f.field = receptiveField(st, static_cast<int>(st.layers.size()) - 1, centre, -1).closedForm;
  Tensor first(st.input.shape);
  first.shape[0] = 1;
  first.data.assign(size_t(numel(first.shape)), 1.0f);
  for (const Layer& l : st.layers) first = forwardLayer(l, first);
  f.flat = flatResponse(st, first, f.field);
  f.single = findSingleLayer(st);
  return f;
}

PairFigures pairOf(const Comparison& c, int a, int b) {
  PairFigures p;
  p.a = a;
  p.b = b;
  const Tensor &x = c.outputs[size_t(a)], &y = c.outputs[size_t(b)];
  const Shape sx = squeezedShape(withoutBatch(x.shape)), sy = squeezedShape(withoutBatch(y.shape));
  if (sx != sy || x.shape[0] != y.shape[0]) {
    p.why = "outputs " + shapeToString(withoutBatch(x.shape)) + " and " +
            shapeToString(withoutBatch(y.shape)) + " differ";
    return p;
  }
  p.comparable = true;
  double peak = 0;
  for (size_t i = 0; i < x.data.size(); ++i)
    peak = std::max({peak, double(std::abs(x.data[i])), double(std::abs(y.data[i]))});
  size_t where = 0;
  for (size_t i = 0; i < x.data.size(); ++i) {
    const double d = std::abs(double(x.data[i]) - double(y.data[i]));
    if (d > p.maxAbsDiff || (std::isnan(d) && !std::isnan(p.maxAbsDiff))) {
      p.maxAbsDiff = d;
      where = i;
    }
    const double den = std::max(std::abs(double(x.data[i])), std::abs(double(y.data[i])));
    if (den > 1e-6 * peak) p.maxRelDiff = std::max(p.maxRelDiff, d / den);
  }
  const int64_t spatial = numel(sx) / std::max<int64_t>(1, sx[0]);
  const int64_t inSample = int64_t(where) % numel(sx);
  p.channel = inSample / std::max<int64_t>(1, spatial);
  const int64_t rest = inSample % std::max<int64_t>(1, spatial);
  if (sx.size() >= 3) {
    p.at = {rest / sx[2], rest % sx[2]};
  } else {
    p.at = {rest, 0};
  }
  return p;
}

}  // namespace

Shape squeezedShape(const Shape& s) {
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (i == 0 || s[i] != 1) out.push_back(s[i]);
  return out;
}

Stack onSharedInput(const Stack& st, const Tensor& shared, const std::string& sharedFrom) {
  const Shape own = withoutBatch(st.input.shape), sharedNoBatch = withoutBatch(shared.shape);
  if (squeezedShape(own) != squeezedShape(sharedNoBatch))
    throw EngineError({st.file, -1, "", "input"}, "its input shape " + shapeToString(own) +
                                                      " differs from the compared input " +
                                                      shapeToString(sharedNoBatch) + " (" + sharedFrom + ")");
  Stack run = st;
  run.input = shared;
  run.input.shape = own;
  run.input.shape.insert(run.input.shape.begin(), shared.shape.front());
  return run;
}

Comparison compareStacks(const std::vector<Stack>& stacks, const Tensor* input) {
  if (stacks.size() < 2)
    throw EngineError({}, "compare needs at least two stacks (got " + std::to_string(stacks.size()) + ")");
  for (const Stack& st : stacks)
    if (st.layers.empty()) throw EngineError({st.file, -1, "", "layers"}, "a stack to compare needs a layer");
  Comparison c;
  const Tensor& shared = input ? *input : stacks.front().input;
  const bool hasBatch = input ? shared.rank() == stacks.front().input.rank() : true;
  const Shape sharedNoBatch = hasBatch ? withoutBatch(shared.shape) : shared.shape;
  const int64_t batch = hasBatch ? shared.shape[0] : 1;
  c.inputShape = sharedNoBatch;
  Tensor batched = shared;
  batched.shape = sharedNoBatch;
  batched.shape.insert(batched.shape.begin(), batch);
  const std::string from = input ? std::string("the --input data") : "of " + stacks.front().file;
  for (size_t i = 0; i < stacks.size(); ++i) {
    const Stack run = onSharedInput(stacks[i], batched, from);
    c.outputs.push_back(forward(run).back());
    c.stacks.push_back(figuresOf(run, c.outputs.back()));
  }
  for (int a = 0; a < int(stacks.size()); ++a)
    for (int b = a + 1; b < int(stacks.size()); ++b) c.pairs.push_back(pairOf(c, a, b));
  return c;
}

}  // namespace convscope::engine
