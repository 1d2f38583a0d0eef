// Index of this file:
//   [SECTION] LINEAR CHAINS AND THEIR RATE
//   [SECTION] IMPULSE RESPONSES
//   [SECTION] CANDIDATES
//   [SECTION] FINDER
//   [SECTION] DESCRIPTIONS PER CONVENTION
#include "engine/compare/single_layer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <sstream>

#include "engine/kernels/kernels.h"

namespace convscope::engine {
namespace {

// [SECTION] LINEAR CHAINS AND THEIR RATE

/// Why layer i stops the chain from being linear, or "" when it is linear.
std::string nonLinearReason(const Layer& l, int i) {
  const std::string at = "layer " + std::to_string(i) + " (" + opName(l.op) + ")";
  switch (l.op) {
    case Op::Conv:
      if (l.padMode != PadMode::Zeros)
        return at + " pads with " + padModeName(l.padMode) +
               ": the same kernel is not applied at the borders as in the interior";
      return "";
    case Op::ConvTranspose:
    case Op::Upsample:
    case Op::Unpool:
    case Op::ZeroInsert:
    case Op::AvgPool:
    case Op::BatchNorm:
      return "";
    case Op::MaxPool:
      return "a nonlinearity at " + at + ": the maximum of a window is not a weighted sum";
    default:
      return "a nonlinearity at " + at;
  }
}

/// Length scale of the chain along one axis as the reduced fraction num/den.
struct Rate {
  int64_t num = 1, den = 1;
};

std::array<Rate, 2> chainRates(const std::vector<Layer>& layers, int dims) {
  std::array<Rate, 2> r{};
  for (const Layer& l : layers)
    for (int a = 0; a < dims; ++a) {
      const int64_t s = l.ax[static_cast<size_t>(a)].s;
      const bool up =
          l.op == Op::ConvTranspose || l.op == Op::Unpool || l.op == Op::Upsample || l.op == Op::ZeroInsert;
      const bool down = l.op == Op::Conv || l.op == Op::AvgPool || l.op == Op::MaxPool;
      Rate& x = r[static_cast<size_t>(a)];
      if (up) x.num *= s;
      if (down) x.den *= s;
      const int64_t g = std::gcd(x.num, x.den);
      x.num /= g;
      x.den /= g;
    }
  return r;
}

std::string rateText(const Rate& r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

Tensor runChain(const std::vector<Layer>& layers, const Tensor& x) {
  Tensor y = x;
  for (const Layer& l : layers) y = forwardLayer(l, y);
  return y;
}

// [SECTION] IMPULSE RESPONSES

/// Spatial geometry of the chain's input and output (batch and channels excluded), as (H, W):
/// a 1-D chain has H = 1.
struct Geometry {
  int dims = 1;
  int64_t C = 0, O = 0;
  std::array<int64_t, 2> in{1, 1}, out{1, 1};
  int64_t inSize() const { return in[0] * in[1]; }
  int64_t outSize() const { return out[0] * out[1]; }
};

Shape inputShapeWithBatch(const Geometry& g, int64_t batch) {
  Shape s{batch, g.C};
  if (g.dims == 2) s.push_back(g.in[0]);
  s.push_back(g.in[1]);
  return s;
}

/// Responses of the chain to unit impulses at the given input points (channel, h, w), minus the
/// response to zero (`zero`), all in one batched run: result[b] is (O, outH, outW) row-major.
std::vector<std::vector<double>> impulseResponses(const std::vector<Layer>& layers, const Geometry& g,
                                                  const std::vector<std::array<int64_t, 3>>& points,
                                                  const Tensor& zero) {
  Tensor x(inputShapeWithBatch(g, static_cast<int64_t>(points.size())));
  for (size_t b = 0; b < points.size(); ++b) {
    const auto& p = points[b];
    x.data[static_cast<size_t>((static_cast<int64_t>(b) * g.C + p[0]) * g.inSize() + p[1] * g.in[1] + p[2])] =
        1.0f;
  }
  const Tensor y = runChain(layers, x);
  const int64_t per = g.O * g.outSize();
  std::vector<std::vector<double>> r(points.size(), std::vector<double>(static_cast<size_t>(per)));
  for (size_t b = 0; b < points.size(); ++b)
    for (int64_t i = 0; i < per; ++i)
      r[b][static_cast<size_t>(i)] = double(y.data[static_cast<size_t>(static_cast<int64_t>(b) * per + i)]) -
                                     double(zero.data[static_cast<size_t>(i)]);
  return r;
}

/// Largest |value| of a response, and whether a response is (numerically) zero at one entry.
double maxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// [SECTION] CANDIDATES

/// The layer's axis for geometry slot 0 (H) or 1 (W); a 1-D layer has only W (its ax[0]).
Axis* slotAxis(Layer& l, size_t slot) {
  if (l.dims == 2) return &l.ax[slot];
  return slot == 1 ? &l.ax[0] : nullptr;
}

Layer baseLayer(Op op, const Geometry& g) {
  Layer l;
  l.op = op;
  l.dims = g.dims;
  l.inChannels = static_cast<int>(g.C);
  l.outChannels = static_cast<int>(g.O);
  l.groups = 1;
  for (size_t slot = 0; slot < 2; ++slot) {
    Axis* x = slotAxis(l, slot);
    if (!x) continue;
    x->in = static_cast<int>(g.in[slot]);
    x->out = static_cast<int>(g.out[slot]);
  }
  return l;
}

/// Kernel shape (k...) of a layer with `dims` axes from (kh, kw).
Shape kernelShape(int dims, const std::array<int64_t, 2>& k) {
  return dims == 2 ? Shape{k[0], k[1]} : Shape{k[1]};
}

/// Kernel offsets seen by impulses: transposed conv u = m - i·S (tap j = u + start), conv
/// t = i - m·S (tap j = t + pb), for input i and output m along one axis.
struct OffsetRange {
  int64_t first = 0, count = 0;  // offsets first .. first + count - 1
};
OffsetRange offsetRange(bool up, int64_t in, int64_t out, int64_t S) {
  return up ? OffsetRange{-(in - 1) * S, (in - 1) * S + out}
            : OffsetRange{-(out - 1) * S, (out - 1) * S + in};
}

/// What the impulses say about the kernel: a value per (c, o, offset h, offset w), whether any
/// impulse saw it, and where two impulses disagree (the chain is not shift invariant).
struct KernelRead {
  std::array<OffsetRange, 2> range{};
  std::vector<double> value;
  std::vector<uint8_t> seen;  // 0: unseen, 1: seen by a border impulse only, 2: by a central one
  bool centralConflict = false, borderConflict = false;
  std::array<int64_t, 2> lo{0, 0}, hi{-1, -1};  // support of the non-zero values
};

KernelRead readKernel(const Geometry& g, const std::array<int64_t, 2>& S, bool up,
                      const std::vector<std::array<int64_t, 3>>& points,
                      const std::vector<std::vector<double>>& resp, double tiny, double tol) {
  KernelRead kr;
  for (size_t a = 0; a < 2; ++a) kr.range[a] = offsetRange(up, g.in[a], g.out[a], S[a]);
  const int64_t nh = kr.range[0].count, nw = kr.range[1].count;
  kr.value.assign(static_cast<size_t>(g.C * g.O * nh * nw), 0.0);
  kr.seen.assign(kr.value.size(), 0);
  auto central = [&](int64_t i, size_t a) { return 4 * i >= g.in[a] && 4 * i < 3 * g.in[a]; };
  for (size_t b = 0; b < points.size(); ++b) {
    const auto [c, ih, iw] = points[b];
    const uint8_t mark = (central(ih, 0) || g.in[0] == 1) && (central(iw, 1) || g.in[1] == 1) ? 2 : 1;
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t h = 0; h < g.out[0]; ++h)
        for (int64_t w = 0; w < g.out[1]; ++w) {
          const int64_t uh = (up ? h - ih * S[0] : ih - h * S[0]) - kr.range[0].first;
          const int64_t uw = (up ? w - iw * S[1] : iw - w * S[1]) - kr.range[1].first;
          const size_t at = static_cast<size_t>(((c * g.O + o) * nh + uh) * nw + uw);
          const double v = resp[b][static_cast<size_t>((o * g.out[0] + h) * g.out[1] + w)];
          if (kr.seen[at] && std::abs(kr.value[at] - v) > tol) {
            (mark == 2 && kr.seen[at] == 2 ? kr.centralConflict : kr.borderConflict) = true;
            continue;
          }
          if (kr.seen[at] < mark) {
            kr.value[at] = v;
            kr.seen[at] = mark;
          }
        }
  }
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t uh = 0; uh < nh; ++uh)
        for (int64_t uw = 0; uw < nw; ++uw)
          if (std::abs(kr.value[static_cast<size_t>(((c * g.O + o) * nh + uh) * nw + uw)]) > tiny) {
            kr.lo = {kr.hi[0] < 0 ? uh : std::min(kr.lo[0], uh), kr.hi[1] < 0 ? uw : std::min(kr.lo[1], uw)};
            kr.hi = {std::max(kr.hi[0], uh), std::max(kr.hi[1], uw)};
          }
  return kr;
}

/// The candidate layer from the kernel read: a transposed conv (start = -lowest offset) or a conv
/// (pb = -lowest offset, widened to start at or before offset 0 and, when the chain drops trailing
/// inputs, with trailing zero taps so that some pe >= 0 gives the chain's output length).
Layer candidateLayer(const Geometry& g, const std::array<int64_t, 2>& S, bool up, const KernelRead& kr) {
  Layer l = baseLayer(up ? Op::ConvTranspose : Op::Conv, g);
  std::array<int64_t, 2> first{}, k{};  // first offset of the kernel and its taps, per slot
  for (size_t a = 0; a < 2; ++a) {
    int64_t lo = kr.range[a].first + (kr.hi[a] < 0 ? 0 : kr.lo[a]);
    int64_t hi = kr.range[a].first + (kr.hi[a] < 0 ? 0 : kr.hi[a]);
    if (kr.hi[a] < 0) lo = hi = up ? 0 : 0;
    if (!up) {
      lo = std::min<int64_t>(lo, 0);
      hi = std::max(hi, lo);
      int64_t peNeeded = (g.out[a] - 1) * S[a] + (hi - lo + 1) - g.in[a] + lo;
      if (peNeeded + S[a] - 1 < 0) {
        hi += -(peNeeded + S[a] - 1);
        peNeeded = (g.out[a] - 1) * S[a] + (hi - lo + 1) - g.in[a] + lo;
      }
      if (Axis* x = slotAxis(l, a)) {
        x->pb = static_cast<int>(-lo);
        x->pe = static_cast<int>(std::max<int64_t>(0, peNeeded));
      }
    } else if (Axis* x = slotAxis(l, a)) {
      x->start = static_cast<int>(-lo);
    }
    first[a] = lo;
    k[a] = hi - lo + 1;
    if (Axis* x = slotAxis(l, a)) {
      x->k = static_cast<int>(k[a]);
      x->s = static_cast<int>(S[a]);
    }
  }
  Shape ws = up ? Shape{g.C, g.O} : Shape{g.O, g.C};
  for (int64_t d : kernelShape(g.dims, k)) ws.push_back(d);
  l.weight = Tensor(ws);
  const int64_t nh = kr.range[0].count, nw = kr.range[1].count;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t jh = 0; jh < k[0]; ++jh)
        for (int64_t jw = 0; jw < k[1]; ++jw) {
          const int64_t uh = first[0] + jh - kr.range[0].first, uw = first[1] + jw - kr.range[1].first;
          if (uh < 0 || uh >= nh || uw < 0 || uw >= nw) continue;
          const double v = kr.value[static_cast<size_t>(((c * g.O + o) * nh + uh) * nw + uw)];
          const int64_t outer = up ? c * g.O + o : o * g.C + c;
          l.weight.data[static_cast<size_t>((outer * k[0] + jh) * k[1] + jw)] = static_cast<float>(v);
        }
  return l;
}

