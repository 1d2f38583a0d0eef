#include "engine/compare/compare_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "engine/core/convention.h"

namespace convscope::engine {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string count(int64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0 && s[i - 1] != '-') out += ',';
    out += s[i];
  }
  return out;
}

int spatialAxes(const StackFigures& f) {
  return static_cast<int>(f.outputShape.size()) - 1;
}

std::string perAxis(const StackFigures& f, const std::array<Rational, 2>& v) {
  if (spatialAxes(f) == 1) return rationalString(v[0]);
  return rationalString(v[0]) + " x " + rationalString(v[1]);
}

std::string singleText(const SingleLayer& s) {
  if (!s.found) return "none";
  const Layer& l = s.layer;
  std::string k, st;
  for (int a = 0; a < l.dims; ++a) {
    if (a) {
      k += 'x';
      st += 'x';
    }
    k += std::to_string(l.ax[size_t(a)].k);
    st += std::to_string(l.ax[size_t(a)].s);
  }
  return std::string(opName(l.op)) + " k" + k + " s" + st;
}

std::string flatText(const FlatResponse& f) {
  if (!f.hasInterior) return "no interior";
  return number(f.min) + ".." + number(f.max);
}

std::string periodText(const FlatResponse& f, int axes) {
  if (!f.hasInterior) return "-";
  auto p = [](int64_t v) { return v ? std::to_string(v) : std::string("none"); };
  return axes == 1 ? p(f.period[0]) : p(f.period[0]) + " x " + p(f.period[1]);
}

std::string nameOf(const StackFigures& f) {
  return std::filesystem::path(f.name).filename().string();
}

/// Weights of a layer as nested lists in the convention-free canonical layout, for small kernels.
std::string kernelText(const Layer& l) {
  if (l.weight.numel() > 64) {
    std::string s = "(";
    s += std::to_string(l.weight.numel());
    s += " weights, see --json)";
    return s;
  }
  std::string s = "[";
  for (int64_t i = 0; i < l.weight.numel(); ++i) s += (i ? ", " : "") + number(l.weight.data[size_t(i)]);
  return s + "] " + shapeToString(l.weight.shape) + (l.op == Op::Conv ? " (O, C, k)" : " (C, O, k)");
}

}  // namespace

std::vector<std::vector<std::string>> comparisonRows(const Comparison& c) {
  std::vector<std::vector<std::string>> rows;  // label, then one cell per stack
  auto row = [&](const std::string& label, auto cell) {
    std::vector<std::string> r{label};
    for (const StackFigures& f : c.stacks) r.push_back(cell(f));
    rows.push_back(std::move(r));
  };
  row("stack", [](const StackFigures& f) { return nameOf(f); });
  row("output shape", [](const StackFigures& f) { return shapeToString(f.outputShape); });
  size_t layers = 0;
  for (const auto& f : c.stacks) layers = std::max(layers, f.layers.size());
  for (size_t i = 0; i < layers; ++i)
    row("layer " + std::to_string(i), [&](const StackFigures& f) {
      return i < f.layers.size() ? f.layers[i].op + " " + shapeToString(f.layers[i].outputShape)
                                 : std::string();
    });
  row("parameters", [](const StackFigures& f) { return count(f.parameters); });
  row("multiply-adds", [](const StackFigures& f) { return count(f.multiplyAdds); });
  row("field stride", [](const StackFigures& f) { return perAxis(f, f.field.stride); });
  row("field span", [](const StackFigures& f) { return perAxis(f, f.field.span); });
  row("flat input: output", [](const StackFigures& f) { return flatText(f.flat); });
  row("flat input: ripple",
      [](const StackFigures& f) { return f.flat.hasInterior ? number(f.flat.ripple) : std::string("-"); });
  row("flat input: period", [](const StackFigures& f) { return periodText(f.flat, spatialAxes(f)); });
  row("single layer", [](const StackFigures& f) { return singleText(f.single); });
  return rows;
}

std::string comparisonLegend() {
  return "field: the centre output's receptive field in the input; stride = input steps per output step\n"
         "(1/2: two outputs per input), span = input positions it covers (a fraction: on average).\n"
         "flat input: the output for an input of ones, away from the borders; a ripple > 0 with period > 1\n"
         "is a checkerboard.\n";
}

std::string pairText(const Comparison& c, const PairFigures& p) {
  if (!p.comparable) return "not compared (" + p.why + ")";
  std::string out = "max |difference| " + number(p.maxAbsDiff) + ", max relative " + number(p.maxRelDiff);
  if (p.maxAbsDiff > 0) {
    out += " (largest at channel " + std::to_string(p.channel) + ", position ";
    if (squeezedShape(c.stacks[size_t(p.a)].outputShape).size() >= 3)
      out += "(" + std::to_string(p.at[0]) + ", " + std::to_string(p.at[1]) + ")";
    else
      out += std::to_string(p.at[0]);
    out += ")";
  }
  return out;
}

