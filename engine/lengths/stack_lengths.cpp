// stackLengths and lengthFixes (stack_lengths.h).
//
// Index of this file:
//   [SECTION] CHAIN      one input length through the length-only layers
//   [SECTION] TABLE      every length, round-trip detection, period of the good lengths
//   [SECTION] FIXES      output_padding / target per transposed layer for a bad length
#include "engine/lengths/stack_lengths.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <stdexcept>

#include "engine/lengths/length_probe.h"
#include "engine/resolve/op_schema.h"

namespace convscope::engine {
namespace {

// [SECTION] CHAIN

// The input shape of layer i for a varied length `len` (H of a 2-D stack stays the stack's own).
Shape shapeFor(const Stack& st, const LengthTable& t, int i, int len) {
  if (st.dims == 1) return Shape{t.channels[i], len};
  return Shape{t.channels[i], st.layers[i].ax[0].in, len};
}

// Resolves layer i (spec `spec`) on `len`; its length, or 0 with `rule` set.
int layerLength(const Stack& st, const LengthTable& t, int i, const nlohmann::json& spec, int len,
                std::string* rule) {
  if (isElementwise(st.layers[i].op)) return len;
  const Probe p = probeLayer(spec, st.convention, shapeFor(st, t, i, len), i);
  if (p.ok) return p.layer.ax[st.dims - 1].out;
  if (rule) *rule = (p.param.empty() ? std::string() : "parameter '" + p.param + "': ") + p.reason;
  return 0;
}

bool isDown(int in, int out) {
  return out > 0 && 2LL * in >= 3LL * out;
}
bool isUp(int in, int out) {
  return in > 0 && 2LL * out >= 3LL * in;
}

// [SECTION] TABLE

// Round trip at the largest length every layer resolves: some layer output at most 2/3 of the
// input and the last output within 1.25x of it.
void detectRoundTrip(LengthTable& t) {
  for (int L = t.to; L >= t.from; --L) {
    if (t.refused[static_cast<size_t>(L - t.from)] >= 0) continue;
    int shortest = L;
    for (int i = 0; i < t.layers; ++i) shortest = std::min(shortest, t.at(L, i));
    const long long e = t.at(L, t.layers - 1);
    t.down = std::max(1, L / std::max(1, shortest));
    t.roundTrip = t.layers > 1 && isDown(L, shortest) && 4 * e <= 5LL * L && 4LL * L <= 5 * e;
    return;
  }
}

// Smallest period P (a divisor of the product of the layers' strides, capped) such that whether L
// comes back equals whether L + P does, over the lengths after the last refused one.
void findPeriod(const Stack& st, LengthTable& t, const std::vector<char>& good) {
  int start = t.from;
  for (int L = t.from; L <= t.to; ++L)
    if (t.refused[static_cast<size_t>(L - t.from)] >= 0) start = L + 1;
  const long long n = t.to - start + 1;
  long long product = 1;
  for (const Layer& l : st.layers) product = std::min<long long>(product * l.ax[st.dims - 1].s, 1 << 20);
  for (long long P = 1; P <= product && 2 * P <= n; ++P) {
    if (product % P) continue;
    bool periodic = true;
    for (int L = start; L + P <= t.to && periodic; ++L)
      periodic = good[static_cast<size_t>(L - t.from)] == good[static_cast<size_t>(L + P - t.from)];
    if (!periodic) continue;
    t.period = static_cast<int>(P);
    for (int L = start; L < start + P; ++L)
      if (good[static_cast<size_t>(L - t.from)]) t.residues.push_back(static_cast<int>(L % P));
    std::sort(t.residues.begin(), t.residues.end());
    return;
  }
}

}  // namespace

LengthTable stackLengths(const Stack& st, int from, int to) {
  if (from < 1 || to < from || to > kMaxAxisLength || static_cast<long long>(to) - from >= 10000000)
    throw std::invalid_argument("the range must satisfy 1 <= from <= to <= 2^30 with at most 10^7 lengths");
  LengthTable t;
  t.from = from;
  t.to = to;
  t.layers = static_cast<int>(st.layers.size());
  const nlohmann::json& layers = st.source.at("layers");
  for (int i = 0; i < t.layers; ++i) {
    int c = 1;
    t.specs.push_back(lengthOnlySpec(layers.at(static_cast<size_t>(i)), st.layers[i], st.convention, c));
    t.channels.push_back(c);
  }
  const size_t n = static_cast<size_t>(to - from) + 1;
  t.outs.assign(n * static_cast<size_t>(t.layers), 0);
  t.refused.assign(n, -1);
  // Rows are independent: contiguous blocks in parallel. Within a block the inputs of a layer
  // repeat from row to row (after a stride-s layer each length comes s times): the last input and
  // its result are kept per layer, so a repeated length is resolved once.
#pragma omp parallel
  {
    std::vector<int> lastIn(static_cast<size_t>(t.layers), 0), lastOut(static_cast<size_t>(t.layers), 0);
    std::vector<std::string> lastRule(static_cast<size_t>(t.layers));
#pragma omp for schedule(static)
    for (int L = from; L <= to; ++L) {
      int len = L;
      for (int i = 0; i < t.layers; ++i) {
        if (lastIn[i] != len) {
          lastIn[i] = len;
          lastRule[i].clear();
          lastOut[i] = layerLength(st, t, i, t.specs[i], len, &lastRule[i]);
        }
        len = lastOut[i];
        if (len == 0) {
          t.refused[static_cast<size_t>(L - from)] = i;
#pragma omp critical(convscope_length_rules)
          t.rules[L] = lastRule[i];
          break;
        }
        t.outs[static_cast<size_t>(L - from) * t.layers + i] = len;
      }
    }
  }
  detectRoundTrip(t);
  if (!t.roundTrip) return t;
  std::vector<char> good(n, 0);
  for (int L = from; L <= to; ++L) {
    if (t.refused[static_cast<size_t>(L - from)] >= 0) continue;
    good[static_cast<size_t>(L - from)] = t.last(L) == L;
    ++(good[static_cast<size_t>(L - from)] ? t.good : t.bad);
  }
  findPeriod(st, t, good);
  return t;
}

// [SECTION] FIXES
namespace {

// The change of transposed layer i (spec `spec`, input `len`) that makes it give `target`, or null.
nlohmann::json fixLayer(const Stack& st, const LengthTable& t, int i, const nlohmann::json& spec, int len,
                        int target, nlohmann::json& targetKey) {
  const Op op = st.layers[i].op;
  const Convention cv = st.convention;
  const int s = st.layers[i].ax[st.dims - 1].s, d = st.layers[i].ax[st.dims - 1].d;
  const char* tName = paramKey(op, cv, Param::TargetSize);
  auto gives = [&](const nlohmann::json& change) {
    nlohmann::json v = spec;
    if (*tName) v.erase(tName);
    for (auto it = change.begin(); it != change.end(); ++it) v[it.key()] = it.value();
    return layerLength(st, t, i, v, len, nullptr) == target;
  };
  targetKey = nullptr;
  if (*tName && op == Op::ConvTranspose && gives({{tName, target}})) targetKey = {{tName, target}};
  if (*paramKey(op, cv, Param::OutputPadding))
    for (int opv = 0; opv < std::max(s, d); ++opv)
      if (gives({{"output_padding", opv}})) return {{"output_padding", opv}};
  return targetKey.is_null() ? nlohmann::json() : targetKey;
}

}  // namespace

namespace {

// Searches the transposed layers' lengths within s - 1 of their own (each reached by fixLayer)
// for a choice that brings L back: fewest changed layers first, then the smallest changes. At
// most `budget` chains are tried.
struct FixSearch {
  const Stack& st;
  const LengthTable& t;
  int L;
  long long budget = 2000;
  std::vector<LengthFix> current, best;
  bool found = false;