/// Adds the chain's zero-input response as the bias when it is one constant per channel; returns
/// false (and the reason) when it varies along the output.
bool setBias(Layer& l, const Geometry& g, const Tensor& zero, double tol, std::string* why) {
  bool anyBias = false;
  Tensor b({g.O});
  for (int64_t o = 0; o < g.O; ++o) {
    const float* p = zero.ptr() + o * g.outSize();
    const auto [mn, mx] = std::minmax_element(p, p + g.outSize());
    if (double(*mx) - double(*mn) > tol) {
      *why = "the response to a zero input varies along output channel " + std::to_string(o) + " (from " +
             std::to_string(*mn) + " to " + std::to_string(*mx) +
             "): a bias passes a padded or cropping layer, so no single layer's bias gives it";
      return false;
    }
    b.data[static_cast<size_t>(o)] = p[0];
    anyBias = anyBias || p[0] != 0.0f;
  }
  if (anyBias) l.bias = std::move(b);
  return true;
}

/// max |a - b| and the flat index where it is largest.
std::pair<double, int64_t> maxDifference(const Tensor& a, const Tensor& b) {
  double m = -1;
  int64_t at = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d =
        std::abs(double(a.data[static_cast<size_t>(i)]) - double(b.data[static_cast<size_t>(i)]));
    if (!(d <= m)) {
      m = d;
      at = i;
    }
  }
  return {std::max(m, 0.0), at};
}

