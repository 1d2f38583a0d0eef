#include "engine/resolve/param_reader.h"

#include <cmath>

namespace convscope::engine {

std::string jsonTypeName(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

std::string shortDump(const nlohmann::json& v, size_t maxChars) {
  std::string s = v.dump();
  if (s.size() > maxChars) s = s.substr(0, maxChars) + "…";
  return s;
}

bool jsonToInt(const nlohmann::json& v, long long& out) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<unsigned long long>();
    if (u > (1ull << 40)) return false;
    out = static_cast<long long>(u);
    return true;
  }
  if (v.is_number_integer()) {
    out = v.get<long long>();
    return out >= -(1ll << 40) && out <= (1ll << 40);
  }
  return false;
}

ParamReader::ParamReader(const nlohmann::json& obj, ErrorContext ctx, int dims)
    : m_obj(obj), m_ctx(std::move(ctx)), m_dims(dims) {}

bool ParamReader::has(const std::string& key) const {
  return m_obj.contains(key) && !m_obj.at(key).is_null();
}

void ParamReader::accept(const std::string& key) {
  m_used.insert(key);
}

const nlohmann::json& ParamReader::raw(const std::string& key) {
  m_used.insert(key);
  return m_obj.at(key);
}

void ParamReader::fail(const std::string& key, const std::string& rule) const {
  ErrorContext c = m_ctx;
  c.param = key;
  throw EngineError(c, rule);
}

static std::string boundText(int minValue) {
  return minValue == 0 ? "must be >= 0" : "must be >= " + std::to_string(minValue);
}

std::vector<int> ParamReader::axes(const std::string& key, const std::vector<int>& def, int minValue) {
  m_used.insert(key);
  if (!has(key)) return def;
  const auto& v = m_obj.at(key);
  auto one = [&](const nlohmann::json& e) {
    long long x;
    if (!jsonToInt(e, x)) {
      if (e.is_number_float() && std::isfinite(e.get<double>()) &&
          e.get<double>() == std::floor(e.get<double>()) && std::fabs(e.get<double>()) < 1e9)
        x = static_cast<long long>(e.get<double>());
      else if (e.is_number_integer() || e.is_number_unsigned())
        fail(key, "is too large (" + shortDump(e) + " > 16777216)");
      else if (e.is_number())
        fail(key, "must be an integer, got " + shortDump(e));
      else
        fail(key, "must be an integer or a list of " + std::to_string(m_dims) + " integers, got " +
                      jsonTypeName(e));
    }
    if (x < minValue) fail(key, boundText(minValue) + ", got " + std::to_string(x));
    if (x > (1 << 24)) fail(key, "is too large (" + std::to_string(x) + " > 16777216)");
    return static_cast<int>(x);
  };
  if (v.is_array()) {
    if (static_cast<int>(v.size()) != m_dims)
      fail(key, "has " + std::to_string(v.size()) + " entries but the layer has " + std::to_string(m_dims) +
                    " spatial axis" + (m_dims == 1 ? "" : "es") + "; give one int or one per axis");
    std::vector<int> out;
    for (const auto& e : v) out.push_back(one(e));
    return out;
  }
  return std::vector<int>(static_cast<size_t>(m_dims), one(v));
}

int ParamReader::integer(const std::string& key, int def, int minValue, int maxValue) {
  m_used.insert(key);
  if (!has(key)) return def;
  const auto& v = m_obj.at(key);
  long long x;
  if (!jsonToInt(v, x)) {
    if (v.is_number_integer() || v.is_number_unsigned())
      fail(key, "must be <= " + std::to_string(maxValue) + ", got " + shortDump(v));
    fail(key, "must be an integer, got " + jsonTypeName(v) + " " + shortDump(v));
  }
  if (x < minValue) fail(key, boundText(minValue) + ", got " + std::to_string(x));
  if (x > maxValue) fail(key, "must be <= " + std::to_string(maxValue) + ", got " + std::to_string(x));
  return static_cast<int>(x);
}

double ParamReader::number(const std::string& key, double def) {
  m_used.insert(key);
  if (!has(key)) return def;
  const auto& v = m_obj.at(key);
  if (!v.is_number()) fail(key, "must be a number, got " + jsonTypeName(v) + " " + shortDump(v));
  const double x = v.get<double>();
  if (!std::isfinite(x)) fail(key, "must be finite");
  return x;
}

bool ParamReader::boolean(const std::string& key, bool def) {
  m_used.insert(key);
  if (!has(key)) return def;
  const auto& v = m_obj.at(key);
  if (v.is_boolean()) return v.get<bool>();
  long long x;
  if (jsonToInt(v, x) && (x == 0 || x == 1)) return x == 1;  // ONNX-style 0/1 flags
  fail(key, "must be true or false, got " + jsonTypeName(v) + " " + shortDump(v));
}

std::string ParamReader::word(const std::string& key, const std::string& def,
                              const std::vector<std::string>& allowed) {
  m_used.insert(key);
  if (!has(key)) return def;
  const auto& v = m_obj.at(key);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!v.is_string()) fail(key, "must be one of " + list + ", got " + jsonTypeName(v) + " " + shortDump(v));
  const std::string s = v.get<std::string>();
  for (const auto& a : allowed)
    if (a == s) return s;
  fail(key, "must be one of " + list + ", got " + shortDump(v));
}

std::string ParamReader::path(const std::string& key) {
  m_used.insert(key);
  const auto& v = m_obj.at(key);
  if (!v.is_string() || v.get<std::string>().empty())
    fail(key, "must be a file name (string), got " + jsonTypeName(v) + " " + shortDump(v));
  return v.get<std::string>();
}

void ParamReader::finish() const {
  for (auto it = m_obj.begin(); it != m_obj.end(); ++it) {
    if (m_used.count(it.key())) continue;
    std::string list;
    for (const auto& k : m_used) list += (list.empty() ? "" : ", ") + k;
    fail(it.key(), "unknown parameter for this op under this convention; accepted: " + list);
  }
}

}  // namespace convscope::engine
