// scatter_trace.cpp: stamps of a transposed convolution, step by step (see scatter_trace.h).
#include "engine/teach/scatter_trace.h"

#include <algorithm>
#include <string>

#include "engine/core/error.h"

namespace convscope::engine {
namespace {

void requireScatter(const Layer& l) {
  if (l.op != Op::ConvTranspose && l.op != Op::Unpool)
    throw EngineError(
        {"", -1, opName(l.op), "--layer"},
        std::string("the scatter view needs a conv_transpose or unpool layer, got '") + opName(l.op) + "'");
}

// Weight W[c, o', jh, jw] (conv_transpose) or 1 (unpool).
double weightOf(const Layer& l, int c, int op, int jh, int jw) {
  if (l.op == Op::Unpool) return 1.0;
  const int g = l.groups, O = l.outChannels;
  const int kh = l.dims == 2 ? l.ax[0].k : 1, kw = l.ax[l.dims == 2 ? 1 : 0].k;
  return l.weight.data[size_t(((int64_t(c) * (O / g) + op) * kh + jh) * kw + jw)];
}

int dilationOf(const Layer& l, int a) {
  return l.op == Op::Unpool ? 1 : l.ax[size_t(a)].d;
}

// Calls f(c, o, o') for every (input channel, output channel) pair connected by the layer.
template <class F>
void forPairs(const Layer& l, int c, F f) {
  if (l.op == Op::Unpool) {
    f(c, 0);
    return;
  }
  const int g = l.groups, C = l.inChannels, O = l.outChannels;
  const int G = c / (C / g);
  for (int op = 0; op < O / g; ++op) f(G * (O / g) + op, op);
}

}  // namespace

int scatterStepCount(const Layer& layer) {
  int n = 1;
  for (int a = 0; a < layer.dims; ++a) n *= layer.ax[size_t(a)].in;
  return n;
}

Pos scatterStepPosition(const Layer& layer, int step) {
  if (layer.dims == 1) return {step, 0};
  return {step / layer.ax[1].in, step % layer.ax[1].in};
}

ScatterStep scatterStep(const Layer& layer, const Tensor& x, int step, int n, int oFirst, int oCount) {
  requireScatter(layer);
  const int steps = scatterStepCount(layer);
  if (step < 0 || step >= steps)
    throw EngineError(
        {"", -1, opName(layer.op), "--step"},
        "scatter step " + std::to_string(step) + " is out of range [0, " + std::to_string(steps) + ")");
  ScatterStep ss;
  ss.step = step;
  ss.inPosition = scatterStepPosition(layer, step);
  const bool two = layer.dims == 2;
  const int kh = two ? layer.ax[0].k : 1, kw = layer.ax[two ? 1 : 0].k;
  const Axis& aw = layer.ax[two ? 1 : 0];
  const Axis ah = two ? layer.ax[0] : Axis{};
  const int dh = two ? dilationOf(layer, 0) : 1, dw = dilationOf(layer, two ? 1 : 0);
  for (int c = 0; c < layer.inChannels; ++c) {
    const double xv = x.data[size_t(flatIndex(x, n, c, ss.inPosition))];
    forPairs(layer, c, [&](int o, int op) {
      if (layer.op == Op::Unpool) o = c;
      if (oCount >= 0 && (o < oFirst || o >= oFirst + oCount)) return;
      for (int jh = 0; jh < kh; ++jh) {
        for (int jw = 0; jw < kw; ++jw) {
          Stamp st;
          st.inChannel = c;
          st.outChannel = o;
          st.tap = two ? Pos{jh, jw} : Pos{jw, 0};
          const int fw = (two ? ss.inPosition[1] : ss.inPosition[0]) * aw.s + jw * dw;
          const int fh = two ? ss.inPosition[0] * ah.s + jh * dh : 0;
          st.fullPosition = two ? Pos{fh, fw} : Pos{fw, 0};
          const int mw = fw - aw.start, mh = two ? fh - ah.start : 0;
          st.outPosition = two ? Pos{mh, mw} : Pos{mw, 0};
          const bool inside = mw >= 0 && mw < aw.out && (!two || (mh >= 0 && mh < ah.out));
          st.cell = inside ? CellKind::Data : CellKind::Cropped;
          st.input = xv;
          st.weight = weightOf(layer, c, op, jh, jw);
          st.product = st.input * st.weight;
          ss.stamps.push_back(st);
        }
      }
    });
  }
  return ss;
}

std::vector<std::pair<int, int>> scatterAxisPairs(const Layer& layer, int axis, int u) {
  const Axis& ax = layer.ax[size_t(axis)];
  const int s = std::max(1, ax.s), d = std::max(1, dilationOf(layer, axis));
  std::vector<std::pair<int, int>> pairs;
  if (u < 0 || int64_t(u) >= ax.fullLength64()) return pairs;
  if (ax.in <= ax.k) {
    for (int i = 0; i < ax.in && int64_t(i) * s <= u; ++i) {
      const int r = u - i * s;
      if (r % d == 0 && r / d < ax.k) pairs.emplace_back(i, r / d);
    }
  } else {
    for (int j = std::min(ax.k - 1, u / d); j >= 0; --j) {  // decreasing j: increasing i
      const int r = u - j * d;
      if (r % s == 0 && r / s < ax.in) pairs.emplace_back(r / s, j);
    }
  }
  return pairs;
}

double stampWeight(const Layer& layer, int c, int o, const Pos& tap) {
  if (layer.op == Op::Unpool) return c == o ? 1.0 : 0.0;
  const int g = std::max(1, layer.groups), C = layer.inChannels, O = layer.outChannels;
  if (c / (C / g) != o / (O / g)) return 0.0;
  const bool two = layer.dims == 2;
  return weightOf(layer, c, o % (O / g), two ? tap[0] : 0, two ? tap[1] : tap[0]);
}

ScatterWindow scatterWindow(const Layer& layer, const Tensor& x, int n, int o,
                            const std::array<std::vector<int>, 2>& positions, int upTo) {
  requireScatter(layer);
  const bool two = layer.dims == 2;
  ScatterWindow w;
  w.rows = int(positions[0].size());
  w.cols = two ? int(positions[1].size()) : 1;
  const size_t cells = size_t(w.rows) * size_t(w.cols);
  w.sum.assign(cells, 0.0);
  w.touched.assign(cells, 0);
  w.now.assign(cells, 0);
  // Input channels stamping into o: its group (unpool: o itself).
  int c0 = o, cn = 1;
  if (layer.op != Op::Unpool) {
    const int g = std::max(1, layer.groups), cg = layer.inChannels / g;
    c0 = (o / (layer.outChannels / g)) * cg;
    cn = cg;
  }
  const int width = two ? layer.ax[1].in : 1;
  std::vector<std::vector<std::pair<int, int>>> colPairs;
  if (two)
    for (int u : positions[1]) colPairs.push_back(scatterAxisPairs(layer, 1, u));
  const std::vector<std::pair<int, int>> single{{0, 0}};
  for (int r = 0; r < w.rows; ++r) {
    const std::vector<std::pair<int, int>> rp = scatterAxisPairs(layer, 0, positions[0][size_t(r)]);
    for (int cc = 0; cc < w.cols; ++cc) {
      const std::vector<std::pair<int, int>>& cp = two ? colPairs[size_t(cc)] : single;
      const size_t idx = w.index(r, cc);
      double acc = 0.0;
      // Step order (row-major over the input positions), then channel order: the order in which
      // the stamps of scatterStep add into this cell.
      for (const auto& [i0, j0] : rp) {
        for (const auto& [i1, j1] : cp) {
          const int t = two ? i0 * width + i1 : i0;
          if (t > upTo) break;  // i1 increases along cp
          w.touched[idx] = 1;
          if (t == upTo) w.now[idx] = 1;
          const Pos ip = two ? Pos{i0, i1} : Pos{i0, 0};
          const Pos tap = two ? Pos{j0, j1} : Pos{j0, 0};
          for (int c = c0; c < c0 + cn; ++c) {
            const double xv = x.data[size_t(flatIndex(x, n, c, ip))];
            acc += xv * stampWeight(layer, c, o, tap);
          }
        }
      }
      w.sum[idx] = acc;
    }
  }
  return w;
}

ScatterMargins scatterMargins(const Layer& layer) {
  requireScatter(layer);
  ScatterMargins mg;
  for (int a = 0; a < layer.dims; ++a) {
    Axis ax = layer.ax[size_t(a)];
    ax.d = dilationOf(layer, a);
    const int Lf = ax.fullLength();
    for (int m = 0; m < ax.out; ++m) {
      if (ax.start + m >= Lf) mg.tail[size_t(a)].push_back(m);
      if (ax.start + m < 0) mg.front[size_t(a)].push_back(m);
    }
    mg.croppedBefore[size_t(a)] = std::max(0, ax.start);
    mg.croppedAfter[size_t(a)] = std::max(0, Lf - ax.start - ax.out);
  }
  return mg;
}

Tensor scatterAccumulated(const Layer& layer, const Tensor& x, int upTo) {
  requireScatter(layer);
  const int N = int(x.dim(0));
  Shape os{N, layer.outChannels};
  for (int a = 0; a < layer.dims; ++a) os.push_back(layer.ax[size_t(a)].out);
  const int64_t plane = numel(Shape(os.begin() + 2, os.end()));
  std::vector<double> acc(size_t(numel(os)), 0.0);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < layer.outChannels; ++o)
      for (int64_t q = 0; q < plane; ++q)
        acc[size_t((int64_t(n) * layer.outChannels + o) * plane + q)] =
            layer.bias.empty() ? 0.0 : layer.bias.data[size_t(o)];
  const int steps = std::min(upTo + 1, scatterStepCount(layer));
  for (int n = 0; n < N; ++n) {
    for (int i = 0; i < steps; ++i) {
      const ScatterStep ss = scatterStep(layer, x, i, n);
      for (const Stamp& st : ss.stamps) {
        if (st.cell != CellKind::Data) continue;
        const int64_t q = layer.dims == 2 ? int64_t(st.outPosition[0]) * layer.ax[1].out + st.outPosition[1]
                                          : st.outPosition[0];
        acc[size_t((int64_t(n) * layer.outChannels + st.outChannel) * plane + q)] += st.product;
      }
    }
  }
  Tensor y(os);
  for (size_t i = 0; i < acc.size(); ++i) y.data[i] = static_cast<float>(acc[i]);
  return y;
}

}  // namespace convscope::engine