// [SECTION] FINDER

/// The chain's geometry, or "" with `why` set when it has no single-layer form.
bool chainGeometry(const Stack& stack, Geometry& g, std::array<int64_t, 2>& S, bool& up, std::string* why) {
  const auto& layers = stack.layers;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string r = nonLinearReason(layers[i], static_cast<int>(i));
    if (!r.empty()) {
      *why = r;
      return false;
    }
  }
  g.dims = layers.front().dims;
  g.C = layers.front().inChannels;
  g.O = layers.back().outChannels;
  for (int a = 0; a < g.dims; ++a) {
    const size_t slot = static_cast<size_t>(g.dims == 2 ? a : 1);
    g.in[slot] = layers.front().ax[static_cast<size_t>(a)].in;
    g.out[slot] = layers.back().ax[static_cast<size_t>(a)].out;
  }
  const auto rates = chainRates(layers, g.dims);
  bool anyUp = false, anyDown = false;
  S = {1, 1};
  for (int a = 0; a < g.dims; ++a) {
    const Rate& r = rates[static_cast<size_t>(a)];
    const size_t slot = static_cast<size_t>(g.dims == 2 ? a : 1);
    const std::string axis = g.dims == 2 ? (a == 0 ? " along H" : " along W") : "";
    if (r.num > 1 && r.den > 1) {
      *why = "the chain scales lengths by " + rateText(r) + axis +
             ", neither a whole up-sampling nor a whole down-sampling factor";
      return false;
    }
    anyUp = anyUp || r.num > 1;
    anyDown = anyDown || r.den > 1;
    S[slot] = std::max(r.num, r.den);
  }
  if (anyUp && anyDown) {
    *why =
        "the chain up-samples along one axis and down-samples along the other: a conv strides every axis "
        "down and a transposed conv every axis up";
    return false;
  }
  up = anyUp;
  return true;
}

