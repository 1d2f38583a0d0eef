// Overlap counts — the checkerboard pattern.
//
// conv_transpose / unpool: in full coordinates t = start + m (per axis), the number of inputs that
// reach output m is  count(m) = #{(i, j) : i in [0, in), j in [0, k), i s + j d = t}. In 2-D the
// count is the product of the per-axis counts. The interior (d(k-1) <= t <= (in-1)s) is uniform
// iff  s == 1  or  (gcd(d, s) == 1 and s | k); with d = 1 it is ceil(k/s) for t mod s < k mod s
// and floor(k/s) otherwise (0 for residues >= k when k < s).
// nearest upsample(s) + conv: every in-range conv tap reads exactly one input, so the count is
// the number of non-padding taps: uniform (prod k) in the interior.
// Forward of a ones input through a ones kernel (no bias) gives count * (C/g) at every output.
//
// Upsample-then-conv identity (docs/conventions.md §Upsample then conv as a transposed
// convolution): nearest-upsample(s) then conv(w: (O, C/g, k), stride 1, dilation 1, zero pads
// pb, pe <= k-1) == conv_transpose with stride s, start = k-1-pb, the same output length and the
// kernel of length k+s-1  V[G(C/g)+c', o', t] = sum_{r<s} w[G(O/g)+o', c', k-1-t+r]  (w = 0
// outside [0, k)): the flipped w box-filtered by ones(s). Per axis in 2-D (product of boxes).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/core/layer.h"

namespace convscope::engine {

/// The uniformity rule: interior counts are equal iff s == 1 or (gcd(d, s) == 1 and s | k).
bool overlapUniformRule(int k, int s, int d);

struct OverlapAxis {
  std::vector<int> counts;  // per output position along this axis
  int interiorBegin = 0;    // output index range [interiorBegin, interiorEnd) of the interior
  int interiorEnd = 0;
  std::vector<int> period;       // conv_transpose/unpool: period[r] = interior count at full t with
                                 // t mod s == r (empty if the interior is shorter than s);
                                 // upsample+conv: the first s interior counts
  bool ruleUniform = false;      // overlapUniformRule(k, s, d)
  bool interiorUniform = false;  // measured on the interior (true when the interior is empty)
};

struct OverlapCounts {
  int dims = 1;
  std::array<OverlapAxis, 2> axes;
  std::vector<int64_t> counts;  // prod of per-axis counts, row-major over the output positions
};

/// Counts of a conv_transpose or unpool layer. With ignoreZeroTaps, kernel taps whose weights are all
/// zero are not counted (e.g. the [0, 1, 0] zero-insertion kernel). With combined false, `counts`
/// (the product grid, GBs for two long axes) is left empty and only the per-axis counts are made.
/// O(out · min(in, k)) per axis. Throws EngineError for other ops.
OverlapCounts overlapCounts(const Layer& layer, bool ignoreZeroTaps = false, bool combined = true);
/// Counts of nearest upsample `up` followed by conv `conv` (conv.ax[a].in == up.ax[a].out).
OverlapCounts overlapUpsampleConv(const Layer& up, const Layer& conv);

/// docs/conventions.md §Upsample then conv as a transposed convolution: the conv_transpose layer equal to
/// nearest-upsample `up` then stride-1, dilation-1, zero-padded conv `conv` with pb, pe <= k-1. Throws
/// EngineError when the preconditions fail.
Layer upsampleConvAsConvTranspose(const Layer& up, const Layer& conv);
/// Polyphase sums of the box-filtered kernel along axis a: sum_{t = r mod s} V[...t...] for r < s,
/// for the (c, o') = (0, 0) kernel slice; all equal sum(w) over that axis (1-D: the full sum).
std::vector<double> polyphaseSums(const Layer& convTranspose, int axis);

}  // namespace convscope::engine
