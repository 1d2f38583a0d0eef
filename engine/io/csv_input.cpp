#include "engine/io/csv_input.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/error.h"
#include "engine/io/data_path.h"

namespace convscope::engine {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '"')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '"')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> splitFields(const std::string& line, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t pos = line.find(sep, start);
    out.push_back(trim(line.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

bool toNumber(const std::string& s, float& v) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  v = static_cast<float>(d);
  return true;
}

}  // namespace

Tensor parseCsv(const std::string& text, const std::string& label, const std::string& what) {
  auto fail = [&](const std::string& rule) -> void {
    ErrorContext c;
    c.file = label;
    c.param = what;
    throw EngineError(c, rule);
  };
  std::vector<std::vector<float>> rows;
  // A UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first field.
  const bool bom = text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0;
  std::istringstream in(bom ? text.substr(3) : text);
  std::string line;
  size_t lineNo = 0;
  char sep = 0;
  size_t cols = 0;
  bool firstContent = true;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (!sep)
      sep = line.find(',') != std::string::npos ? ',' : (line.find(';') != std::string::npos ? ';' : '\t');
    const auto fields = splitFields(line, sep);
    std::vector<float> row(fields.size());
    bool allNumbers = true;
    size_t bad = 0;
    for (size_t i = 0; i < fields.size(); ++i)
      if (!toNumber(fields[i], row[i])) {
        if (allNumbers) bad = i;
        allNumbers = false;
      }
    if (firstContent) {
      firstContent = false;
      cols = fields.size();
      if (!allNumbers) continue;  // header line
    }
    if (!allNumbers)
      fail("line " + std::to_string(lineNo) + ", column " + std::to_string(bad + 1) + ": '" +
           excerpt(fields[bad], 24) +
           "' is not a number (expected one row per time step, one number per channel)");
    if (fields.size() != cols)
      fail("line " + std::to_string(lineNo) + " has " + std::to_string(fields.size()) +
           " fields but the first line has " + std::to_string(cols) + " (one column per channel)");
    rows.push_back(std::move(row));
    if (static_cast<int64_t>(rows.size()) * static_cast<int64_t>(cols) > (int64_t(1) << 31))
      fail("more than 2^31 values");
  }
  if (rows.empty()) fail("no data rows (expected one row per time step, one column per channel)");
  const int64_t L = static_cast<int64_t>(rows.size());
  const int64_t C = static_cast<int64_t>(cols);
  Tensor t(Shape{C, L});
  for (int64_t i = 0; i < L; ++i)
    for (int64_t c = 0; c < C; ++c)
      t.data[static_cast<size_t>(c * L + i)] = rows[static_cast<size_t>(i)][static_cast<size_t>(c)];
  return t;
}

Tensor readCsv(const std::string& path, const std::string& what) {
  ErrorContext c;
  c.file = path;
  c.param = what;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw EngineError(c, "CSV file not found");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw EngineError(c, "cannot read the CSV file: " + ec.message());
  if (size > (uintmax_t(1) << 30)) throw EngineError(c, "CSV file larger than 1 GiB");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw EngineError(c, "cannot open the CSV file for reading");
  std::stringstream ss;
  ss << f.rdbuf();
  return parseCsv(ss.str(), path, what);
}

}  // namespace convscope::engine
