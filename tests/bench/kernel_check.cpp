// kernel_check: the engine's direct 1-D conv / transposed-conv kernels against a double-precision
// loop on shapes long enough to reach every code path the short random sweeps of tests/engine do not
// (interior blocks read in place, block and segment edges, several channel chunks, the depthwise
// path, polyphase weight patterns with odd taps per phase, 1 and 2 threads). Exit 0 when every
// output is within 1e-5 of the sum of |terms| (plus 1e-6), else prints the first mismatch, exit 1.
//
//   kernel_check            all shapes, 1 and 2 threads
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"

namespace eng = convscope::engine;

namespace {

struct Shape1d {
  bool transposed;
  int N, C, O, g, L, k, s, d, pb, pe;  // transposed: pb = start (PyTorch padding), pe = output_padding
};

eng::Tensor randomTensor(eng::Shape shape, std::mt19937& rng) {
  eng::Tensor t(std::move(shape));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : t.data) v = u(rng);
  return t;
}

eng::Layer makeLayer(const Shape1d& c, std::mt19937& rng) {
  eng::Layer l;
  l.op = c.transposed ? eng::Op::ConvTranspose : eng::Op::Conv;
  l.dims = 1;
  l.inChannels = c.C;
  l.outChannels = c.O;
  l.groups = c.g;
  eng::Axis& a = l.ax[0];
  a.in = c.L;
  a.k = c.k;
  a.s = c.s;
  a.d = c.d;
  if (c.transposed) {
    a.start = c.pb;
    a.outputPadding = c.pe;
    a.out = (c.L - 1) * c.s - 2 * c.pb + a.span() + c.pe;
    l.weight = randomTensor({c.C, c.O / c.g, c.k}, rng);
  } else {
    a.pb = c.pb;
    a.pe = c.pe;
    a.out = (c.L + c.pb + c.pe - a.span()) / c.s + 1;
    l.weight = randomTensor({c.O, c.C / c.g, c.k}, rng);
  }
  l.bias = randomTensor({c.O}, rng);
  return l;
}

// y and the sum of |terms| per output, in double.
void reference(const Shape1d& c, const eng::Layer& l, const eng::Tensor& x, std::vector<double>& y,
               std::vector<double>& mag) {
  const int Lout = l.ax[0].out, cg = c.C / c.g, og = c.O / c.g;
  y.assign(size_t(c.N) * c.O * Lout, 0.0);
  mag.assign(y.size(), 0.0);
  for (int n = 0; n < c.N; ++n)
    for (int o = 0; o < c.O; ++o) {
      const int g = o / og, oo = o % og;
      double* yr = y.data() + (size_t(n) * c.O + o) * Lout;
      double* mr = mag.data() + (size_t(n) * c.O + o) * Lout;
      for (int m = 0; m < Lout; ++m) {
        yr[m] = l.bias.data[size_t(o)];
        mr[m] = std::fabs(yr[m]);
      }
      for (int ci = 0; ci < cg; ++ci) {
        const int ch = g * cg + ci;
        const float* xr = x.ptr() + (size_t(n) * c.C + ch) * c.L;
        for (int j = 0; j < c.k; ++j) {
          const double w = c.transposed ? l.weight.data[(size_t(ch) * og + oo) * c.k + j]
                                        : l.weight.data[(size_t(o) * cg + ci) * c.k + j];
          if (c.transposed) {
            for (int i = 0; i < c.L; ++i) {  // x[i] lands on full index i*s + j*d, output m = that - start
              const int m = i * c.s + j * c.d - c.pb;
              if (m >= 0 && m < Lout) {
                yr[m] += w * xr[i];
                mr[m] += std::fabs(w * xr[i]);
              }
            }
          } else {
            for (int m = 0; m < Lout; ++m) {
              const int i = m * c.s + j * c.d - c.pb;
              if (i >= 0 && i < c.L) {
                yr[m] += w * xr[i];
                mr[m] += std::fabs(w * xr[i]);
              }
            }
          }
        }
      }
    }
}

