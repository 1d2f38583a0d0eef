// The length solver (length_solver.h): candidate spellings per convention, the stride window that
// can reach L2, resolution of every candidate, marks and ranking.
//
// Index of this file:
//   [SECTION] SPELLINGS  the layers tried for one (op, k, s, d) under each convention
//   [SECTION] MARKS      every-length check, marks, ranking, JSON
//   [SECTION] SEARCH     stride windows, candidates through the resolver, solveLength
#include "engine/lengths/length_solver.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>

#include "engine/lengths/length_probe.h"
#include "engine/resolve/op_schema.h"

namespace convscope::engine {
namespace {

using nlohmann::json;

// [SECTION] SPELLINGS

// How a candidate spells its padding.
enum class Kind {
  Word = 0,     // a padding word alone ('same', SAME_UPPER, ...)
  Numbers = 1,  // pads / crops / output_padding as numbers
  Target = 2,   // a target length (output_size, outsize, output_shape) = L2
};

struct Spelling {
  json layer;
  Kind kind = Kind::Numbers;
  bool deriveOutputPadding = false;  // transposed: also try output_padding = L2 - its length
  bool alternativeOnly = false;      // kept only as another spelling of a layer already found
};

json baseLayer(Op op, Convention cv, int k, int s, int d) {
  json j;
  j["op"] = opName(op);
  j[paramKey(op, cv, Param::OutChannels)] = 1;
  j[paramKey(op, cv, Param::Kernel)] = k;
  j[paramKey(op, cv, Param::Stride)] = s;
  if (d != 1) j[paramKey(op, cv, Param::Dilation)] = d;
  return j;
}

Spelling with(json layer, std::initializer_list<std::pair<const char*, json>> extra, Kind kind) {
  for (const auto& [key, value] : extra) layer[key] = value;
  return Spelling{std::move(layer), kind, false, false};
}

// A symmetric pad as an int, an asymmetric one as [[b, e]] (pytorch's engine addition).
json torchPad(int b, int e) {
  return b == e ? json(b) : json::array({json::array({b, e})});
}

void convSpellings(Convention cv, int k, int s, int d, std::vector<Spelling>& out) {
  const json base = baseLayer(Op::Conv, cv, k, s, d);
  const int P = d * (k - 1);
  switch (cv) {
    case Convention::PyTorch:
      out.push_back(with(base, {{"padding", "same"}}, Kind::Word));
      out.push_back(with(base, {{"padding", "valid"}}, Kind::Word));
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) out.push_back(with(base, {{"padding", torchPad(b, e)}}, Kind::Numbers));
      break;
    case Convention::Keras:
      for (const char* w : {"valid", "same", "causal"})
        out.push_back(with(base, {{"padding", w}}, Kind::Word));
      break;
    case Convention::Onnx:
      for (const char* w : {"VALID", "SAME_UPPER", "SAME_LOWER"})
        out.push_back(with(base, {{"auto_pad", w}}, Kind::Word));
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) out.push_back(with(base, {{"pads", {b, e}}}, Kind::Numbers));
      break;
    case Convention::Chainer:
      for (int p = 0; p <= P; ++p)
        for (bool cover : {false, true})
          out.push_back(with(base, {{"pad", p}, {"cover_all", cover}}, Kind::Numbers));
      break;
  }
}

