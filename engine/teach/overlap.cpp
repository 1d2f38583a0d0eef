// overlap.cpp: contribution counts (checkerboard) and the upsample+conv == box-filtered
// conv_transpose identity (see overlap.h).
#include "engine/teach/overlap.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/core/error.h"
#include "engine/teach/scatter_trace.h"

namespace convscope::engine {

bool overlapUniformRule(int k, int s, int d) {
  return s == 1 || (std::gcd(d, s) == 1 && k % s == 0);
}

namespace {

// Per-axis tap usability: tap j along axis a is counted unless every weight with that tap is zero.
std::vector<char> axisTapUsed(const Layer& l, int axis, bool ignoreZero) {
  const int k = l.ax[size_t(axis)].k;
  std::vector<char> used(size_t(k), 1);
  if (!ignoreZero || l.op != Op::ConvTranspose || l.weight.empty()) return used;
  std::fill(used.begin(), used.end(), 0);
  const bool two = l.dims == 2;
  const int kh = two ? l.ax[0].k : 1, kw = l.ax[two ? 1 : 0].k;
  for (int64_t i = 0; i < l.weight.numel(); ++i) {
    if (l.weight.data[size_t(i)] == 0.0f) continue;
    const int jw = int(i % kw), jh = int((i / kw) % kh);
    used[size_t(two && axis == 0 ? jh : jw)] = 1;
  }
  return used;
}

void finishAxis(OverlapAxis& ax) {
  ax.interiorUniform = true;
  for (int m = ax.interiorBegin; m < ax.interiorEnd; ++m)
    if (ax.counts[size_t(m)] != ax.counts[size_t(ax.interiorBegin)]) ax.interiorUniform = false;
}

void combine(OverlapCounts& oc) {
  const std::vector<int> one{1};
  const std::vector<int>& h = oc.dims == 2 ? oc.axes[0].counts : one;
  const std::vector<int>& w = oc.axes[oc.dims == 2 ? 1 : 0].counts;
  oc.counts.clear();
  for (int a : h)
    for (int b : w) oc.counts.push_back(int64_t(a) * b);
}

}  // namespace

OverlapCounts overlapCounts(const Layer& layer, bool ignoreZeroTaps, bool combined) {
  if (layer.op != Op::ConvTranspose && layer.op != Op::Unpool)
    throw EngineError(
        {"", -1, opName(layer.op), ""},
        std::string("overlap counts need a conv_transpose or unpool layer, got '") + opName(layer.op) + "'");
  OverlapCounts oc;
  oc.dims = layer.dims;
  for (int a = 0; a < layer.dims; ++a) {
    const Axis& x = layer.ax[size_t(a)];
    const int d = layer.op == Op::Unpool ? 1 : x.d;
    const std::vector<char> used = axisTapUsed(layer, a, ignoreZeroTaps);
    OverlapAxis& ax = oc.axes[size_t(a)];
    ax.counts.assign(size_t(x.out), 0);
    for (int m = 0; m < x.out; ++m)  // the pairs i·s + j·d = start + m: O(min(in, k)) per output
      for (const auto& [i, j] : scatterAxisPairs(layer, a, x.start + m))
        if (used[size_t(j)]) ++ax.counts[size_t(m)];
    // Interior: full positions d(k-1) <= t <= (in-1)s, where every tap could land on an input.
    ax.interiorBegin = std::clamp(d * (x.k - 1) - x.start, 0, x.out);
    ax.interiorEnd = std::clamp((x.in - 1) * x.s - x.start + 1, ax.interiorBegin, x.out);
    if (ax.interiorEnd - ax.interiorBegin >= x.s) {
      ax.period.assign(size_t(x.s), 0);
      for (int m = ax.interiorBegin; m < ax.interiorBegin + x.s; ++m)
        ax.period[size_t((((x.start + m) % x.s) + x.s) % x.s)] = ax.counts[size_t(m)];
    }
    ax.ruleUniform = overlapUniformRule(x.k, x.s, d);
    finishAxis(ax);
  }
  if (combined) combine(oc);
  return oc;
}

OverlapCounts overlapUpsampleConv(const Layer& up, const Layer& conv) {
  if (up.op != Op::Upsample || conv.op != Op::Conv)
    throw EngineError({"", -1, opName(conv.op), ""},
                      "overlapUpsampleConv needs an upsample layer and a conv layer");
  OverlapCounts oc;
  oc.dims = conv.dims;
  for (int a = 0; a < conv.dims; ++a) {
    const Axis& x = conv.ax[size_t(a)];
    OverlapAxis& ax = oc.axes[size_t(a)];
    ax.counts.assign(size_t(x.out), 0);
    for (int m = 0; m < x.out; ++m)
      for (int j = 0; j < x.k; ++j) {
        const int t = m * x.s - x.pb + j * x.d;
        if (t >= 0 && t < x.in) ++ax.counts[size_t(m)];
      }
    // Interior: no tap in the padding.
    int b = 0, e = x.out;
    while (b < x.out && b * x.s - x.pb < 0) ++b;
    while (e > b && (e - 1) * x.s - x.pb + x.d * (x.k - 1) >= x.in) --e;
    ax.interiorBegin = b;
    ax.interiorEnd = e;
    const int s = up.ax[size_t(a)].s;
    for (int r = 0; r < s && b + r < e; ++r) ax.period.push_back(ax.counts[size_t(b + r)]);
    ax.ruleUniform = true;  // a constant input stays constant: every tap reads one input
    finishAxis(ax);
  }
  combine(oc);
  return oc;
}

Layer upsampleConvAsConvTranspose(const Layer& up, const Layer& conv) {
  ErrorContext ctx{"", -1, "conv", ""};
  if (up.op != Op::Upsample || up.upsampleMode != UpsampleMode::Nearest)
    throw EngineError(ctx, "the upsample-then-conv identity needs a nearest upsample layer");
  if (conv.op != Op::Conv || conv.padMode != PadMode::Zeros)
    throw EngineError(ctx, "the upsample-then-conv identity needs a zero-padded conv");
  if (conv.dims != up.dims || conv.inChannels != up.outChannels)
    throw EngineError(ctx, "upsample and conv do not chain");
  for (int a = 0; a < conv.dims; ++a) {
    const Axis& x = conv.ax[size_t(a)];
    if (x.s != 1 || x.d != 1)
      throw EngineError(ctx, "the upsample-then-conv identity needs stride 1 and dilation 1");
    if (x.pb > x.k - 1 || x.pe > x.k - 1 || x.pb < 0 || x.pe < 0)
      throw EngineError(ctx, "the upsample-then-conv identity needs 0 <= padding <= k-1");
    if (x.in != up.ax[size_t(a)].out) throw EngineError(ctx, "upsample and conv do not chain");
  }
  const bool two = conv.dims == 2;
  const int C = conv.inChannels, O = conv.outChannels, g = conv.groups;
  const int kh = two ? conv.ax[0].k : 1, kw = conv.ax[two ? 1 : 0].k;
  const int sh = two ? up.ax[0].s : 1, sw = up.ax[two ? 1 : 0].s;
  const int Kh = kh + sh - 1, Kw = kw + sw - 1;
  Layer t;
  t.op = Op::ConvTranspose;
  t.dims = conv.dims;
  t.inChannels = up.inChannels;
  t.outChannels = O;
  t.groups = g;
  for (int a = 0; a < conv.dims; ++a) {
    const Axis& x = conv.ax[size_t(a)];
    Axis& y = t.ax[size_t(a)];
    y.in = up.ax[size_t(a)].in;
    y.s = up.ax[size_t(a)].s;
    y.k = x.k + y.s - 1;
    y.d = 1;
    y.start = x.k - 1 - x.pb;
    y.out = x.out;
  }
  Shape ws{C, O / g};
  for (int a = 0; a < conv.dims; ++a) ws.push_back(t.ax[size_t(a)].k);
  t.weight = Tensor(ws);
  auto wAt = [&](int o, int cp, int jh, int jw) -> double {
    if (jh < 0 || jh >= kh || jw < 0 || jw >= kw) return 0.0;
    return conv.weight.data[size_t(((int64_t(o) * (C / g) + cp) * kh + jh) * kw + jw)];
  };
  for (int c = 0; c < C; ++c) {
    const int G = c / (C / g), cp = c % (C / g);
    for (int op = 0; op < O / g; ++op) {
      const int o = G * (O / g) + op;
      for (int th = 0; th < Kh; ++th)
        for (int tw = 0; tw < Kw; ++tw) {
          double v = 0.0;
          for (int rh = 0; rh < sh; ++rh)
            for (int rw = 0; rw < sw; ++rw) v += wAt(o, cp, two ? kh - 1 - th + rh : 0, kw - 1 - tw + rw);
          t.weight.data[size_t(((int64_t(c) * (O / g) + op) * Kh + th) * Kw + tw)] = static_cast<float>(v);
        }
    }
  }
  t.bias = conv.bias;
  t.formula = "nearest-upsample(s) + conv(k) as conv_transpose(k+s-1, stride s, start k-1-pb)";
  return t;
}

std::vector<double> polyphaseSums(const Layer& ct, int axis) {
  const bool two = ct.dims == 2;
  const int Kh = two ? ct.ax[0].k : 1, Kw = ct.ax[two ? 1 : 0].k;
  const int s = ct.ax[size_t(axis)].s;
  std::vector<double> sums(size_t(s), 0.0);
  for (int th = 0; th < Kh; ++th)
    for (int tw = 0; tw < Kw; ++tw) {
      const int t = (two && axis == 0) ? th : tw;      // the residue axis
      const int other = (two && axis == 0) ? tw : th;  // restricted to residue 0 (2-D)
      const int so = two ? ct.ax[size_t(1 - axis)].s : 1;
      if (two && other % so != 0) continue;
      sums[size_t(t % s)] += ct.weight.data[size_t(int64_t(th) * Kw + tw)];  // slice (c, o') = (0, 0)
    }
  return sums;
}

}  // namespace convscope::engine
