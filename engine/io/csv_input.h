// CSV input files: one row per time step, one column per channel, optional header line.
#pragma once
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

/// Parses CSV text into (C, L): row i (a time step) gives column c → element [c, i]. Fields are
/// separated by ',' (or ';' / tab when the first data line has no comma), surrounding spaces are
/// ignored; a first line that is not all numbers is a header and is skipped; blank lines and lines
/// starting with '#' are skipped; every row must have the same number of fields. Throws EngineError
/// (file = `label`, param = `what`) naming the line and column of a bad field.
Tensor parseCsv(const std::string& text, const std::string& label, const std::string& what = "");
/// Reads and parses `path` (at most 1 GiB) with parseCsv.
Tensor readCsv(const std::string& path, const std::string& what = "");

}  // namespace convscope::engine
