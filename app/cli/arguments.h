// The one command-line parser of convscope. Every sub-command (and the desktop launcher) declares
// its options and positional argument as a CommandSpec; parseArguments() parses them with
// QCommandLineParser under one set of rules, helpText() writes the --help of a spec, and every bad
// command line becomes a UsageError (exit status 2) naming the option and the sub-command.
//
// Rules, the same for every sub-command:
//   - a one-letter name is written -x, a longer one --name; "--name=VALUE" and "--name VALUE" are
//     the same, as are "-xVALUE", "-x=VALUE" and "-x VALUE"; the value after an option is taken as
//     written, also when it starts with '-' ("--step -1");
//   - options and positional arguments may come in any order; "--" ends the options;
//   - an option given twice keeps its last value;
//   - -h / --help prints the help and exits 0, whatever else is on the line;
//   - a spec with `stack` takes its stack as one positional STACK (a .json stack or a .convscope
//     project) or as --lesson NAME (a bundled lesson), never both.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/project/stack_source.h"

namespace convscope::app {

/// A bad command line. what() is the whole one-line message, e.g.
/// "convscope check: unknown option --frob (see 'convscope check --help')".
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::vector<std::string> names;  // e.g. {"o", "out"}: -o and --out; first = the name in messages
  std::string valueName;           // placeholder of the value in --help; "" for a flag
  std::string help;                // its meaning; '\n' starts a new line of the help column
};

struct CommandSpec {
  std::string name;                // "check"; "" for the desktop launcher (plain `convscope`)
  std::string summary;             // one line for `convscope --help`
  std::vector<std::string> usage;  // synopses after "convscope <name> ", one per form
  std::string description;         // paragraphs between the usage and the options
  std::string positional;          // placeholder of the positional argument ("" = none), e.g. MODEL.onnx
  bool stack = false;              // positional STACK or --lesson NAME (declared automatically)
  std::vector<OptionSpec> options;
  std::string epilog;  // after the options: output formats, cases
};

/// The parsed command line of one sub-command. Options are looked up by any of their names without
/// dashes ("o" or "out"); looking up an option the spec does not declare is a programming error
/// (std::logic_error).
class Arguments {
 public:
  Arguments(const CommandSpec& spec, std::map<std::string, std::vector<std::string>> values,
            std::vector<std::string> positional, bool help);

  const CommandSpec& spec() const { return *m_spec; }
  bool helpRequested() const { return m_help; }
  bool isSet(const std::string& option) const;
  /// Every value given to `option`, in the order given; empty when it was not given.
  const std::vector<std::string>& values(const std::string& option) const;
  /// The last value given to `option`, or nullopt.
  std::optional<std::string> value(const std::string& option) const;
  /// The value of `option` as an integer in lo..hi, `fallback` when the option is absent.
  int intValue(const std::string& option, int lo, int hi, int fallback) const;
  const std::vector<std::string>& positional() const { return m_positional; }
  /// The positional argument; UsageError unless exactly one was given.
  std::string onePositional() const;
  /// STACK or --lesson NAME (spec().stack); UsageError unless exactly one of them is given or the
  /// lesson does not exist (the message lists the lessons).
  StackSource stackSource() const;
  /// True when a STACK or --lesson was given at all.
  bool hasStack() const { return !m_positional.empty() || isSet("lesson"); }
  /// Throws UsageError("convscope <name>: <message> (see 'convscope <name> --help')").
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const CommandSpec* m_spec;
  std::map<std::string, std::vector<std::string>> m_values;  // every name of a set option -> values
  std::set<std::string> m_declared;                          // every name of every option
  std::vector<std::string> m_positional;
  bool m_help;
};

/// --no-title and --no-caption (render, animate): a frame without its title line, and without the
/// explanation under it and the legend and formula at the bottom (figures for papers).
const std::vector<OptionSpec>& figureTextOptions();

/// Parses `args` (the words after the sub-command; for the launcher, after the program name)
/// under `spec`. Throws UsageError for an unknown option, a missing value, a value given to a flag.
/// `spec` must outlive the result.
Arguments parseArguments(const CommandSpec& spec, const std::vector<std::string>& args);

/// The --help text of `spec`: usage lines, description, every option with its meaning, epilog.
std::string helpText(const CommandSpec& spec);
/// The option table of `spec` alone (the part of helpText() after "options:").
std::string optionsText(const CommandSpec& spec);
/// "convscope <name>" (or "convscope" for the launcher), as messages name the command.
std::string commandLabel(const CommandSpec& spec);

}  // namespace convscope::app
