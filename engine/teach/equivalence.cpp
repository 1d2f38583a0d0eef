// equivalence.cpp: a conv / conv_transpose layer computed every equivalent way (equivalence.h).
#include "engine/teach/equivalence.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"
#include "engine/kernels/kernels.h"
#include "engine/teach/conv_matrix.h"
#include "engine/teach/scatter_trace.h"
#include "engine/teach/trace.h"
#include "engine/teach/zero_insertion.h"

namespace convscope::engine {
namespace {

double maxAbsDiff(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape) return INFINITY;
  double m = 0.0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = std::fabs(double(a.data[i]) - double(b.data[i]));
    if (std::isnan(d)) {
      if (std::isnan(a.data[i]) != std::isnan(b.data[i])) return INFINITY;
      continue;
    }
    m = std::max(m, d);
  }
  return m;
}

// (N, C, L) → (N, C, L, 1) or (N, C, 1, L).
Tensor lift(const Tensor& t, bool singletonLast) {
  Tensor r = t;
  if (singletonLast)
    r.shape.push_back(1);
  else
    r.shape.insert(r.shape.begin() + 2, 1);
  return r;
}

Tensor squeeze(const Tensor& t, bool singletonLast) {
  Tensor r = t;
  r.shape.erase(r.shape.begin() + (singletonLast ? 3 : 2));
  return r;
}

double singletonDiff(const Layer& layer, const Tensor& x, const Tensor& direct) {
  if (layer.dims == 1) {
    double m = 0.0;
    for (bool last : {true, false}) {
      const Tensor y = squeeze(forwardLayer(liftTo2d(layer, last), lift(x, last)), last);
      m = std::max(m, maxAbsDiff(y, direct));
    }
    return m;
  }
  const Tensor y = swapLastAxes(forwardLayer(swapAxes2d(layer), swapLastAxes(x)));
  return maxAbsDiff(y, direct);
}

}  // namespace

std::vector<std::string> equivalenceMethods(Op op, int dims) {
  std::vector<std::string> r;
  if (op == Op::ConvTranspose)
    r = {"scatter", "zero_insertion", "matrix_transpose", "input_gradient"};
  else if (op == Op::Conv)
    r = {"naive", "matrix"};
  else
    return r;
  r.push_back(dims == 1 ? "conv2d_singleton" : "hw_swapped");
  return r;
}

Tensor naiveConv(const Layer& l, const Tensor& x) {
  const int N = int(x.dim(0));
  Shape os{N, l.outChannels};
  for (int a = 0; a < l.dims; ++a) os.push_back(l.ax[size_t(a)].out);
  Tensor y(os);
  const int steps = traceStepCount(l);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < l.outChannels; ++o)
      for (int st = 0; st < steps; ++st) {
        const Pos p = stepPosition(l, st);
        double acc = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
        for (const Term& t : gatherTerms(l, x, n, o, p)) acc += t.product;
        y.data[size_t(flatIndex(y, n, o, p))] = static_cast<float>(acc);
      }
  return y;
}

Layer liftTo2d(const Layer& l, bool singletonLast) {
  Layer r = l;
  r.dims = 2;
  Axis one;
  one.in = one.out = 1;
  one.k = one.s = one.d = 1;
  if (singletonLast) {
    r.ax[0] = l.ax[0];
    r.ax[1] = one;
  } else {
    r.ax[0] = one;
    r.ax[1] = l.ax[0];
  }
  if (!r.weight.empty()) r.weight = lift(l.weight, singletonLast);
  return r;
}

Tensor swapLastAxes(const Tensor& t) {
  return permute(t, {0, 1, 3, 2});
}

Layer swapAxes2d(const Layer& l) {
  Layer r = l;
  std::swap(r.ax[0], r.ax[1]);
  if (!r.weight.empty()) r.weight = swapLastAxes(l.weight);
  return r;
}

EquivalenceReport computeEquivalences(const Layer& layer, const Tensor& x) {
  if (layer.op != Op::Conv && layer.op != Op::ConvTranspose)
    throw EngineError(
        {"", -1, opName(layer.op), "--layer"},
        std::string("equiv needs a conv or conv_transpose layer, got '") + opName(layer.op) + "'");
  EquivalenceReport rep;
  rep.op = layer.op;
  const Tensor direct = forwardLayer(layer, x);
  for (float v : direct.data)
    if (std::isfinite(v)) rep.scale = std::max(rep.scale, double(std::fabs(v)));
  auto add = [&](const std::string& name, double d) { rep.methods.push_back({name, d}); };
  if (layer.op == Op::ConvTranspose) {
    add("scatter", maxAbsDiff(scatterAccumulated(layer, x, scatterStepCount(layer) - 1), direct));
    add("zero_insertion", maxAbsDiff(zeroInsertionForm(layer, x).output, direct));
    const ConvMatrix m = layerMatrix(layer);
    add("matrix_transpose", maxAbsDiff(applyLayerMatrix(layer, m, x), direct));
    Tensor g = convInputGradient(adjointConv(layer), x);
    if (!layer.bias.empty()) {
      const int64_t P = g.numel() / (g.dim(0) * g.dim(1));
      for (int64_t i = 0; i < g.numel(); ++i)
        g.data[size_t(i)] += layer.bias.data[size_t((i / P) % g.dim(1))];
    }
    add("input_gradient", maxAbsDiff(g, direct));
  } else {
    add("naive", maxAbsDiff(naiveConv(layer, x), direct));
    add("matrix", maxAbsDiff(applyLayerMatrix(layer, convMatrix(layer), x), direct));
  }
  add(layer.dims == 1 ? "conv2d_singleton" : "hw_swapped", singletonDiff(layer, x, direct));
  return rep;
}

}  // namespace convscope::engine
