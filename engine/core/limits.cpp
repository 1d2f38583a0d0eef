#include "engine/core/limits.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace convscope::engine {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::atomic<int64_t> g_activation{0};  // 0 = not initialised yet
std::atomic<int64_t> g_tensor{0};
std::atomic<int> g_depth{0};
std::atomic<int64_t> g_macs{0};
std::atomic<int64_t> g_scratch{0};
std::once_flag g_init;

void initOnce() {
  std::call_once(g_init, [] {
    if (g_activation.load() != 0) return;  // setLimits() came first
    const Limits l = limitsFromEnvironment();
    g_activation = l.maxActivationBytes;
    g_tensor = l.maxTensorBytes;
    g_depth = l.maxJsonDepth;
    g_macs = l.maxMultiplyAdds;
    g_scratch = l.maxScratchBytes;
  });
}

}  // namespace

bool parseByteSize(const std::string& text, int64_t& out) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  int64_t v = 0;
  const size_t digits = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (v > (kMax - 9) / 10) return false;
    v = v * 10 + (text[i] - '0');
    ++i;
  }
  if (i == digits) return false;
  int shift = 0;
  if (i < text.size()) {
    switch (text[i]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      case 't':
      case 'T':
        shift = 40;
        break;
      default:
        return false;
    }
    ++i;
    if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;  // "GiB"
    if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
  }
  while (i < text.size() && text[i] == ' ') ++i;
  if (i != text.size() || v <= 0 || v > (kMax >> shift)) return false;
  out = v << shift;
  return true;
}

Limits limitsFromEnvironment() {
  Limits l;
  for (auto [name, field] : {std::pair{"CONVSCOPE_MAX_ACTIVATION_BYTES", &l.maxActivationBytes},
                             std::pair{"CONVSCOPE_MAX_TENSOR_BYTES", &l.maxTensorBytes},
                             std::pair{"CONVSCOPE_MAX_MULTIPLY_ADDS", &l.maxMultiplyAdds},
                             std::pair{"CONVSCOPE_MAX_SCRATCH_BYTES", &l.maxScratchBytes}}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    int64_t x;
    if (parseByteSize(v, x))
      *field = x;
    else
      std::fprintf(stderr,
                   "convscope: warning: ignoring %s=%s (expected a positive integer, optionally with "
                   "K/M/G/T, e.g. 4G)\n",
                   name, v);
  }
  return l;
}

Limits limits() {
  initOnce();
  Limits l;
  l.maxActivationBytes = g_activation.load();
  l.maxTensorBytes = g_tensor.load();
  l.maxJsonDepth = g_depth.load();
  l.maxMultiplyAdds = g_macs.load();
  l.maxScratchBytes = g_scratch.load();
  return l;
}

void setLimits(const Limits& l) {
  initOnce();
  g_activation = l.maxActivationBytes > 0 ? l.maxActivationBytes : kMax;
  g_tensor = l.maxTensorBytes > 0 ? l.maxTensorBytes : kMax;
  g_depth = l.maxJsonDepth > 0 ? l.maxJsonDepth : 64;
  g_macs = l.maxMultiplyAdds > 0 ? l.maxMultiplyAdds : kMax;
  g_scratch = l.maxScratchBytes > 0 ? l.maxScratchBytes : kMax;
}

std::string formatCount(int64_t n) {
  if (n == kMax) return "more than 9.2e+18";
  if (n < 1000000) return std::to_string(n);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", static_cast<double>(n));
  return buf;
}

std::string formatBytes(int64_t bytes) {
  if (bytes == kMax) return "more than 8 EiB";
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

int64_t mulSaturating(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > kMax / b) return kMax;
  return a * b;
}

int64_t addSaturating(int64_t a, int64_t b) {
  return a > kMax - b ? kMax : a + b;
}

int64_t numelSaturating(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n = mulSaturating(n, d < 0 ? 0 : d);
  return n;
}

int64_t tensorBytes(const Shape& shape) {
  return mulSaturating(numelSaturating(shape), int64_t(sizeof(float)));
}

int jsonNestingDepth(const std::string& text, int cap, size_t& where) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (depth > cap) {
        where = i;
        return depth;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

int jsonValueDepth(const nlohmann::json& value, int cap) {
  // explicit stack of (container, depth)
  std::vector<std::pair<const nlohmann::json*, int>> todo{{&value, 0}};
  int deepest = 0;
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    const int here = depth + 1;
    if (here > cap) return cap + 1;
    deepest = std::max(deepest, here);
    for (const auto& child : *v)
      if (child.is_structured()) todo.emplace_back(&child, here);
  }
  return deepest;
}

}  // namespace convscope::engine
