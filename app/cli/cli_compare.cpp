// cli_compare.cpp: `compare` (see cli_compare.h). Engine and the shared parser only.
#include "app/cli/cli_compare.h"

#include <iostream>
#include <vector>

#include "app/project/lessons.h"
#include "engine/compare/compare.h"
#include "engine/compare/compare_report.h"
#include "engine/core/error.h"
#include "engine/io/npy.h"

namespace convscope::app {
namespace {

CommandSpec makeCompareSpec() {
  CommandSpec c;
  c.name = "compare";
  c.summary =
      "two or more stacks on one input: shapes, parameters, multiply-adds, fields, ripple, differences";
  c.usage = {"A.json B.json [C.json ...] [--lesson NAME ...] [--input X.npy] [--json]"};
  c.description =
      "Runs every stack on the same input (the first stack's, or --input) and prints one column per\n"
      "stack: output and layer shapes, parameters, multiply-adds, the receptive field of the centre\n"
      "output, the response to a flat input (min..max, ripple, period: the checkerboard measure) and\n"
      "the single conv or transposed conv the stack is, when it is one; then the largest differences\n"
      "of every pair with equal output shapes; then each single layer in its stack's convention with\n"
      "its kernel. A stack is a .json stack or a .convscope project; --lesson NAME adds a bundled\n"
      "lesson (after the files, in the order given). A single lesson that answers a comparison\n"
      "question is compared with the lessons it names (e.g. --lesson upsample_vs_deconv).";
  c.positional = "STACK...";
  c.options = {
      {{"lesson"}, "NAME", "add the bundled lesson NAME to the stacks compared (repeatable)"},
      {{"input"}, "X.npy", "the shared input: (C, spatial...) or (N, C, spatial...), channels first"},
      {{"json"}, "", "print the comparison as JSON (docs/compare.md)"},
  };
  c.epilog =
      "Inputs must agree up to singleton spatial axes (a 2-D stack on (C, L, 1) compares with a 1-D\n"
      "stack on (C, L)). Exit status 0 when the comparison ran, whatever the differences.";
  return c;
}

}  // namespace

const CommandSpec& compareSpec() {
  static const CommandSpec c = makeCompareSpec();
  return c;
}

int cmdCompare(const Arguments& a) {
  std::vector<StackSource> sources;
  for (const std::string& p : a.positional()) sources.push_back({p, ""});
  for (const std::string& l : a.values("lesson")) sources.push_back({"", l});
  std::vector<engine::Stack> stacks;
  for (const StackSource& s : sources) stacks.push_back(loadStackSource(s));
  // One stack alone: the lessons it names under "lesson": {"compare": [...]}.
  if (stacks.size() == 1)
    for (const QString& other : lessonComparison(stacks.front().source))
      stacks.push_back(loadStackSource({"", other.toStdString()}));
  if (stacks.size() < 2)
    a.fail("needs at least two stacks to compare (got " + std::to_string(stacks.size()) + ")");
  engine::Tensor input;
  if (const auto in = a.value("input")) input = engine::readNpy(*in, "--input");
  const engine::Comparison c = engine::compareStacks(stacks, input.empty() ? nullptr : &input);
  if (a.isSet("json"))
    std::cout << engine::comparisonJson(c, stacks).dump(2) << "\n";
  else
    std::cout << engine::comparisonText(c, stacks);
  return 0;
}

}  // namespace convscope::app
