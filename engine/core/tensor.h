// Tensor: dense float32 array, C (row-major) order, shape of any rank.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace convscope::engine {

using Shape = std::vector<int64_t>;

/// Number of elements of a shape (1 for rank 0). Precondition: all dims >= 0.
int64_t numel(const Shape& shape);
/// "[2, 3, 16]" — for messages.
std::string shapeToString(const Shape& shape);

struct Tensor {
  Shape shape;
  std::vector<float> data;  // numel(shape) values, C order

  Tensor() = default;
  /// Allocates numel(shape) elements set to `fill`.
  explicit Tensor(Shape s, float fill = 0.0f);

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
  bool empty() const { return data.empty(); }
};

/// True when a and b have the same shape and the same bits in every element (NaN payloads and the
/// sign of zero included): the strict equality under which a kernel's output is reproduced exactly.
bool sameBits(const Tensor& a, const Tensor& b);
/// Moves axis `from` to position `to` (like numpy.moveaxis); used for layout changes.
Tensor moveAxis(const Tensor& t, int from, int to);
/// General permutation: out.shape[i] = in.shape[perm[i]] (numpy.transpose(perm)).
Tensor permute(const Tensor& t, const std::vector<int>& perm);

}  // namespace convscope::engine
