// naive_reference.cpp: see naive_reference.h. Everything is written for 2 spatial axes; a 1-D layer
// is viewed as H = 1 (a singleton axis with k = s = d = 1 and no padding, docs/conventions.md
// §1-D as 2-D with a singleton axis).
#include "naive_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace convscope::test {
namespace {

using engine::Axis;
using engine::Op;
using engine::PadMode;
using engine::Shape;

struct Ax2 {
  Axis a[2];  // a[0] = H, a[1] = W
};

Ax2 axes(const Layer& l) {
  Ax2 r;
  if (l.dims == 2) {
    r.a[0] = l.ax[0];
    r.a[1] = l.ax[1];
  } else {
    r.a[0] = Axis{};
    r.a[0].in = r.a[0].out = 1;
    r.a[1] = l.ax[0];
  }
  return r;
}

Shape outShape(const Layer& l, int64_t N, int64_t C) {
  Shape s{N, C};
  for (int i = 0; i < l.dims; ++i) s.push_back(l.ax[i].out);
  return s;
}

// Index into a 4-D (N, C, H, W) view of a tensor whose last one or two axes are spatial.
struct View {
  int64_t C, H, W;
  int64_t at(int64_t n, int64_t c, int64_t h, int64_t w) const { return ((n * C + c) * H + h) * W + w; }
};

// Source of padded position t under a pad mode (docs/conventions.md §Padding modes), -1 = zero.
int padIndex(int t, int L, PadMode m) {
  if (t >= 0 && t < L) return t;
  switch (m) {
    case PadMode::Zeros:
      return -1;
    case PadMode::Replicate:
      return t < 0 ? 0 : L - 1;
    case PadMode::Circular:
      return ((t % L) + L) % L;
    case PadMode::Reflect:
      // Mirror without repeating the edge, as many times as needed.
      while (t < 0 || t >= L) {
        if (L == 1) return 0;
        if (t < 0) t = -t;
        if (t >= L) t = 2 * (L - 1) - t;
      }
      return t;
  }
  return -1;
}

}  // namespace

Tensor naiveConv(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = l.inChannels, O = l.outChannels, g = l.groups;
  const int64_t cg = C / g, og = O / g;
  const Axis &ah = A.a[0], &aw = A.a[1];
  // xpad explicitly materialised per P1.
  const int Hp = ah.in + ah.pb + ah.pe, Wp = aw.in + aw.pb + aw.pe;
  std::vector<double> xpad(size_t(N * C * Hp * Wp), 0.0);
  const View xv{C, ah.in, aw.in}, pv{C, Hp, Wp};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int th = 0; th < Hp; ++th)
        for (int tw = 0; tw < Wp; ++tw) {
          const int sh = padIndex(th - ah.pb, ah.in, l.padMode), sw = padIndex(tw - aw.pb, aw.in, l.padMode);
          if (sh >= 0 && sw >= 0) xpad[size_t(pv.at(n, c, th, tw))] = x.data[size_t(xv.at(n, c, sh, sw))];
        }
  Tensor y(outShape(l, N, O));
  const View yv{O, ah.out, aw.out};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t G = o / og;
      for (int ih = 0; ih < ah.out; ++ih)
        for (int iw = 0; iw < aw.out; ++iw) {
          double acc = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
          for (int64_t c = 0; c < cg; ++c)
            for (int jh = 0; jh < ah.k; ++jh)
              for (int jw = 0; jw < aw.k; ++jw) {
                const double wv = l.weight.data[size_t(((o * cg + c) * ah.k + jh) * aw.k + jw)];
                const int th = ih * ah.s + jh * ah.d, tw = iw * aw.s + jw * aw.d;
                acc += wv * xpad[size_t(pv.at(n, G * cg + c, th, tw))];
              }
          y.data[size_t(yv.at(n, o, ih, iw))] = static_cast<float>(acc);
        }
    }
  return y;
}

