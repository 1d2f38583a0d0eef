// NumPy .npy files (format 1.0/2.0/3.0): read float32/float64 C-order arrays, write float32.
#pragma once
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

/// Reads `path`. Accepts '<f4', '<f8' (converted to float32), C order only. Throws EngineError
/// (ctx.file = path, ctx.param = `what`) on a missing, corrupt, truncated or unsupported file.
Tensor readNpy(const std::string& path, const std::string& what = "");
/// What a .npy header declares: the array's shape, its element size (4 or 8 bytes) and where its
/// data starts; the whole file is dataOffset + dataBytes bytes.
struct NpyHeader {
  Shape shape;
  int elementSize = 4;
  int64_t dataOffset = 0;
  int64_t dataBytes = 0;
};
/// Parses the header at the start of `bytes` (the data need not follow: a prefix holding the whole
/// header is enough). Throws EngineError as readNpy does, including for a shape over the tensor limit.
NpyHeader parseNpyHeader(const std::string& bytes, const std::string& label, const std::string& what = "");
/// Parses an in-memory .npy image; `label` names it in errors.
Tensor parseNpy(const std::string& bytes, const std::string& label, const std::string& what = "");
/// Writes a little-endian float32 C-order .npy atomically (temp file + rename). Throws
/// std::runtime_error on an I/O failure.
void writeNpy(const std::string& path, const Tensor& t);
/// The .npy image of `t` (float32) as bytes.
std::string npyBytes(const Tensor& t);

}  // namespace convscope::engine
