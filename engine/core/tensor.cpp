#include "engine/core/tensor.h"

#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace convscope::engine {

int64_t numel(const Shape& shape) {
  // Saturates at INT64_MAX instead of overflowing (UB) on absurd shapes; size checks then refuse them.
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<int64_t>::max();
  return n;
}

std::string shapeToString(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(Shape s, float fill)
    : shape(std::move(s)), data(static_cast<size_t>(engine::numel(shape)), fill) {}

bool sameBits(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.data.size() == b.data.size() &&
         (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
}

Tensor permute(const Tensor& t, const std::vector<int>& perm) {
  const int r = t.rank();
  if (static_cast<int>(perm.size()) != r) throw std::logic_error("permute: rank mismatch");
  Shape outShape(r);
  for (int i = 0; i < r; ++i) outShape[i] = t.shape[perm[i]];
  Tensor out(outShape);
  std::vector<int64_t> inStride(r, 1);
  for (int i = r - 2; i >= 0; --i) inStride[i] = inStride[i + 1] * t.shape[i + 1];
  std::vector<int64_t> idx(r, 0);
  const int64_t n = out.numel();
  for (int64_t o = 0; o < n; ++o) {
    int64_t src = 0;
    for (int i = 0; i < r; ++i) src += idx[i] * inStride[perm[i]];
    out.data[o] = t.data[src];
    for (int i = r - 1; i >= 0; --i) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

Tensor moveAxis(const Tensor& t, int from, int to) {
  const int r = t.rank();
  if (from < 0) from += r;
  if (to < 0) to += r;
  std::vector<int> order;
  for (int i = 0; i < r; ++i)
    if (i != from) order.push_back(i);
  order.insert(order.begin() + to, from);
  return permute(t, order);
}

}  // namespace convscope::engine