Tensor naiveConvTranspose(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = l.inChannels, O = l.outChannels, g = l.groups;
  const int64_t cg = C / g, og = O / g;
  const Axis &ah = A.a[0], &aw = A.a[1];
  const int Hf = ah.fullLength(), Wf = aw.fullLength();
  std::vector<double> full(size_t(N * O * Hf * Wf), 0.0);
  const View xv{C, ah.in, aw.in}, fv{O, Hf, Wf};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t G = c / cg;
      for (int ih = 0; ih < ah.in; ++ih)
        for (int iw = 0; iw < aw.in; ++iw) {
          const double xvv = x.data[size_t(xv.at(n, c, ih, iw))];
          for (int64_t o = 0; o < og; ++o)
            for (int jh = 0; jh < ah.k; ++jh)
              for (int jw = 0; jw < aw.k; ++jw) {
                const double wv = l.weight.data[size_t(((c * og + o) * ah.k + jh) * aw.k + jw)];
                full[size_t(fv.at(n, G * og + o, ih * ah.s + jh * ah.d, iw * aw.s + jw * aw.d))] += xvv * wv;
              }
        }
    }
  Tensor y(outShape(l, N, O));
  const View yv{O, ah.out, aw.out};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int mh = 0; mh < ah.out; ++mh)
        for (int mw = 0; mw < aw.out; ++mw) {
          double v = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
          const int qh = ah.start + mh, qw = aw.start + mw;
          if (qh >= 0 && qh < Hf && qw >= 0 && qw < Wf) v += full[size_t(fv.at(n, o, qh, qw))];
          y.data[size_t(yv.at(n, o, mh, mw))] = static_cast<float>(v);
        }
  return y;
}

Tensor naiveUnpool(const Layer& l, const Tensor& x) {
  Layer t = l;
  t.outChannels = t.groups = l.inChannels;
  Shape ws{l.inChannels, 1};
  for (int i = 0; i < l.dims; ++i) ws.push_back(l.ax[i].k);
  t.weight = Tensor(ws, 1.0f);
  t.bias = Tensor();
  return naiveConvTranspose(t, x);
}

Tensor naiveUpsample(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = x.dim(1);
  const Axis &ah = A.a[0], &aw = A.a[1];
  Tensor y(outShape(l, N, C));
  const View xv{C, ah.in, aw.in}, yv{C, ah.out, aw.out};
  // Linear (align_corners=False): src = max(0, (j+0.5)/s - 0.5), i0 = floor, i1 = min(i0+1, in-1).
  auto lin = [](int j, const Axis& a, int& i0, int& i1, double& l1) {
    double src = (j + 0.5) / a.s - 0.5;
    if (src < 0) src = 0;
    i0 = static_cast<int>(std::floor(src));
    i1 = std::min(i0 + 1, a.in - 1);
    l1 = src - i0;
  };
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int oh = 0; oh < ah.out; ++oh)
        for (int ow = 0; ow < aw.out; ++ow) {
          double v;
          if (l.upsampleMode == engine::UpsampleMode::Nearest) {
            v = x.data[size_t(xv.at(n, c, oh / ah.s, ow / aw.s))];
          } else {
            int h0, h1, w0, w1;
            double lh, lw;
            lin(oh, ah, h0, h1, lh);
            lin(ow, aw, w0, w1, lw);
            auto X = [&](int a, int b) { return double(x.data[size_t(xv.at(n, c, a, b))]); };
            v = (1 - lh) * ((1 - lw) * X(h0, w0) + lw * X(h0, w1)) +
                lh * ((1 - lw) * X(h1, w0) + lw * X(h1, w1));
          }
          y.data[size_t(yv.at(n, c, oh, ow))] = static_cast<float>(v);
        }
  return y;
}

Tensor naiveZeroInsert(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = x.dim(1);
  const Axis &ah = A.a[0], &aw = A.a[1];
  Tensor y(outShape(l, N, C));
  const View xv{C, ah.in, aw.in}, yv{C, ah.out, aw.out};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int ih = 0; ih < ah.in; ++ih)
        for (int iw = 0; iw < aw.in; ++iw)
          y.data[size_t(yv.at(n, c, ih * ah.s, iw * aw.s))] = x.data[size_t(xv.at(n, c, ih, iw))];
  return y;
}

Tensor naiveMaxPool(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = x.dim(1);
  const Axis &ah = A.a[0], &aw = A.a[1];
  Tensor y(outShape(l, N, C));
  const View xv{C, ah.in, aw.in}, yv{C, ah.out, aw.out};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int oh = 0; oh < ah.out; ++oh)
        for (int ow = 0; ow < aw.out; ++ow) {
          float m = -std::numeric_limits<float>::infinity();
          bool nan = false;
          for (int jh = 0; jh < ah.k; ++jh)
            for (int jw = 0; jw < aw.k; ++jw) {
              const int ph = oh * ah.s - ah.pb + jh * ah.d, pw = ow * aw.s - aw.pb + jw * aw.d;
              if (ph < 0 || ph >= ah.in || pw < 0 || pw >= aw.in) continue;
              const float v = x.data[size_t(xv.at(n, c, ph, pw))];
              if (std::isnan(v))
                nan = true;
              else if (v > m)
                m = v;
            }
          y.data[size_t(yv.at(n, c, oh, ow))] = nan ? std::numeric_limits<float>::quiet_NaN() : m;
        }
  return y;
}

