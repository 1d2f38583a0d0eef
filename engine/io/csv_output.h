// CSV output of a layer's activations (`convscope run --csv`, the app's Export activations…).
// The layout is the CSV input format read back by csv_input.h, so a written file can feed a stack:
//   1-D (N, C, L): a header line, then one row per time step l, one column per channel:
//                  "c0,c1,..." (N = 1) or "n0_c0,n0_c1,...,n1_c0,..." (N > 1).
//   2-D (N, C, H, W): a header "n,c,h,w0,w1,...", then one row per (n, c, h): the three indices
//                  then the W values of that image row.
// Values are printed with 9 significant digits (float32 round-trips exactly).
#pragma once
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

/// The CSV text of `t` (channels-first, batch axis present: rank 3 or 4).
std::string csvText(const Tensor& t);
/// Writes csvText(t) atomically (temp file + rename). Throws std::runtime_error on an I/O failure.
void writeCsv(const std::string& path, const Tensor& t);

}  // namespace convscope::engine