std::string singleLayerText(const Comparison& c, size_t i, const Stack& stack) {
  const SingleLayer& s = c.stacks[i].single;
  if (!s.found) return "no single layer: " + s.why + "\n";
  std::ostringstream out;
  out << "one layer: " << describeLayer(s.layer, stack.convention) << "\n";
  out << "  kernel " << kernelText(s.layer) << "\n";
  if (!s.layer.bias.empty()) {
    out << "  bias [";
    for (int64_t j = 0; j < s.layer.bias.numel(); ++j)
      out << (j ? ", " : "") << number(s.layer.bias.data[size_t(j)]);
    out << "]\n";
  }
  out << "  checked: max |difference| " << number(s.maxAbsDiff)
      << " on random inputs and the stack's input\n";
  return out.str();
}

std::string comparisonText(const Comparison& c, const std::vector<Stack>& stacks) {
  const std::vector<std::vector<std::string>> rows = comparisonRows(c);
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t j = 0; j < r.size(); ++j) width[j] = std::max(width[j], r[j].size());
  std::ostringstream out;
  out << "input " << shapeToString(c.inputShape) << " (C, spatial), the same for every stack\n";
  for (const auto& r : rows) {
    std::string line;
    for (size_t j = 0; j < r.size(); ++j) line += r[j] + std::string(width[j] - r[j].size() + 2, ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  out << comparisonLegend() << "\n";
  for (const PairFigures& p : c.pairs)
    out << nameOf(c.stacks[size_t(p.a)]) << " vs " << nameOf(c.stacks[size_t(p.b)]) << ": " << pairText(c, p)
        << "\n";
  out << "\n";
  for (size_t i = 0; i < c.stacks.size(); ++i)
    out << nameOf(c.stacks[i]) << ": " << singleLayerText(c, i, stacks[i]);
  return out.str();
}

nlohmann::json comparisonJson(const Comparison& c, const std::vector<Stack>& stacks) {
  using nlohmann::json;
  auto rationals = [](const StackFigures& f, const std::array<Rational, 2>& v) {
    json a = json::array();
    for (int i = 0; i < spatialAxes(f); ++i) a.push_back(rationalString(v[size_t(i)]));
    return a;
  };
  json out = {{"input_shape", c.inputShape}, {"stacks", json::array()}, {"pairs", json::array()}};
  for (size_t i = 0; i < c.stacks.size(); ++i) {
    const StackFigures& f = c.stacks[i];
    json layers = json::array();
    for (const LayerFigures& l : f.layers)
      layers.push_back({{"op", l.op},
                        {"output_shape", l.outputShape},
                        {"parameters", l.parameters},
                        {"multiply_adds", l.multiplyAdds}});
    json period = json::array();
    for (int a = 0; a < spatialAxes(f); ++a) period.push_back(f.flat.period[size_t(a)]);
    json single = {{"found", f.single.found}};
    if (f.single.found) {
      const Layer& l = f.single.layer;
      json k = json::array(), s = json::array(), pads = json::array();
      for (int a = 0; a < l.dims; ++a) {
        const Axis& x = l.ax[size_t(a)];
        k.push_back(x.k);
        s.push_back(x.s);
        pads.push_back(l.op == Op::Conv ? json::array({x.pb, x.pe})
                                        : json::array({x.start, x.fullLength() - x.start - x.out}));
      }
      single["op"] = opName(l.op);
      single["kernel_size"] = k;
      single["stride"] = s;
      single[l.op == Op::Conv ? "padding" : "crop"] = pads;
      single["weight_shape"] = l.weight.shape;
      single["weight"] = l.weight.data;
      single["bias"] = l.bias.data;
      single["described"] = describeLayer(l, stacks[i].convention);
      single["max_abs_difference"] = f.single.maxAbsDiff;
    } else {
      single["why"] = f.single.why;
    }
    out["stacks"].push_back(
        {{"file", f.name},
         {"convention", conventionName(stacks[i].convention)},
         {"output_shape", f.outputShape},
         {"layers", layers},
         {"parameters", f.parameters},
         {"multiply_adds", f.multiplyAdds},
         {"field", {{"stride", rationals(f, f.field.stride)}, {"span", rationals(f, f.field.span)}}},
         {"flat_response",
          {{"has_interior", f.flat.hasInterior},
           {"min", f.flat.min},
           {"max", f.flat.max},
           {"ripple", f.flat.ripple},
           {"period", period}}},
         {"single_layer", single}});
  }
  for (const PairFigures& p : c.pairs) {
    json j = {{"a", p.a}, {"b", p.b}, {"comparable", p.comparable}};
    if (p.comparable) {
      j["max_abs_difference"] = p.maxAbsDiff;
      j["max_relative_difference"] = p.maxRelDiff;
      const size_t axes = squeezedShape(c.stacks[size_t(p.a)].outputShape).size() - 1;
      json pos = json::array();
      for (size_t a = 0; a < std::min<size_t>(axes, 2); ++a) pos.push_back(p.at[a]);
      j["largest_at"] = {{"channel", p.channel}, {"position", pos}};
    } else {
      j["why"] = p.why;
    }
    out["pairs"].push_back(j);
  }
  return out;
}

}  // namespace convscope::engine
