// Every equivalent way to compute a conv or conv_transpose layer.
//
// conv_transpose methods (each compared with forwardLayer, the polyphase kernel):
//   scatter           stamp x[i] * W at i*s + j*d - start, step by step (scatter_trace.h)
//   zero_insertion    stride-1 conv of the flipped, channel-swapped kernel over the zero-inserted,
//                     padded (or cropped) input (zero_insertion.h, docs/conventions.md §Zero-insertion form)
//   matrix_transpose  Mᵀ x + b with M the matrix of the adjoint conv (conv_matrix.h,
//                     docs/conventions.md §Input gradient and the conv matrix)
//   input_gradient    d<conv(z), x>/dz of the adjoint conv by the P1 backward rule (docs/conventions.md
//                     §Input gradient and the conv matrix)
// conv methods: naive (direct P1 loops in double), matrix (M x + b).
// Both ops, by spatial rank (only the one that applies is listed):
//   conv2d_singleton  1-D only: the same layer as 2-D with a singleton axis, both placements (k,1)
//                     and (1,k) (docs/conventions.md §1-D as 2-D with a singleton axis)
//   hw_swapped        2-D only: H and W swapped (transpose in, run the axis-swapped layer, transpose back)
// Each result is max |method - direct| over all elements; `scale` = max(1, max |direct|) so that
// relative agreement is maxAbsDiff / scale.
#pragma once
#include <string>
#include <vector>

#include "engine/core/layer.h"

namespace convscope::engine {

struct EquivalenceMethod {
  std::string name;
  double maxAbsDiff = 0.0;
};

struct EquivalenceReport {
  Op op = Op::Conv;
  double scale = 1.0;                      // max(1, max |direct output|)
  std::vector<EquivalenceMethod> methods;  // in the documented order
};

/// Method names for an op of spatial rank `dims` ("scatter", ...), in report order; empty for ops
/// without equivalent forms. The last is "conv2d_singleton" for dims 1 and "hw_swapped" for dims 2.
std::vector<std::string> equivalenceMethods(Op op, int dims);
/// Computes `layer` on input `x` every equivalent way. Throws EngineError for other ops.
EquivalenceReport computeEquivalences(const Layer& layer, const Tensor& x);

/// Direct P1 conv in double precision (any padMode), for reference.
Tensor naiveConv(const Layer& conv, const Tensor& x);
/// The 1-D layer lifted to 2-D with a singleton axis: kernel (k,1) when `singletonLast`, else (1,k).
Layer liftTo2d(const Layer& layer1d, bool singletonLast);
/// The 2-D layer with its two spatial axes swapped (weights transposed over the kernel axes).
Layer swapAxes2d(const Layer& layer2d);
/// Swaps the last two axes of a (N, C, H, W) tensor.
Tensor swapLastAxes(const Tensor& t);

}  // namespace convscope::engine