void transposedSpellings(Convention cv, int k, int s, int d, int L2, std::vector<Spelling>& out) {
  const json base = baseLayer(Op::ConvTranspose, cv, k, s, d);
  const int P = d * (k - 1);
  const int opBound = std::max(s, d);  // output_padding tried below max(s, d); the resolver decides
  switch (cv) {
    case Convention::PyTorch:
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) {
          out.push_back(with(base, {{"padding", torchPad(b, e)}}, Kind::Numbers));
          out.back().deriveOutputPadding = true;
        }
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) {
          out.push_back(with(base, {{"padding", torchPad(b, e)}, {"output_size", L2}}, Kind::Target));
          out.back().alternativeOnly = true;
        }
      break;
    case Convention::Keras:
      for (const char* w : {"valid", "same"}) {
        out.push_back(with(base, {{"padding", w}}, Kind::Word));
        for (int op = 0; op < s; ++op)
          out.push_back(with(base, {{"padding", w}, {"output_padding", op}}, Kind::Numbers));
      }
      break;
    case Convention::Onnx:
      out.push_back(with(base, {{"auto_pad", "VALID"}}, Kind::Word));
      out.back().deriveOutputPadding = true;
      for (const char* w : {"SAME_UPPER", "SAME_LOWER"}) {
        out.push_back(with(base, {{"auto_pad", w}}, Kind::Word));
        for (int op = 1; op < opBound; ++op)
          out.push_back(with(base, {{"auto_pad", w}, {"output_padding", op}}, Kind::Numbers));
      }
      for (int b = 0; b <= P; ++b)
        for (int e = 0; e <= P; ++e) {
          out.push_back(with(base, {{"pads", {b, e}}}, Kind::Numbers));
          out.back().deriveOutputPadding = true;
        }
      for (const char* w : {"NOTSET", "SAME_UPPER", "SAME_LOWER"}) {
        out.push_back(with(base, {{"auto_pad", w}, {"output_shape", L2}}, Kind::Target));
        if (std::string(w) == "NOTSET") out.back().layer.erase("auto_pad");
        out.back().alternativeOnly = true;
      }
      break;
    case Convention::Chainer:
      for (int p = 0; p <= P; ++p) {
        out.push_back(with(base, {{"pad", p}}, Kind::Numbers));
        out.push_back(with(base, {{"pad", p}, {"outsize", L2}}, Kind::Target));
      }
      break;
  }
}

