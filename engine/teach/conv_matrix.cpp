// conv_matrix.cpp: sparse conv matrix, its transpose, and the input-gradient identity (docs/conventions.md
// §Input gradient and the conv matrix).
#include "engine/teach/conv_matrix.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "engine/core/error.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {
namespace {

int64_t prodOut(const Layer& l) {
  int64_t p = 1;
  for (int a = 0; a < l.dims; ++a) p *= l.ax[size_t(a)].out;
  return p;
}
int64_t prodIn(const Layer& l) {
  int64_t p = 1;
  for (int a = 0; a < l.dims; ++a) p *= l.ax[size_t(a)].in;
  return p;
}

// Calls f(o, i_flat, c, t_flat, w) for every tap of a conv that has a source.
template <class F>
void forEachConvTap(const Layer& l, F f) {
  const bool two = l.dims == 2;
  const int C = l.inChannels, O = l.outChannels, g = l.groups;
  const int kh = two ? l.ax[0].k : 1, kw = l.ax[two ? 1 : 0].k;
  const int Ho = two ? l.ax[0].out : 1, Wo = l.ax[two ? 1 : 0].out;
  const int Wi = l.ax[two ? 1 : 0].in;
  std::vector<std::vector<AxisTap>> th(static_cast<size_t>(Ho)), tw(static_cast<size_t>(Wo));
  // only the taps with a source (a long kernel over a short input: O(out · in), not O(out · k))
  for (int m = 0; m < Ho; ++m)
    th[size_t(m)] = two ? axisSourceTaps(l, 0, m) : std::vector<AxisTap>{{0, CellKind::Data, 0, 1.0}};
  for (int m = 0; m < Wo; ++m) tw[size_t(m)] = axisSourceTaps(l, two ? 1 : 0, m);
  for (int o = 0; o < O; ++o) {
    const int G = o / (O / g);
    for (int mh = 0; mh < Ho; ++mh)
      for (int mw = 0; mw < Wo; ++mw) {
        const int64_t iflat = int64_t(mh) * Wo + mw;
        for (int cp = 0; cp < C / g; ++cp) {
          const int c = G * (C / g) + cp;
          for (const AxisTap& a : th[size_t(mh)]) {
            if (a.src < 0) continue;
            for (const AxisTap& b : tw[size_t(mw)]) {
              if (b.src < 0) continue;
              const double w = l.weight.data[size_t(((int64_t(o) * (C / g) + cp) * kh + a.tap) * kw + b.tap)];
              f(o, iflat, c, int64_t(a.src) * Wi + b.src, w);
            }
          }
        }
      }
  }
}

}  // namespace

std::vector<double> ConvMatrix::rowDense(int64_t r) const {
  std::vector<double> v(size_t(cols), 0.0);
  for (int64_t e = rowStart[size_t(r)]; e < rowStart[size_t(r + 1)]; ++e)
    v[size_t(col[size_t(e)])] += val[size_t(e)];
  return v;
}

double ConvMatrix::at(int64_t r, int64_t c) const {
  double s = 0.0;
  for (int64_t e = rowStart[size_t(r)]; e < rowStart[size_t(r + 1)]; ++e)
    if (col[size_t(e)] == c) s += val[size_t(e)];
  return s;
}

