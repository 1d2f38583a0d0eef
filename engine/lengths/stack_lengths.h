// A stack over a range of input lengths: every layer's output length or the layer and rule that
// refuses it, and for an encoder–decoder (lengths going down and back up) which input lengths come
// back unchanged, their period, and the transposed layers' output_padding / target size that
// would bring the others back. Lengths come from the resolver (length_probe.h) on length-only
// copies of the layers (lengthOnlySpec); nothing is run.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/stack/stack.h"

namespace convscope::engine {

/// One transposed layer's change that brings a length back.
struct LengthFix {
  int layer = 0;
  int length = 0;             // its output length without the change
  int target = 0;             // the length it must give
  nlohmann::json change;      // keys to set in the layer, convention names: output_padding or outsize
  nlohmann::json targetForm;  // the same as a target key (output_size / output_shape / outsize), or null
};

/// Every layer's output length for each input length L = from..to along the stack's last spatial
/// axis (L in 1-D, W in 2-D; H stays the stack's own).
struct LengthTable {
  int from = 1, to = 1, layers = 0;
  std::vector<int> outs;             // (L - from) * layers + i: layer i's length, 0 from the refusal on
  std::vector<int> refused;          // per L: the refusing layer, -1 when all resolve
  std::map<int, std::string> rules;  // L → "parameter 'x': rule" of the refusal
  bool roundTrip = false;            // lengths go down (by >= 1.5x) and come back (within 1.25x)
  int down = 1;                      // largest input / shortest layer output (at the largest good L)
  int period = 0;                    // good lengths repeat with this period (0: none in the range)
  std::vector<int> residues;         // good lengths mod period
  long long good = 0, bad = 0;       // round trip: lengths that come back unchanged / differ

  std::vector<nlohmann::json> specs;  // length-only copies of the layers (lengthOnlySpec)
  std::vector<int> channels;          // the input channels each copy is resolved with

  int at(int L, int i) const { return outs[static_cast<size_t>(L - from) * layers + i]; }
  int last(int L) const { return refused[static_cast<size_t>(L - from)] < 0 ? at(L, layers - 1) : 0; }
};

/// Resolves every layer of `st` for every L in from..to (1 <= from <= to <= 2^30, at most 10^7
/// lengths; std::invalid_argument otherwise).
LengthTable stackLengths(const Stack& st, int from, int to);

/// For a round trip and a length L that does not come back: the change of each transposed layer
/// (in order) that makes it give the length its mirrored down layer received (the input length for
/// the last); when those do not bring L back, the fewest changes of transposed layers (each within
/// s - 1 of its own length) that do. `fixed` says whether the changes bring L back (checked by
/// resolution); when not, the mirrored changes are returned.
std::vector<LengthFix> lengthFixes(const Stack& st, const LengthTable& t, int L, bool& fixed);

}  // namespace convscope::engine
