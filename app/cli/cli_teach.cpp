// cli_teach.cpp: `equiv`, `trace` and `field` (see cli_teach.h). Engine only, no Qt.
#include "app/cli/cli_teach.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"
#include "engine/teach/equivalence.h"
#include "engine/teach/receptive_field.h"
#include "engine/teach/trace.h"

namespace convscope::app {

const char* const kEquivHelp =
    "usage: convscope equiv STACK.json --layer I [--json]\n"
    "Computes layer I (conv or conv_transpose) every equivalent way and prints the max abs difference\n"
    "of each from the direct forward result (batch included).\n"
    "  conv_transpose: scatter, zero_insertion, matrix_transpose, input_gradient, conv2d_singleton\n"
    "  conv:           naive, matrix, conv2d_singleton\n"
    "--json  {\"layer\": I, \"op\": \"...\", \"methods\": {\"name\": max_abs_diff, ...}}\n";

const char* const kTraceHelp =
    "usage: convscope trace STACK.json --layer I --step T [--json]\n"
    "Prints how layer I makes its outputs at step T (output position T in row-major order, every\n"
    "output channel; batch item 0): each term's input channel, input position (or null for a zero\n"
    "cell), cell kind, kernel tap, weight, input value and product, plus the bias.\n"
    "Ops: conv, conv_transpose, max_pool, avg_pool, upsample, unpool, zero_insert.\n"
    "--json  {\"layer\": I, \"step\": T, \"outputs\": [{\"channel\", \"position\": [..], \"value\", "
    "\"bias\",\n"
    "        \"terms\": [{\"in_channel\", \"in_position\": [..] or null,\n"
    "        \"cell\": \"data|padding|inserted_zero|cropped\", \"tap\": [..], \"weight\", \"input\", "
    "\"product\"}]}]}\n"
    "        (max_pool padding reads -inf, written as null).\n";

const char* const kFieldHelp =
    "usage: convscope field STACK.json --layer J --position P [--from I] [--json]\n"
    "The receptive field of layer J's output element at position P (\"5\" or \"3,4\"): every position\n"
    "of layer I's output (default: the stack input, I = -1) that influences it, with the number of\n"
    "tap paths, and the closed-form effective stride, span, padding and dilation.\n"
    "--json  {\"layer\", \"from\", \"position\", \"count\", \"total_paths\", \"points\": [{\"position\", "
    "\"paths\"}],\n"
    "        \"hull\": [[min, max] per axis], \"touches_padding\", \"closed_form\": {\"stride\", \"span\",\n"
    "        \"padding\" (exact fractions as strings), \"dilation\", \"bounds\", \"forward_only\", "
    "\"applies\",\n"
    "        \"within_bounds\", \"hull_checked\", \"hull_matches\"}}\n";

namespace {

using engine::EngineError;
using json = nlohmann::ordered_json;  // keeps the documented key order

struct TeachArgs {
  std::string stack;
  std::map<std::string, std::string> opts;
  bool json = false;
};

[[noreturn]] void usage(const std::string& cmd, const std::string& param, const std::string& rule) {
  throw EngineError({"", -1, "", param}, cmd + ": " + rule + " (see 'convscope " + cmd + " --help')");
}

TeachArgs parse(const std::vector<std::string>& argv, const std::vector<std::string>& valued) {
  const std::string cmd = argv.empty() ? "?" : argv[0];
  TeachArgs a;
  std::vector<std::string> pos;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      std::string val;
      bool inl = false;
      if (auto eq = s.find('='); eq != std::string::npos) {
        val = s.substr(eq + 1);
        s = s.substr(0, eq);
        inl = true;
      }
      if (s == "--json" && !inl) {
        a.json = true;
      } else if (std::find(valued.begin(), valued.end(), s) != valued.end()) {
        if (!inl) {
          if (i + 1 >= argv.size()) usage(cmd, s, "option " + s + " needs a value");
          val = argv[++i];
        }
        a.opts[s] = val;
      } else {
        usage(cmd, s, "unknown option " + s);
      }
    } else {
      pos.push_back(s);
    }
  }
  if (pos.size() != 1)
    usage(cmd, "STACK", "expected one STACK file, got " + std::to_string(pos.size()) + " arguments");
  a.stack = pos[0];
  return a;
}

int intArg(const TeachArgs& a, const std::string& cmd, const std::string& key, bool required, int def) {
  auto it = a.opts.find(key);
  if (it == a.opts.end()) {
    if (required) usage(cmd, key, key + " is required");
    return def;
  }
  try {
    size_t p = 0;
    const long v = std::stol(it->second, &p);
    if (p != it->second.size() || v < -1 || v > 1000000000) throw std::invalid_argument("");
    return int(v);
  } catch (const std::exception&) {
    usage(cmd, key, key + " must be an integer, got '" + it->second + "'");
  }
}

