// engine_bench: Google Benchmark timings of the engine's conv / conv_transpose on the cases of
// torch_conv_ref.py (same shapes; results in docs/performance.md), 1 and 2 threads (OpenMP).
// Inputs are rebuilt with torch_conv_ref.py's index hash, so `engine_bench --checksums` prints the
// same out_sum / out_abs_sum / out_samples that the torch script prints (compare.py checks them).
//
//   engine_bench [--benchmark_filter=...] [--benchmark_format=json] ...   timings
//   engine_bench --checksums                                              one JSON line per case
//   engine_bench --fma-peak                  GFLOP/s of a register-only FMA loop on 1 and 2 threads
//   engine_bench --profile NAME OP ITERS     one case ITERS times: min / median wall and CPU ms (perf);
//                                            NAME a case or N,Cin,Cout,L,k,stride,pad,dil,groups[,outpad]
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#define CONVSCOPE_BENCH_FMA_PEAK 1
#endif

#include "engine/kernels/kernels.h"

namespace eng = convscope::engine;

namespace {

// name, op, N, Cin, Cout, L(in), k, stride, padding, dilation, groups, output_padding
struct Case {
  const char* name;
  const char* op;  // "conv" or "convT"
  int N, Cin, Cout, L, k, stride, pad, dil, groups, outPad;
};

const Case kCases[] = {
    {"teach_s1", "conv", 1, 1, 1, 16, 3, 1, 1, 1, 1, 0},
    {"teach_s1", "convT", 1, 1, 1, 16, 3, 1, 1, 1, 1, 0},
    {"teach_s2", "conv", 1, 1, 1, 16, 3, 2, 1, 1, 1, 0},
    {"teach_s2", "convT", 1, 1, 1, 16, 3, 2, 1, 1, 1, 0},
    {"small_s2", "conv", 1, 8, 8, 256, 5, 2, 2, 1, 1, 0},
    {"small_s2", "convT", 1, 8, 8, 256, 5, 2, 2, 1, 1, 0},
    {"audio_s1", "conv", 1, 64, 64, 16000, 9, 1, 4, 1, 1, 0},
    {"audio_s1", "convT", 1, 64, 64, 16000, 9, 1, 4, 1, 1, 0},
    {"audio_s2", "conv", 1, 64, 64, 16000, 9, 2, 4, 1, 1, 0},
    {"audio_s2", "convT", 1, 64, 64, 16000, 9, 2, 4, 1, 1, 0},
    {"batch8", "conv", 8, 128, 128, 4096, 3, 1, 1, 1, 1, 0},
    {"dilated2", "conv", 1, 256, 256, 8192, 7, 1, 6, 2, 1, 0},
    {"vocoder_up8", "convT", 1, 128, 64, 2048, 16, 8, 4, 1, 1, 0},
    {"depthwise", "conv", 1, 64, 64, 16000, 9, 1, 4, 1, 64, 0},
};

// torch_conv_ref.py hash_tensor: element i = (lowbias32(i*0x9E3779B1 + salt*0x85EBCA77) >> 8) / 2^23 - 1.
eng::Tensor hashTensor(eng::Shape shape, uint32_t salt, float scale = 1.0f) {
  eng::Tensor t(std::move(shape));
  const uint32_t s = salt * 0x85EBCA77u;
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint32_t h = uint32_t(i) * 0x9E3779B1u + s;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    t.data[size_t(i)] = (float(h >> 8) * 0x1p-23f - 1.0f) * scale;
  }
  return t;
}

// Python round(): half to even (fan_in 512 -> log2 sqrt = 4.5 -> 4), hence nearbyint, not round.
float pow2Scale(int fanIn) {
  return std::exp2(-std::nearbyint(std::log2(std::sqrt(double(std::max(fanIn, 1))))));
}

struct Prepared {
  eng::Layer layer;
  eng::Tensor x;
  double flop = 0;
};