std::string describe(const Shape1d& c) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s N%d C%d O%d g%d L%d k%d s%d d%d p(%d,%d)",
                c.transposed ? "convT" : "conv", c.N, c.C, c.O, c.g, c.L, c.k, c.s, c.d, c.pb, c.pe);
  return buf;
}

}  // namespace

int main() {
  const Shape1d shapes[] = {
      // depthwise (C/g = 1): in-place interior, staged edges, dilation, depth multiplier, long single rows
      {false, 2, 6, 6, 6, 1000, 9, 1, 1, 4, 4},
      {false, 1, 5, 5, 5, 777, 7, 1, 3, 7, 2},
      {false, 2, 3, 6, 3, 301, 4, 1, 2, 0, 5},
      {false, 1, 1, 1, 1, 5000, 5, 1, 1, 2, 2},
      {false, 1, 4, 4, 4, 100, 1, 1, 1, 0, 0},
      {false, 1, 2, 2, 2, 40, 3, 1, 30, 30, 30},
      {false, 1, 4, 8, 4, 3000, 3, 2, 1, 1, 1},
      // ordinary conv: several blocks, channel chunks, strides, dilation, batch, groups
      {false, 3, 20, 13, 1, 1500, 5, 2, 2, 3, 1},
      {false, 2, 64, 24, 1, 2100, 3, 1, 1, 1, 1},
      {false, 1, 256, 16, 1, 900, 7, 1, 2, 6, 6},
      {false, 2, 12, 18, 3, 1200, 9, 3, 1, 4, 4},
      {false, 1, 3, 5, 1, 4000, 4, 1, 1, 0, 3},
      {false, 1, 600, 8, 1, 300, 9, 1, 1, 4, 4},  // several channel chunks (accumulating into y)
      {false, 1, 600, 8, 1, 300, 9, 2, 1, 4, 4},
      // transposed: odd taps per phase, s = 8, dilation, groups, output padding, s = 1
      {true, 1, 16, 24, 1, 1000, 9, 2, 1, 4, 0},
      {true, 2, 12, 10, 1, 300, 16, 8, 1, 4, 0},
      {true, 1, 8, 6, 2, 500, 7, 4, 2, 3, 1},
      {true, 1, 10, 7, 1, 800, 5, 1, 1, 2, 0},
      {true, 1, 64, 16, 1, 700, 8, 2, 1, 3, 0},
      {true, 1, 4, 4, 4, 900, 3, 2, 1, 1, 1},
      {true, 1, 6, 9, 3, 400, 2, 16, 1, 0, 0},
      {true, 1, 3, 5, 1, 600, 4, 2, 2, 0, 1},
      {true, 2, 300, 20, 1, 300, 5, 2, 1, 2, 1},
      {true, 1, 2, 3, 1, 2000, 3, 2, 3, 1, 0},
      {true, 1, 600, 8, 1, 200, 9, 2, 1, 4, 1},  // several channel chunks
      {true, 1, 600, 8, 1, 200, 9, 1, 1, 4, 0},
  };
  std::mt19937 rng(20240607);
  int bad = 0, checked = 0;
  for (const Shape1d& c : shapes) {
    const eng::Layer l = makeLayer(c, rng);
    const eng::Tensor x = randomTensor({c.N, c.C, c.L}, rng);
    std::vector<double> ref, mag;
    reference(c, l, x, ref, mag);
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      const eng::Tensor y = eng::forwardLayer(l, x);
      ++checked;
      if (y.data.size() != ref.size()) {
        std::printf("FAIL %s t%d: %zu outputs, expected %zu\n", describe(c).c_str(), threads, y.data.size(),
                    ref.size());
        ++bad;
        continue;
      }
      for (size_t i = 0; i < ref.size(); ++i)
        if (!(std::fabs(y.data[i] - ref[i]) <= 1e-5 * mag[i] + 1e-6)) {
          std::printf("FAIL %s t%d: output %zu = %.9g, expected %.9g\n", describe(c).c_str(), threads, i,
                      double(y.data[i]), ref[i]);
          ++bad;
          break;
        }
    }
  }
  std::printf("kernel_check: %d of %d runs match\n", checked - bad, checked);
  return bad ? 1 : 0;
}
