// Layer: one layer of a stack after its convention has been resolved. Every field is in the
// engine's canonical (PyTorch-like, channels-first) form, so kernels never look at conventions.
//
// Spatial axes: `dims` is 1 (length L) or 2 (H, W); axis a uses ax[a] for a < dims.
// Tensors passed to kernels are (N, C, L) or (N, C, H, W), float32, C order.
//
// Per-op meaning of the canonical fields (per spatial axis; rules per convention in docs/stack-format.md):
//  Conv           P1: xpad = pad(x, pb, pe, padMode); out = floor((in + pb + pe - dk)/s) + 1,
//                 dk = d(k-1)+1;  y[n,o,i] = b[o] + sum_{c'<C/g, j<k} W[o,c',j] xpad[n, G(o)C/g + c', i s + j
//                 d] weight (O, C/g, k...) , bias (O) or empty.
//  ConvTranspose  P2: Lf = (in-1)s + dk; full[n, G(c)O/g + o', i s + j d] += x[n,c,i] W[c,o',j];
//                 y[n,o,m] = b[o] + (full[n,o,start+m] if 0 <= start+m < Lf else 0), m < out.
//                 `start` may be negative (zero rows in front). weight (C, O/g, k...), bias (O) or empty.
//  Unpool         ConvTranspose with groups = C = O and an all-ones kernel, no bias (Chainer unpooling).
//  Upsample       nearest: y[j] = x[j / s]; linear: PyTorch align_corners=False; out = in * s.
//  ZeroInsert     y[i s] = x[i], zeros between; out = (in-1)s + 1.
//  MaxPool        window i s - pb + j d, j < k, padding never wins (as -inf); out resolved by the
//                 convention (ceil/cover_all already applied).
//  AvgPool        window i s - pb + j, j < k, divisor per `avgDivisor`.
//  BatchNorm      y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c].
//  activations    elementwise; alpha = leaky slope or elu alpha; geluTanh selects the tanh approximation.
#pragma once
#include <array>
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

enum class Op {
  Conv,
  ConvTranspose,
  Upsample,
  Unpool,
  ZeroInsert,
  MaxPool,
  AvgPool,
  BatchNorm,
  Relu,
  LeakyRelu,
  Elu,
  Gelu,
  Tanh,
  Sigmoid,
};

/// Canonical op name as written in stack files ("conv", "conv_transpose", ...).
const char* opName(Op op);
/// True for ops that keep shape and act per element (activations, batch_norm).
bool isElementwise(Op op);

enum class PadMode { Zeros, Reflect, Replicate, Circular };
const char* padModeName(PadMode m);

enum class UpsampleMode { Nearest, Linear };

/// Divisor of an average pool window.
enum class AvgDivisor {
  IncludePad,  // PyTorch count_include_pad=True: window clipped to [-pb, in+pe), pads counted
  ExcludePad,  // only in-range elements counted (Keras/TF, ONNX count_include_pad=0, PyTorch False)
  FullKernel,  // always k (Chainer average_pooling_nd)
};

/// Largest length of any spatial axis (input or output) the engine accepts; every resolved length,
/// span and transposed-conv buffer fits an int with room for index arithmetic.
inline constexpr int64_t kMaxAxisLength = int64_t(1) << 30;

/// One spatial axis, fully resolved.
struct Axis {
  int in = 0;             // input length along this axis
  int out = 0;            // output length
  int k = 1;              // kernel taps (pool window, unpool ksize)
  int s = 1;              // stride (upsample/zero_insert factor)
  int d = 1;              // dilation
  int pb = 0;             // Conv/pools: pad before
  int pe = 0;             // Conv/pools: pad after (may exceed what the formula needs: ceil/cover_all)
  int start = 0;          // ConvTranspose/Unpool: first index of `full` taken as output 0
  int outputPadding = 0;  // ConvTranspose: informational (already folded into `out`)
  /// d(k-1)+1 and the ConvTranspose/Unpool P2 buffer (in-1)s + d(k-1)+1, in 64-bit: parameters reach 2^24,
  /// so during resolution these can exceed int. Resolvers use these.
  int64_t span64() const { return int64_t(d) * (k - 1) + 1; }
  int64_t fullLength64() const { return int64_t(in - 1) * s + span64(); }
  /// The same as int. Precondition: a resolved layer (resolveLayer checks both are <= 1.5 * 2^30).
  int span() const { return static_cast<int>(span64()); }
  int fullLength() const { return static_cast<int>(fullLength64()); }
};

struct Layer {
  Op op = Op::Relu;
  int dims = 1;              // spatial rank, 1 or 2
  std::array<Axis, 2> ax{};  // ax[0..dims)
  int inChannels = 0;
  int outChannels = 0;
  int groups = 1;
  PadMode padMode = PadMode::Zeros;  // Conv only
  UpsampleMode upsampleMode = UpsampleMode::Nearest;
  AvgDivisor avgDivisor = AvgDivisor::IncludePad;
  float alpha = 0.0f;  // leaky_relu slope / elu alpha
  bool geluTanh = false;
  float eps = 1e-5f;  // batch_norm

  Tensor weight;                  // Conv (O, C/g, k...), ConvTranspose (C, O/g, k...); empty otherwise
  Tensor bias;                    // (O) or empty
  Tensor mean, var, gamma, beta;  // BatchNorm, each (C)

  std::string formula;  // human-readable output-size formula with the numbers, for `check`

  /// Output shape without batch: (outChannels, ax[..].out...).
  Shape outputShape() const;
  /// Input shape without batch: (inChannels, ax[..].in...).
  Shape inputShape() const;
};

/// True when a and b are the same resolved layer: every field equal, floats and tensors bit for bit
/// (sameBits), so forwardLayer gives bit-identical outputs on the same input. Update it with Layer.
bool sameLayer(const Layer& a, const Layer& b);

/// Learned parameters of the layer: weight + bias elements (batch_norm: gamma + beta; its running
/// mean and var are not parameters), as PyTorch's numel over parameters() counts them.
int64_t parameterCount(const Layer& l);

/// Multiply-adds (or comparisons) forwardLayer does for one sample of batch, saturating at INT64_MAX:
/// conv out·(C/g)·Πk, conv_transpose in·(O/g)·Πk, pools and resampling out·Πk, the rest out.
int64_t multiplyAdds(const Layer& l);

/// Scratch memory a kernel allocates besides its input and output: `shared` once per call (padded
/// copies, repacked weights), `perThread` in every OpenMP thread that works on the call. Bytes.
struct ScratchSize {
  int64_t shared = 0;
  int64_t perThread = 0;
};
/// Bytes of scratch forwardLayer allocates for `batch` samples: shared + perThread × the OpenMP
/// thread count, saturating. Each kernel derives it from the same plan function that sizes its
/// buffers (kernels.h: convScratch, convTransposeScratch, ...), so it cannot drift from them.
/// Defined in kernels.cpp.
int64_t scratchBytes(const Layer& l, int64_t batch);

/// The spatial axes as (H, W): a 1-D layer gets a trivial H axis (in = out = k = s = d = 1, no
/// pads), so kernels can run every layer as 2-D.
void axesHW(const Layer& l, Axis& h, Axis& w);

}  // namespace convscope::engine