/// Runs `candidate` and the chain on the stack's input and two random inputs; the largest
/// difference and the scale. `where` receives the output index of the largest difference.
void prove(const Stack& stack, const Layer& candidate, const Geometry& g, SingleLayer& out, int64_t* where) {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<Tensor> inputs;
  Tensor own = stack.input;
  own.shape = inputShapeWithBatch(g, own.numel() / std::max<int64_t>(1, g.C * g.inSize()));
  inputs.push_back(own);
  for (int t = 0; t < 2; ++t) {
    Tensor x(inputShapeWithBatch(g, 1));
    for (float& v : x.data) v = u(rng);
    inputs.push_back(std::move(x));
  }
  out.maxAbsDiff = 0;
  out.scale = 1;
  for (const Tensor& x : inputs) {
    const Tensor want = runChain(stack.layers, x);
    const Tensor got = forwardLayer(candidate, x);
    for (float v : want.data) out.scale = std::max(out.scale, double(std::abs(v)));
    const auto [d, at] = maxDifference(want, got);
    if (d > out.maxAbsDiff || !(d == d)) {
      out.maxAbsDiff = d;
      *where = at % (g.O * g.outSize());
    }
  }
}

std::string outputPoint(const Geometry& g, int64_t flat) {
  const int64_t o = flat / g.outSize(), rest = flat % g.outSize();
  std::string s = "output channel " + std::to_string(o) + " position ";
  if (g.dims == 2)
    return s + "(" + std::to_string(rest / g.out[1]) + ", " + std::to_string(rest % g.out[1]) + ")";
  return s + std::to_string(rest);
}

