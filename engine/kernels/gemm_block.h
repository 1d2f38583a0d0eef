// Shared by the GEMM paths of conv.cpp and conv_transpose.cpp: row-major Eigen maps over raw
// buffers and the blocking / threading thresholds.
#pragma once
// GCC 12 reports a false -Wmaybe-uninitialized inside Eigen's AVX-512 GEMM packing (avx512fintrin.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>
#include <cstdint>

namespace convscope::engine::gemm {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using RowMap = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;

constexpr int64_t kColBufferFloats = 96 * 1024;  // ~384 KiB gather block (L2 is 1-2 MiB per core)
constexpr int64_t kParallelMinFlops = 1 << 17;   // below this, threads cost more than they save

}  // namespace convscope::engine::gemm
