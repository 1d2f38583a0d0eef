#include "engine/io/csv_output.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace convscope::engine {

namespace {

void appendValue(std::string& s, float v) {
  char buf[32];
  if (std::isnan(v))
    std::snprintf(buf, sizeof buf, "nan");
  else if (std::isinf(v))
    std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
  else
    std::snprintf(buf, sizeof buf, "%.9g", double(v));
  s += buf;
}

}  // namespace

std::string csvText(const Tensor& t) {
  if (t.rank() != 3 && t.rank() != 4)
    throw std::invalid_argument("csvText: expected (N, C, L) or (N, C, H, W)");
  std::string s;
  const int64_t N = t.dim(0), C = t.dim(1);
  if (t.rank() == 3) {
    const int64_t L = t.dim(2);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        if (n || c) s += ',';
        s += N == 1 ? "c" + std::to_string(c) : "n" + std::to_string(n) + "_c" + std::to_string(c);
      }
    s += '\n';
    s.reserve(s.size() + size_t(N * C * L) * 12);
    for (int64_t l = 0; l < L; ++l) {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
          if (n || c) s += ',';
          appendValue(s, t.data[size_t((n * C + c) * L + l)]);
        }
      s += '\n';
    }
    return s;
  }
  const int64_t H = t.dim(2), W = t.dim(3);
  s += "n,c,h";
  for (int64_t w = 0; w < W; ++w) s += ",w" + std::to_string(w);
  s += '\n';
  s.reserve(s.size() + size_t(N * C * H * W) * 12);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h) {
        s += std::to_string(n) + "," + std::to_string(c) + "," + std::to_string(h);
        const float* row = t.ptr() + ((n * C + c) * H + h) * W;
        for (int64_t w = 0; w < W; ++w) {
          s += ',';
          appendValue(s, row[w]);
        }
        s += '\n';
      }
  return s;
}

void writeCsv(const std::string& path, const Tensor& t) {
  const std::string text = csvText(t);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path);
    out.write(text.data(), std::streamsize(text.size()));
    if (!out) {
      std::filesystem::remove(tmp);
      throw std::runtime_error("cannot write " + path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw std::runtime_error("cannot write " + path + ": " + ec.message());
  }
}

}  // namespace convscope::engine
