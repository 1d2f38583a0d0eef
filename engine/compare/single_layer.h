// The single conv or transposed conv that a chain of linear layers is, when there is one.
//
// A chain of conv, conv_transpose, upsample, zero_insert, unpool, avg_pool and batch_norm layers
// (zero padding, no nonlinearity) is an affine map y = A x + b. It is ONE layer exactly when
//   rate    along every axis the chain scales lengths by an integer S (up: a transposed conv of
//           stride S) or by 1/S (down: a conv of stride S), the same direction on every axis;
//   shift   moving an impulse by one input step (transposed conv) or by S input steps (conv) moves
//           its response by S output steps (resp. one): the impulse responses of the phases are
//           shifts of one kernel;
//   bias    the response to a zero input is constant along the output, per channel;
//   borders padding and crops of the chain act like those of the one layer.
// The kernel is read from the chain's impulse responses at an interior input position — one
// impulse per input channel (transposed conv) or per input channel and phase r < S (conv: output m
// sees input mS - pb + j, so the phases r give the taps j = i + r + pb - mS) — and the candidate is
// then run against the chain on random inputs and on the stack's own input; it is reported only
// when it reproduces the chain to float32 rounding (1e-4 × max(1, max |y|)).
//
// The layer is canonical (engine/core/layer.h): groups 1, dilation 1, zero taps kept. Conv:
// weight (O, C, k...), pads pb/pe; ConvTranspose: weight (C, O, k...), crop `start`, out.
#pragma once
#include <string>

#include "engine/core/convention.h"
#include "engine/core/layer.h"
#include "engine/stack/stack.h"

namespace convscope::engine {

struct SingleLayer {
  bool found = false;
  std::string why;  // when !found: the reason, naming the layer or the property that fails
  Layer layer;      // when found (also the rejected candidate when one was built)
  double maxAbsDiff = 0.0;
  double scale = 1.0;  // max(1, max |chain output|) over the check inputs
};

/// The single layer equivalent to every layer of `stack` on inputs of the stack's input shape.
/// Never throws for a valid stack: an inequivalent chain is reported in `why`.
SingleLayer findSingleLayer(const Stack& stack);

/// The layer written in `convention`'s words, e.g. "ConvTranspose1d(1, 1, kernel_size=4, stride=2,
/// padding=1, bias=False)" or, where the convention cannot say the crop in one layer, the layer
/// plus the padding or cropping around it. Precondition: l.op is Conv or ConvTranspose.
std::string describeLayer(const Layer& l, Convention convention);

}  // namespace convscope::engine
