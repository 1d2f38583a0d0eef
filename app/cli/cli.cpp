#include "app/cli/cli.h"

#include "app/cli/cli_import.h"
#include "app/cli/cli_teach.h"
#ifdef CONVSCOPE_WITH_GUI
#include "app/cli/cli_bench_interactive.h"
#include "app/cli/cli_export.h"
#endif

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/io/csv_output.h"
#include "engine/io/npy.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"

namespace convscope::app {
namespace {

using engine::EngineError;
using nlohmann::json;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kMainHelp =
    "usage: convscope [--lesson NAME | STACK.json]          open the app\n"
    "       convscope <command> [options]                   headless\n"
    "\n"
    "commands:\n"
    "  check STACK [--json]                 resolve every layer; shapes, padding, formula\n"
    "  run STACK --out DIR [--csv] [--json] write DIR/layer_<i>.npy (and .csv) for every layer\n"
    "  bench STACK [--repeat N] [--threads T] [--json]   time the forward pass\n"
    "  bench --interactive [--repeat N] [--json]   time parameter change -> frame, GIF export, app start\n"
    "  import MODEL.onnx -o STACK.json      convert an ONNX model to a stack + .npy weights\n"
    "  equiv STACK --layer I [--json]       compute layer I every equivalent way; max abs differences\n"
    "  trace STACK --layer I --step T [--json]   the terms that make the outputs of step T\n"
    "  field STACK --layer J --position P [--from I] [--json]   receptive field of an element\n"
    "  render STACK --layer I --view VIEW [--step T] -o FILE.png|.svg|.pdf|.tex   one figure\n"
    "  animate STACK --layer I --view VIEW -o FILE.gif|.mp4 [--frames-dir DIR]   one frame per step\n"
    "\n"
    "Exit status: 0 success, 2 bad input (message on stderr), 1 internal failure.\n"
    "Run 'convscope <command> --help' for the options of a command.\n";

// Help text per sub-command; every entry of handlers() must have one.
const std::map<std::string, std::string> kHelp = {
    {"import", kImportHelp},
    {"equiv", kEquivHelp},
    {"trace", kTraceHelp},
    {"field", kFieldHelp},
#ifdef CONVSCOPE_WITH_GUI
    {"render", kRenderHelp},
    {"animate", kAnimateHelp},
#endif
    {"check",
     "usage: convscope check STACK.json [--json]\n"
     "Resolves every layer under the stack's convention and prints its input and output shapes,\n"
     "the padding actually applied and the output-size formula with its numbers.\n"
     "--json  {\"layers\": [{\"index\", \"op\", \"input_shape\", \"output_shape\", \"padding\", "
     "\"formula\"}]}\n"
     "        shapes without the batch axis, channels first.\n"},
    {"run",
     "usage: convscope run STACK.json --out DIR [--csv | --csv-only] [--json]\n"
     "Runs the stack and writes DIR/layer_<i>.npy for every layer i (float32, C order, batch axis\n"
     "always present, in the stack's layout).\n"
     "--csv       also write DIR/layer_<i>.csv; --csv-only: the .csv instead of the .npy. CSV layout\n"
     "            (channels-first data, whatever the stack's layout): 1-D: a header 'c0,c1,...'\n"
     "            ('n0_c0,...' for a batch > 1), then one row per time step, one column per channel\n"
     "            (the CSV input format); 2-D: a header 'n,c,h,w0,w1,...', one row per (n, c, h).\n"
     "--json  print {\"outputs\": [{\"index\", \"op\", \"file\", \"shape\"}]} on stdout.\n"},
    {"bench",
     "usage: convscope bench STACK.json [--repeat N] [--threads T] [--json]\n"
     "       convscope bench --interactive [--repeat N] [--case NAME] [--json]\n"
     "Times the forward pass inside the process (N repeats, default 20; T threads, default all).\n"
     "--json  {\"threads\": T, \"layers\": [{\"index\", \"op\", \"ms_median\"}], \"total_ms_median\"}\n"
     "\n"
     "--interactive  interaction latency on the app's own code path (GUI builds; offscreen platform\n"
     "               unless QT_QPA_PLATFORM is set; no display needed). Cases:\n"
     "  default_lesson_param_change      a HUD slider edit (stride 1 <-> 2) of the default lesson's layer:\n"
     "                                   undoable edit, recompute, stack editor and plots, canvas scene\n"
     "                                   model, one 1280x720 canvas frame into a QImage   (target p95 16 "
     "ms)\n"
     "  stack10_64ch_16000_param_change  the same on tests/bench/stack10_large.json (10 layers, 64 x "
     "16000),\n"
     "                                   layer 5's kernel_size 8 <-> 7                    (target p95 50 "
     "ms)\n"
     "  gif_60_frames_800x400            exportAnimation (as 'animate') of 60 frames at 800x400 of the\n"
     "                                   default lesson on a 120-sample input             (target 2000 ms)\n"
     "  app_start_to_first_frame         launches 'convscope --quit-after-first-frame'; wall time until\n"
     "                                   its first painted frame of the default lesson   (target 1000 ms)\n"
     "  heavy_edit_stays_live            an edit whose recompute would take minutes: longest gap between\n"
     "                                   painted frames while it runs                     (target 50 ms),\n"
     "                                   then a newer edit: time until the old job's thread is free (100 "
     "ms)\n"
     "  N repeats (default 30) after 2 warm-up changes; GIF min(N, 3) and app start min(N, 10) repeats\n"
     "  after one warm-up. A missed target is reported, not an error (exit status 0).\n"
     "--case NAME[,NAME]  run only these cases (e.g. under perf record)\n"
     "--json  {\"cases\": [{\"name\", \"median_ms\", \"p95_ms\", \"target_ms\", \"met\" (p95 <= target),\n"
     "        \"repeats\", \"note\", \"platform\", ...}]}\n"},
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> opts;  // --key value
  std::map<std::string, bool> flags;        // --flag
};

// Parses args after the sub-command. `valued` lists options that take a value.
Args parseArgs(const std::string& cmd, const std::vector<std::string>& a,
               const std::vector<std::string>& valued, const std::vector<std::string>& flags) {
  Args out;
  for (size_t i = 1; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s.rfind("--", 0) == 0 || (s.size() == 2 && s[0] == '-' && s != "-")) {
      std::string key = s;
      std::string val;
      bool hasInline = false;
      if (auto eq = s.find('='); eq != std::string::npos) {
        key = s.substr(0, eq);
        val = s.substr(eq + 1);
        hasInline = true;
      }
      if (std::find(valued.begin(), valued.end(), key) != valued.end()) {
        if (!hasInline) {
          if (i + 1 >= a.size()) throw UsageError(cmd + ": option " + key + " needs a value");
          val = a[++i];
        }
        out.opts[key] = val;
      } else if (std::find(flags.begin(), flags.end(), key) != flags.end()) {
        out.flags[key] = true;
      } else {
        throw UsageError(cmd + ": unknown option " + key);
      }
    } else {
      out.positional.push_back(s);
    }
  }
  return out;
}

int intOption(const Args& a, const std::string& cmd, const std::string& key, int def, int minValue) {
  auto it = a.opts.find(key);
  if (it == a.opts.end()) return def;
  try {
    size_t pos = 0;
    const long v = std::stol(it->second, &pos);
    if (pos != it->second.size() || v < minValue || v > 1000000) throw std::invalid_argument("");
    return static_cast<int>(v);
  } catch (const std::exception&) {
    throw UsageError(cmd + ": option " + key + " must be an integer >= " + std::to_string(minValue) +
                     ", got '" + it->second + "'");
  }
}

std::string oneStack(const Args& a, const std::string& cmd) {
  if (a.positional.size() != 1)
    throw UsageError(cmd + ": expected one STACK file, got " + std::to_string(a.positional.size()) +
                     " arguments");
  return a.positional[0];
}

json shapeJson(const engine::Shape& s) {
  return json(std::vector<int64_t>(s.begin(), s.end()));
}

// Padding actually applied per axis (docs/stack-format.md, check --json).
json paddingJson(const engine::Layer& l) {
  json p = json::array();
  for (int a = 0; a < l.dims; ++a) {
    const engine::Axis& x = l.ax[a];
    switch (l.op) {
      case engine::Op::Conv:
      case engine::Op::MaxPool:
      case engine::Op::AvgPool:
        p.push_back({x.pb, x.pe});
        break;
      case engine::Op::ConvTranspose:
      case engine::Op::Unpool:
        p.push_back({x.start, x.fullLength() - x.start - x.out});
        break;
      default:
        p.push_back({0, 0});
    }
  }
  return p;
}

void printWarnings(const engine::Stack& st) {
  for (const auto& w : st.warnings) std::cerr << w << "\n";
}

int cmdCheck(const std::vector<std::string>& argv) {
  const Args a = parseArgs("check", argv, {}, {"--json"});
  const auto st = loadStackSource(oneStack(a, "check"));
  printWarnings(st);
  if (a.flags.count("--json")) {
    json layers = json::array();
    for (size_t i = 0; i < st.layers.size(); ++i) {
      const auto& l = st.layers[i];
      layers.push_back({{"index", i},
                        {"op", engine::opName(l.op)},
                        {"input_shape", shapeJson(l.inputShape())},
                        {"output_shape", shapeJson(l.outputShape())},
                        {"padding", paddingJson(l)},
                        {"formula", l.formula}});
    }
    json out = {{"convention", engine::conventionName(st.convention)},
                {"layout", st.channelsLast ? "channels_last" : "channels_first"},
                {"input_shape", shapeJson(engine::Shape(st.input.shape.begin() + 1, st.input.shape.end()))},
                {"batch", st.input.shape[0]},
                {"layers", layers}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "stack: " << st.file << "  (convention " << engine::conventionName(st.convention) << ", "
            << (st.channelsLast ? "channels_last" : "channels_first") << ", " << st.dims << "-D, batch "
            << st.input.shape[0] << ")\n";
  std::cout << "input: "
            << engine::shapeToString(engine::Shape(st.input.shape.begin() + 1, st.input.shape.end()))
            << " (C, spatial)\n";
  for (size_t i = 0; i < st.layers.size(); ++i) {
    const auto& l = st.layers[i];
    std::cout << "layer " << i << " " << engine::opName(l.op) << ": " << engine::shapeToString(l.inputShape())
              << " -> " << engine::shapeToString(l.outputShape()) << "  padding " << paddingJson(l).dump()
              << "\n    " << l.formula << "\n";
  }
  return 0;
}

int cmdRun(const std::vector<std::string>& argv) {
  const Args a = parseArgs("run", argv, {"--out", "-o"}, {"--json", "--csv", "--csv-only"});
  const bool csv = a.flags.count("--csv") || a.flags.count("--csv-only"), npy = !a.flags.count("--csv-only");
  const std::string stackPath = oneStack(a, "run");
  std::string outDir =
      a.opts.count("--out") ? a.opts.at("--out") : (a.opts.count("-o") ? a.opts.at("-o") : "");
  if (outDir.empty()) throw UsageError("run: --out DIR is required");
  const auto st = loadStackSource(stackPath);
  printWarnings(st);
  const auto outs = engine::forward(st);
  std::error_code ec;
  std::filesystem::create_directories(outDir, ec);
  if (ec || !std::filesystem::is_directory(outDir))
    throw EngineError({outDir, -1, "", "--out"}, "cannot create the output directory: " + ec.message());
  json list = json::array();
  for (size_t i = 0; i < outs.size(); ++i) {
    if (auto w = engine::nonFiniteReport(
            outs[i], "layer " + std::to_string(i) + " (" + engine::opName(st.layers[i].op) + ") output");
        !w.empty() && st.warnings.empty())
      std::cerr << stackPath << ": " << w << "\n";
    const engine::Tensor t = engine::toStackLayout(st, outs[i]);
    const std::string file =
        (std::filesystem::path(outDir) / ("layer_" + std::to_string(i) + ".npy")).string();
    const std::string csvFile = file.substr(0, file.size() - 4) + ".csv";
    try {
      if (npy) engine::writeNpy(file, t);
      if (csv) engine::writeCsv(csvFile, outs[i]);
    } catch (const std::exception& e) {
      throw EngineError({file, static_cast<int>(i), "", "--out"}, e.what());
    }
    list.push_back({{"index", i},
                    {"op", engine::opName(st.layers[i].op)},
                    {"file", npy ? file : csvFile},
                    {"shape", shapeJson(t.shape)}});
    if (csv) list.back()["csv"] = csvFile;
  }
  if (a.flags.count("--json")) std::cout << json{{"outputs", list}}.dump(2) << "\n";
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int cmdBench(const std::vector<std::string>& argv) {
  if (std::find(argv.begin() + 1, argv.end(), "--interactive") != argv.end()) {
    const Args a = parseArgs("bench", argv, {"--repeat", "--case"}, {"--json", "--interactive"});
    if (!a.positional.empty())
      throw UsageError("bench: --interactive takes no STACK file (it builds its own cases), got '" +
                       a.positional[0] + "'");
    const int repeat = intOption(a, "bench", "--repeat", 30, 1);
#ifdef CONVSCOPE_WITH_GUI
    std::vector<std::string> only;
    if (a.opts.count("--case")) {
      const std::string& list = a.opts.at("--case");
      for (size_t b = 0, e; b <= list.size(); b = e + 1) {
        e = std::min(list.find(',', b), list.size());
        only.push_back(list.substr(b, e - b));
        const auto& names = interactiveBenchCases();
        if (std::find(names.begin(), names.end(), only.back()) == names.end()) {
          std::string known;
          for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
          throw UsageError("bench: unknown --case '" + only.back() + "' (cases: " + known + ")");
        }
      }
    }
    return runInteractiveBench(repeat, a.flags.count("--json") > 0, only);
#else
    (void)repeat;
    throw UsageError(
        "bench: --interactive needs the GUI build (this convscope was built with CONVSCOPE_BUILD_GUI=OFF)");
#endif
  }
  const Args a = parseArgs("bench", argv, {"--repeat", "--threads"}, {"--json"});
  const std::string stackPath = oneStack(a, "bench");
  const int repeat = intOption(a, "bench", "--repeat", 20, 1);
  const int threads = intOption(a, "bench", "--threads", omp_get_max_threads(), 1);
  omp_set_num_threads(threads);
  const auto st = loadStackSource(stackPath);
  printWarnings(st);
  const size_t n = st.layers.size();
  std::vector<std::vector<double>> per(n);
  std::vector<double> total;
  using clock = std::chrono::steady_clock;
  for (int r = 0; r < repeat + 1; ++r) {  // first pass warms caches and is not counted
    const engine::Tensor* x = &st.input;
    std::vector<engine::Tensor> outs;
    outs.reserve(n);
    const auto t0 = clock::now();
    for (size_t i = 0; i < n; ++i) {
      const auto a0 = clock::now();
      outs.push_back(engine::forwardLayer(st.layers[i], *x));
      x = &outs.back();
      if (r) per[i].push_back(std::chrono::duration<double, std::milli>(clock::now() - a0).count());
    }
    if (r) total.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
  }
  json layers = json::array();
  for (size_t i = 0; i < n; ++i)
    layers.push_back({{"index", i}, {"op", engine::opName(st.layers[i].op)}, {"ms_median", median(per[i])}});
  const double tot = total.empty() ? 0.0 : median(total);
  if (a.flags.count("--json")) {
    std::cout << json{{"threads", threads}, {"repeat", repeat}, {"layers", layers}, {"total_ms_median", tot}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "threads " << threads << ", " << repeat << " repeats (median ms)\n";
    for (const auto& l : layers)
      std::cout << "layer " << l["index"] << " " << l["op"].get<std::string>() << ": " << l["ms_median"]
                << "\n";
    std::cout << "total: " << tot << "\n";
  }
  return 0;
}

using Handler = int (*)(const std::vector<std::string>&);
const std::map<std::string, Handler>& handlers() {
  // Sub-command registration table.
  static const std::map<std::string, Handler> h = {
      {"check", cmdCheck},   {"run", cmdRun},         {"bench", cmdBench},   {"equiv", cmdEquiv},
      {"trace", cmdTrace},   {"field", cmdField},     {"import", cmdImport},
#ifdef CONVSCOPE_WITH_GUI
      {"render", cmdRender}, {"animate", cmdAnimate},
#endif
  };
  return h;
}

}  // namespace

bool isSubcommand(const std::string& word) {
  return handlers().count(word) > 0 || word == "help";
}

int runCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help") {
    std::cout << kMainHelp;
    return 0;
  }
  const std::string& cmd = args[0];
  if (std::find(args.begin() + 1, args.end(), "--help") != args.end() ||
      std::find(args.begin() + 1, args.end(), "-h") != args.end()) {
    std::cout << kHelp.at(cmd);
    return 0;
  }
  try {
    return handlers().at(cmd)(args);
  } catch (const UsageError& e) {
    std::cerr << "convscope " << e.what() << "\n(see 'convscope " << cmd << " --help')\n";
    return 2;
  } catch (const EngineError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    // The machine could not give the memory the input asks for: the input's problem, not ours.
    std::cerr
        << "convscope " << cmd << ": not enough memory for this input (an allocation failed); lower the "
        << "limits (CONVSCOPE_MAX_ACTIVATION_BYTES, CONVSCOPE_MAX_TENSOR_BYTES) or use a smaller stack\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "convscope " << cmd << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace convscope::app
