#include "engine/io/npy.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/io/data_path.h"

namespace convscope::engine {
namespace {

// Largest element count accepted from a header before the data size is checked against the file.
constexpr int64_t kMaxNpyElements = int64_t(1) << 34;

[[noreturn]] void fail(const std::string& label, const std::string& what, const std::string& rule) {
  ErrorContext ctx;
  ctx.file = label;
  ctx.param = what;
  throw EngineError(ctx, rule);
}

// Value of `key` in the header dict text, e.g. 'descr': '<f4' → "'<f4'".
std::string dictValue(const std::string& header, const std::string& key, const std::string& label,
                      const std::string& what) {
  const std::string k = "'" + key + "'";
  size_t pos = header.find(k);
  if (pos == std::string::npos) fail(label, what, "corrupt .npy header: no '" + key + "' entry");
  pos = header.find(':', pos + k.size());
  if (pos == std::string::npos) fail(label, what, "corrupt .npy header near '" + key + "'");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos >= header.size()) fail(label, what, "corrupt .npy header near '" + key + "'");
  size_t end = pos;
  if (header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos) fail(label, what, "corrupt .npy header: unterminated shape");
    return header.substr(pos, end - pos + 1);
  }
  if (header[pos] == '\'' || header[pos] == '"') {
    end = header.find(header[pos], pos + 1);
    if (end == std::string::npos) fail(label, what, "corrupt .npy header: unterminated string");
    return header.substr(pos + 1, end - pos - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  std::string v = header.substr(pos, end - pos);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

}  // namespace

NpyHeader parseNpyHeader(const std::string& bytes, const std::string& label, const std::string& what) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    fail(label, what, "not a .npy file (bad magic; expected \\x93NUMPY)");
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen = 0, offset = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(label, what, "truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i) headerLen |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail(label, what, "unsupported .npy format version " + std::to_string(major));
  }
  if (offset + headerLen > bytes.size()) fail(label, what, "truncated .npy header");
  const std::string header = bytes.substr(offset, headerLen);
  const size_t dataStart = offset + headerLen;

  const std::string descr = dictValue(header, "descr", label, what);
  const std::string fortran = dictValue(header, "fortran_order", label, what);
  const std::string shapeText = dictValue(header, "shape", label, what);
  if (fortran != "False")
    fail(label, what, "Fortran-order arrays are not supported; save with numpy.ascontiguousarray (C order)");
  int elemSize = 0;
  if (descr == "<f4" || descr == "=f4" || descr == "f4")
    elemSize = 4;
  else if (descr == "<f8" || descr == "=f8" || descr == "f8")
    elemSize = 8;
  else
    fail(label, what,
         "dtype '" + excerpt(descr, 24) + "' is not supported; expected float32 ('<f4') or float64 ('<f8')");

  if (shapeText.size() < 2 || shapeText.front() != '(' || shapeText.back() != ')')
    fail(label, what, "corrupt .npy header: the shape must be a tuple, got '" + excerpt(shapeText, 32) + "'");
  Shape shape;
  {
    std::string inner = shapeText.substr(1, shapeText.size() - 2);
    std::stringstream ss(inner);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      size_t a = tok.find_first_not_of(" \t");
      if (a == std::string::npos) continue;
      size_t b = tok.find_last_not_of(" \tL");
      std::string t = tok.substr(a, b - a + 1);
      if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 15)
        fail(label, what, "corrupt .npy header: bad shape " + excerpt(shapeText, 32));
      shape.push_back(std::stoll(t));
    }
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > kMaxNpyElements / d)
      fail(label, what, "declared shape " + shapeToString(shape) + " is too large");
    n *= d;
  }
  if (tensorBytes(shape) > limits().maxTensorBytes)
    fail(label, what,
         "declared shape " + shapeToString(shape) + " would need " + formatBytes(tensorBytes(shape)) +
             " as float32, more than the tensor limit of " + formatBytes(limits().maxTensorBytes) +
             " (CONVSCOPE_MAX_TENSOR_BYTES)");
  NpyHeader h;
  h.shape = std::move(shape);
  h.elementSize = elemSize;
  h.dataOffset = static_cast<int64_t>(dataStart);
  h.dataBytes = n * elemSize;
  return h;
}

Tensor parseNpy(const std::string& bytes, const std::string& label, const std::string& what) {
  const NpyHeader h = parseNpyHeader(bytes, label, what);
  const Shape& shape = h.shape;
  const int elemSize = h.elementSize;
  const size_t dataStart = static_cast<size_t>(h.dataOffset);
  const int64_t n = numelSaturating(shape);
  const size_t need = static_cast<size_t>(h.dataBytes);
  if (bytes.size() - dataStart < need)
    fail(label, what,
         "truncated .npy data: shape " + shapeToString(shape) + " needs " + std::to_string(need) +
             " bytes, the file has " + std::to_string(bytes.size() - dataStart));
  Tensor t(shape);
  const char* src = bytes.data() + dataStart;
  if (elemSize == 4) {
    if (need > 0)
      std::memcpy(t.data.data(), src, need);  // an empty tensor has no buffer (data() may be null)
  } else {
    for (int64_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, src + i * 8, 8);
      t.data[i] = static_cast<float>(v);
    }
  }
  return t;
}

Tensor readNpy(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, what, "file not found (or not a regular file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, what, "cannot open file for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parseNpy(bytes, path, what);
}

std::string npyBytes(const Tensor& t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape.size(); ++i) dict += std::to_string(t.shape[i]) + ", ";
  if (t.shape.size() > 1)
    dict.resize(dict.size() - 2);
  else if (t.shape.size() == 1)
    dict.resize(dict.size() - 1);
  dict += "), }";
  const size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(dict.size() & 0xff);
  out += char((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  return out;
}

void writeNpy(const std::string& path, const Tensor& t) {
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path);
    const std::string bytes = npyBytes(t);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error("write failed: " + path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + ec.message());
  }
}

}  // namespace convscope::engine
