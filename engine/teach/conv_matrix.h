// Matrix form of a convolution and of its transpose.
//
// A conv layer is linear in its input: y = M x + b with M of shape (O·prod out) × (C·prod in),
// rows indexed r = o·prod(out) + flat(m), columns c·prod(in) + flat(t) (row-major spatial flats).
// M[r, col] = sum of W[o, c', j] over the taps j of output m that read input t; with a non-zero
// padding mode a padding tap reads its source (reflect/replicate/circular), so its weight is added
// to the source's column. A conv_transpose layer is y = Mᵀ x + b where M is the matrix of its
// adjoint conv (adjointConv): in = out_T, out = in_T, pb = start, pe = Lf - start - out_T, same W.
//
// Input-gradient identity (docs/conventions.md §Input gradient and the conv matrix): for a forward conv
// (zeros padding) with pads (pb, pe),
//     d<conv(x), y>/dx = Mᵀ y = conv_transpose(y, W, s, start = pb, op* , g, d),
//     op* = (L + pb + pe - d(k-1) - 1) mod s     (the remainder the forward conv discarded).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/teach/trace.h"

namespace convscope::engine {

/// Sparse (CSR) matrix in double precision.
struct ConvMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> rowStart;  // rows + 1 entries
  std::vector<int64_t> col;
  std::vector<double> val;

  /// Dense row r (length cols).
  std::vector<double> rowDense(int64_t r) const;
  /// Entry (r, c), 0 when absent.
  double at(int64_t r, int64_t c) const;
  /// M v for v of length cols.
  std::vector<double> apply(const std::vector<double>& v) const;
  /// Mᵀ v for v of length rows.
  std::vector<double> applyTransposed(const std::vector<double>& v) const;
};

/// M of a conv layer (any padMode). Throws EngineError for other ops.
ConvMatrix convMatrix(const Layer& conv);
/// The conv whose matrix transposed is this conv_transpose (same weight tensor, no bias).
Layer adjointConv(const Layer& convTranspose);
/// The matrix of the layer's linear map as used by `equiv`: M for conv, Mᵀ-side M (of adjointConv)
/// for conv_transpose. Throws EngineError for other ops.
ConvMatrix layerMatrix(const Layer& layer);
/// Matrix rows (conv) or columns (conv_transpose, = rows of Mᵀ) that step T uses, one per out channel.
std::vector<int64_t> stepLines(const Layer& layer, int step);

/// y = M x + b (conv) or Mᵀ x + b (conv_transpose), x (N, C, in...), in double then float.
Tensor applyLayerMatrix(const Layer& layer, const ConvMatrix& m, const Tensor& x);

/// Input gradient of a conv by the P1 backward rule: gx[n,c,src(t)] += W[o,c',j] gy[n,o,i] over all
/// taps with a source (t = i s - pb + j d); gy (N, O, out...), result (N, C, in...).
Tensor convInputGradient(const Layer& conv, const Tensor& gy);

struct InputGradientIdentity {
  std::array<int, 2> opStar{};  // (L + pb + pe - d(k-1) - 1) mod s per axis
  Layer convTranspose;          // same W, stride, dilation, groups; start = pb; out = L; no bias
  double maxDiffMatrix = 0;     // |conv_transpose(y) - Mᵀ y|
  double maxDiffGradient = 0;   // |conv_transpose(y) - convInputGradient(y)|
};
/// Checks docs/conventions.md §Input gradient and the conv matrix for a zeros-padded conv and cotangent gy.
/// Throws EngineError for other pad modes.
InputGradientIdentity inputGradientIdentity(const Layer& conv, const Tensor& gy);

}  // namespace convscope::engine
