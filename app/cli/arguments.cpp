#include "app/cli/arguments.h"

#include <QCommandLineParser>
#include <QStringList>
#include <algorithm>
#include <cctype>
#include <sstream>

#include "app/project/lessons.h"

namespace convscope::app {
namespace {

const OptionSpec kHelpOption{{"h", "help"}, "", "print this help and exit"};

OptionSpec lessonOption() {
  return {
      {"lesson"},
      "NAME",
      "the bundled lesson NAME instead of a STACK file; lessons:\n" + lessonNames().join(", ").toStdString()};
}

// Every option of `spec`, the implied ones included: --lesson for a stack, then -h/--help.
std::vector<OptionSpec> allOptions(const CommandSpec& spec) {
  std::vector<OptionSpec> all = spec.options;
  if (spec.stack) all.push_back(lessonOption());
  all.push_back(kHelpOption);
  return all;
}

constexpr size_t kHelpWidth = 100;  // columns of the option table

// `text` with its lines ('\n') broken at spaces to at most `width` columns, every line after the
// first prefixed with `indent`.
std::string wrapped(const std::string& text, size_t width, const std::string& indent) {
  std::string out;
  for (size_t start = 0;;) {
    const size_t nl = text.find('\n', start);
    std::istringstream words(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    size_t col = 0;
    for (std::string w; words >> w; col += w.size()) {
      if (col > 0 && col + 1 + w.size() > width) {
        out += "\n" + indent;
        col = 0;
      } else if (col > 0) {
        out += " ";
        ++col;
      }
      out += w;
    }
    if (nl == std::string::npos) return out;
    out += "\n" + indent;
    start = nl + 1;
  }
}

std::string dashed(const std::string& name) {
  return (name.size() == 1 ? "-" : "--") + name;
}

std::string see(const CommandSpec& spec) {
  return " (see '" + commandLabel(spec) + " --help')";
}

// The argument of `args` (before "--") that QCommandLineParser reported as the unknown option
// `name` (it reports names without dashes): "--name[=...]" or a "-x..." word starting with it.
std::string unknownArgument(const QStringList& args, const QString& name) {
  for (const QString& a : args) {
    if (a == "--") break;
    if (a.startsWith("--") && a.mid(2).section('=', 0, 0) == name) return a.section('=', 0, 0).toStdString();
    if (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.mid(1).startsWith(name))
      return a.section('=', 0, 0).toStdString();
  }
  return dashed(name.toStdString());
}

}  // namespace

const std::vector<OptionSpec>& figureTextOptions() {
  static const std::vector<OptionSpec> o{
      {{"no-title"}, "", "leave out the title line (layer, op, view, step); the scene takes its room"},
      {{"no-caption"},
       "",
       "leave out the explanation under the title and the legend and output-length formula at the "
       "bottom; the scene takes their room"}};
  return o;
}

std::string commandLabel(const CommandSpec& spec) {
  return spec.name.empty() ? "convscope" : "convscope " + spec.name;
}

Arguments::Arguments(const CommandSpec& spec, std::map<std::string, std::vector<std::string>> values,
                     std::vector<std::string> positional, bool help)
    : m_spec(&spec), m_values(std::move(values)), m_positional(std::move(positional)), m_help(help) {
  for (const OptionSpec& o : allOptions(spec)) m_declared.insert(o.names.begin(), o.names.end());
}

const std::vector<std::string>& Arguments::values(const std::string& option) const {
  static const std::vector<std::string> none;
  if (!m_declared.count(option))
    throw std::logic_error(commandLabel(*m_spec) + " declares no option " + dashed(option));
  const auto it = m_values.find(option);
  return it == m_values.end() ? none : it->second;
}

bool Arguments::isSet(const std::string& option) const {
  return !values(option).empty();
}

std::optional<std::string> Arguments::value(const std::string& option) const {
  const auto& v = values(option);
  if (v.empty()) return std::nullopt;
  return v.back();
}

int Arguments::intValue(const std::string& option, int lo, int hi, int fallback) const {
  const auto v = value(option);
  if (!v) return fallback;
  try {
    size_t used = 0;
    const long x = std::stol(*v, &used);
    if (used != v->size() || x < lo || x > hi) throw std::invalid_argument("");
    return int(x);
  } catch (const std::exception&) {
    fail(dashed(option) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
         ", got '" + *v + "'");
  }
}

std::string Arguments::onePositional() const {
  if (m_positional.size() != 1)
    fail("expected one " + m_spec->positional + ", got " + std::to_string(m_positional.size()) +
         " arguments");
  return m_positional[0];
}

StackSource Arguments::stackSource() const {
  const auto lesson = value("lesson");
  if (lesson && !m_positional.empty())
    fail("give a STACK file or --lesson NAME, not both (got '" + m_positional[0] + "' and --lesson " +
         *lesson + ")");
  if (lesson) {
    if (lessonPath(QString::fromStdString(*lesson)).isEmpty())
      fail("no lesson named '" + *lesson +
           "' for --lesson (lessons: " + lessonNames().join(", ").toStdString() + ")");
    return {"", *lesson};
  }
  if (m_positional.size() != 1)
    fail("expected one STACK file or --lesson NAME, got " + std::to_string(m_positional.size()) +
         " arguments");
  return {m_positional[0], ""};
}

void Arguments::fail(const std::string& message) const {
  throw UsageError(commandLabel(*m_spec) + ": " + message + see(*m_spec));
}

Arguments parseArguments(const CommandSpec& spec, const std::vector<std::string>& args) {
  const std::vector<OptionSpec> options = allOptions(spec);
  QCommandLineParser parser;
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsCompactedShortOptions);
  for (const OptionSpec& o : options) {
    QStringList names;
    for (const std::string& n : o.names) names << QString::fromStdString(n);
    parser.addOption(
        QCommandLineOption(names, QString::fromStdString(o.help), QString::fromStdString(o.valueName)));
  }
  QStringList argv{commandLabel(spec).c_str()};  // parse() skips the program name
  for (const std::string& a : args) argv << QString::fromStdString(a);
  const bool ok = parser.parse(argv);
  const bool help = parser.isSet("help");
  if (!ok && !help) {
    const std::string where = commandLabel(spec) + ": ";
    if (!parser.unknownOptionNames().isEmpty())
      throw UsageError(where + "unknown option " +
                       unknownArgument(argv.mid(1), parser.unknownOptionNames()[0]) + see(spec));
    // "Missing value after '--repeat'." / "Unexpected value after '--json=1'.": Qt names the option.
    std::string why = parser.errorText().toStdString();
    if (!why.empty() && why.back() == '.') why.pop_back();
    if (!why.empty()) why[0] = char(std::tolower(static_cast<unsigned char>(why[0])));
    throw UsageError(where + why + see(spec));
  }
  std::map<std::string, std::vector<std::string>> values;
  for (const OptionSpec& o : options) {
    const QStringList v = parser.values(QString::fromStdString(o.names[0]));
    const bool set = parser.isSet(QString::fromStdString(o.names[0]));
    if (!set) continue;
    std::vector<std::string> list;
    for (const QString& s : v) list.push_back(s.toStdString());
    if (list.empty()) list.push_back("");  // a flag: set, no value
    for (const std::string& n : o.names) values[n] = list;
  }
  std::vector<std::string> positional;
  for (const QString& p : parser.positionalArguments()) positional.push_back(p.toStdString());
  return Arguments(spec, std::move(values), std::move(positional), help);
}

std::string optionsText(const CommandSpec& spec) {
  const std::vector<OptionSpec> options = allOptions(spec);
  std::vector<std::string> heads;
  size_t width = 0;
  for (const OptionSpec& o : options) {
    std::string head;
    for (const std::string& n : o.names) head += (head.empty() ? "" : ", ") + dashed(n);
    if (o.names[0].size() > 1) head = "    " + head;  // long-only options line up with "-x, --long"
    if (!o.valueName.empty()) head += " " + o.valueName;
    width = std::max(width, std::min<size_t>(head.size(), 26));
    heads.push_back(head);
  }
  std::string text;
  for (size_t i = 0; i < options.size(); ++i) {
    std::string head = "  " + heads[i];
    const std::string indent(width + 4, ' ');
    head += heads[i].size() > width ? "\n" + indent : std::string(width + 2 - heads[i].size(), ' ');
    text += head + wrapped(options[i].help, kHelpWidth - indent.size(), indent) + "\n";
  }
  return text;
}

std::string helpText(const CommandSpec& spec) {
  std::string text;
  const std::string prefix = commandLabel(spec) + " ";
  for (size_t i = 0; i < spec.usage.size(); ++i)
    text += (i == 0 ? "usage: " : "       ") + prefix + spec.usage[i] + "\n";
  if (!spec.description.empty()) text += spec.description + "\n";
  if (spec.stack)
    text +=
        "STACK is a stack file (.json) or a project (.convscope); --lesson NAME takes a bundled\n"
        "lesson instead.\n";
  text += "\noptions:\n" + optionsText(spec);
  if (!spec.epilog.empty()) text += "\n" + spec.epilog;
  if (!text.empty() && text.back() != '\n') text += "\n";
  return text;
}

}  // namespace convscope::app