/// Input positions to send impulses from along one axis: all of them for a short axis, else a
/// centred window (a multiple of S wide) that still sees every tap of a kernel shorter than it.
std::vector<int64_t> impulsePositions(int64_t in, int64_t S) {
  const int64_t width = std::min(in, std::max<int64_t>(48, 8 * S));
  const int64_t from = (in - width) / 2;
  std::vector<int64_t> v;
  for (int64_t i = from; i < from + width; ++i) v.push_back(i);
  return v;
}

}  // namespace

SingleLayer findSingleLayer(const Stack& stack) {
  SingleLayer out;
  if (stack.layers.empty()) {
    out.why = "the stack has no layers";
    return out;
  }
  Geometry g;
  std::array<int64_t, 2> S{1, 1};
  bool up = false;
  if (!chainGeometry(stack, g, S, up, &out.why)) return out;
  const auto hs = impulsePositions(g.in[0], S[0]), ws = impulsePositions(g.in[1], S[1]);
  std::vector<std::array<int64_t, 3>> points;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t h : hs)
      for (int64_t w : ws) points.push_back({c, h, w});
  if (static_cast<int64_t>(points.size()) * (g.O * g.outSize() + g.inSize()) > (int64_t(1) << 25)) {
    out.why = "the chain is too large to analyse here (" + std::to_string(points.size()) + " impulses of " +
              std::to_string(g.O * g.outSize()) + " outputs each)";
    return out;
  }
  const Tensor zero = runChain(stack.layers, Tensor(inputShapeWithBatch(g, 1)));
  const auto resp = impulseResponses(stack.layers, g, points, zero);
  double peak = 0;
  for (const auto& r : resp) peak = std::max(peak, maxAbs(r));
  const KernelRead kr =
      readKernel(g, S, up, points, resp, 1e-7 * std::max(1.0, peak), 1e-5 * std::max(1.0, peak));
  if (kr.centralConflict) {
    out.why = std::string(up ? "the impulse responses of neighbouring inputs are not shifts of one kernel"
                             : "the impulse responses one output apart are not shifts of one kernel") +
              " (the chain treats the phases differently): no single " + (up ? "transposed conv" : "conv");
    return out;
  }
  Layer cand = candidateLayer(g, S, up, kr);
  double zmax = 0;
  for (float v : zero.data) zmax = std::max(zmax, double(std::abs(v)));
  if (!setBias(cand, g, zero, 1e-5 * std::max(1.0, zmax), &out.why)) return out;
  out.layer = cand;
  int64_t where = 0;
  prove(stack, cand, g, out, &where);
  out.found = out.maxAbsDiff <= 1e-4 * out.scale;
  if (!out.found)
    out.why = "the interior is one " + std::string(opName(cand.op)) + " (kernel " +
              shapeToString(cand.weight.shape) + ") but the borders are not: it differs by " +
              std::to_string(out.maxAbsDiff) + " at " + outputPoint(g, where) +
              " (padding, crops or a clamped resampling of the chain)";
  return out;
}

// [SECTION] DESCRIPTIONS PER CONVENTION

