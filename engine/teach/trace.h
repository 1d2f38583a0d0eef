// Gather trace: how every output element of a layer is made, term by term.
//
// For an output element (channel o, position m) of conv, conv_transpose, max/avg pool, upsample,
// unpool and zero_insert (1-D and 2-D) the trace lists one Term per (input channel, kernel tap):
// the input cell the tap reads (data, padding, inserted zero — or, in the zero-insertion and
// scatter views, cropped), the weight, the input value and the product. bias + sum(products) equals
// the layer output (max pool: the winning tap has weight 1, all others 0; padding reads -inf).
//
// Step order: step T is output position T in row-major order over the spatial axes (T < steps =
// prod(ax[a].out)); a step covers every output channel at that position. Per-tap order: term t of
// every output at step T (t < termsPerOutput) — see tapStepCount/tapStep.
//
// The per-axis tap lists (axisTaps) are shared with the receptive-field, overlap and matrix code.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/core/layer.h"

namespace convscope::engine {

/// What a kernel tap reads. Cropped is only used by the zero-insertion and scatter views.
enum class CellKind { Data, Padding, InsertedZero, Cropped };
/// "data" | "padding" | "inserted_zero" | "cropped".
const char* cellKindName(CellKind k);
/// Kind of a 2-D cell from its per-axis kinds: cropped > padding > inserted_zero > data.
CellKind combineCells(CellKind a, CellKind b);

/// One tap of one output position along one spatial axis.
struct AxisTap {
  int tap = 0;  // kernel tap index j (pool window index; linear upsample 0/1)
  CellKind cell = CellKind::Data;
  int src = -1;         // input index read along this axis, -1 when there is none (zero cell)
  double factor = 1.0;  // per-axis weight factor (linear upsample; avg pool 1/divisor; else 1)
};

/// Taps of output index m along axis a (m < layer.ax[a].out), in tap order:
///  conv       t = m s - pb + j d (j < k): data if 0 <= t < in, else padding (src = padSource for
///             non-zero pad modes, -1 for zeros)
///  conv_transpose / unpool  u = start + m - j d (j < k): data src u/s if s | u and 0 <= u/s < in,
///             inserted_zero if 0 <= u <= (in-1)s and s does not divide u, padding otherwise
///  max_pool   t = m s - pb + j d; avg_pool t = m s - pb + j (factor 1/divisor of this axis)
///  upsample   nearest: one tap src = min(m / s, in-1); linear: taps i0, i1 with factors l0, l1
///  zero_insert one tap: data src m/s if s | m, else inserted_zero
///  elementwise one tap src = m.
std::vector<AxisTap> axisTaps(const Layer& layer, int axis, int m);

/// The taps of axisTaps(layer, axis, m) with src >= 0, in tap order. Zero-padded conv and pools:
/// O(sources); conv_transpose and unpool: O(min(in, k)); other ops filter axisTaps.
std::vector<AxisTap> axisSourceTaps(const Layer& layer, int axis, int m);

/// The distinct input indices output m reads along axis a, in the order of their first tap: the data
/// taps' sources and (conv with a non-zero pad mode) the padding cells' sources — the src >= 0 of
/// axisTaps without repeats. Zero-padded conv and pools: O(sources); conv_transpose and unpool:
/// O(min(in, k)) (the pairs i·s + j·d = start + m); other ops as axisTaps.
std::vector<int> axisSources(const Layer& layer, int axis, int m);

/// Position along the spatial axes (unused entries 0).
using Pos = std::array<int, 2>;

struct Term {
  int inChannel = 0;
  bool hasPosition = false;  // false for zero cells (padding with zeros, inserted zero)
  Pos inPosition{};          // input position read (the pad-mode source for non-zero padding)
  CellKind cell = CellKind::Data;
  Pos tap{};  // kernel tap per axis
  double weight = 0.0;
  double input = 0.0;
  double product = 0.0;  // weight * input
};

struct TraceOutput {
  int channel = 0;
  Pos position{};
  double value = 0.0;  // the layer's forward output here
  double bias = 0.0;
  std::vector<Term> terms;
  std::vector<double> partialSums;  // partialSums[t] = bias + sum_{u <= t} terms[u].product
};

struct TraceStep {
  int step = 0;
  Pos position{};
  std::vector<TraceOutput> outputs;  // one per output channel
};

/// True for ops that have a gather trace (conv, conv_transpose, pools, upsample, unpool, zero_insert).
bool hasTrace(Op op);
/// Number of steps = prod over axes of ax[a].out.
int traceStepCount(const Layer& layer);
/// Output position of step T (row-major over the spatial axes).
Pos stepPosition(const Layer& layer, int step);
/// Number of terms of every output element: (C/g) * prod k (conv, conv_transpose), prod k (pools,
/// unpool), 1 or 2^dims (upsample nearest / linear), 1 (zero_insert).
int termsPerOutput(const Layer& layer);

/// Terms of output (batch n, channel o, position p). x is the layer input (N, C, spatial...).
/// Throws EngineError for ops without a trace and for a conv/conv_transpose without weights.
std::vector<Term> gatherTerms(const Layer& layer, const Tensor& x, int n, int o, const Pos& p);

/// Trace of step T for batch item n. `y` is the layer's forward output (computed when empty).
/// Throws EngineError when T is out of range or the op has no trace.
TraceStep traceStep(const Layer& layer, const Tensor& x, int step, int n = 0, const Tensor& y = Tensor());

/// Per-tap step order: number of tap steps = steps * termsPerOutput.
int64_t tapStepCount(const Layer& layer);
/// Tap step → (position step, term index within each output's term list).
std::pair<int, int> tapStep(const Layer& layer, int64_t tapStepIndex);

/// Flat offset of (n, c, p) in a (N, C, spatial...) tensor with the layer's spatial sizes `sizes`.
int64_t flatIndex(const Tensor& t, int n, int c, const Pos& p);

}  // namespace convscope::engine
