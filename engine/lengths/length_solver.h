// The length solver: every conv or conv_transpose layer within bounds that maps an input length L
// to an output length L2 exactly under one convention, spelled in that convention's parameter
// names, ranked simplest first. Every candidate is decided by the resolver (length_probe.h); the
// solver only chooses which candidates to try.
//
// Bounds: kernel 1..maxKernel (or the fixed kernel), stride 1..maxStride (or the fixed stride),
// dilation 1 (or the fixed dilation), every pad or crop 0..d(k-1), output_padding below the stride
// (or the dilation), targets (output_size / outsize / output_shape) equal to L2.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/convention.h"
#include "engine/core/layer.h"

namespace convscope::engine {

enum class SolveOp { Conv, ConvTranspose, Any };

struct SolveRequest {
  int in = 1, out = 1;  // L and L2, each 1..2^30
  SolveOp op = SolveOp::Any;
  Convention convention = Convention::PyTorch;
  int kernel = 0, stride = 0, dilation = 0;  // fixed values; 0 = free (dilation free = 1)
  int maxKernel = 16;
  int maxStride = 0;  // 0: defaultMaxStride(in, out)
  bool allLengthsOnly = false;
};

/// max(16, ceil(longer / shorter) + 16): room around the length ratio for the kernel's effect.
int defaultMaxStride(int in, int out);

struct LengthSolution {
  nlohmann::json layer;                      // a stack-file layer (out channels 1), convention names
  std::vector<nlohmann::json> alternatives;  // other spellings of the same resolved layer
  Op op = Op::Conv;
  int k = 1, s = 1, d = 1;
  int before = 0, after = 0;  // applied as `check` reports it: conv pads (pb, pe); transposed
                              // crops (start, Lf - start - out), negative = zeros appended
  int outputPadding = 0;      // transposed: out - (Lf - crops), as `check` reports it
  std::string words;          // the padding word(s) of `layer` ("same", "SAME_UPPER", ...), "" if numbers
  bool evenOverlap = true;    // transposed: k % s == 0 (otherwise the overlap is uneven: checkerboard)
  int dropped = 0;            // conv: input samples after the last window (the floor drops them)
  bool symmetric = true;      // before == after
  bool allLengths = false;    // out = ceil(L'/s) (conv) or L'*s (transposed) for every L' (see .cpp)
};

struct SolveResult {
  std::vector<LengthSolution> solutions;  // simplest first
  int maxStride = 0;                      // the stride bound used
  int nearestBelow = 0;                   // when no solution: nearest output lengths any tried layer
  int nearestAbove = 0;                   // gives below / above L2 (0 = none)
  bool truncated = false;                 // stopped at kMaxSolutions
};

inline constexpr int kMaxSolutions = 100000;

/// Solves `r`. Throws std::invalid_argument for lengths or bounds out of range.
SolveResult solveLength(const SolveRequest& r);

/// True when `spec` gives ceil(L'/s) (conv) or L'*s (transposed) for every input length L':
/// checked on L' = 1..64 and on every L' within 2(d(k-1)+1)+2 of the first three multiples of s
/// (each convention's length rule repeats with period s in L').
bool givesRatioForEveryLength(const nlohmann::json& spec, Convention cv, Op op, int s);

/// One line describing `sol`'s marks ("even overlap, symmetric, L*s for every L").
std::string solutionMarks(const LengthSolution& sol);
/// The marks of `sol` as JSON fields (overlap / dropped, symmetric, all_lengths, applied padding).
nlohmann::json solutionJson(const LengthSolution& sol);

}  // namespace convscope::engine