// "padding=1, output_padding=1": the padding keys of `layer` as written in a stack file.
std::string spellingText(const json& layer) {
  std::string text;
  for (const char* key : {"padding", "pads", "pad", "auto_pad", "cover_all", "output_padding", "output_size",
                          "output_shape", "outsize"}) {
    if (!layer.contains(key)) continue;
    const json& v = layer.at(key);
    text += (text.empty() ? "" : ", ") + std::string(key) + "=" +
            (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return text.empty() ? "no padding" : text;
}

// [SECTION] MARKS

std::vector<int> everyLengthSample(int s, int dk) {
  std::vector<int> v;
  for (int L = 1; L <= 64; ++L) v.push_back(L);
  const long long margin = 2LL * dk + 2;
  for (long long j = 1; j <= 3; ++j)
    for (long long L = j * s - margin; L <= j * s + margin; ++L)
      if (L > 64 && L <= kMaxAxisLength / std::max(1, s)) v.push_back(static_cast<int>(L));
  return v;
}

long long ratioLength(Op op, long long L, long long s) {
  return op == Op::Conv ? (L + s - 1) / s : L * s;
}

// Ranking key: simplest first (see solveLength).
auto rankKey(const LengthSolution& x) {
  const bool flaw = x.op == Op::Conv ? (x.dropped > 0 || x.d * (x.k - 1) + 1 < x.s) : !x.evenOverlap;
  const bool extra = x.outputPadding != 0 || x.words.find("output_size") != std::string::npos ||
                     x.words.find("outsize") != std::string::npos;
  return std::make_tuple(!x.allLengths, flaw, !x.symmetric, extra, x.k, x.s,
                         std::abs(x.before) + std::abs(x.after), x.d, x.op == Op::ConvTranspose, x.words);
}

}  // namespace

bool givesRatioForEveryLength(const json& spec, Convention cv, Op op, int s) {
  const Probe first = probeLayer(spec, cv, Shape{1, 1});
  const int dk = first.ok ? first.layer.ax[0].span() : 1;
  for (int L : everyLengthSample(s, dk)) {
    const int got = probeLength(spec, cv, L);
    if (got == 0 || got != ratioLength(op, L, s)) return false;
  }
  return true;
}

std::string solutionMarks(const LengthSolution& x) {
  std::string m;
  if (x.op == Op::ConvTranspose)
    m = x.evenOverlap ? "even overlap" : "uneven overlap (checkerboard risk)";
  else
    m = x.dropped
            ? std::to_string(x.dropped) + " input sample" + (x.dropped > 1 ? "s" : "") + " dropped at the end"
            : "no sample dropped";
  m += x.symmetric ? ", symmetric" : ", asymmetric";
  if (x.allLengths)
    m += x.op == Op::Conv ? ", ceil(L/" + std::to_string(x.s) + ") for every L"
                          : ", L*" + std::to_string(x.s) + " for every L";
  return m;
}

json solutionJson(const LengthSolution& x) {
  json j = {{"layer", x.layer},         {"padding", x.words},          {"applied", {x.before, x.after}},
            {"symmetric", x.symmetric}, {"all_lengths", x.allLengths}, {"alternatives", x.alternatives}};
  if (x.op == Op::ConvTranspose) {
    j["overlap"] = x.evenOverlap ? "even" : "uneven";
    j["output_padding"] = x.outputPadding;
  } else {
    j["dropped"] = x.dropped;
  }
  return j;
}

// [SECTION] SEARCH
namespace {

struct Search {
  const SolveRequest& r;
  int maxStride;
  SolveResult res;
  std::map<std::tuple<int, int, int, int, int, int>, size_t> found;  // (op, k, s, d, a, b) → index

  void track(int out) {
    if (out < r.out && out > res.nearestBelow) res.nearestBelow = out;
    if (out > r.out && (res.nearestAbove == 0 || out < res.nearestAbove)) res.nearestAbove = out;
  }

  // Records `sp` (whose resolution `p` gives exactly L2).
  void accept(const Spelling& sp, const Probe& p, Op op, int s) {
    const Axis& x = p.layer.ax[0];
    const bool conv = op == Op::Conv;
    const int a = conv ? x.pb : x.start;
    const int b = conv ? x.pe : static_cast<int>(x.fullLength64() - x.start - x.out);
    const auto key = std::make_tuple(static_cast<int>(op), x.k, s, x.d, a, b);
    const bool every =
        ratioLength(op, r.in, s) == r.out && givesRatioForEveryLength(sp.layer, r.convention, op, s);
    auto it = found.find(key);
    if (it == found.end()) {
      if (sp.alternativeOnly) return;
      if (res.solutions.size() >= static_cast<size_t>(kMaxSolutions)) {
        res.truncated = true;
        return;
      }
      LengthSolution sol;
      sol.layer = sp.layer;
      sol.op = op;
      sol.k = x.k;
      sol.s = s;
      sol.d = x.d;
      sol.before = a;
      sol.after = b;
      sol.outputPadding = conv ? 0 : x.outputPadding;
      sol.words = spellingText(sp.layer);
      sol.evenOverlap = x.k % s == 0;
      const long long lastEnd = static_cast<long long>(x.out - 1) * s + x.span64();
      sol.dropped = conv ? static_cast<int>(std::max(0LL, x.pb + static_cast<long long>(x.in) - lastEnd)) : 0;
      sol.symmetric = a == b;
      sol.allLengths = every;
      found.emplace(key, res.solutions.size());
      res.solutions.push_back(std::move(sol));
      primaryKind.push_back(sp.kind);
      return;
    }
    LengthSolution& sol = res.solutions[it->second];
    // The primary spelling: one that works for every length, then a word, then numbers.
    if ((every && !sol.allLengths) || (every == sol.allLengths && sp.kind < primaryKind[it->second])) {
      sol.alternatives.push_back(sol.layer);
      sol.layer = sp.layer;
      sol.words = spellingText(sp.layer);
      sol.allLengths = every;
      primaryKind[it->second] = sp.kind;
    } else {
      sol.alternatives.push_back(sp.layer);
    }
  }
  std::vector<Kind> primaryKind;

  void tryCandidate(const Spelling& sp, Op op, int s) {
    const Probe p = probeLayer(sp.layer, r.convention, Shape{1, r.in});
    if (!p.ok) return;
    const int out = p.layer.ax[0].out;
    track(out);
    if (out == r.out) {
      accept(sp, p, op, s);
      return;
    }
    // output_padding adds to the length: the one that reaches L2, or the largest tried (nearest).
    const int need = std::min(r.out - out, std::max(s, p.layer.ax[0].d) - 1);
    if (!sp.deriveOutputPadding || need <= 0) return;
    Spelling v = sp;
    v.layer["output_padding"] = need;
    v.kind = Kind::Numbers;
    const Probe q = probeLayer(v.layer, r.convention, Shape{1, r.in});
    if (!q.ok) return;
    track(q.layer.ax[0].out);
    if (q.layer.ax[0].out == r.out) accept(v, q, op, s);
  }

  // Strides that can reach L2 with kernel span dk (a superset; the resolver decides each).
  std::pair<long long, long long> strideWindow(Op op, int dk, int d) const {
    const long long L = r.in, L2 = r.out;
    long long lo, hi;
    if (op == Op::Conv) {
      lo = (L - dk) / L2 - 1;
      hi = L2 > 2 ? (L + dk) / (L2 - 2) + 1 : maxStride;
    } else {
      lo = (L2 - dk - d) / L - 1;
      hi = L > 2 ? (L2 + dk) / (L - 2) + 1 : maxStride;
    }
    return {std::max(1LL, lo), std::min<long long>(maxStride, hi)};
  }

  void run(Op op) {
    const int d = r.dilation > 0 ? r.dilation : 1;
    const int kLo = r.kernel > 0 ? r.kernel : 1, kHi = r.kernel > 0 ? r.kernel : r.maxKernel;
    for (int k = kLo; k <= kHi; ++k) {
      const long long dkl = static_cast<long long>(d) * (k - 1) + 1;
      if (dkl > kMaxAxisLength) break;
      const int dk = static_cast<int>(dkl);
      auto [sLo, sHi] = strideWindow(op, dk, d);
      if (r.stride > 0) sLo = sHi = r.stride;
      for (long long s = sLo; s <= sHi; ++s) {
        std::vector<Spelling> spellings;
        if (op == Op::Conv)
          convSpellings(r.convention, k, static_cast<int>(s), d, spellings);
        else
          transposedSpellings(r.convention, k, static_cast<int>(s), d, r.out, spellings);
        for (const Spelling& sp : spellings) tryCandidate(sp, op, static_cast<int>(s));
      }
    }
  }
};

}  // namespace

int defaultMaxStride(int in, int out) {
  const long long longer = std::max(in, out), shorter = std::max(1, std::min(in, out));
  return static_cast<int>(
      std::min<long long>(kMaxAxisLength, std::max(16LL, (longer + shorter - 1) / shorter + 16)));
}

SolveResult solveLength(const SolveRequest& r) {
  auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  if (r.in < 1 || r.in > kMaxAxisLength) bad("the input length must be 1..2^30");
  if (r.out < 1 || r.out > kMaxAxisLength) bad("the output length must be 1..2^30");
  if (r.maxKernel < 1 || r.kernel < 0 || r.stride < 0 || r.dilation < 0 || r.maxStride < 0)
    bad("kernel, stride, dilation and their bounds must be positive");
  Search search{r, r.maxStride > 0 ? r.maxStride : defaultMaxStride(r.in, r.out), {}, {}, {}};
  search.res.maxStride = search.maxStride;
  if (r.op != SolveOp::ConvTranspose) search.run(Op::Conv);
  if (r.op != SolveOp::Conv) search.run(Op::ConvTranspose);
  SolveResult res = std::move(search.res);
  if (r.allLengthsOnly)
    res.solutions.erase(std::remove_if(res.solutions.begin(), res.solutions.end(),
                                       [](const LengthSolution& x) { return !x.allLengths; }),
                        res.solutions.end());
  std::stable_sort(res.solutions.begin(), res.solutions.end(),
                   [](const LengthSolution& a, const LengthSolution& b) { return rankKey(a) < rankKey(b); });
  if (!res.solutions.empty()) res.nearestBelow = res.nearestAbove = 0;
  return res;
}

}  // namespace convscope::engine
