// receptive_field.cpp: exact field by tap propagation, plus the closed form (receptive_field.h).
#include "receptive_field.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "error.h"

namespace convscope::engine {
namespace {

Rational make(int64_t n, int64_t d) {
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const int64_t g = std::gcd(n < 0 ? -n : n, d);
  return g ? Rational{n / g, d / g} : Rational{0, 1};
}
Rational add(Rational a, Rational b) { return make(a.num * b.den + b.num * a.den, a.den * b.den); }
Rational mul(Rational a, Rational b) { return make(a.num * b.num, a.den * b.den); }
int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t ceilDiv(int64_t a, int64_t b) { return -floorDiv(-a, b); }

struct AxisMap {
  Rational a{1, 1}, lo{0, 1}, hi{0, 1};
};

AxisMap axisMap(const Layer& l, int axis) {
  const Axis& x = l.ax[size_t(axis)];
  switch (l.op) {
    case Op::Conv:
    case Op::MaxPool:
    case Op::AvgPool: {
      const int d = l.op == Op::AvgPool ? 1 : x.d;
      return {make(x.s, 1), make(-x.pb, 1), make(-x.pb + int64_t(d) * (x.k - 1), 1)};
    }
    case Op::ConvTranspose:
    case Op::Unpool: {
      const int d = l.op == Op::Unpool ? 1 : x.d;
      return {make(1, x.s), make(x.start - int64_t(d) * (x.k - 1), x.s), make(x.start, x.s)};
    }
    case Op::Upsample:
      if (l.upsampleMode == UpsampleMode::Nearest) return {make(1, x.s), make(-(x.s - 1), x.s), make(0, 1)};
      return {make(1, x.s), make(1 - 3 * int64_t(x.s), 2 * int64_t(x.s)), make(1 + int64_t(x.s), 2 * int64_t(x.s))};
    case Op::ZeroInsert: return {make(1, x.s), make(0, 1), make(0, 1)};
    default: return {};
  }
}

// Joint tap mask (kh x kw): true where some weight at that tap is non-zero (conv / conv_transpose).
std::vector<char> tapMask(const Layer& l) {
  const bool two = l.dims == 2;
  const int kh = two ? l.ax[0].k : 1, kw = l.ax[two ? 1 : 0].k;
  std::vector<char> m(size_t(kh) * kw, 1);
  if ((l.op != Op::Conv && l.op != Op::ConvTranspose) || l.weight.empty()) return m;
  std::fill(m.begin(), m.end(), 0);
  const int64_t per = int64_t(kh) * kw;
  for (int64_t i = 0; i < l.weight.numel(); ++i)
    if (l.weight.data[size_t(i)] != 0.0f) m[size_t(i % per)] = 1;
  return m;
}

int64_t satAdd(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

}  // namespace

std::string rationalString(const Rational& r) {
  if (r.den == 1) return std::to_string(r.num);
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}

ReceptiveField receptiveField(const std::vector<Layer>& layers, int layer, const Pos& position, int from) {
  const int n = int(layers.size());
  if (layer < 0 || layer >= n)
    throw EngineError({"", layer, "", "--layer"}, "layer index " + std::to_string(layer) + " is out of range [0, " +
                                                      std::to_string(n) + ")");
  if (from < -1 || from >= layer)
    throw EngineError({"", layer, "", "--from"}, "--from must name an earlier layer (or -1 for the input), got " +
                                                     std::to_string(from));
  const Layer& top = layers[size_t(layer)];
  const int dims = top.dims;
  for (int a = 0; a < dims; ++a)
    if (position[size_t(a)] < 0 || position[size_t(a)] >= top.ax[size_t(a)].out)
      throw EngineError({"", layer, opName(top.op), "--position"},
                        "position " + std::to_string(position[size_t(a)]) + " is outside the output [0, " +
                            std::to_string(top.ax[size_t(a)].out) + ") along axis " + std::to_string(a));
  ReceptiveField rf;
  rf.layer = layer;
  rf.from = from;
  rf.dims = dims;
  rf.position = position;

  // Exact propagation over dense spatial grids.
  int H = dims == 2 ? top.ax[0].out : 1, W = top.ax[dims == 2 ? 1 : 0].out;
  std::vector<int64_t> cur(size_t(H) * W, 0);
  cur[size_t((dims == 2 ? position[0] : 0)) * W + (dims == 2 ? position[1] : position[0])] = 1;
  for (int l = layer; l > from; --l) {
    const Layer& L = layers[size_t(l)];
    const int Hi = dims == 2 ? L.ax[0].in : 1, Wi = L.ax[dims == 2 ? 1 : 0].in;
    std::vector<int64_t> next(size_t(Hi) * Wi, 0);
    const std::vector<char> mask = tapMask(L);
    const int kw = L.ax[dims == 2 ? 1 : 0].k;
    const bool taps = hasTrace(L.op);
    for (int mh = 0; mh < H; ++mh) {
      const std::vector<AxisTap> th =
          dims == 2 ? axisTaps(L, 0, mh) : std::vector<AxisTap>{{0, CellKind::Data, 0, 1.0}};
      for (int mw = 0; mw < W; ++mw) {
        const int64_t c = cur[size_t(mh) * W + mw];
        if (!c) continue;
        const std::vector<AxisTap> tw = axisTaps(L, dims == 2 ? 1 : 0, mw);
        for (const AxisTap& a : th)
          for (const AxisTap& b : tw) {
            if (a.factor == 0.0 || b.factor == 0.0) continue;
            if (taps && (L.op == Op::Conv || L.op == Op::ConvTranspose) && !mask[size_t(a.tap) * kw + b.tap]) {
              rf.skippedZeroTaps = true;
              continue;
            }
            if (a.cell == CellKind::Padding || b.cell == CellKind::Padding) rf.touchesPadding = true;
            if (a.src < 0 || b.src < 0) continue;
            int64_t& dst = next[size_t(a.src) * Wi + b.src];
            dst = satAdd(dst, c);
          }
      }
    }
    cur.swap(next);
    H = Hi;
    W = Wi;
  }
  rf.hull = {{{std::numeric_limits<int>::max(), -1}, {std::numeric_limits<int>::max(), -1}}};
  for (int h = 0; h < H; ++h)
    for (int w = 0; w < W; ++w) {
      const int64_t c = cur[size_t(h) * W + w];
      if (!c) continue;
      FieldPoint p;
      p.position = dims == 2 ? Pos{h, w} : Pos{w, 0};
      p.paths = c;
      rf.totalPaths = satAdd(rf.totalPaths, c);
      for (int a = 0; a < dims; ++a) {
        rf.hull[size_t(a)][0] = std::min(rf.hull[size_t(a)][0], p.position[size_t(a)]);
        rf.hull[size_t(a)][1] = std::max(rf.hull[size_t(a)][1], p.position[size_t(a)]);
      }
      rf.points.push_back(p);
    }

  // Closed form, per axis.
  FieldClosedForm& cf = rf.closedForm;
  cf.forwardOnly = true;
  for (int l = from + 1; l <= layer; ++l) {
    const Layer& L = layers[size_t(l)];
    if (L.op == Op::ConvTranspose || L.op == Op::Unpool || L.op == Op::Upsample || L.op == Op::ZeroInsert)
      cf.forwardOnly = false;
    if (L.op == Op::Conv && L.padMode != PadMode::Zeros) cf.applies = false;
  }
  for (int a = 0; a < dims; ++a) {
    AxisMap acc;  // identity
    for (int l = layer; l > from; --l) {
      const AxisMap m = axisMap(layers[size_t(l)], a);
      acc = {mul(m.a, acc.a), add(mul(m.a, acc.lo), m.lo), add(mul(m.a, acc.hi), m.hi)};
    }
    cf.stride[size_t(a)] = acc.a;
    cf.span[size_t(a)] = add(add(acc.hi, make(-acc.lo.num, acc.lo.den)), make(1, 1));
    cf.padding[size_t(a)] = make(-acc.lo.num, acc.lo.den);
    const Rational lo = add(mul(acc.a, make(position[size_t(a)], 1)), acc.lo);
    const Rational hi = add(mul(acc.a, make(position[size_t(a)], 1)), acc.hi);
    cf.bounds[size_t(a)] = {ceilDiv(lo.num, lo.den), floorDiv(hi.num, hi.den)};
    // Dilation: gcd of the tap steps d_l * (product of strides below l), forward-only chains.
    if (cf.forwardOnly) {
      int64_t below = 1, g = 0;
      for (int l = from + 1; l <= layer; ++l) {
        const Layer& L = layers[size_t(l)];
        const Axis& x = L.ax[size_t(a)];
        if ((L.op == Op::Conv || L.op == Op::MaxPool || L.op == Op::AvgPool) && x.k > 1)
          g = std::gcd(g, int64_t(L.op == Op::AvgPool ? 1 : x.d) * below);
        if (L.op == Op::Conv || L.op == Op::MaxPool || L.op == Op::AvgPool) below *= x.s;
      }
      cf.dilation[size_t(a)] = g ? g : 1;
    }
  }
  if (cf.applies) {
    for (const FieldPoint& p : rf.points)
      for (int a = 0; a < dims; ++a)
        if (p.position[size_t(a)] < cf.bounds[size_t(a)][0] || p.position[size_t(a)] > cf.bounds[size_t(a)][1])
          cf.withinBounds = false;
    cf.hullChecked = cf.forwardOnly && !rf.touchesPadding && !rf.skippedZeroTaps && !rf.points.empty();
    if (cf.hullChecked) {
      for (int a = 0; a < dims; ++a) {
        if (rf.hull[size_t(a)][0] != cf.bounds[size_t(a)][0] || rf.hull[size_t(a)][1] != cf.bounds[size_t(a)][1])
          cf.hullMatches = false;
        for (const FieldPoint& p : rf.points)
          if ((p.position[size_t(a)] - cf.bounds[size_t(a)][0]) % cf.dilation[size_t(a)] != 0) cf.hullMatches = false;
      }
    }
  }
  return rf;
}

ReceptiveField receptiveField(const Stack& stack, int layer, const Pos& position, int from) {
  return receptiveField(stack.layers, layer, position, from);
}

}  // namespace convscope::engine