Tensor naiveAvgPool(const Layer& l, const Tensor& x) {
  const Ax2 A = axes(l);
  const int64_t N = x.dim(0), C = x.dim(1);
  const Axis &ah = A.a[0], &aw = A.a[1];
  Tensor y(outShape(l, N, C));
  const View xv{C, ah.in, aw.in}, yv{C, ah.out, aw.out};
  // Per-axis divisor factor of output i.
  auto factor = [&l](const Axis& a, int i) {
    const int hs = i * a.s - a.pb;
    switch (l.avgDivisor) {
      case engine::AvgDivisor::IncludePad:
        return std::min(hs + a.k, a.in + a.pe) - hs;
      case engine::AvgDivisor::ExcludePad: {
        int cnt = 0;
        for (int j = 0; j < a.k; ++j) cnt += (hs + j >= 0 && hs + j < a.in);
        return cnt;
      }
      case engine::AvgDivisor::FullKernel:
        return a.k;
    }
    return 0;
  };
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int oh = 0; oh < ah.out; ++oh)
        for (int ow = 0; ow < aw.out; ++ow) {
          double sum = 0;
          for (int jh = 0; jh < ah.k; ++jh)
            for (int jw = 0; jw < aw.k; ++jw) {
              const int ph = oh * ah.s - ah.pb + jh, pw = ow * aw.s - aw.pb + jw;
              if (ph < 0 || ph >= ah.in || pw < 0 || pw >= aw.in) continue;
              sum += x.data[size_t(xv.at(n, c, ph, pw))];
            }
          const double div = double(factor(ah, oh)) * factor(aw, ow);
          y.data[size_t(yv.at(n, c, oh, ow))] = static_cast<float>(sum / div);
        }
  return y;
}

Tensor naiveElementwise(const Layer& l, const Tensor& x) {
  Tensor y(x.shape);
  const int64_t C = x.rank() > 1 ? x.dim(1) : 1;
  int64_t inner = 1;
  for (int i = 2; i < x.rank(); ++i) inner *= x.dim(i);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.data[size_t(i)];
    double r = 0;
    switch (l.op) {
      case Op::BatchNorm: {
        const size_t c = size_t((i / inner) % C);
        r = (v - l.mean.data[c]) / std::sqrt(double(l.var.data[c]) + double(l.eps)) * l.gamma.data[c] +
            l.beta.data[c];
        break;
      }
      case Op::Relu:
        r = std::isnan(v) ? v : (v > 0 ? v : 0);
        break;
      case Op::LeakyRelu:
        r = v > 0 ? v : v * double(l.alpha);
        break;
      case Op::Elu:
        r = v > 0 ? v : double(l.alpha) * (std::exp(v) - 1);
        break;
      case Op::Gelu:
        if (l.geluTanh)
          r = 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
        else
          r = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        break;
      case Op::Tanh:
        r = std::tanh(v);
        break;
      case Op::Sigmoid:
        r = 1 / (1 + std::exp(-v));
        break;
      default:
        throw std::logic_error("naiveElementwise: not elementwise");
    }
    y.data[size_t(i)] = static_cast<float>(r);
  }
  return y;
}

Tensor naiveForward(const Layer& l, const Tensor& x) {
  switch (l.op) {
    case Op::Conv:
      return naiveConv(l, x);
    case Op::ConvTranspose:
      return naiveConvTranspose(l, x);
    case Op::Unpool:
      return naiveUnpool(l, x);
    case Op::Upsample:
      return naiveUpsample(l, x);
    case Op::ZeroInsert:
      return naiveZeroInsert(l, x);
    case Op::MaxPool:
      return naiveMaxPool(l, x);
    case Op::AvgPool:
      return naiveAvgPool(l, x);
    default:
      return naiveElementwise(l, x);
  }
}

}  // namespace convscope::test
