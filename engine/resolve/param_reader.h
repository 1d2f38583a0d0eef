// ParamReader: typed, validated access to one JSON object of a stack file (a layer or the input).
// Every accessor names the parameter in its errors; finish() refuses keys nobody asked for.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "engine/core/error.h"

namespace convscope::engine {

class ParamReader {
 public:
  /// `obj` must outlive the reader; `dims` is the spatial rank used for per-axis lists.
  ParamReader(const nlohmann::json& obj, ErrorContext ctx, int dims);

  bool has(const std::string& key) const;
  /// Marks `key` as known without reading it (for keys handled elsewhere).
  void accept(const std::string& key);
  const nlohmann::json& raw(const std::string& key);

  /// Int or list of `dims` ints, each >= minValue; `def` when absent.
  std::vector<int> axes(const std::string& key, const std::vector<int>& def, int minValue);
  /// Single int >= minValue (<= maxValue).
  int integer(const std::string& key, int def, int minValue, int maxValue = 1 << 30);
  double number(const std::string& key, double def);
  bool boolean(const std::string& key, bool def);
  /// A string out of `allowed`.
  std::string word(const std::string& key, const std::string& def, const std::vector<std::string>& allowed);
  /// A string (path) value.
  std::string path(const std::string& key);

  [[noreturn]] void fail(const std::string& key, const std::string& rule) const;
  /// Throws for the first key that no accessor asked for, listing the accepted names.
  void finish() const;

  const ErrorContext& context() const { return m_ctx; }
  int dims() const { return m_dims; }

 private:
  const nlohmann::json& m_obj;
  ErrorContext m_ctx;
  int m_dims;
  std::set<std::string> m_used;
};

/// JSON type name for messages ("string", "array", ...).
std::string jsonTypeName(const nlohmann::json& v);
/// The JSON text of `v` for messages, cut to `maxChars` with "…" (values can be huge).
std::string shortDump(const nlohmann::json& v, size_t maxChars = 60);
/// Reads a JSON integer (not float, not bool) into `out` (bounded to int range).
bool jsonToInt(const nlohmann::json& v, long long& out);

}  // namespace convscope::engine
