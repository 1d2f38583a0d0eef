#include "engine/stack/view_spec.h"

#include <algorithm>
#include <cctype>

#include "engine/core/error.h"
#include "engine/resolve/param_reader.h"

namespace convscope::engine {

namespace {
constexpr const char* kKeys[] = {"layer", "name", "step"};
}  // namespace

const std::vector<std::string>& viewNames() {
  static const std::vector<std::string> names{"slide",   "scatter",         "zero_insert", "matrix",
                                              "overlap", "receptive_field", "activations"};
  return names;
}

void validateViewSpec(const nlohmann::json& doc, const std::string& file, size_t layerCount) {
  if (!doc.is_object() || !doc.contains("view")) return;
  const nlohmann::json& v = doc.at("view");
  auto fail = [&file](const std::string& key, const std::string& rule) {
    throw EngineError({file, -1, "", key}, rule);
  };
  if (!v.is_object())
    fail("view", "must be an object like {\"name\": \"slide\", \"layer\": 0, \"step\": 0}, got " +
                     jsonTypeName(v) + " " + shortDump(v));
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();  // a named variable: clang 14 cannot capture structured bindings
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) ==
        std::end(kKeys))
      fail("view." + key, "unknown key of the stack's view; accepted: layer, name, step");
  }
  if (v.contains("name")) {
    const auto& n = v.at("name");
    std::vector<std::string> names = viewNames();
    names.push_back("auto");
    std::string list;
    for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
    if (!n.is_string())
      fail("view.name", "must be a view name (" + list + "), got " + jsonTypeName(n) + " " + shortDump(n));
    std::string s = n.get<std::string>();
    const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
    s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
    for (char& c : s) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(names.begin(), names.end(), s) == names.end())
      fail("view.name", "unknown view " + shortDump(n) + "; the views are " + list);
  }
  if (v.contains("layer")) {
    const auto& l = v.at("layer");
    long long x = 0;
    if (!jsonToInt(l, x))
      fail("view.layer",
           "must be a layer index (an integer from 0), got " + jsonTypeName(l) + " " + shortDump(l));
    const long long n = static_cast<long long>(layerCount);
    if (n == 0 && x != 0)
      fail("view.layer", "layer index " + std::to_string(x) + " is out of range: the stack has no layers");
    if (n > 0 && (x < 0 || x >= n))
      fail("view.layer", "layer index " + std::to_string(x) + " is out of range: the stack has " +
                             std::to_string(n) +
                             (n == 1 ? " layer (0)" : " layers (0.." + std::to_string(n - 1) + ")"));
  }
  if (v.contains("step")) {
    const auto& st = v.at("step");
    long long x = 0;
    const bool last = st.is_string() && st.get<std::string>() == "last";
    if (!last && !jsonToInt(st, x))
      fail("view.step", "must be a step from 0, or -1 or \"last\" for the view's final step, got " +
                            jsonTypeName(st) + " " + shortDump(st));
    if (!last && x < -1)
      fail("view.step",
           "must be >= 0, or -1 or \"last\" for the view's final step, got " + std::to_string(x));
  }
}

}  // namespace convscope::engine