namespace {

std::string tuple(const Layer& l, int (*field)(const Axis&)) {
  if (l.dims == 1) return std::to_string(field(l.ax[0]));
  return "(" + std::to_string(field(l.ax[0])) + ", " + std::to_string(field(l.ax[1])) + ")";
}
std::string list(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// Crop of a transposed conv: [start, Lf - start - out] per axis.
std::array<std::array<int, 2>, 2> crops(const Layer& l) {
  std::array<std::array<int, 2>, 2> c{};
  for (int a = 0; a < l.dims; ++a) {
    const Axis& x = l.ax[static_cast<size_t>(a)];
    c[static_cast<size_t>(a)] = {x.start, x.fullLength() - x.start - x.out};
  }
  return c;
}

std::string pytorch(const Layer& l) {
  const std::string d = std::to_string(l.dims) + "d";
  const std::string head = std::to_string(l.inChannels) + ", " + std::to_string(l.outChannels) +
                           ", kernel_size=" + tuple(l, [](const Axis& x) { return x.k; }) +
                           ", stride=" + tuple(l, [](const Axis& x) { return x.s; });
  const std::string bias = l.bias.empty() ? ", bias=False" : "";
  if (l.op == Op::Conv) {
    bool symmetric = true;
    for (int a = 0; a < l.dims; ++a) {
      const Axis& x = l.ax[static_cast<size_t>(a)];
      // PyTorch pads pb on both sides; the output length allows pe in [needed, needed + s - 1].
      const int needed = (x.out - 1) * x.s + x.k - x.in - x.pb;
      symmetric = symmetric && x.pb >= needed && x.pb <= needed + x.s - 1;
    }
    if (symmetric)
      return "Conv" + d + "(" + head + ", padding=" + tuple(l, [](const Axis& x) { return x.pb; }) + bias +
             ")";
    std::vector<int> pads;
    for (int a = l.dims - 1; a >= 0; --a) {
      pads.push_back(l.ax[static_cast<size_t>(a)].pb);
      pads.push_back(l.ax[static_cast<size_t>(a)].pe);
    }
    return "F.pad(x, " + list(pads) + ") then Conv" + d + "(" + head + ", padding=0" + bias + ")";
  }
  const auto c = crops(l);
  bool fits = true;
  std::vector<int> op;
  for (int a = 0; a < l.dims; ++a) {
    const int p = c[static_cast<size_t>(a)][0], extra = p - c[static_cast<size_t>(a)][1];
    fits = fits && p >= 0 && extra >= 0 && extra < l.ax[static_cast<size_t>(a)].s;
    op.push_back(extra);
  }
  if (fits) {
    std::string s =
        "ConvTranspose" + d + "(" + head + ", padding=" + tuple(l, [](const Axis& x) { return x.start; });
    if (std::any_of(op.begin(), op.end(), [](int v) { return v != 0; }))
      s += ", output_padding=" + (l.dims == 1
                                      ? std::to_string(op[0])
                                      : "(" + std::to_string(op[0]) + ", " + std::to_string(op[1]) + ")");
    return s + bias + ")";
  }
  std::string crop;
  for (int a = 0; a < l.dims; ++a)
    crop += (a ? ", " : "") + std::to_string(c[static_cast<size_t>(a)][0]) + ":" +
            std::to_string(c[static_cast<size_t>(a)][0] + l.ax[static_cast<size_t>(a)].out);
  return "ConvTranspose" + d + "(" + head + ", padding=0" + bias + ") then y[..., " + crop +
         "] (a crop PyTorch's padding and output_padding cannot express)";
}

std::string onnx(const Layer& l) {
  std::vector<int> k, s, pads;
  for (int a = 0; a < l.dims; ++a) {
    k.push_back(l.ax[static_cast<size_t>(a)].k);
    s.push_back(l.ax[static_cast<size_t>(a)].s);
  }
  const auto c = crops(l);
  for (int side = 0; side < 2; ++side)
    for (int a = 0; a < l.dims; ++a)
      pads.push_back(l.op == Op::Conv
                         ? (side ? l.ax[static_cast<size_t>(a)].pe : l.ax[static_cast<size_t>(a)].pb)
                         : c[static_cast<size_t>(a)][static_cast<size_t>(side)]);
  const bool negative = std::any_of(pads.begin(), pads.end(), [](int v) { return v < 0; });
  std::string out = std::string(l.op == Op::Conv ? "Conv" : "ConvTranspose") + "(kernel_shape=" + list(k) +
                    ", strides=" + list(s) + ", pads=" + list(pads) + ")";
  if (negative) out += " (a negative pad is an extension with zeros: use output_shape instead)";
  return out;
}

std::string keras(const Layer& l) {
  const std::string d = std::to_string(l.dims) + "D";
  const std::string head = "filters=" + std::to_string(l.outChannels) +
                           ", kernel_size=" + tuple(l, [](const Axis& x) { return x.k; }) +
                           ", strides=" + tuple(l, [](const Axis& x) { return x.s; });
  const std::string bias = l.bias.empty() ? ", use_bias=False" : "";
  if (l.op == Op::Conv) {
    bool valid = true;
    std::string pads;
    for (int a = 0; a < l.dims; ++a) {
      const Axis& x = l.ax[static_cast<size_t>(a)];
      valid = valid && x.pb == 0 && (x.in - x.k) / x.s + 1 == x.out;
      pads += (a ? ", " : "") + std::string("(") + std::to_string(x.pb) + ", " + std::to_string(x.pe) + ")";
    }
    if (valid) return "Conv" + d + "(" + head + ", padding=\"valid\"" + bias + ")";
    return "ZeroPadding" + d + "(" + (l.dims == 1 ? pads.substr(1, pads.size() - 2) : "(" + pads + ")") +
           ") then Conv" + d + "(" + head + ", padding=\"valid\"" + bias + ")";
  }
  const auto c = crops(l);
  bool none = true;
  std::string crop;
  for (int a = 0; a < l.dims; ++a) {
    none = none && c[static_cast<size_t>(a)][0] == 0 && c[static_cast<size_t>(a)][1] == 0;
    crop += (a ? ", " : "") + std::string("(") + std::to_string(c[static_cast<size_t>(a)][0]) + ", " +
            std::to_string(c[static_cast<size_t>(a)][1]) + ")";
  }
  const std::string layer = "Conv" + d + "Transpose(" + head + ", padding=\"valid\"" + bias + ")";
  if (none) return layer;
  return layer + " then Cropping" + d + "(" +
         (l.dims == 1 ? crop.substr(1, crop.size() - 2) : "(" + crop + ")") + ")" +
         (crop.find('-') != std::string::npos ? " (a negative crop is zero padding)" : "");
}

std::string chainer(const Layer& l) {
  const std::string d = std::to_string(l.dims) + "D";
  const std::string head = std::to_string(l.inChannels) + ", " + std::to_string(l.outChannels) +
                           ", ksize=" + tuple(l, [](const Axis& x) { return x.k; }) +
                           ", stride=" + tuple(l, [](const Axis& x) { return x.s; });
  const std::string bias = l.bias.empty() ? ", nobias=True" : "";
  if (l.op == Op::Conv)
    return "L.Convolution" + d + "(" + head + ", pad=" + tuple(l, [](const Axis& x) { return x.pb; }) + bias +
           ")" + " (pad " + tuple(l, [](const Axis& x) { return x.pe; }) + " at the end)";
  return "L.Deconvolution" + d + "(" + head + ", pad=" + tuple(l, [](const Axis& x) { return x.start; }) +
         ", outsize=" + tuple(l, [](const Axis& x) { return x.out; }) + bias + ")";
}

}  // namespace

std::string describeLayer(const Layer& l, Convention convention) {
  switch (convention) {
    case Convention::Keras:
      return keras(l);
    case Convention::Onnx:
      return onnx(l);
    case Convention::Chainer:
      return chainer(l);
    default:
      return pytorch(l);
  }
}

}  // namespace convscope::engine
