// Limits: caps on what a stack may make the engine allocate, checked before anything is allocated
// (a stack that would exceed them is refused with the size it would need), plus the nesting cap
// of stack-file JSON. Process-wide, thread-safe, independent of any stack file.
//
// Defaults (sized for a 24 GiB machine): 4 GiB of activations (input + every layer's output,
// × batch), 2 GiB for any single tensor (input, weight, one layer's output), JSON nesting 64, and
// 2^37 multiply-adds per forward pass (so no edit starts minutes of work), and 1 GiB of kernel
// scratch per layer (scratchBytes in layer.h: padded copies, repacked weights, per-thread buffers
// × threads). The environment overrides the caps on first use: CONVSCOPE_MAX_ACTIVATION_BYTES,
// CONVSCOPE_MAX_TENSOR_BYTES, CONVSCOPE_MAX_MULTIPLY_ADDS and CONVSCOPE_MAX_SCRATCH_BYTES, an
// integer with an optional K/M/G/T suffix (powers of 1024).
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

struct Limits {
  int64_t maxActivationBytes = int64_t(4) << 30;  // input + sum of layer outputs (float32, × batch)
  int64_t maxTensorBytes = int64_t(2) << 30;      // any one tensor (float32)
  int maxJsonDepth = 64;                          // nesting of [ and { in a stack file
  int64_t maxMultiplyAdds = int64_t(1) << 37;     // a forward pass (Σ multiplyAdds × batch): ~1.4e11,
                                                  // a few seconds here; what an edit may start
  int64_t maxScratchBytes = int64_t(1) << 30;     // one layer's kernel scratch (scratchBytes × batch)
};

/// The limits in force: the defaults with the environment applied, unless setLimits() was called.
Limits limits();
/// Replaces the limits for the whole process (tests, fuzzers, embedding applications).
void setLimits(const Limits& l);
/// The built-in defaults with the CONVSCOPE_MAX_* variables above applied
/// (an unparsable value is ignored with the default kept).
Limits limitsFromEnvironment();

/// Parses "4294967296", "4G", "512M", "64k" (powers of 1024); false if malformed, <= 0 or too big.
bool parseByteSize(const std::string& text, int64_t& out);
/// "4.0 GiB", "12.5 MiB", "512 bytes" — for messages.
std::string formatBytes(int64_t bytes);
/// "2.8e+15" style count for messages (exact below 10^6).
std::string formatCount(int64_t n);

/// Product of the dims, saturating at INT64_MAX (never overflows). Precondition: dims >= 0.
int64_t numelSaturating(const Shape& shape);
/// a * b saturating at INT64_MAX for a, b >= 0.
int64_t mulSaturating(int64_t a, int64_t b);
/// a + b saturating at INT64_MAX for a, b >= 0.
int64_t addSaturating(int64_t a, int64_t b);
/// float32 bytes of `shape` (saturating).
int64_t tensorBytes(const Shape& shape);

/// Deepest nesting of [ and { in JSON text (strings skipped); stops counting once above `cap`
/// and returns the 0-based offset of the first bracket beyond it in `where`.
int jsonNestingDepth(const std::string& text, int cap, size_t& where);
/// Nesting of arrays and objects in a parsed value (a scalar is 0, [] is 1), found without
/// recursion; stops once above `cap` (returns cap + 1). Copying, comparing or dumping an
/// nlohmann::json recurses once per level, so values built in memory (GUI edits) are checked with
/// this against limits().maxJsonDepth before anything else touches them.
int jsonValueDepth(const nlohmann::json& value, int cap);

}  // namespace convscope::engine