std::vector<double> ConvMatrix::apply(const std::vector<double>& v) const {
  std::vector<double> y(size_t(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0.0;
    for (int64_t e = rowStart[size_t(r)]; e < rowStart[size_t(r + 1)]; ++e)
      s += val[size_t(e)] * v[size_t(col[size_t(e)])];
    y[size_t(r)] = s;
  }
  return y;
}

std::vector<double> ConvMatrix::applyTransposed(const std::vector<double>& v) const {
  std::vector<double> y(size_t(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t e = rowStart[size_t(r)]; e < rowStart[size_t(r + 1)]; ++e)
      y[size_t(col[size_t(e)])] += val[size_t(e)] * v[size_t(r)];
  return y;
}

ConvMatrix convMatrix(const Layer& conv) {
  if (conv.op != Op::Conv)
    throw EngineError({"", -1, opName(conv.op), ""},
                      std::string("the conv matrix needs a conv layer, got '") + opName(conv.op) + "'");
  const int64_t P = prodOut(conv), Q = prodIn(conv);
  ConvMatrix m;
  m.rows = conv.outChannels * P;
  m.cols = conv.inChannels * Q;
  // Rows are visited in increasing order (o outer, position inner); merge duplicate columns per row.
  std::vector<std::map<int64_t, double>> acc(size_t(m.rows));
  forEachConvTap(
      conv, [&](int o, int64_t i, int c, int64_t t, double w) { acc[size_t(o * P + i)][c * Q + t] += w; });
  m.rowStart.push_back(0);
  for (const auto& row : acc) {
    for (const auto& [c, v] : row) {
      m.col.push_back(c);
      m.val.push_back(v);
    }
    m.rowStart.push_back(int64_t(m.col.size()));
  }
  return m;
}

Layer adjointConv(const Layer& ct) {
  if (ct.op != Op::ConvTranspose)
    throw EngineError({"", -1, opName(ct.op), ""}, "adjointConv needs a conv_transpose layer");
  Layer c;
  c.op = Op::Conv;
  c.dims = ct.dims;
  c.inChannels = ct.outChannels;
  c.outChannels = ct.inChannels;
  c.groups = ct.groups;
  c.padMode = PadMode::Zeros;
  for (int a = 0; a < ct.dims; ++a) {
    const Axis& t = ct.ax[size_t(a)];
    Axis& x = c.ax[size_t(a)];
    x.in = t.out;
    x.out = t.in;
    x.k = t.k;
    x.s = t.s;
    x.d = t.d;
    x.pb = t.start;
    x.pe = t.fullLength() - t.start - t.out;  // negative: the conv input is cropped there
  }
  c.weight = ct.weight;  // (C_T, O_T/g, k...) == conv layout (O, C/g, k...)
  return c;
}

ConvMatrix layerMatrix(const Layer& layer) {
  if (layer.op == Op::Conv) return convMatrix(layer);
  if (layer.op == Op::ConvTranspose) return convMatrix(adjointConv(layer));
  throw EngineError(
      {"", -1, opName(layer.op), "--layer"},
      std::string("the matrix form needs a conv or conv_transpose layer, got '") + opName(layer.op) + "'");
}

std::vector<int64_t> stepLines(const Layer& layer, int step) {
  const int64_t P = prodOut(layer);
  std::vector<int64_t> r;
  for (int o = 0; o < layer.outChannels; ++o) r.push_back(o * P + step);
  return r;
}

Tensor applyLayerMatrix(const Layer& layer, const ConvMatrix& m, const Tensor& x) {
  const int N = int(x.dim(0));
  Shape os{N, layer.outChannels};
  for (int a = 0; a < layer.dims; ++a) os.push_back(layer.ax[size_t(a)].out);
  Tensor y(os);
  const int64_t inPer = x.numel() / N, outPer = y.numel() / N, P = prodOut(layer);
  for (int n = 0; n < N; ++n) {
    std::vector<double> v(x.data.begin() + n * inPer, x.data.begin() + (n + 1) * inPer);
    const std::vector<double> r = layer.op == Op::Conv ? m.apply(v) : m.applyTransposed(v);
    for (int64_t q = 0; q < outPer; ++q) {
      const double b = layer.bias.empty() ? 0.0 : layer.bias.data[size_t(q / P)];
      y.data[size_t(n * outPer + q)] = static_cast<float>(r[size_t(q)] + b);
    }
  }
  return y;
}

Tensor convInputGradient(const Layer& conv, const Tensor& gy) {
  const int N = int(gy.dim(0));
  Shape xs{N, conv.inChannels};
  for (int a = 0; a < conv.dims; ++a) xs.push_back(conv.ax[size_t(a)].in);
  const int64_t P = prodOut(conv), Q = prodIn(conv);
  std::vector<double> g(size_t(numel(xs)), 0.0);
  forEachConvTap(conv, [&](int o, int64_t i, int c, int64_t t, double w) {
    for (int n = 0; n < N; ++n)
      g[size_t((int64_t(n) * conv.inChannels + c) * Q + t)] +=
          w * gy.data[size_t((int64_t(n) * conv.outChannels + o) * P + i)];
  });
  Tensor gx(xs);
  for (size_t i = 0; i < g.size(); ++i) gx.data[i] = static_cast<float>(g[i]);
  return gx;
}

InputGradientIdentity inputGradientIdentity(const Layer& conv, const Tensor& gy) {
  if (conv.op != Op::Conv || conv.padMode != PadMode::Zeros)
    throw EngineError({"", -1, opName(conv.op), ""},
                      "the input-gradient identity needs a conv with zeros padding");
  InputGradientIdentity r;
  Layer t;
  t.op = Op::ConvTranspose;
  t.dims = conv.dims;
  t.inChannels = conv.outChannels;
  t.outChannels = conv.inChannels;
  t.groups = conv.groups;
  for (int a = 0; a < conv.dims; ++a) {
    const Axis& c = conv.ax[size_t(a)];
    Axis& x = t.ax[size_t(a)];
    const int opStar = (c.in + c.pb + c.pe - c.d * (c.k - 1) - 1) % c.s;
    r.opStar[size_t(a)] = opStar;
    x.in = c.out;
    x.k = c.k;
    x.s = c.s;
    x.d = c.d;
    x.start = c.pb;
    x.outputPadding = opStar;
    x.out = c.in;  // = (out-1)s + dk - pb - pe + op*
  }
  t.weight = conv.weight;
  r.convTranspose = t;
  const Tensor viaT = forwardLayer(t, gy);
  const ConvMatrix m = convMatrix(conv);
  Layer noBias = conv;
  noBias.bias = Tensor();
  const int N = int(gy.dim(0));
  const int64_t per = viaT.numel() / N, gper = gy.numel() / N;
  for (int n = 0; n < N; ++n) {
    std::vector<double> v(gy.data.begin() + n * gper, gy.data.begin() + (n + 1) * gper);
    const std::vector<double> mt = m.applyTransposed(v);
    for (int64_t q = 0; q < per; ++q)
      r.maxDiffMatrix =
          std::max(r.maxDiffMatrix, std::fabs(double(viaT.data[size_t(n * per + q)]) - mt[size_t(q)]));
  }
  const Tensor gx = convInputGradient(noBias, gy);
  for (size_t i = 0; i < gx.data.size(); ++i)
    r.maxDiffGradient = std::max(r.maxDiffGradient, std::fabs(double(viaT.data[i]) - double(gx.data[i])));
  return r;
}

}  // namespace convscope::engine
