// A per-sample shape in the stack's own layout and its convention's words for the axes.
//
// Shapes inside the engine are canonical (C, spatial...), channels first. A learner reads them as
// the stack file says: channels_last moves C to the end, and each framework names the axes its way:
//   pytorch / onnx / chainer   (C, L) or (C, H, W)
//   keras                      (steps, input_dim) for the stack input, (steps, filters) after a conv
//                              or conv_transpose; layers that keep the channel count (activations,
//                              pools, resampling) keep the word; 2-D (height, width, channels|filters)
// (channels_first swaps the Keras order back: (input_dim, steps)).
#pragma once
#include <string>
#include <vector>

#include "engine/core/layer.h"
#include "engine/stack/stack.h"

namespace convscope::engine {

struct LayoutShape {
  Shape dims;                      // the shape in the stack's layout
  std::vector<std::string> words;  // one name per axis, same order
};

/// `cf` = (C, spatial...) in the layout and words of `stack`. `producer` is the index of the layer
/// whose output it is, -1 for the stack input (it picks Keras's input_dim / filters / channels).
LayoutShape layoutShape(const Stack& stack, const Shape& cf, int producer);
/// "[8000, 1] (steps, input_dim)".
std::string layoutShapeText(const LayoutShape& s);
/// layoutShapeText(layoutShape(stack, cf, producer)).
std::string layoutShapeText(const Stack& stack, const Shape& cf, int producer);

}  // namespace convscope::engine
