// zero_insertion.cpp: docs/conventions.md §Zero-insertion form — a transposed conv as a stride-1 conv over a
// zero-inserted input.
#include "engine/teach/zero_insertion.h"

#include <algorithm>
#include <string>

#include "engine/core/error.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {

ZeroInsertionAxis zeroInsertionAxis(const Layer& layer, int axis) {
  const Axis& a = layer.ax[size_t(axis)];
  ZeroInsertionAxis z;
  z.in = a.in;
  z.s = a.s;
  z.d = layer.op == Op::Unpool ? 1 : a.d;
  z.k = a.k;
  z.insertedLength = (a.in - 1) * a.s + 1;
  z.padLeft = z.d * (z.k - 1) - a.start;
  z.paddedLength = a.out + z.d * (z.k - 1);
  z.padRight = z.paddedLength - z.padLeft - z.insertedLength;
  z.firstCell = std::min(0, -z.padLeft);
  const int last = std::max(z.insertedLength, z.insertedLength + z.padRight);  // exclusive
  for (int u = z.firstCell; u < last; ++u) {
    ZeroInsertionCell c;
    const bool inXu = u >= 0 && u < z.insertedLength;
    const bool inPadded = u + z.padLeft >= 0 && u + z.padLeft < z.paddedLength;
    if (!inXu) {
      c.kind = CellKind::Padding;
    } else {
      if (u % z.s == 0) c.source = u / z.s;
      c.kind = inPadded ? (u % z.s == 0 ? CellKind::Data : CellKind::InsertedZero) : CellKind::Cropped;
    }
    z.cells.push_back(c);
  }
  return z;
}

Tensor flippedSwappedKernel(const Layer& layer) {
  const int C = layer.inChannels, O = layer.outChannels;
  const bool unpool = layer.op == Op::Unpool;
  const int g = unpool ? C : layer.groups;
  const bool two = layer.dims == 2;
  const int kh = two ? layer.ax[0].k : 1, kw = layer.ax[two ? 1 : 0].k;
  Shape ws{O, C / g};
  for (int a = 0; a < layer.dims; ++a) ws.push_back(layer.ax[size_t(a)].k);
  Tensor w(ws);
  for (int o = 0; o < O; ++o) {
    const int G = o / (O / g), op = o % (O / g);
    for (int cp = 0; cp < C / g; ++cp) {
      const int c = G * (C / g) + cp;
      for (int jh = 0; jh < kh; ++jh)
        for (int jw = 0; jw < kw; ++jw) {
          const float v = unpool
                              ? 1.0f
                              : layer.weight.data[size_t(
                                    ((int64_t(c) * (O / g) + op) * kh + (kh - 1 - jh)) * kw + (kw - 1 - jw))];
          w.data[size_t(((int64_t(o) * (C / g) + cp) * kh + jh) * kw + jw)] = v;
        }
    }
  }
  return w;
}

ZeroInsertionForm zeroInsertionForm(const Layer& layer, const Tensor& x) {
  if (layer.op != Op::ConvTranspose && layer.op != Op::Unpool)
    throw EngineError({"", -1, opName(layer.op), "--layer"},
                      std::string("the zero-insertion form needs a conv_transpose or unpool layer, got '") +
                          opName(layer.op) + "'");
  ZeroInsertionForm f;
  const bool two = layer.dims == 2;
  for (int a = 0; a < layer.dims; ++a) f.axes[size_t(a)] = zeroInsertionAxis(layer, a);
  const ZeroInsertionAxis& zw = f.axes[two ? 1 : 0];
  ZeroInsertionAxis zh;
  if (two)
    zh = f.axes[0];
  else {
    zh.paddedLength = 1;
    zh.cells = {ZeroInsertionCell{CellKind::Data, 0}};
  }
  const int N = int(x.dim(0)), C = layer.inChannels;
  Shape ps{N, C};
  for (int a = 0; a < layer.dims; ++a) ps.push_back(f.axes[size_t(a)].paddedLength);
  f.padded = Tensor(ps);
  const int Hp = zh.paddedLength, Wp = zw.paddedLength;
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int qh = 0; qh < Hp; ++qh) {
        const ZeroInsertionCell ch = two ? zh.padded(qh) : zh.cells[0];
        if (ch.kind != CellKind::Data) continue;
        for (int qw = 0; qw < Wp; ++qw) {
          const ZeroInsertionCell cw = zw.padded(qw);
          if (cw.kind != CellKind::Data) continue;
          const Pos src = two ? Pos{ch.source, cw.source} : Pos{cw.source, 0};
          const Pos dst = two ? Pos{qh, qw} : Pos{qw, 0};
          f.padded.data[size_t(flatIndex(f.padded, n, c, dst))] = x.data[size_t(flatIndex(x, n, c, src))];
        }
      }
  Layer cv;
  cv.op = Op::Conv;
  cv.dims = layer.dims;
  cv.inChannels = C;
  cv.outChannels = layer.outChannels;
  cv.groups = layer.op == Op::Unpool ? C : layer.groups;
  cv.padMode = PadMode::Zeros;
  for (int a = 0; a < layer.dims; ++a) {
    Axis& ax = cv.ax[size_t(a)];
    ax.in = f.axes[size_t(a)].paddedLength;
    ax.k = layer.ax[size_t(a)].k;
    ax.s = 1;
    ax.d = f.axes[size_t(a)].d;
    ax.pb = ax.pe = 0;
    ax.out = layer.ax[size_t(a)].out;  // = Lp - d(k-1)
  }
  cv.weight = flippedSwappedKernel(layer);
  cv.bias = layer.op == Op::Unpool ? Tensor() : layer.bias;
  cv.formula = "stride-1 conv over the zero-inserted input";
  f.conv = cv;
  f.output = forwardLayer(cv, f.padded);
  return f;
}

}  // namespace convscope::engine