eng::Layer makeLayer(const Case& c, int L, uint32_t saltBase) {
  eng::Layer l;
  const bool conv = std::strcmp(c.op, "conv") == 0;
  l.op = conv ? eng::Op::Conv : eng::Op::ConvTranspose;
  l.dims = 1;
  l.inChannels = c.Cin;
  l.outChannels = c.Cout;
  l.groups = c.groups;
  eng::Axis& a = l.ax[0];
  a.in = L;
  a.k = c.k;
  a.s = c.stride;
  a.d = c.dil;
  if (conv) {
    a.pb = a.pe = c.pad;
    a.out = (L + 2 * c.pad - a.span()) / c.stride + 1;
    l.weight = hashTensor({c.Cout, c.Cin / c.groups, c.k}, saltBase + 2, pow2Scale(c.Cin / c.groups * c.k));
  } else {
    a.start = c.pad;
    a.outputPadding = c.outPad;
    a.out = (L - 1) * c.stride - 2 * c.pad + a.span() + c.outPad;
    l.weight = hashTensor({c.Cin, c.Cout / c.groups, c.k}, saltBase + 2, pow2Scale(c.Cin / c.groups * c.k));
  }
  l.bias = hashTensor({c.Cout}, saltBase + 3, 0.5f);
  return l;
}

double layerFlop(const eng::Layer& l, int N) {
  const eng::Axis& a = l.ax[0];
  if (l.op == eng::Op::Conv) return 2.0 * N * l.outChannels * a.out * (l.inChannels / l.groups) * a.k;
  return 2.0 * N * l.inChannels * a.in * (l.outChannels / l.groups) * a.k;
}

Prepared prepare(const Case& c) {
  Prepared p;
  p.layer = makeLayer(c, c.L, 0);
  p.x = hashTensor({c.N, c.Cin, c.L}, 1);
  p.flop = layerFlop(p.layer, c.N);
  return p;
}

// stack10: alternating Conv1d(64->64,k9,s2,p4) / ConvTranspose1d(64->64,k8,s2,p3) on (1,64,16000).
struct StackCase {
  std::vector<eng::Layer> layers;
  eng::Tensor x;
  double flop = 0;
};

StackCase prepareStack(int nLayers = 10) {
  StackCase s;
  s.x = hashTensor({1, 64, 16000}, 1);
  int L = 16000;
  for (int i = 0; i < nLayers; ++i) {
    const Case c = i % 2 == 0 ? Case{"stack", "conv", 1, 64, 64, L, 9, 2, 4, 1, 1, 0}
                              : Case{"stack", "convT", 1, 64, 64, L, 8, 2, 3, 1, 1, 0};
    s.layers.push_back(makeLayer(c, L, uint32_t(10 * (i + 1))));
    s.flop += layerFlop(s.layers.back(), 1);
    L = s.layers.back().ax[0].out;
  }
  return s;
}

eng::Tensor runStack(const StackCase& s) {
  eng::Tensor h = eng::forwardLayer(s.layers[0], s.x);
  for (size_t i = 1; i < s.layers.size(); ++i) h = eng::forwardLayer(s.layers[i], h);
  return h;
}

void printChecksums(const std::string& name, const std::string& op, const eng::Tensor& y) {
  double sum = 0, asum = 0, l2 = 0;
  for (float v : y.data) {
    sum += v;
    asum += std::fabs(v);
    l2 += double(v) * v;
  }
  const int64_t n = y.numel();
  std::set<int64_t> idx{0, 1, 2, 3, n / 3, n / 2, (2 * n) / 3, n - 4, n - 3, n - 2, n - 1};
  std::printf("{\"name\": \"%s\", \"op\": \"%s\", \"out_shape\": [", name.c_str(), op.c_str());
  for (int i = 0; i < y.rank(); ++i) std::printf("%s%lld", i ? ", " : "", (long long)y.dim(i));
  std::printf("], \"out_sum\": %.17g, \"out_abs_sum\": %.17g, \"out_l2\": %.17g, \"out_samples\": {", sum,
              asum, std::sqrt(l2));
  bool first = true;
  for (int64_t i : idx) {
    if (i < 0 || i >= n) continue;
    std::printf("%s\"%lld\": %.9g", first ? "" : ", ", (long long)i, double(y.data[size_t(i)]));
    first = false;
  }
  std::printf("}}\n");
}

