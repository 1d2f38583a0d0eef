// trace.cpp: per-axis tap lists and the gather trace (see trace.h for the definitions).
//
// Index of this file:
//   [SECTION] CELLS  cell kinds, which ops have a trace
//   [SECTION] TAPS   per-axis taps and sources
//   [SECTION] STEPS  trace steps, gather terms, tap steps
#include "engine/teach/trace.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/core/error.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {

// [SECTION] CELLS
const char* cellKindName(CellKind k) {
  switch (k) {
    case CellKind::Data:
      return "data";
    case CellKind::Padding:
      return "padding";
    case CellKind::InsertedZero:
      return "inserted_zero";
    case CellKind::Cropped:
      return "cropped";
  }
  return "?";
}

CellKind combineCells(CellKind a, CellKind b) {
  auto rank = [](CellKind k) {
    switch (k) {
      case CellKind::Data:
        return 0;
      case CellKind::InsertedZero:
        return 1;
      case CellKind::Padding:
        return 2;
      case CellKind::Cropped:
        return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

bool hasTrace(Op op) {
  switch (op) {
    case Op::Conv:
    case Op::ConvTranspose:
    case Op::MaxPool:
    case Op::AvgPool:
    case Op::Upsample:
    case Op::Unpool:
    case Op::ZeroInsert:
      return true;
    default:
      return false;
  }
}

// [SECTION] TAPS
namespace {

// Divisor of avg pool output m along one axis, exactly as pool.cpp computes it.
int avgDivisor(const Layer& l, const Axis& a, int m) {
  const int hs = m * a.s - a.pb;
  switch (l.avgDivisor) {
    case AvgDivisor::IncludePad:
      return std::min(hs + a.k, a.in + a.pe) - hs;
    case AvgDivisor::ExcludePad: {
      int c = 0;
      for (int j = 0; j < a.k; ++j) c += (hs + j >= 0 && hs + j < a.in) ? 1 : 0;
      return c;
    }
    case AvgDivisor::FullKernel:
      return a.k;
  }
  return a.k;
}

}  // namespace

std::vector<AxisTap> axisTaps(const Layer& layer, int axis, int m) {
  const Axis& a = layer.ax[size_t(axis)];
  std::vector<AxisTap> taps;
  switch (layer.op) {
    case Op::Conv:
    case Op::MaxPool:
    case Op::AvgPool: {
      const int d = layer.op == Op::AvgPool ? 1 : a.d;
      const double f = layer.op == Op::AvgPool ? 1.0 / avgDivisor(layer, a, m) : 1.0;
      taps.reserve(size_t(a.k));
      for (int j = 0; j < a.k; ++j) {
        const int t = m * a.s - a.pb + j * d;
        AxisTap tp{j, CellKind::Data, t, f};
        if (t < 0 || t >= a.in) {
          tp.cell = CellKind::Padding;
          tp.src = (layer.op == Op::Conv && layer.padMode != PadMode::Zeros)
                       ? padSource(t, a.in, layer.padMode)
                       : -1;
        }
        taps.push_back(tp);
      }
      break;
    }
    case Op::ConvTranspose:
    case Op::Unpool: {
      const int d = layer.op == Op::Unpool ? 1 : a.d;
      taps.reserve(size_t(a.k));
      for (int j = 0; j < a.k; ++j) {
        const int u = a.start + m - j * d;  // index into the zero-inserted input xu
        AxisTap tp{j, CellKind::Padding, -1, 1.0};
        if (u >= 0 && u <= (a.in - 1) * a.s) {
          if (u % a.s == 0) {
            tp.cell = CellKind::Data;
            tp.src = u / a.s;
          } else {
            tp.cell = CellKind::InsertedZero;
          }
        }
        taps.push_back(tp);
      }
      break;
    }
    case Op::Upsample: {
      if (layer.upsampleMode == UpsampleMode::Nearest) {
        taps.push_back({0, CellKind::Data, std::min(m / a.s, a.in - 1), 1.0});
      } else {
        // torch upsample_linear, align_corners=False, computed in float as resample.cpp does.
        const float scale = static_cast<float>(1.0 / a.s);
        float src = scale * (static_cast<float>(m) + 0.5f) - 0.5f;
        if (src < 0.0f) src = 0.0f;
        const int i0 = std::min(static_cast<int>(src), a.in - 1);
        const int i1 = i0 + (i0 < a.in - 1 ? 1 : 0);
        const float l1 = src - static_cast<float>(i0);
        const float l0 = 1.0f - l1;
        taps.push_back({0, CellKind::Data, i0, double(l0)});
        taps.push_back({1, CellKind::Data, i1, double(l1)});
      }
      break;
    }
    case Op::ZeroInsert:
      if (m % a.s == 0 && m / a.s < a.in)
        taps.push_back({0, CellKind::Data, m / a.s, 1.0});
      else
        taps.push_back({0, CellKind::InsertedZero, -1, 1.0});
      break;
    default:
      taps.push_back({0, CellKind::Data, m, 1.0});
      break;
  }
  return taps;
}

std::vector<AxisTap> axisSourceTaps(const Layer& layer, int axis, int m) {
  const Axis& a = layer.ax[size_t(axis)];
  std::vector<AxisTap> taps;
  if (layer.op == Op::Conv && layer.padMode == PadMode::Zeros) {
    const int d = std::max(1, a.d);
    const int64_t t0 = int64_t(m) * a.s - a.pb;  // tap j reads t0 + j·d
    for (int64_t j = t0 >= 0 ? 0 : (-t0 + d - 1) / d; j < a.k && t0 + j * d < a.in; ++j)
      taps.push_back({int(j), CellKind::Data, int(t0 + j * d), 1.0});
    return taps;
  }
  if (layer.op == Op::ConvTranspose || layer.op == Op::Unpool) {
    const int s = std::max(1, a.s), d = layer.op == Op::Unpool ? 1 : std::max(1, a.d);
    const int64_t u = int64_t(a.start) + m;  // tap j reads xu[u - j·d], data at multiples of s
    if (u < 0) return taps;
    if (a.in <= a.k) {
      for (int64_t i = std::min<int64_t>(a.in - 1, u / s); i >= 0; --i)
        if ((u - i * s) % d == 0 && (u - i * s) / d < a.k)
          taps.push_back({int((u - i * s) / d), CellKind::Data, int(i), 1.0});
    } else {
      for (int64_t j = 0; j < a.k && j * d <= u; ++j)
        if ((u - j * d) % s == 0 && (u - j * d) / s < a.in)
          taps.push_back({int(j), CellKind::Data, int((u - j * d) / s), 1.0});
    }
    return taps;
  }
  for (const AxisTap& tp : axisTaps(layer, axis, m))
    if (tp.src >= 0) taps.push_back(tp);
  return taps;
}

std::vector<int> axisSources(const Layer& layer, int axis, int m) {
  const Axis& a = layer.ax[size_t(axis)];
  std::vector<int> src;
  const bool zeroPad = layer.op != Op::Conv || layer.padMode == PadMode::Zeros;
  if ((layer.op == Op::Conv || layer.op == Op::MaxPool || layer.op == Op::AvgPool) && zeroPad) {
    const int d = layer.op == Op::AvgPool ? 1 : std::max(1, a.d);
    const int64_t t0 = int64_t(m) * a.s - a.pb;  // tap j reads t0 + j·d; keep 0 <= t < in
    const int64_t jFirst = t0 >= 0 ? 0 : (-t0 + d - 1) / d;
    for (int64_t j = jFirst; j < a.k && t0 + j * d < a.in; ++j) src.push_back(int(t0 + j * d));
    return src;
  }
  if (layer.op == Op::ConvTranspose || layer.op == Op::Unpool) {
    // u = start + m - j·d = i·s: the pairs of start + m, in tap order (increasing j)
    const int s = std::max(1, a.s), d = layer.op == Op::Unpool ? 1 : std::max(1, a.d);
    const int64_t u = int64_t(a.start) + m;
    if (u < 0) return src;
    if (a.in <= a.k) {
      for (int64_t i = std::min<int64_t>(a.in - 1, u / s); i >= 0; --i) {  // decreasing i: increasing j
        const int64_t r = u - i * s;
        if (r % d == 0 && r / d < a.k) src.push_back(int(i));
      }
    } else {
      for (int64_t j = 0; j < a.k && j * d <= u; ++j) {
        const int64_t r = u - j * d;
        if (r % s == 0 && r / s < a.in) src.push_back(int(r / s));
      }
    }
    return src;
  }
  for (const AxisTap& tp : axisTaps(layer, axis, m))
    if (tp.src >= 0 && std::find(src.begin(), src.end(), tp.src) == src.end()) src.push_back(tp.src);
  return src;
}

// [SECTION] STEPS
int traceStepCount(const Layer& layer) {
  int n = 1;
  for (int a = 0; a < layer.dims; ++a) n *= layer.ax[size_t(a)].out;
  return n;
}

Pos stepPosition(const Layer& layer, int step) {
  if (layer.dims == 1) return {step, 0};
  return {step / layer.ax[1].out, step % layer.ax[1].out};
}

int termsPerOutput(const Layer& layer) {
  int kp = 1;
  for (int a = 0; a < layer.dims; ++a) kp *= layer.ax[size_t(a)].k;
  switch (layer.op) {
    case Op::Conv:
    case Op::ConvTranspose:
      return (layer.inChannels / layer.groups) * kp;
    case Op::MaxPool:
    case Op::AvgPool:
    case Op::Unpool:
      return kp;
    case Op::Upsample:
      return layer.upsampleMode == UpsampleMode::Nearest ? 1 : (layer.dims == 2 ? 4 : 2);
    default:
      return 1;
  }
}

int64_t flatIndex(const Tensor& t, int n, int c, const Pos& p) {
  const int64_t C = t.dim(1);
  if (t.rank() == 3) return (int64_t(n) * C + c) * t.dim(2) + p[0];
  return ((int64_t(n) * C + c) * t.dim(2) + p[0]) * t.dim(3) + p[1];
}

std::vector<Term> gatherTerms(const Layer& layer, const Tensor& x, int n, int o, const Pos& p) {
  if (!hasTrace(layer.op))
    throw EngineError(
        {"", -1, opName(layer.op), ""},
        std::string("op '") + opName(layer.op) + "' has no kernel taps to trace (it acts per element)");
  const bool two = layer.dims == 2;
  std::vector<AxisTap> th =
      two ? axisTaps(layer, 0, p[0]) : std::vector<AxisTap>{{0, CellKind::Data, 0, 1.0}};
  std::vector<AxisTap> tw = axisTaps(layer, two ? 1 : 0, two ? p[1] : p[0]);
  const int kh = two ? layer.ax[0].k : 1, kw = layer.ax[two ? 1 : 0].k;

  if ((layer.op == Op::Conv || layer.op == Op::ConvTranspose) && layer.weight.empty())
    throw EngineError({"", -1, opName(layer.op), ""},
                      "the layer carries no weights to trace (too large to keep)");
  // Input channels read by output channel o, and the weight accessor.
  std::vector<int> chans;
  const int C = layer.inChannels, O = layer.outChannels, g = std::max(1, layer.groups);
  if (layer.op == Op::Conv) {
    const int G = o / (O / g);
    for (int c = 0; c < C / g; ++c) chans.push_back(G * (C / g) + c);
  } else if (layer.op == Op::ConvTranspose) {
    const int G = o / (O / g);
    for (int c = 0; c < C / g; ++c) chans.push_back(G * (C / g) + c);
  } else {
    chans.push_back(o);
  }
  auto weightAt = [&](int c, int jh, int jw) -> double {
    if (layer.op == Op::Conv) {
      const int cp = c % (C / g);
      return layer.weight.data[size_t(((int64_t(o) * (C / g) + cp) * kh + jh) * kw + jw)];
    }
    if (layer.op == Op::ConvTranspose) {
      const int op = o % (O / g);
      return layer.weight.data[size_t(((int64_t(c) * (O / g) + op) * kh + jh) * kw + jw)];
    }
    return 1.0;
  };

  std::vector<Term> terms;
  terms.reserve(chans.size() * th.size() * tw.size());
  for (int c : chans) {
    for (const AxisTap& a : th) {
      for (const AxisTap& b : tw) {
        Term t;
        t.inChannel = c;
        t.cell = two ? combineCells(a.cell, b.cell) : b.cell;
        t.tap = two ? Pos{a.tap, b.tap} : Pos{b.tap, 0};
        t.hasPosition = a.src >= 0 && b.src >= 0;
        if (t.hasPosition) {
          t.inPosition = two ? Pos{a.src, b.src} : Pos{b.src, 0};
          t.input = x.data[size_t(flatIndex(x, n, c, t.inPosition))];
        }
        t.weight = weightAt(c, a.tap, b.tap) * a.factor * b.factor;
        terms.push_back(t);
      }
    }
  }
  if (layer.op == Op::MaxPool) {
    // Winner: torch's scan (row-major over in-range taps, `v > m || isnan(v)`), weight 1; others 0.
    float best = -std::numeric_limits<float>::infinity();
    int win = -1;
    for (size_t i = 0; i < terms.size(); ++i) {
      terms[i].weight = 0.0;
      if (terms[i].cell != CellKind::Data) continue;
      const float v = static_cast<float>(terms[i].input);
      if (v > best || std::isnan(v)) {
        best = v;
        win = int(i);
      }
    }
    // Padding reads as -inf (it never wins); a window of padding only outputs -inf (Chainer cover_all).
    for (Term& t : terms)
      if (t.cell != CellKind::Data) t.input = -std::numeric_limits<double>::infinity();
    if (win < 0 && !terms.empty()) win = 0;
    if (win >= 0) terms[size_t(win)].weight = 1.0;
  }
  for (Term& t : terms) t.product = (t.weight == 0.0 || t.input == 0.0) ? 0.0 : t.weight * t.input;
  return terms;
}

TraceStep traceStep(const Layer& layer, const Tensor& x, int step, int n, const Tensor& y) {
  if (!hasTrace(layer.op))
    throw EngineError(
        {"", -1, opName(layer.op), "--layer"},
        std::string("op '") + opName(layer.op) + "' has no kernel taps to trace (it acts per element)");
  const int steps = traceStepCount(layer);
  if (step < 0 || step >= steps)
    throw EngineError({"", -1, opName(layer.op), "--step"},
                      "step " + std::to_string(step) + " is out of range [0, " + std::to_string(steps) + ")");
  if (n < 0 || n >= x.dim(0))
    throw EngineError({"", -1, opName(layer.op), "batch"}, "batch index out of range");
  Tensor computed;  // only when the caller has no output (y is never copied: steps × numel adds up)
  if (y.empty()) computed = forwardLayer(layer, x);
  const Tensor& yy = y.empty() ? computed : y;
  TraceStep ts;
  ts.step = step;
  ts.position = stepPosition(layer, step);
  for (int o = 0; o < layer.outChannels; ++o) {
    TraceOutput out;
    out.channel = o;
    out.position = ts.position;
    out.value = yy.data[size_t(flatIndex(yy, n, o, ts.position))];
    out.bias = layer.bias.empty() ? 0.0 : layer.bias.data[size_t(o)];
    out.terms = gatherTerms(layer, x, n, o, ts.position);
    double acc = out.bias;
    out.partialSums.reserve(out.terms.size());
    for (const Term& t : out.terms) {
      acc += t.product;
      out.partialSums.push_back(acc);
    }
    ts.outputs.push_back(std::move(out));
  }
  return ts;
}

int64_t tapStepCount(const Layer& layer) {
  return int64_t(traceStepCount(layer)) * termsPerOutput(layer);
}

std::pair<int, int> tapStep(const Layer& layer, int64_t tapStepIndex) {
  const int per = termsPerOutput(layer);
  return {int(tapStepIndex / per), int(tapStepIndex % per)};
}

}  // namespace convscope::engine
