// Receptive fields across a stack.
//
// Exact field: for output element (any channel, position P) of layer J, every position q of the
// output of layer I < J (I = -1: the stack input) that influences it, found by propagating P back
// through the taps of layers J, J-1, ..., I+1 (trace.h axisTaps). A tap counts when it reads a
// source (data, or the source of a reflect/replicate/circular padding cell) and its weight is not
// zero (conv/conv_transpose: some weight at that tap is non-zero; linear upsample: factor != 0).
// paths(q) = number of tap chains from P to q (channels not counted). Fields ignore channels: a
// position is in the field when some channel at it influences some channel of the element.
//
// Closed form (per axis): each layer maps output index m to an input hull within
//   [a m + bLo, a m + bHi]:  conv/pool   a = s,   bLo = -pb,              bHi = -pb + d(k-1)
//                            conv_T/unpool a = 1/s, bLo = (start - d(k-1))/s, bHi = start/s
//                            upsample nearest a = 1/s, bLo = -(s-1)/s, bHi = 0
//                            upsample linear  a = 1/s, bLo = 1/(2s) - 3/2, bHi = 1/(2s) + 1/2
//                            zero_insert a = 1/s, bLo = bHi = 0;  elementwise a = 1, 0, 0
// Composed: stride A = prod a, bounds [A P + BLo, A P + BHi], span = BHi - BLo + 1, padding = -BLo.
// For chains of conv/pool/elementwise (forward-only) these are the classic formulas
//   A = prod s_l, span = 1 + sum (d_l(k_l-1)) A_{l-1}, padding = sum pb_l A_{l-1},
//   dilation = gcd over layers with k > 1 of d_l A_{l-1}
// and, for an element whose field touches no padding, the exact field's hull equals the bounds.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/stack/stack.h"
#include "engine/teach/trace.h"

namespace convscope::engine {

/// Exact fraction num/den with den > 0, in lowest terms.
struct Rational {
  int64_t num = 0, den = 1;
};
/// "3", "1/2", "-3/4".
std::string rationalString(const Rational& r);

struct FieldPoint {
  Pos position{};
  int64_t paths = 0;  // saturates at INT64_MAX
};

struct FieldClosedForm {
  std::array<Rational, 2> stride{}, span{}, padding{};
  std::array<int64_t, 2> dilation{};               // 0 when not in closed form (chains with up-sampling)
  std::array<std::array<int64_t, 2>, 2> bounds{};  // [ceil(A P + BLo), floor(A P + BHi)] per axis
  bool forwardOnly = false;                        // only conv/pool/elementwise layers between I and J
  bool applies = true;       // false when a non-zero padding mode folds sources back (bounds not valid)
  bool withinBounds = true;  // every exact position lies inside the bounds
  bool hullChecked = false;  // forward-only, no padding touched, no zero taps skipped
  bool hullMatches = true;   // when checked: exact hull == bounds and dilation divides every offset
};

/// The closed form in plain words, three lines per axis (stride, span, padding; "H: "/"W: " in 2-D):
/// what a fractional stride, a fractional span and a fractional padding mean in input positions.
std::vector<std::string> closedFormWords(const FieldClosedForm& cf, int dims);

struct ReceptiveField {
  int layer = 0, from = -1, dims = 1;
  Pos position{};
  std::vector<FieldPoint> points;            // row-major order of position
  std::array<std::array<int, 2>, 2> hull{};  // [min, max] per axis of the exact field
  bool touchesPadding = false;               // some counted chain passed a padding cell
  bool skippedZeroTaps = false;
  int64_t totalPaths = 0;
  FieldClosedForm closedForm;
};

/// Field of layer `layer`'s output element at `position` on the output of layer `from` (-1: input).
/// `layers` are canonical layers of one stack. Throws EngineError for a bad index or position.
ReceptiveField receptiveField(const std::vector<Layer>& layers, int layer, const Pos& position,
                              int from = -1);
/// The fields of that element on every earlier tensor in one propagation: element from + 1 is the
/// field with `from` (-1: the input), each equal to receptiveField(layers, layer, position, from).
/// Cost follows the field's points and their taps (no dense grid of any tensor).
std::vector<ReceptiveField> receptiveFields(const std::vector<Layer>& layers, int layer, const Pos& position);
/// Same for a resolved stack.
ReceptiveField receptiveField(const Stack& stack, int layer, const Pos& position, int from = -1);

}  // namespace convscope::engine