double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

// GFLOP/s of a register-only FMA loop (12 independent zmm chains, or ymm without AVX-512) on
// `threads` threads at once: the host's practical peak, best of 5 runs of ~0.3 s.
double fmaPeak(int threads) {
#if !defined(CONVSCOPE_BENCH_FMA_PEAK)
  (void)threads;
  return 0;  // built without AVX2+FMA: no vector FMA loop to time
#else
  const long iters = 100000000;
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads)
    {
#if defined(__AVX512F__)
      using V = __m512;
#define SET1 _mm512_set1_ps
#define ADD _mm512_add_ps
#define FMA(x) x = _mm512_fmadd_ps(x, b, c)
#define STORE _mm512_store_ps
#else
      using V = __m256;
#define SET1 _mm256_set1_ps
#define ADD _mm256_add_ps
#define FMA(x) x = _mm256_fmadd_ps(x, b, c)
#define STORE _mm256_store_ps
#endif
      // distinct start values: equal chains would let the compiler merge them
      V a0 = SET1(0.10f), a1 = SET1(0.11f), a2 = SET1(0.12f), a3 = SET1(0.13f), a4 = SET1(0.14f),
        a5 = SET1(0.15f), a6 = SET1(0.16f), a7 = SET1(0.17f), a8 = SET1(0.18f), a9 = SET1(0.19f),
        a10 = SET1(0.20f), a11 = SET1(0.21f);
      const V b = SET1(0.999999f), c = SET1(1e-7f);
      for (long i = 0; i < iters; ++i) {
        FMA(a0);
        FMA(a1);
        FMA(a2);
        FMA(a3);
        FMA(a4);
        FMA(a5);
        FMA(a6);
        FMA(a7);
        FMA(a8);
        FMA(a9);
        FMA(a10);
        FMA(a11);
        asm volatile(""
                     : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7),
                       "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
      }
      volatile float sink = 0;  // keeps the chains live without forcing one of them through memory
      const V sum = ADD(ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))),
                        ADD(ADD(a8, a9), ADD(a10, a11)));
      alignas(64) float lanes[sizeof(V) / sizeof(float)];
      STORE(lanes, sum);
#undef SET1
#undef ADD
#undef FMA
#undef STORE
      sink = lanes[0];
      (void)sink;
    }
    best = std::min(best, omp_get_wtime() - t0);
  }
#if defined(__AVX512F__)
  const double width = 16;
#else
  const double width = 8;
