// cli_lengths.cpp: `solve` and `lengths` (see cli_lengths.h).
//
// Index of this file:
//   [SECTION] SOLVE    the spec, the request from the arguments, text and JSON
//   [SECTION] LENGTHS  the spec, the summary text, the JSON rows
#include "app/cli/cli_lengths.h"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/lengths/length_solver.h"
#include "engine/lengths/stack_lengths.h"

namespace convscope::app {
namespace {

using nlohmann::json;

// [SECTION] SOLVE

CommandSpec makeSolveSpec() {
  CommandSpec c;
  c.name = "solve";
  c.summary = "every conv / conv_transpose layer that maps input length L to output length L2";
  c.usage = {
      "--in L --out L2 [--op conv|conv_transpose|any] [--convention C] [--stride S] [--kernel-size K]\n"
      "                [--dilation D] [--max-kernel 16] [--max-stride N] [--all-lengths] [--limit N] "
      "[--json]"};
  c.description =
      "Lists every layer within the bounds that maps L to L2 exactly under the convention, decided by\n"
      "the same resolution as 'check': kernel 1..--max-kernel, stride 1..--max-stride, dilation 1,\n"
      "each pad or crop 0..d(k-1), output_padding below the stride, targets (output_size, outsize,\n"
      "output_shape) equal to L2; --kernel-size, --stride and --dilation fix a parameter. Simplest\n"
      "first: layers that give ceil(L/s) (conv) or L*s (conv_transpose) for every input length, then\n"
      "without dropped samples or uneven overlap, symmetric, without output_padding, smaller k and s.";
  c.options = {
      {{"in"}, "L", "the input length (required)"},
      {{"out"}, "L2", "the output length wanted (required)"},
      {{"op"}, "OP", "conv, conv_transpose or any (default any)"},
      {{"convention"}, "C", "pytorch (default), keras, onnx or chainer"},
      {{"kernel-size"}, "K", "fix the kernel size"},
      {{"stride"}, "S", "fix the stride"},
      {{"dilation"}, "D", "fix the dilation (default 1)"},
      {{"max-kernel"}, "K", "largest kernel size tried (default 16)"},
      {{"max-stride"}, "S", "largest stride tried (default max(16, ceil(longer/shorter) + 16))"},
      {{"all-lengths"}, "", "only layers that give ceil(L/s) or L*s for every input length"},
      {{"limit"}, "N", "list at most N layers (default 20 in text, all with --json; 0 = all)"},
      {{"json"},
       "",
       "print {\"solutions\": [{\"layer\": {...stack-file layer...}, \"padding\", \"applied\", marks...}]}"},
  };
  c.epilog =
      "No layer within the bounds is an answer (exit 0), with the nearest lengths the layers tried reach.\n"
      "Each \"layer\" can be pasted into a stack's \"layers\" (set its out-channels).";
  return c;
}

engine::SolveRequest solveRequest(const Arguments& a) {
  if (!a.positional().empty()) a.fail("takes no positional argument, got '" + a.positional()[0] + "'");
  engine::SolveRequest r;
  if (!a.isSet("in")) a.fail("--in L is required");
  if (!a.isSet("out")) a.fail("--out L2 is required");
  const int maxLen = 1 << 30;
  r.in = a.intValue("in", 1, maxLen, 1);
  r.out = a.intValue("out", 1, maxLen, 1);
  const std::string op = a.value("op").value_or("any");
  if (op == "conv")
    r.op = engine::SolveOp::Conv;
  else if (op == "conv_transpose")
    r.op = engine::SolveOp::ConvTranspose;
  else if (op != "any")
    a.fail("--op must be conv, conv_transpose or any, got '" + op + "'");
  const std::string cv = a.value("convention").value_or("pytorch");
  if (!engine::parseConvention(cv, r.convention))
    a.fail("--convention must be pytorch, keras, onnx or chainer, got '" + cv + "'");
  r.kernel = a.intValue("kernel-size", 1, 1 << 24, 0);
  r.stride = a.intValue("stride", 1, 1 << 24, 0);
  r.dilation = a.intValue("dilation", 1, 1 << 24, 0);
  r.maxKernel = a.intValue("max-kernel", 1, 4096, 16);
  r.maxStride = a.intValue("max-stride", 1, maxLen, 0);
  r.allLengthsOnly = a.isSet("all-lengths");
  return r;
}

std::string boundsText(const engine::SolveRequest& r, int maxStride) {
  auto bound = [](int fixed, const std::string& free) { return fixed > 0 ? std::to_string(fixed) : free; };
  return std::string("kernel ") + bound(r.kernel, "1.." + std::to_string(r.maxKernel)) + ", stride " +
         bound(r.stride, "1.." + std::to_string(maxStride)) + ", dilation " + bound(r.dilation, "1");
}

void printSolveText(const engine::SolveRequest& r, const engine::SolveResult& res, size_t limit) {
  const std::string what = r.op == engine::SolveOp::Conv            ? "conv"
                           : r.op == engine::SolveOp::ConvTranspose ? "conv_transpose"
                                                                    : "conv or conv_transpose";
  std::cout << "L = " << r.in << " -> " << r.out << " under " << engine::conventionName(r.convention) << ", "
            << what << (r.allLengthsOnly ? " for every input length" : "") << "; "
            << boundsText(r, res.maxStride) << "\n";
  if (res.solutions.empty()) {
    std::cout << "no layer within these bounds gives " << r.out << "; nearest lengths reached: "
              << (res.nearestBelow ? std::to_string(res.nearestBelow) : std::string("none")) << " below, "
              << (res.nearestAbove ? std::to_string(res.nearestAbove) : std::string("none")) << " above\n";
    return;
  }
  std::cout << res.solutions.size() << (res.truncated ? "+" : "") << " layer"
            << (res.solutions.size() > 1 ? "s" : "") << ", simplest first:\n";
  for (size_t i = 0; i < res.solutions.size() && i < limit; ++i) {
    const auto& x = res.solutions[i];
    std::cout << "  " << i + 1 << ". " << engine::opName(x.op) << " k=" << x.k << " s=" << x.s
              << (x.d > 1 ? " d=" + std::to_string(x.d) : "") << ": " << x.words << "  ("
              << (x.op == engine::Op::Conv ? "pads " : "crops ") << x.before << ", " << x.after << "; "
              << engine::solutionMarks(x) << ")\n     " << x.layer.dump() << "\n";
  }
  if (res.solutions.size() > limit)
    std::cout << "  (" << res.solutions.size() - limit << " more; --limit 0 lists all)\n";
}

}  // namespace

const CommandSpec& solveSpec() {
  static const CommandSpec c = makeSolveSpec();
  return c;
}

int cmdSolve(const Arguments& a) {
  const engine::SolveRequest r = solveRequest(a);
  const bool asJson = a.isSet("json");
  const int limitArg = a.intValue("limit", 0, 1 << 30, asJson ? 0 : 20);
  const size_t limit = limitArg == 0 ? static_cast<size_t>(-1) : static_cast<size_t>(limitArg);
  const engine::SolveResult res = engine::solveLength(r);
  if (!asJson) {
    printSolveText(r, res, limit);
    return 0;
  }
  json list = json::array();
  for (size_t i = 0; i < res.solutions.size() && i < limit; ++i)
    list.push_back(engine::solutionJson(res.solutions[i]));
  json out = {{"in", r.in},
              {"out", r.out},
              {"convention", engine::conventionName(r.convention)},
              {"bounds", boundsText(r, res.maxStride)},
              {"count", res.solutions.size()},
              {"truncated", res.truncated},
              {"solutions", list}};
  if (res.solutions.empty())
    out["nearest"] = {{"below", res.nearestBelow ? json(res.nearestBelow) : json()},
                      {"above", res.nearestAbove ? json(res.nearestAbove) : json()}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

// [SECTION] LENGTHS
namespace {

CommandSpec makeLengthsSpec() {
  CommandSpec c;
  c.name = "lengths";
  c.summary =
      "every layer's output length for each input length; lengths an encoder-decoder does not give back";
  c.usage = {"STACK [--from 1] [--to 4096] [--json]"};
  c.description =
      "Resolves every layer for each input length from..to along the last spatial axis (L; W of a\n"
      "2-D stack) without running anything: each layer's output length, or the layer and rule that\n"
      "refuses it. A stack whose lengths go down (by 1.5x or more) and come back (within 1.25x) is an\n"
      "encoder-decoder: the summary says which lengths come back unchanged, their period, how far the\n"
      "others miss, and the output_padding / target size of each transposed layer that fixes one.";
  c.stack = true;
  c.options = {
      {{"from"}, "A", "first input length (default 1)"},
      {{"to"}, "B", "last input length (default 4096; at most 10^7 lengths)"},
      {{"json"},
       "",
       "print every row: {\"rows\": [{\"in\", \"lengths\": [per layer], \"refused\"?, \"back\"?, \"diff\"?, "
       "\"fixes\"?}]}"},
  };
  return c;
}

// "a..b" or "a".
std::string range(long long a, long long b) {
  return a == b ? std::to_string(a) : std::to_string(a) + ".." + std::to_string(b);
}

std::string fixesText(const engine::Stack& st, const std::vector<engine::LengthFix>& fixes, bool fixed) {
  std::string t;
  for (const auto& f : fixes) {
    t += (t.empty() ? "" : ", ") + std::string("layer ") + std::to_string(f.layer) + " (" +
         engine::opName(st.layers[static_cast<size_t>(f.layer)].op) + ") " + std::to_string(f.length) +
         " -> " + std::to_string(f.target) + ": ";
    if (f.change.is_null()) {
      t += "no output_padding or target size gives it";
      continue;
    }
    t += f.change.begin().key() + " " + f.change.begin().value().dump();
    if (!f.targetForm.is_null() && f.targetForm != f.change)
      t += " (or " + f.targetForm.begin().key() + " " + f.targetForm.begin().value().dump() + ")";
  }
  return t + (fixed ? "" : "; not enough to bring it back");
}

std::string residuesText(const engine::LengthTable& t) {
  if (t.period == 0) return "no period within the range";
  if (t.residues.empty()) return "none";
  if (static_cast<int>(t.residues.size()) == t.period) return "every length";
  if (t.residues == std::vector<int>{0}) return "multiples of " + std::to_string(t.period);
  std::string r;
  for (size_t i = 0; i < t.residues.size() && i < 8; ++i)
    r += (i ? ", " : "") + std::to_string(t.residues[i]);
  if (t.residues.size() > 8) r += ", ...";
  return "L mod " + std::to_string(t.period) + " in {" + r + "}";
}

void printRefusals(const engine::Stack& st, const engine::LengthTable& t) {
  int groups = 0;
  for (int L = t.from; L <= t.to;) {
    const int layer = t.refused[static_cast<size_t>(L - t.from)];
    int e = L;
    while (e < t.to && t.refused[static_cast<size_t>(e + 1 - t.from)] == layer) ++e;
    if (layer >= 0 && groups++ < 6)
      std::cout << "  " << range(L, e) << ": refused by layer " << layer << " ("
                << engine::opName(st.layers[static_cast<size_t>(layer)].op) << ")"
                << (e > L ? "; at " + std::to_string(L) : std::string()) << ": " << t.rules.at(L) << "\n";
    L = e + 1;
  }
  if (groups > 6) std::cout << "  (" << groups - 6 << " more refused ranges; --json has every row)\n";
}

void printRoundTrip(const engine::Stack& st, const engine::LengthTable& t) {
  std::cout << "round trip (down " << t.down << "x and back): " << t.good << " of " << t.good + t.bad
            << " lengths come back unchanged: " << residuesText(t) << "\n";
  if (t.bad == 0) return;
  long long shortMin = 0, shortMax = 0, longMin = 0, longMax = 0;
  int firstBad = 0;
  for (int L = t.from; L <= t.to; ++L) {
    const int e = t.last(L);
    if (e == 0 || e == L) continue;
    if (!firstBad) firstBad = L;
    const long long d = std::abs(static_cast<long long>(e) - L);
    long long& mn = e < L ? shortMin : longMin;
    long long& mx = e < L ? shortMax : longMax;
    mn = mn == 0 ? d : std::min(mn, d);
    mx = std::max(mx, d);
  }
  std::cout << "  the others come back";
  if (shortMax) std::cout << " shorter by " << range(shortMin, shortMax);
  if (shortMax && longMax) std::cout << " or";
  if (longMax) std::cout << " longer by " << range(longMin, longMax);
  std::cout << "\n";
  int own = static_cast<int>(st.input.shape.back());
  for (int L : {firstBad, own}) {
    if (L < t.from || L > t.to || t.last(L) == 0 || t.last(L) == L) continue;
    bool fixed = false;
    const auto fixes = engine::lengthFixes(st, t, L, fixed);
    std::cout << "  L = " << L << " -> " << t.last(L) << "; fix: " << fixesText(st, fixes, fixed) << "\n";
    if (own == firstBad) break;
  }
}

void printLengthsText(const engine::Stack& st, const engine::LengthTable& t) {
  std::cout << st.file << ": input lengths " << range(t.from, t.to) << " along " << (st.dims == 1 ? "L" : "W")
            << " (" << engine::conventionName(st.convention) << ", " << t.layers << " layers)\n";
  printRefusals(st, t);
  for (int i = 0; i < t.layers; ++i) {
    int inLo = 0, inHi = 0, lo = 0, hi = 0;
    for (int L = t.from; L <= t.to; ++L) {
      const int v = t.at(L, i);
      if (v == 0) continue;
      const int in = i == 0 ? L : t.at(L, i - 1);
      inLo = inLo ? std::min(inLo, in) : in;
      inHi = std::max(inHi, in);
      lo = lo ? std::min(lo, v) : v;
      hi = std::max(hi, v);
    }
    std::cout << "  layer " << i << " " << engine::opName(st.layers[static_cast<size_t>(i)].op) << ": "
              << (hi ? range(inLo, inHi) + " -> " + range(lo, hi) : std::string("never reached")) << "\n";
  }
  if (t.roundTrip) printRoundTrip(st, t);
}

json rowJson(const engine::Stack& st, const engine::LengthTable& t, int L) {
  json lengths = json::array();
  const int refused = t.refused[static_cast<size_t>(L - t.from)];
  for (int i = 0; i < (refused >= 0 ? refused : t.layers); ++i) lengths.push_back(t.at(L, i));
  json row = {{"in", L}, {"lengths", lengths}};
  if (refused >= 0) {
    row["refused"] = {{"layer", refused},
                      {"op", engine::opName(st.layers[static_cast<size_t>(refused)].op)},
                      {"rule", t.rules.at(L)}};
    return row;
  }
  if (!t.roundTrip) return row;
  row["back"] = t.last(L) == L;
  row["diff"] = t.last(L) - L;
  if (t.last(L) == L) return row;
  bool fixed = false;
  json fixes = json::array();
  for (const auto& f : engine::lengthFixes(st, t, L, fixed))
    fixes.push_back({{"layer", f.layer},
                     {"length", f.length},
                     {"target", f.target},
                     {"change", f.change},
                     {"target_form", f.targetForm}});
  row["fixes"] = fixes;
  row["fixed"] = fixed;
  return row;
}

void printLengthsJson(const engine::Stack& st, const engine::LengthTable& t) {
  json layers = json::array();
  for (int i = 0; i < t.layers; ++i)
    layers.push_back({{"index", i}, {"op", engine::opName(st.layers[static_cast<size_t>(i)].op)}});
  json head = {{"stack", st.file},
               {"convention", engine::conventionName(st.convention)},
               {"axis", st.dims == 1 ? "L" : "W"},
               {"from", t.from},
               {"to", t.to},
               {"layers", layers},
               {"round_trip", t.roundTrip}};
  if (t.roundTrip)
    head["summary"] = {{"down", t.down},     {"good", t.good},         {"bad", t.bad},
                       {"period", t.period}, {"residues", t.residues}, {"good_lengths", residuesText(t)}};
  std::string text = head.dump();
  text.pop_back();  // the closing brace: the rows follow
  std::cout << text << ", \"rows\": [\n";
  std::string chunk;
  for (int L = t.from; L <= t.to; ++L) {
    chunk += rowJson(st, t, L).dump();
    chunk += L < t.to ? ",\n" : "\n";
    if (chunk.size() > (1 << 16)) {
      std::cout << chunk;
      chunk.clear();
    }
  }
  std::cout << chunk << "]}\n";
}

}  // namespace

const CommandSpec& lengthsSpec() {
  static const CommandSpec c = makeLengthsSpec();
  return c;
}

int cmdLengths(const Arguments& a) {
  const StackSource src = a.stackSource();
  const int from = a.intValue("from", 1, 1 << 30, 1);
  const int to = a.intValue("to", 1, 1 << 30, 4096);
  if (to < from) a.fail("--to " + std::to_string(to) + " is below --from " + std::to_string(from));
  if (static_cast<long long>(to) - from >= 10000000) a.fail("--from..--to spans more than 10^7 lengths");
  const engine::Stack st = loadStackSource(src);
  if (st.layers.empty()) a.fail("the stack has no layers");
  const engine::LengthTable t = engine::stackLengths(st, from, to);
  if (a.isSet("json"))
    printLengthsJson(st, t);
  else
    printLengthsText(st, t);
  return 0;
}

}  // namespace convscope::app