const engine::Layer& layerAt(const engine::Stack& st, int i, const std::string& key) {
  if (i < 0 || i >= int(st.layers.size()))
    throw EngineError({st.file, -1, "", key},
                      "layer index " + std::to_string(i) + " is out of range: the stack has " +
                          std::to_string(st.layers.size()) + " layer(s), indices 0.." +
                          std::to_string(int(st.layers.size()) - 1));
  return st.layers[size_t(i)];
}

// Input of layer i: the stack input or layer i-1's output.
engine::Tensor layerInput(const engine::Stack& st, int i) {
  engine::Tensor x = st.input;
  for (int l = 0; l < i; ++l) x = engine::forwardLayer(st.layers[size_t(l)], x);
  return x;
}

json posJson(const engine::Pos& p, int dims) {
  json j = json::array();
  for (int a = 0; a < dims; ++a) j.push_back(p[size_t(a)]);
  return j;
}

// Rethrows engine errors from helpers with the stack file and layer index filled in.
[[noreturn]] void rethrowWith(const EngineError& e, const engine::Stack& st, int layer) {
  engine::ErrorContext c = e.context();
  if (c.file.empty()) c.file = st.file;
  if (c.layer < 0) c.layer = layer;
  throw EngineError(c, e.rule());
}

}  // namespace

int cmdEquiv(const std::vector<std::string>& argv) {
  const TeachArgs a = parse(argv, {"--layer"});
  const int li = intArg(a, "equiv", "--layer", true, 0);
  const engine::Stack st = loadStackSource(a.stack);
  const engine::Layer& l = layerAt(st, li, "--layer");
  if (l.op != engine::Op::Conv && l.op != engine::Op::ConvTranspose)
    throw EngineError({st.file, li, engine::opName(l.op), "--layer"},
                      std::string("equiv needs a conv or conv_transpose layer; layer ") + std::to_string(li) +
                          " is '" + engine::opName(l.op) + "'");
  engine::EquivalenceReport rep;
  try {
    rep = engine::computeEquivalences(l, layerInput(st, li));
  } catch (const EngineError& e) {
    rethrowWith(e, st, li);
  }
  if (a.json) {
    json methods = json::object();
    for (const auto& m : rep.methods) methods[m.name] = m.maxAbsDiff;
    std::cout << json{{"layer", li}, {"op", engine::opName(l.op)}, {"methods", methods}}.dump(2) << "\n";
    return 0;
  }
  std::cout << "layer " << li << " (" << engine::opName(l.op)
            << "): max |method - direct| (direct output max |y| " << rep.scale << ")\n";
  for (const auto& m : rep.methods) std::cout << "  " << m.name << ": " << m.maxAbsDiff << "\n";
  return 0;
}

int cmdTrace(const std::vector<std::string>& argv) {
  const TeachArgs a = parse(argv, {"--layer", "--step"});
  const int li = intArg(a, "trace", "--layer", true, 0);
  const int step = intArg(a, "trace", "--step", true, 0);
  const engine::Stack st = loadStackSource(a.stack);
  const engine::Layer& l = layerAt(st, li, "--layer");
  if (!engine::hasTrace(l.op))
    throw EngineError(
        {st.file, li, engine::opName(l.op), "--layer"},
        std::string("op '") + engine::opName(l.op) + "' acts per element and has no kernel taps to trace");
  const int steps = engine::traceStepCount(l);
  if (step < 0 || step >= steps)
    throw EngineError({st.file, li, engine::opName(l.op), "--step"},
                      "step " + std::to_string(step) + " is out of range [0, " + std::to_string(steps) + ")");
  engine::TraceStep ts;
  try {
    ts = engine::traceStep(l, layerInput(st, li), step, 0);
  } catch (const EngineError& e) {
    rethrowWith(e, st, li);
  }
  if (a.json) {
    json outs = json::array();
    for (const auto& o : ts.outputs) {
      json terms = json::array();
      for (const auto& t : o.terms)
        terms.push_back({{"in_channel", t.inChannel},
                         {"in_position", t.hasPosition ? posJson(t.inPosition, l.dims) : json(nullptr)},
                         {"cell", engine::cellKindName(t.cell)},
                         {"tap", posJson(t.tap, l.dims)},
                         {"weight", t.weight},
                         {"input", t.input},
                         {"product", t.product}});
      outs.push_back({{"channel", o.channel},
                      {"position", posJson(o.position, l.dims)},
                      {"value", o.value},
                      {"bias", o.bias},
                      {"terms", terms}});
    }
    std::cout << json{{"layer", li}, {"step", step}, {"outputs", outs}}.dump(2) << "\n";
    return 0;
  }
  std::cout << "layer " << li << " (" << engine::opName(l.op) << ") step " << step << " of " << steps
            << ", position " << posJson(ts.position, l.dims).dump() << "\n";
  for (const auto& o : ts.outputs) {
    std::cout << "  out channel " << o.channel << " = " << o.value << "  (bias " << o.bias << ")\n";
    for (size_t i = 0; i < o.terms.size(); ++i) {
      const auto& t = o.terms[i];
      std::cout << "    c" << t.inChannel << " "
                << (t.hasPosition ? posJson(t.inPosition, l.dims).dump() : "-") << " "
                << engine::cellKindName(t.cell) << " tap " << posJson(t.tap, l.dims).dump() << ": "
                << t.weight << " * " << t.input << " = " << t.product << "   (sum " << o.partialSums[i]
                << ")\n";
    }
  }
  return 0;
}