#endif
  return double(iters) * 12 * width * 2 * threads / best * 1e-9;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  // Same malloc policy as PyTorch is run with (performance.md): keep freed large blocks.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  for (int i = 1; i < argc; ++i) {
    // --profile NAME OP ITERS: run one case ITERS times, no timing (for perf / callgrind).
    if (std::strcmp(argv[i], "--profile") == 0 && i + 3 < argc) {
      const int iters = std::atoi(argv[i + 3]);
      if (std::strcmp(argv[i + 1], "stack10") == 0) {
        const StackCase s = prepareStack();
        std::vector<double> ms, cpu;
        for (int k = 0; k < iters; ++k) {
          const double t0 = omp_get_wtime(), c0 = cpuMs();
          benchmark::DoNotOptimize(runStack(s));
          ms.push_back((omp_get_wtime() - t0) * 1e3);
          cpu.push_back(cpuMs() - c0);
        }
        std::sort(ms.begin(), ms.end());
        std::sort(cpu.begin(), cpu.end());
        if (!ms.empty())
          std::printf("stack10: min %.4f ms (%.1f GFLOP/s)  median %.4f ms  cpu min %.4f median %.4f ms\n",
                      ms[0], s.flop / ms[0] * 1e-6, ms[ms.size() / 2], cpu[0], cpu[cpu.size() / 2]);
        return 0;
      }
      // NAME may also be a shape as torch_conv_ref.py --shape takes it:
      // N,Cin,Cout,L,k,stride,pad,dil,groups[,outpad]
      std::vector<Case> cases(std::begin(kCases), std::end(kCases));
      Case custom{argv[i + 1], argv[i + 2], 1, 1, 1, 1, 1, 1, 0, 1, 1, 0};
      if (std::sscanf(argv[i + 1], "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", &custom.N, &custom.Cin, &custom.Cout,
                      &custom.L, &custom.k, &custom.stride, &custom.pad, &custom.dil, &custom.groups,
                      &custom.outPad) >= 9)
        cases.push_back(custom);
      for (const Case& c : cases)
        if (std::strcmp(c.name, argv[i + 1]) == 0 && std::strcmp(c.op, argv[i + 2]) == 0) {
          const Prepared p = prepare(c);
          // wall time, and process CPU time (all threads; with 1 thread it does not count the time
          // another process holds the core, so it compares builds on a loaded machine)
          std::vector<double> ms, cpu;
          for (int k = 0; k < iters; ++k) {
            const double t0 = omp_get_wtime(), c0 = cpuMs();
            benchmark::DoNotOptimize(eng::forwardLayer(p.layer, p.x));
            ms.push_back((omp_get_wtime() - t0) * 1e3);
            cpu.push_back(cpuMs() - c0);
          }
          std::sort(ms.begin(), ms.end());
          std::sort(cpu.begin(), cpu.end());
          if (!ms.empty())
            std::printf("%s %s: min %.4f ms (%.1f GFLOP/s)  median %.4f ms  cpu min %.4f median %.4f ms\n",
                        c.name, c.op, ms[0], p.flop / ms[0] * 1e-6, ms[ms.size() / 2], cpu[0],
                        cpu[cpu.size() / 2]);
          return 0;
        }
      std::fprintf(stderr, "unknown case\n");
      return 1;
    }
    if (std::strcmp(argv[i], "--fma-peak") == 0) {  // {"threads": t, "gflops": g} per thread count
      for (int t : {1, 2}) std::printf("{\"threads\": %d, \"gflops\": %.1f}\n", t, fmaPeak(t));
      return 0;
    }
    if (std::strcmp(argv[i], "--checksums") == 0) {
      for (const Case& c : kCases) {
        const Prepared p = prepare(c);
        printChecksums(c.name, c.op, eng::forwardLayer(p.layer, p.x));
      }
      printChecksums("stack10", "stack", runStack(prepareStack()));
      return 0;
    }
  }

  static std::vector<Prepared> prepared;
  prepared.reserve(std::size(kCases));
  for (const Case& c : kCases) prepared.push_back(prepare(c));
  static StackCase stack = prepareStack();
  for (int threads : {1, 2}) {
    for (size_t i = 0; i < std::size(kCases); ++i) {
      const std::string name =
          std::string(kCases[i].name) + "/" + kCases[i].op + "/t" + std::to_string(threads);
      const Prepared* p = &prepared[i];
      benchmark::RegisterBenchmark(name.c_str(),
                                   [p, threads](benchmark::State& st) {
                                     omp_set_num_threads(threads);
                                     for (auto _ : st)
                                       benchmark::DoNotOptimize(eng::forwardLayer(p->layer, p->x));
                                     st.counters["flop"] = p->flop;
                                     st.counters["threads"] = threads;
                                   })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
    const std::string name = "stack10/stack/t" + std::to_string(threads);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [threads](benchmark::State& st) {
                                   omp_set_num_threads(threads);
                                   for (auto _ : st) benchmark::DoNotOptimize(runStack(stack));
                                   st.counters["flop"] = stack.flop;
                                   st.counters["threads"] = threads;
                                 })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
