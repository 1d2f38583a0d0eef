// Comparing N >= 2 stacks fed the same input: the figures that decide between designs.
//
// Input: the first stack's input, or one given explicitly. Every stack must declare the same input
// up to singleton spatial axes (a 2-D stack on (C, L, 1) or (C, 1, L) compares with a 1-D stack on
// (C, L)); the input is reshaped to each stack's own input shape (same data order).
//
// Per stack:
//   shapes            every layer's output shape (no batch axis, channels first)
//   parameters        weight + bias elements (batch_norm: gamma + beta), per layer and total
//   multiply-adds     engine::multiplyAdds per layer for one sample, and total
//   receptive field   of the output's centre element in the input: stride and span per axis, the
//                     closed form of engine/teach/receptive_field.h
//   flat response     the output for an input of ones, over the interior (outputs whose closed-form
//                     field lies inside the input, so no padding or crop is involved): min, max,
//                     ripple = largest (max - min) of one channel, and the period of the pattern per
//                     axis (smallest p with y[m + p] = y[m] over the interior, 0 when none) — the
//                     checkerboard measure of the actual weights
//   single layer      findSingleLayer (single_layer.h): the one conv / transposed conv it is, or why not
// Per pair whose outputs have equal shapes up to singleton spatial axes: max |a - b|, the largest
// relative difference |a - b| / max(|a|, |b|) over elements where that denominator exceeds 1e-6 ×
// the pair's largest |value|, and the output element where |a - b| is largest.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "engine/compare/single_layer.h"
#include "engine/core/tensor.h"
#include "engine/stack/stack.h"
#include "engine/teach/receptive_field.h"

namespace convscope::engine {

struct LayerFigures {
  std::string op;
  Shape outputShape;  // no batch axis
  int64_t parameters = 0;
  int64_t multiplyAdds = 0;
};

struct FlatResponse {
  bool hasInterior = false;                          // some output's field lies inside the input
  std::array<std::array<int64_t, 2>, 2> interior{};  // [first, last] output index per spatial axis
  double min = 0, max = 0, ripple = 0;
  std::array<int64_t, 2> period{};  // per spatial axis (1 = flat, 0 = no period in the interior)
};

struct StackFigures {
  std::string name;  // the stack's file (or name)
  Shape inputShape, outputShape;
  std::vector<LayerFigures> layers;
  int64_t parameters = 0, multiplyAdds = 0;
  FieldClosedForm field;  // of the output's centre element in the input
  FlatResponse flat;
  SingleLayer single;
};

struct PairFigures {
  int a = 0, b = 0;
  bool comparable = false;
  std::string why;  // when not comparable: both shapes
  double maxAbsDiff = 0, maxRelDiff = 0;
  int64_t channel = 0;          // where |a - b| is largest
  std::array<int64_t, 2> at{};  // its spatial index (1-D: at[0])
};

struct Comparison {
  Shape inputShape;  // of the first stack, no batch axis
  std::vector<StackFigures> stacks;
  std::vector<PairFigures> pairs;  // every (a, b) with a < b
  std::vector<Tensor> outputs;     // each stack's final output on the shared input
};

/// Compares `stacks` on `input` (nullptr: the first stack's input; shape (C, ...) or (N, C, ...),
/// channels first). Throws EngineError when fewer than two stacks are given or when a stack's
/// input shape differs from the first's (the message names both stacks and shapes).
Comparison compareStacks(const std::vector<Stack>& stacks, const Tensor* input = nullptr);

/// The shape without the batch axis and without singleton spatial axes, for shape comparisons.
Shape squeezedShape(const Shape& withoutBatch);

/// `st` fed `shared` ((N, C, spatial...), channels first) instead of its own input: the same values
/// in the same order, reshaped to st's own (N, C, spatial...) input shape. Throws EngineError (file
/// st.file, parameter "input", naming both shapes and `sharedFrom`) unless the two shapes are equal
/// up to singleton spatial axes and the batch agrees.
Stack onSharedInput(const Stack& st, const Tensor& shared, const std::string& sharedFrom);

}  // namespace convscope::engine
