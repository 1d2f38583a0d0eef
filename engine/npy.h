// NumPy .npy files (format 1.0/2.0/3.0): read float32/float64 C-order arrays, write float32.
#pragma once
#include <string>

#include "tensor.h"

namespace convscope::engine {

/// Reads `path`. Accepts '<f4', '<f8' (converted to float32), C order only. Throws EngineError
/// (ctx.file = path, ctx.param = `what`) on a missing, corrupt, truncated or unsupported file.
Tensor readNpy(const std::string& path, const std::string& what = "");
/// Parses an in-memory .npy image; `label` names it in errors.
Tensor parseNpy(const std::string& bytes, const std::string& label, const std::string& what = "");
/// Writes a little-endian float32 C-order .npy atomically (temp file + rename). Throws
/// std::runtime_error on an I/O failure.
void writeNpy(const std::string& path, const Tensor& t);
/// The .npy image of `t` (float32) as bytes.
std::string npyBytes(const Tensor& t);

}  // namespace convscope::engine
