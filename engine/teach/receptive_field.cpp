// receptive_field.cpp: exact field by tap propagation, plus the closed form (receptive_field.h).
//
// Index of this file:
//   [SECTION] RATIONAL   rationals and per-axis maps
//   [SECTION] PROPAGATE  tap propagation through layers
//   [SECTION] FIELD      receptive fields of a stack
#include "engine/teach/receptive_field.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_map>

#include "engine/core/error.h"

namespace convscope::engine {
// [SECTION] RATIONAL
namespace {

Rational make(int64_t n, int64_t d) {
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const int64_t g = std::gcd(n < 0 ? -n : n, d);
  return g ? Rational{n / g, d / g} : Rational{0, 1};
}
Rational add(Rational a, Rational b) {
  return make(a.num * b.den + b.num * a.den, a.den * b.den);
}
Rational mul(Rational a, Rational b) {
  return make(a.num * b.num, a.den * b.den);
}
int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
int64_t ceilDiv(int64_t a, int64_t b) {
  return -floorDiv(-a, b);
}

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
      return {make(1, x.s), make(1 - 3 * int64_t(x.s), 2 * int64_t(x.s)),
              make(1 + int64_t(x.s), 2 * int64_t(x.s))};
    case Op::ZeroInsert:
      return {make(1, x.s), make(0, 1), make(0, 1)};
    default:
      return {};
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

namespace {
std::string stepsWord(int64_t n) {
  return std::to_string(n) + (n == 1 ? " input step" : " input steps");
}
}  // namespace

// Stride A = num/den: output step → A input steps. Span S: the bounds [A P − pad, A P − pad + S − 1]
// are S − 1 input steps long; with integer A and pad they hold exactly S whole positions, otherwise
// floor(S − 1) or floor(S − 1) + 1 depending on P.
std::vector<std::string> closedFormWords(const FieldClosedForm& cf, int dims) {
  std::vector<std::string> lines;
  for (int ax = 0; ax < dims; ++ax) {
    const std::string pre = dims == 1 ? "" : (ax == 0 ? "H: " : "W: ");
    const Rational A = cf.stride[size_t(ax)], S = cf.span[size_t(ax)], P = cf.padding[size_t(ax)];
    std::string st = pre + "stride " + rationalString(A);
    if (A.den == 1)
      st += ": one output step moves the field " + stepsWord(A.num);
    else
      st += " (a fractional stride): one output step moves the field " + rationalString(A) +
            " of an input step — " + std::to_string(A.num) + " input step" + (A.num == 1 ? "" : "s") +
            " per " + std::to_string(A.den) + " output steps; the output is finer than the input";
    lines.push_back(st);
    const bool whole = A.den == 1 && P.den == 1 && S.den == 1;
    std::string sp = pre + "span " + rationalString(S) + ": ";
    if (whole) {
      sp += "the field of one output covers " + rationalString(S) + " input positions";
    } else {
      const Rational w = add(S, Rational{-1, 1});
      const int64_t lo = w.num >= 0 ? w.num / w.den : -((-w.num + w.den - 1) / w.den);
      sp += "the field of one output lies within an interval span - 1 = " + rationalString(w) +
            " input steps long, so it holds " + std::to_string(lo) + " or " + std::to_string(lo + 1) +
            " whole input positions depending on the output position";
    }
    lines.push_back(sp);
    lines.push_back(pre + "padding " + rationalString(P) +
                    ": the field of output position p starts at input " +
                    "position stride*p - padding = " + rationalString(A) + "*p " + (P.num < 0 ? "+ " : "- ") +
                    rationalString(Rational{P.num < 0 ? -P.num : P.num, P.den}) +
                    (whole ? "" : ", rounded up to a whole position") +
                    (P.num > 0 ? " (before position 0 for the first outputs)" : ""));
  }
  return lines;
}

// [SECTION] PROPAGATE
namespace {

void checkField(const std::vector<Layer>& layers, int layer, const Pos& position, int from) {
  const int n = int(layers.size());
  if (layer < 0 || layer >= n)
    throw EngineError({"", layer, "", "--layer"}, "layer index " + std::to_string(layer) +
                                                      " is out of range [0, " + std::to_string(n) + ")");
  if (from < -1 || from >= layer)
    throw EngineError({"", layer, "", "--from"},
                      "--from must name an earlier layer (or -1 for the input), got " + std::to_string(from));
  const Layer& top = layers[size_t(layer)];
  for (int a = 0; a < top.dims; ++a)
    if (position[size_t(a)] < 0 || position[size_t(a)] >= top.ax[size_t(a)].out)
      throw EngineError({"", layer, opName(top.op), "--position"},
                        "position " + std::to_string(position[size_t(a)]) + " is outside the output [0, " +
                            std::to_string(top.ax[size_t(a)].out) + ") along axis " + std::to_string(a));
}

// The taps of one output index along one axis, summarised for the propagation.
struct TapSummary {
  std::vector<AxisTap> taps;  // every tap (for layers whose tap mask has zeros)
  std::vector<int> sources;   // src of the taps with a non-zero factor and src >= 0, tap order
  bool anyLive = false;       // some tap has a non-zero factor
  bool livePadding = false;   // some padding tap has a non-zero factor
};

TapSummary summarise(std::vector<AxisTap> taps) {
  TapSummary t;
  for (const AxisTap& a : taps) {
    if (a.factor == 0.0) continue;
    t.anyLive = true;
    if (a.cell == CellKind::Padding) t.livePadding = true;
    if (a.src >= 0) t.sources.push_back(a.src);
  }
  t.taps = std::move(taps);
  return t;
}

// Exact propagation of one element down the stack over sparse grids (points sorted row-major):
// visit(l, points, H, W, touchesPadding, skippedZeroTaps) after each layer l (the field on layer
// l - 1's output). Work follows the points and their taps, never the dense tensors.
template <class Visit>
void propagate(const std::vector<Layer>& layers, int layer, const Pos& position, int from, Visit visit) {
  const int dims = layers[size_t(layer)].dims;
  const Layer& top = layers[size_t(layer)];
  int W = top.ax[dims == 2 ? 1 : 0].out;
  std::vector<std::pair<int64_t, int64_t>> cur{
      {int64_t(dims == 2 ? position[0] : 0) * W + (dims == 2 ? position[1] : position[0]), 1}};
  bool touches = false, skipped = false;
  for (int l = layer; l > from; --l) {
    const Layer& L = layers[size_t(l)];
    const int Hi = dims == 2 ? L.ax[0].in : 1, Wi = L.ax[dims == 2 ? 1 : 0].in;
    // The tap mask (kh × kw chars) only when some weight is zero: a kernel without zeros masks nothing.
    const bool weighted = hasTrace(L.op) && (L.op == Op::Conv || L.op == Op::ConvTranspose);
    const bool anyZero =
        weighted && std::find(L.weight.data.begin(), L.weight.data.end(), 0.0f) != L.weight.data.end();
    const std::vector<char> mask = anyZero ? tapMask(L) : std::vector<char>();
    const int kw = L.ax[dims == 2 ? 1 : 0].k;
    const bool masked = anyZero && std::find(mask.begin(), mask.end(), 0) != mask.end();
    std::unordered_map<int, TapSummary> rowTaps, colTaps;
    auto rowOf = [&](int mh) -> const TapSummary& {
      auto it = rowTaps.find(mh);
      if (it == rowTaps.end())
        it = rowTaps
                 .emplace(mh, summarise(dims == 2 ? axisTaps(L, 0, mh)
                                                  : std::vector<AxisTap>{{0, CellKind::Data, 0, 1.0}}))
                 .first;
      return it->second;
    };
    auto colOf = [&](int mw) -> const TapSummary& {
      auto it = colTaps.find(mw);
      if (it == colTaps.end()) it = colTaps.emplace(mw, summarise(axisTaps(L, dims == 2 ? 1 : 0, mw))).first;
      return it->second;
    };
    std::vector<std::pair<int64_t, int64_t>> adds;
    for (const auto& [idx, c] : cur) {
      const TapSummary& th = rowOf(int(idx / W));
      const TapSummary& tw = colOf(int(idx % W));
      if (!masked) {  // every tap pair with non-zero factors counts
        if ((th.livePadding && tw.anyLive) || (tw.livePadding && th.anyLive)) touches = true;
        for (int a : th.sources)
          for (int b : tw.sources) adds.emplace_back(int64_t(a) * Wi + b, c);
        continue;
      }
      for (const AxisTap& a : th.taps)
        for (const AxisTap& b : tw.taps) {
          if (a.factor == 0.0 || b.factor == 0.0) continue;
          if (!mask[size_t(a.tap) * kw + b.tap]) {
            skipped = true;
            continue;
          }
          if (a.cell == CellKind::Padding || b.cell == CellKind::Padding) touches = true;
          if (a.src < 0 || b.src < 0) continue;
          adds.emplace_back(int64_t(a.src) * Wi + b.src, c);
        }
    }
    std::sort(adds.begin(), adds.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    cur.clear();
    for (const auto& [idx, c] : adds) {
      if (!cur.empty() && cur.back().first == idx)
        cur.back().second = satAdd(cur.back().second, c);
      else
        cur.emplace_back(idx, c);
    }
    (void)Hi;
    W = Wi;
    visit(l, cur, W, touches, skipped);
  }
}

ReceptiveField fieldFrom(const std::vector<Layer>& layers, int layer, const Pos& position, int from,
                         const std::vector<std::pair<int64_t, int64_t>>& cur, int W, bool touches,
                         bool skipped);

}  // namespace

ReceptiveField receptiveField(const std::vector<Layer>& layers, int layer, const Pos& position, int from) {
  checkField(layers, layer, position, from);
  ReceptiveField rf;
  propagate(layers, layer, position, from, [&](int l, const auto& cur, int W, bool touches, bool skipped) {
    if (l == from + 1) rf = fieldFrom(layers, layer, position, from, cur, W, touches, skipped);
  });
  return rf;
}

std::vector<ReceptiveField> receptiveFields(const std::vector<Layer>& layers, int layer,
                                            const Pos& position) {
  checkField(layers, layer, position, -1);
  std::vector<ReceptiveField> fields(size_t(layer + 1));
  propagate(layers, layer, position, -1, [&](int l, const auto& cur, int W, bool touches, bool skipped) {
    fields[size_t(l)] = fieldFrom(layers, layer, position, l - 1, cur, W, touches, skipped);
  });
  return fields;
}

// [SECTION] FIELD
namespace {

ReceptiveField fieldFrom(const std::vector<Layer>& layers, int layer, const Pos& position, int from,
                         const std::vector<std::pair<int64_t, int64_t>>& cur, int W, bool touches,
                         bool skipped) {
  const int dims = layers[size_t(layer)].dims;
  ReceptiveField rf;
  rf.layer = layer;
  rf.from = from;
  rf.dims = dims;
  rf.position = position;
  rf.touchesPadding = touches;
  rf.skippedZeroTaps = skipped;
  rf.hull = {{{std::numeric_limits<int>::max(), -1}, {std::numeric_limits<int>::max(), -1}}};
  for (const auto& [idx, c] : cur) {
    if (!c) continue;
    FieldPoint p;
    const int h = int(idx / W), w = int(idx % W);
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
        if (p.position[size_t(a)] < cf.bounds[size_t(a)][0] ||
            p.position[size_t(a)] > cf.bounds[size_t(a)][1])
          cf.withinBounds = false;
    cf.hullChecked = cf.forwardOnly && !rf.touchesPadding && !rf.skippedZeroTaps && !rf.points.empty();
    if (cf.hullChecked) {
      for (int a = 0; a < dims; ++a) {
        if (rf.hull[size_t(a)][0] != cf.bounds[size_t(a)][0] ||
            rf.hull[size_t(a)][1] != cf.bounds[size_t(a)][1])
          cf.hullMatches = false;
        for (const FieldPoint& p : rf.points)
          if ((p.position[size_t(a)] - cf.bounds[size_t(a)][0]) % cf.dilation[size_t(a)] != 0)
            cf.hullMatches = false;
      }
    }
  }
  return rf;
}

}  // namespace

ReceptiveField receptiveField(const Stack& stack, int layer, const Pos& position, int from) {
  return receptiveField(stack.layers, layer, position, from);
}

}  // namespace convscope::engine
