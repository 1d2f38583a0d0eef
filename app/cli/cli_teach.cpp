// cli_teach.cpp: `equiv`, `trace` and `field` (see cli_teach.h). Engine and the shared parser only.
//
// Index of this file:
//   [SECTION] SPECS    the three commands' options and help
//   [SECTION] HELPERS  required integers, layer lookup, a layer's input, JSON positions
//   [SECTION] EQUIV    cmdEquiv
//   [SECTION] TRACE    cmdTrace
//   [SECTION] FIELD    cmdField
#include "app/cli/cli_teach.h"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"
#include "engine/teach/equivalence.h"
#include "engine/teach/receptive_field.h"
#include "engine/teach/trace.h"

namespace convscope::app {

// [SECTION] SPECS

namespace {

using engine::EngineError;
using json = nlohmann::ordered_json;  // keeps the documented key order

OptionSpec jsonOption(const std::string& schema) {
  return {{"json"}, "", "print " + schema};
}

CommandSpec makeEquivSpec() {
  CommandSpec c;
  c.name = "equiv";
  c.summary = "compute layer I every equivalent way; max abs differences";
  c.usage = {"STACK --layer I [--json]"};
  c.description =
      "Computes layer I (conv or conv_transpose) every equivalent way and prints the max abs difference\n"
      "of each from the direct forward result (batch included).\n"
      "  conv_transpose: scatter, zero_insertion, matrix_transpose, input_gradient\n"
      "  conv:           naive, matrix\n"
      "and, by the layer's rank, only the one that applies:\n"
      "  1-D layers:     conv2d_singleton (the layer as 2-D with a singleton axis, (k,1) and (1,k))\n"
      "  2-D layers:     hw_swapped (H and W swapped: transpose in, run, transpose back)";
  c.stack = true;
  c.options = {{{"layer"}, "I", "the layer, from 0 (required)"},
               jsonOption("{\"layer\": I, \"op\": \"...\", \"methods\": {\"name\": max_abs_diff, ...}}")};
  return c;
}

CommandSpec makeTraceSpec() {
  CommandSpec c;
  c.name = "trace";
  c.summary = "the terms that make the outputs of step T";
  c.usage = {"STACK --layer I --step T [--json]"};
  c.description =
      "Prints how layer I makes its outputs at step T, counted from 1 as the frame title of the slide\n"
      "view counts it (step T is output position T - 1 in row-major order, every output channel;\n"
      "batch item 0): each term's input channel, input position (or null for a zero\n"
      "cell), cell kind, kernel tap, weight, input value and product, plus the bias.\n"
      "Ops: conv, conv_transpose, max_pool, avg_pool, upsample, unpool, zero_insert.";
  c.stack = true;
  c.options = {
      {{"layer"}, "I", "the layer, from 0 (required)"},
      {{"step"}, "T", "the step, 1..the layer's number of output positions (required)"},
      jsonOption("{\"layer\": I, \"step\": T, \"outputs\": [{\"channel\", \"position\": [..], \"value\", "
                 "\"bias\", \"terms\": [{\"in_channel\", \"in_position\": [..] or null, "
                 "\"cell\": \"data|padding|inserted_zero|cropped\", \"tap\": [..], \"weight\", "
                 "\"input\", \"product\"}]}]} (max_pool padding reads -inf, written as null)")};
  return c;
}

CommandSpec makeFieldSpec() {
  CommandSpec c;
  c.name = "field";
  c.summary = "receptive field of an element";
  c.usage = {"STACK --layer J --position P [--from I] [--json]"};
  c.description =
      "The receptive field of layer J's output element at position P: every position of layer I's\n"
      "output (default: the stack input, I = -1) that influences it, with the number of tap paths,\n"
      "and the closed-form effective stride, span, padding and dilation.";
  c.stack = true;
  c.options = {{{"layer"}, "J", "the layer, from 0 (required)"},
               {{"position"}, "P", "the output element: \"5\", \"3,4\" or \"[3, 4]\" (required)"},
               {{"from"}, "I", "the layer whose output the field is on (default -1: the stack input)"},
               jsonOption("{\"layer\", \"from\", \"position\", \"count\", \"total_paths\", "
                          "\"points\": [{\"position\", \"paths\"}], \"hull\": [[min, max] per axis], "
                          "\"touches_padding\", \"closed_form\": {\"stride\", \"span\", \"padding\" (exact "
                          "fractions as strings), \"dilation\", \"bounds\", \"forward_only\", \"applies\", "
                          "\"within_bounds\", \"hull_checked\", \"hull_matches\"}}")};
  return c;
}

// [SECTION] HELPERS

// A required integer option (a layer or step index, -1 allowed for --from).
int requiredInt(const Arguments& a, const std::string& key) {
  if (!a.isSet(key)) a.fail("--" + key + " is required");
  return a.intValue(key, -1, 1000000000, 0);
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

const CommandSpec& equivSpec() {
  static const CommandSpec c = makeEquivSpec();
  return c;
}
const CommandSpec& traceSpec() {
  static const CommandSpec c = makeTraceSpec();
  return c;
}
const CommandSpec& fieldSpec() {
  static const CommandSpec c = makeFieldSpec();
  return c;
}

// [SECTION] EQUIV

int cmdEquiv(const Arguments& a) {
  const int li = requiredInt(a, "layer");
  const engine::Stack st = loadStackSource(a.stackSource());
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
  if (a.isSet("json")) {
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

// [SECTION] TRACE

int cmdTrace(const Arguments& a) {
  const int li = requiredInt(a, "layer");
  const int step = requiredInt(a, "step");
  const engine::Stack st = loadStackSource(a.stackSource());
  const engine::Layer& l = layerAt(st, li, "--layer");
  if (!engine::hasTrace(l.op))
    throw EngineError(
        {st.file, li, engine::opName(l.op), "--layer"},
        std::string("op '") + engine::opName(l.op) + "' acts per element and has no kernel taps to trace");
  const int steps = engine::traceStepCount(l);
  if (step < 1 || step > steps)
    a.fail("step " + std::to_string(step) + " for --step is out of range: layer " + std::to_string(li) +
           " has " + std::to_string(steps) + " steps, numbered 1.." + std::to_string(steps));
  engine::TraceStep ts;
  try {
    ts = engine::traceStep(l, layerInput(st, li), step - 1, 0);  // the engine counts from 0
  } catch (const EngineError& e) {
    rethrowWith(e, st, li);
  }
  if (a.isSet("json")) {
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

// [SECTION] FIELD

int cmdField(const Arguments& a) {
  const int li = requiredInt(a, "layer");
  const int from = a.intValue("from", -1, 1000000000, -1);
  if (!a.isSet("position")) a.fail("--position is required");
  const engine::Stack st = loadStackSource(a.stackSource());
  const engine::Layer& l = layerAt(st, li, "--layer");
  // --position: "5", "3,4" or "[3, 4]".
  const std::string ptxtGiven = *a.value("position");
  std::string ptxt = ptxtGiven;
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
                        "must be integers separated by commas, got '" + ptxtGiven + "'");
    }
    i = j + 1;
  }
  if (int(pv.size()) != l.dims)
    throw EngineError({st.file, li, engine::opName(l.op), "--position"},
                      "needs " + std::to_string(l.dims) + " integer(s) for a " + std::to_string(l.dims) +
                          "-D stack, got '" + ptxtGiven + "'");
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
  if (a.isSet("json")) {
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
  for (const std::string& w : engine::closedFormWords(cf, l.dims)) std::cout << "  " << w << "\n";
  std::cout << "field positions (x paths):\n";
  for (const auto& p : rf.points)
    std::cout << "  " << posJson(p.position, l.dims).dump() << " x" << p.paths << "\n";
  return 0;
}

}  // namespace convscope::app