int cmdField(const std::vector<std::string>& argv) {
  const TeachArgs a = parse(argv, {"--layer", "--position", "--from"});
  const int li = intArg(a, "field", "--layer", true, 0);
  const int from = intArg(a, "field", "--from", false, -1);
  if (!a.opts.count("--position")) usage("field", "--position", "--position is required");
  const engine::Stack st = loadStackSource(a.stack);
  const engine::Layer& l = layerAt(st, li, "--layer");
  // --position: "5", "3,4" or "[3, 4]".
  std::string ptxt = a.opts.at("--position");
  std::replace(ptxt.begin(), ptxt.end(), '[', ' ');
  std::replace(ptxt.begin(), ptxt.end(), ']', ' ');
  std::vector<int> pv;
  size_t i = 0;
  while (i < ptxt.size()) {
    size_t j = ptxt.find(',', i);
    if (j == std::string::npos) j = ptxt.size();
    const std::string part = ptxt.substr(i, j - i);
    try {
      size_t p = 0;
      pv.push_back(std::stoi(part, &p));
      if (part.find_first_not_of(" ", p) != std::string::npos) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw EngineError({st.file, li, engine::opName(l.op), "--position"},
                        "must be integers separated by commas, got '" + a.opts.at("--position") + "'");
    }
    i = j + 1;
  }
  if (int(pv.size()) != l.dims)
    throw EngineError({st.file, li, engine::opName(l.op), "--position"},
                      "needs " + std::to_string(l.dims) + " integer(s) for a " + std::to_string(l.dims) +
                          "-D stack, got '" + a.opts.at("--position") + "'");
  engine::Pos P{pv[0], l.dims == 2 ? pv[1] : 0};
  engine::ReceptiveField rf;
  try {
    rf = engine::receptiveField(st, li, P, from);
  } catch (const EngineError& e) {
    rethrowWith(e, st, li);
  }
  const auto& cf = rf.closedForm;
  json strideJ = json::array(), spanJ = json::array(), padJ = json::array(), dilJ = json::array(),
       bJ = json::array(), hullJ = json::array();
  for (int ax = 0; ax < l.dims; ++ax) {
    strideJ.push_back(engine::rationalString(cf.stride[size_t(ax)]));
    spanJ.push_back(engine::rationalString(cf.span[size_t(ax)]));
    padJ.push_back(engine::rationalString(cf.padding[size_t(ax)]));
    dilJ.push_back(cf.forwardOnly ? json(cf.dilation[size_t(ax)]) : json(nullptr));
    bJ.push_back({cf.bounds[size_t(ax)][0], cf.bounds[size_t(ax)][1]});
    hullJ.push_back(rf.points.empty() ? json(nullptr) : json{rf.hull[size_t(ax)][0], rf.hull[size_t(ax)][1]});
  }
  if (a.json) {
    json pts = json::array();
    for (const auto& p : rf.points)
      pts.push_back({{"position", posJson(p.position, l.dims)}, {"paths", p.paths}});
    json out = {{"layer", li},
                {"from", from},
                {"position", posJson(P, l.dims)},
                {"count", rf.points.size()},
                {"total_paths", rf.totalPaths},
                {"points", pts},
                {"hull", hullJ},
                {"touches_padding", rf.touchesPadding},
                {"closed_form",
                 {{"stride", strideJ},
                  {"span", spanJ},
                  {"padding", padJ},
                  {"dilation", dilJ},
                  {"bounds", bJ},
                  {"forward_only", cf.forwardOnly},
                  {"applies", cf.applies},
                  {"within_bounds", cf.withinBounds},
                  {"hull_checked", cf.hullChecked},
                  {"hull_matches", cf.hullMatches}}}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "layer " << li << " (" << engine::opName(l.op) << ") position " << posJson(P, l.dims).dump()
            << " on " << (from < 0 ? std::string("the input") : "layer " + std::to_string(from) + "'s output")
            << ": " << rf.points.size() << " position(s), " << rf.totalPaths << " path(s), hull "
            << hullJ.dump() << "\n";
  std::cout << "closed form: stride " << strideJ.dump() << ", span " << spanJ.dump() << ", padding "
            << padJ.dump() << ", dilation " << dilJ.dump() << ", bounds " << bJ.dump()
            << (cf.withinBounds ? "" : " (VIOLATED)") << "\n";
  for (const auto& p : rf.points)
    std::cout << "  " << posJson(p.position, l.dims).dump() << " x" << p.paths << "\n";
  return 0;
}

}  // namespace convscope::app