  void walk(int i, int len) {
    if (--budget < 0) return;
    if (i == t.layers) {
      if (len != L) return;
      auto cost = [](const std::vector<LengthFix>& v) {
        long long c = 0;
        for (const auto& f : v) c += std::abs(f.target - f.length);
        return std::make_pair(v.size(), c);
      };
      if (!found || cost(current) < cost(best)) best = current;
      found = true;
      return;
    }
    const int natural = layerLength(st, t, i, t.specs[i], len, nullptr);
    if (natural == 0) return;
    walk(i + 1, natural);
    if (st.layers[i].op != Op::ConvTranspose) return;
    const int s = st.layers[i].ax[st.dims - 1].s;
    for (int delta = 1 - s; delta < s; ++delta) {
      if (delta == 0 || natural + delta < 1) continue;
      LengthFix f;
      f.layer = i;
      f.length = natural;
      f.target = natural + delta;
      f.change = fixLayer(st, t, i, t.specs[i], len, f.target, f.targetForm);
      if (f.change.is_null()) continue;
      current.push_back(f);
      walk(i + 1, f.target);
      current.pop_back();
    }
  }
};

}  // namespace

std::vector<LengthFix> lengthFixes(const Stack& st, const LengthTable& t, int L, bool& fixed) {
  fixed = false;
  std::vector<LengthFix> fixes;
  if (!t.roundTrip || L < t.from || L > t.to || t.refused[static_cast<size_t>(L - t.from)] >= 0) return fixes;
  // Down layers (in order) and the input length each received; up layers take them back in reverse.
  std::vector<int> downIn;
  for (int i = 0, in = L; i < t.layers; in = t.at(L, i), ++i)
    if (isDown(in, t.at(L, i))) downIn.push_back(in);
  int len = L;
  for (int i = 0; i < t.layers; ++i) {
    const int natural = layerLength(st, t, i, t.specs[i], len, nullptr);
    if (natural == 0) return fixes;
    int out = natural;
    if (st.layers[i].op == Op::ConvTranspose && isUp(len, natural)) {
      const int target = downIn.empty() ? L : downIn.back();
      if (!downIn.empty()) downIn.pop_back();
      if (natural != target) {
        LengthFix f;
        f.layer = i;
        f.length = natural;
        f.target = target;
        f.change = fixLayer(st, t, i, t.specs[i], len, target, f.targetForm);
        if (!f.change.is_null()) out = target;
        fixes.push_back(f);
      }
    }
    len = out;
  }
  fixed = len == L;
  if (fixed) return fixes;
  FixSearch search{st, t, L, 2000, {}, {}, false};
  search.walk(0, L);
  if (!search.found) return fixes;
  fixed = true;
  return search.best;
}

}  // namespace convscope::engine
