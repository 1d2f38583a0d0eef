// cli.cpp: the sub-command table, `convscope --help`, and check, run and bench (see cli.h).
//
// Index of this file:
//   [SECTION] SPECS     check, run and bench: options and help
//   [SECTION] CHECK     cmdCheck and the shapes and paddings it prints
//   [SECTION] RUN       cmdRun
//   [SECTION] BENCH     cmdBench (--interactive: cli_bench_interactive.cpp)
//   [SECTION] DISPATCH  the sub-command table, the main help, errors -> exit status
#include "app/cli/cli.h"

#include "app/cli/arguments.h"
#include "app/cli/cli_compare.h"
#include "app/cli/cli_import.h"
#include "app/cli/cli_lengths.h"
#include "app/cli/cli_teach.h"
#ifdef CONVSCOPE_WITH_GUI
#include "app/cli/cli_bench_interactive.h"
#include "app/cli/cli_export.h"
#include "app/launch.h"
#endif

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "app/project/stack_source.h"
#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/io/csv_output.h"
#include "engine/io/npy.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/shape_words.h"
#include "engine/stack/stack.h"

namespace convscope::app {
namespace {

using engine::EngineError;
using nlohmann::json;

// [SECTION] SPECS

CommandSpec makeCheckSpec() {
  CommandSpec c;
  c.name = "check";
  c.summary = "resolve every layer; shapes, padding, formula";
  c.usage = {"STACK [--json]"};
  c.description =
      "Resolves every layer under the stack's convention and prints its input and output shapes\n"
      "(in the stack's layout, with the convention's axis names), the padding actually applied and\n"
      "the output-size formula with its numbers.";
  c.stack = true;
  c.options = {{{"json"},
                "",
                "print {\"layers\": [{\"index\", \"op\", \"input_shape\", \"output_shape\", "
                "\"input_shape_layout\", \"input_axes\", \"output_shape_layout\", \"output_axes\", "
                "\"padding\", \"formula\"}]}; shapes without the batch axis: *_shape channels first, "
                "*_shape_layout in the stack's layout with the axis names in *_axes"}};
  return c;
}

CommandSpec makeRunSpec() {
  CommandSpec c;
  c.name = "run";
  c.summary = "write DIR/layer_<i>.npy (and .csv) for every layer";
  c.usage = {"STACK --out DIR [--csv | --csv-only] [--json]"};
  c.description =
      "Runs the stack and writes DIR/layer_<i>.npy for every layer i (float32, C order, batch axis\n"
      "always present, in the stack's layout).";
  c.stack = true;
  c.options = {{{"o", "out"}, "DIR", "the output directory (required; created when missing)"},
               {{"csv"}, "", "also write DIR/layer_<i>.csv"},
               {{"csv-only"}, "", "write DIR/layer_<i>.csv instead of the .npy"},
               {{"json"}, "", "print {\"outputs\": [{\"index\", \"op\", \"file\", \"shape\"}]} on stdout"}};
  c.epilog =
      "CSV layout (channels-first data, whatever the stack's layout): 1-D: a header 'c0,c1,...'\n"
      "('n0_c0,...' for a batch > 1), then one row per time step, one column per channel (the CSV\n"
      "input format); 2-D: a header 'n,c,h,w0,w1,...', one row per (n, c, h).\n";
  return c;
}

CommandSpec makeBenchSpec() {
  CommandSpec c;
  c.name = "bench";
  c.summary = "time the forward pass, or (--interactive) the app's interaction latency";
  c.usage = {"STACK [--repeat N] [--threads T] [--json]",
             "--interactive [--repeat N] [--case NAME] [--json]"};
  c.description =
      "Times the forward pass inside the process (N repeats, default 20; T threads, default all).";
  c.stack = true;
  c.options = {
      {{"repeat"}, "N", "timed repeats (default 20; --interactive: 30)"},
      {{"threads"}, "T", "OpenMP threads (default: all); not with --interactive"},
      {{"interactive"},
       "",
       "interaction latency on the app's own code path instead (GUI builds; offscreen platform "
       "unless QT_QPA_PLATFORM is set; no display needed); takes no STACK"},
      {{"case"}, "NAME[,NAME]", "with --interactive: run only these cases (e.g. under perf record)"},
      {{"json"},
       "",
       "print {\"threads\": T, \"layers\": [{\"index\", \"op\", \"ms_median\"}], \"total_ms_median\"};\n"
       "--interactive: {\"cases\": [{\"name\", \"median_ms\", \"p95_ms\", \"target_ms\", "
       "\"met\" (p95 <= target), \"repeats\", \"note\", \"platform\", ...}]}"}};
  c.epilog =
      "--interactive cases:\n"
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
      "  after one warm-up. A missed target is reported, not an error (exit status 0).\n";
  return c;
}

const CommandSpec& checkSpec() {
  static const CommandSpec c = makeCheckSpec();
  return c;
}
const CommandSpec& runSpec() {
  static const CommandSpec c = makeRunSpec();
  return c;
}
const CommandSpec& benchSpec() {
  static const CommandSpec c = makeBenchSpec();
  return c;
}

// [SECTION] CHECK

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

/// Parameters and multiply-adds (per sample, saturating) of every layer, summed.
std::pair<int64_t, int64_t> totals(const engine::Stack& st) {
  int64_t params = 0, macs = 0;
  for (const auto& l : st.layers) {
    params += engine::parameterCount(l);
    macs = engine::addSaturating(macs, engine::multiplyAdds(l));
  }
  return {params, macs};
}

int cmdCheck(const Arguments& a) {
  const auto st = loadStackSource(a.stackSource());
  printWarnings(st);
  if (a.isSet("json")) {
    json layers = json::array();
    for (size_t i = 0; i < st.layers.size(); ++i) {
      const auto& l = st.layers[i];
      const engine::LayoutShape in = engine::layoutShape(st, l.inputShape(), int(i) - 1),
                                out = engine::layoutShape(st, l.outputShape(), int(i));
      layers.push_back({{"index", i},
                        {"op", engine::opName(l.op)},
                        {"input_shape", shapeJson(l.inputShape())},
                        {"output_shape", shapeJson(l.outputShape())},
                        {"input_shape_layout", shapeJson(in.dims)},
                        {"input_axes", in.words},
                        {"output_shape_layout", shapeJson(out.dims)},
                        {"output_axes", out.words},
                        {"padding", paddingJson(l)},
                        {"formula", l.formula},
                        {"parameters", engine::parameterCount(l)},
                        {"multiply_adds", engine::multiplyAdds(l)}});
    }
    const engine::Shape inCf(st.input.shape.begin() + 1, st.input.shape.end());
    const engine::LayoutShape in = engine::layoutShape(st, inCf, -1);
    json out = {{"convention", engine::conventionName(st.convention)},
                {"layout", st.channelsLast ? "channels_last" : "channels_first"},
                {"input_shape", shapeJson(inCf)},
                {"input_shape_layout", shapeJson(in.dims)},
                {"input_axes", in.words},
                {"batch", st.input.shape[0]},
                {"layers", layers},
                {"parameters", totals(st).first},
                {"multiply_adds", totals(st).second}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "stack: " << st.file << "  (convention " << engine::conventionName(st.convention) << ", "
            << (st.channelsLast ? "channels_last" : "channels_first") << ", " << st.dims << "-D, batch "
            << st.input.shape[0] << ")\n";
  std::cout << "input: "
            << engine::layoutShapeText(st, engine::Shape(st.input.shape.begin() + 1, st.input.shape.end()),
                                       -1)
            << "\n";
  for (size_t i = 0; i < st.layers.size(); ++i) {
    const auto& l = st.layers[i];
    std::cout << "layer " << i << " " << engine::opName(l.op) << ": "
              << engine::layoutShapeText(st, l.inputShape(), int(i) - 1) << " -> "
              << engine::layoutShapeText(st, l.outputShape(), int(i)) << "  padding " << paddingJson(l).dump()
              << "\n    " << l.formula << "\n    parameters " << engine::parameterCount(l)
              << ", multiply-adds " << engine::multiplyAdds(l) << " per sample\n";
  }
  std::cout << "total: parameters " << totals(st).first << ", multiply-adds " << totals(st).second
            << " per sample\n";
  return 0;
}

// [SECTION] RUN

int cmdRun(const Arguments& a) {
  const bool csv = a.isSet("csv") || a.isSet("csv-only"), npy = !a.isSet("csv-only");
  const StackSource src = a.stackSource();
  const std::string stackPath = src.label();
  const std::string outDir = a.value("out").value_or("");
  if (outDir.empty()) a.fail("--out DIR is required");
  const auto st = loadStackSource(src);
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
  if (a.isSet("json")) std::cout << json{{"outputs", list}}.dump(2) << "\n";
  return 0;
}

// [SECTION] BENCH

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// bench --interactive: the checks of its arguments, then the cases (GUI builds).
int benchInteractive(const Arguments& a) {
  if (a.hasStack())
    a.fail("--interactive takes no STACK file or --lesson (it builds its own cases), got '" +
           (a.positional().empty() ? "--lesson" : a.positional()[0]) + "'");
  if (a.isSet("threads")) a.fail("--threads is not an option of --interactive");
  const int repeat = a.intValue("repeat", 1, 1000000, 30);
#ifdef CONVSCOPE_WITH_GUI
  std::vector<std::string> only;
  if (const auto list = a.value("case")) {
    for (size_t b = 0, e; b <= list->size(); b = e + 1) {
      e = std::min(list->find(',', b), list->size());
      only.push_back(list->substr(b, e - b));
      const auto& names = interactiveBenchCases();
      if (std::find(names.begin(), names.end(), only.back()) == names.end()) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        a.fail("unknown --case '" + only.back() + "' (cases: " + known + ")");
      }
    }
  }
  return runInteractiveBench(repeat, a.isSet("json"), only);
#else
  (void)repeat;
  a.fail("--interactive needs the GUI build (this convscope was built with CONVSCOPE_BUILD_GUI=OFF)");
#endif
}

int cmdBench(const Arguments& a) {
  if (a.isSet("interactive")) return benchInteractive(a);
  if (a.isSet("case")) a.fail("--case is an option of --interactive");
  const StackSource src = a.stackSource();
  const int repeat = a.intValue("repeat", 1, 1000000, 20);
  const int threads = a.intValue("threads", 1, 1000000, omp_get_max_threads());
  omp_set_num_threads(threads);
  const auto st = loadStackSource(src);
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
  if (a.isSet("json")) {
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

// [SECTION] DISPATCH

struct Command {
  const CommandSpec& (*spec)();
  int (*run)(const Arguments&);
};

// Sub-command registration table, in the order `convscope --help` lists them.
const std::vector<Command>& commands() {
  static const std::vector<Command> c = {
      {checkSpec, cmdCheck},   {runSpec, cmdRun},         {benchSpec, cmdBench}, {importSpec, cmdImport},
      {equivSpec, cmdEquiv},   {traceSpec, cmdTrace},     {fieldSpec, cmdField}, {compareSpec, cmdCompare},
      {solveSpec, cmdSolve},   {lengthsSpec, cmdLengths},
#ifdef CONVSCOPE_WITH_GUI
      {renderSpec, cmdRender}, {animateSpec, cmdAnimate},
#endif
  };
  return c;
}

const Command* findCommand(const std::string& name) {
  for (const Command& c : commands())
    if (c.spec().name == name) return &c;
  return nullptr;
}

std::string mainHelp() {
#ifdef CONVSCOPE_WITH_GUI
  std::string text = "usage: convscope [FILE | --lesson NAME] [options]    open the app\n";
#else
  std::string text = "usage: convscope [FILE | --lesson NAME] [options]    the app (not in this build)\n";
#endif
  text +=
      "       convscope <command> [options]                 headless\n"
      "\n"
      "commands (STACK: a stack file .json or a project .convscope; every command that takes a STACK\n"
      "also takes --lesson NAME, a bundled lesson, instead):\n";
  for (const Command& c : commands()) {
    const CommandSpec& s = c.spec();
    for (const std::string& u : s.usage) text += "  " + s.name + " " + u + "\n";
    text += "      " + s.summary + "\n";
  }
#ifdef CONVSCOPE_WITH_GUI
  text += "\nthe app's options:\n" + optionsText(launcherSpec());
#endif
  return text +
         "\nExit status: 0 success, 2 bad input (message on stderr), 1 internal failure.\n"
         "Run 'convscope <command> --help' for the options of a command.\n";
}

// Runs one sub-command; every error it throws becomes its exit status and one message on stderr.
int dispatch(const Command& command, const std::vector<std::string>& args) {
  const std::string& cmd = command.spec().name;
  try {
    const Arguments a =
        parseArguments(command.spec(), std::vector<std::string>(args.begin() + 1, args.end()));
    if (a.helpRequested()) {
      std::cout << helpText(command.spec());
      return 0;
    }
    return command.run(a);
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
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

}  // namespace

bool isSubcommand(const std::string& word) {
  return findCommand(word) != nullptr || word == "help";
}

int runCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help") {
    std::cout << mainHelp();
    return 0;
  }
  const Command* command = findCommand(args[0]);
  if (!command) {
    std::cerr << "convscope: unknown command '" << args[0] << "' (see 'convscope --help')\n";
    return 2;
  }
  return dispatch(*command, args);
}

}  // namespace convscope::app
