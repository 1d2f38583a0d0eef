// The questions people actually ask, computed for real.
//
//  1. Keras Conv1DTranspose == expand_dims(axis=2) + Conv2DTranspose((k,1), strides (s,1)) + squeeze
//     (docs/stack-format.md): both resolved from keras stack documents (channels_last) through
//     resolveStack, fed the same input and weights, and compared.
//  2. Conv1D == Conv2D with a (k × C_in) kernel over the (L × C_in) image: the 2-D output has width
//     L_in_dims - C_in + 1 = 1, which is why Conv1D's output (N, L_out, filters) has no input-dim axis.
//  3. Four ways to turn a (C, 100, 100) map into (F, 50, 200): H is halved and W doubled by
//       conv→deconv, deconv→conv, unpool→conv, zero-insertion (deconv with kernel [0,1,0], stride 2)→conv;
//     each with output shape, parameter count, receptive field of the centre output on the input,
//     and the overlap pattern of its up-sampling layer along W.
#pragma once
#include <string>
#include <vector>

#include "engine/stack/stack.h"
#include "engine/teach/receptive_field.h"

namespace convscope::engine {

struct Conv1dTransposeAs2d {
  Shape shape1d;            // Keras layout (N, L_out, filters)
  Shape shape2d;            // Keras layout before squeeze (N, L_out, 1, filters)
  double maxAbsDiff = 0.0;  // |Conv1DTranspose - squeeze(Conv2DTranspose(expand_dims))|
  Stack stack1d, stack2d;
};
/// Question 1 for input length L, channels C, `filters`, kernel k, stride s, keras padding word
/// ("valid"|"same") and optional output_padding (< 0: None). Throws EngineError on invalid settings.
Conv1dTransposeAs2d conv1dTransposeAsConv2d(int L, int C, int filters, int k, int s,
                                            const std::string& padding, int outputPadding = -1,
                                            unsigned seed = 1);

struct Conv1dAs2d {
  Shape conv1dOut;  // (N, filters, L_out)  channels first
  Shape conv2dOut;  // (N, filters, L_out, 1): the input-dim axis has collapsed to width 1
  double maxAbsDiff = 0.0;
  int64_t params1d = 0, params2d = 0;  // equal: filters * (k * C_in) + filters
};
/// Question 2 for a Conv1D (C_in → filters, kernel k, stride s, zero pads pb/pe) on length L.
Conv1dAs2d conv1dAsConv2d(int L, int C, int filters, int k, int s, int pb, int pe, unsigned seed = 1);

struct ResizeWay {
  std::string name;  // "conv_deconv", "deconv_conv", "unpool_conv", "zero_insertion_conv"
  std::string description;
  Stack stack;                     // the two-layer stack (pytorch convention, 2-D)
  Shape outputShape;               // (F, 50, 200) for the defaults
  int64_t parameters = 0;          // weights + biases (fixed kernels included)
  int64_t trainable = 0;           // parameters minus fixed kernels (unpool, the [0,1,0] kernel)
  ReceptiveField field;            // of the centre output element, on the input
  std::vector<int> overlapPeriod;  // up-sampling layer, W axis: contributions over one interior period
  bool overlapUniform = false;
  std::vector<int> overlapCounts;  // up-sampling layer, W axis: counts over the first 8 outputs
};
/// Question 3: the four ways from (C, H, W) to (F, H/2, 2W) (H even). Defaults C = F = 1, 100×100.
std::vector<ResizeWay> fourWaysToResize(int C = 1, int F = 1, int H = 100, int W = 100, unsigned seed = 1);

}  // namespace convscope::engine
