// Regression tests for crashes, UB and leaks found by the fuzz targets and the sanitizer build
// (docs/bad-input.md §How this is tested). Each test is named after what it guards; the fuzz input
// itself is kept in tests/fuzz/regressions/<target>/ and replayed by CTest.
#include <gtest/gtest.h>

#include "engine/core/error.h"
#include "engine/io/npy.h"
#include "engine/stack/stack.h"

using namespace convscope::engine;

// fuzz_npy (UBSan): a .npy with a zero-sized axis made parseNpy memcpy into the null buffer of an
// empty std::vector. regressions/npy/zero_element_shape_memcpy_null.npy
TEST(Regressions, NpyWithAZeroSizedAxisIsAnEmptyTensor) {
  Tensor t({0, 5});
  const Tensor u = parseNpy(npyBytes(t), "empty.npy");
  EXPECT_EQ(u.shape, (Shape{0, 5}));
  EXPECT_TRUE(u.data.empty());
}

// Found by review while writing fuzz_npy: "'shape': ," (no value) threw std::out_of_range from
// substr (exit 1, internal error) instead of an EngineError. bad_input/npy_shape_value_missing,
// regressions/npy/shape_value_missing.npy
TEST(Regressions, NpyShapeWithoutAValueIsACleanError) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': , }";
  header.append(64 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(1);
  bytes += char(0);
  bytes += char(header.size());
  bytes += char(0);
  bytes += header;
  bytes.append(8, '\0');
  EXPECT_THROW(parseNpy(bytes, "bad.npy"), EngineError);
}

// A shape whose element count overflows int64 (each dim allowed up to 2^40) was UB in numel().
TEST(Regressions, InputShapeWhoseElementCountOverflowsIsRefused) {
  const nlohmann::json doc = {{"convscope", 1},
                              {"input",
                               {{"shape", {1099511627776LL, 1099511627776LL, 1099511627776LL}},
                                {"generator", {{"kind", "impulse"}}}}},
                              {"layers", nlohmann::json::array()}};
  EXPECT_THROW(resolveStack(doc, "overflow.json", ""), EngineError);
}

// fuzz_stack: a number literal beyond double ("444E4444") made nlohmann::json throw out_of_range
// (not parse_error), which escaped parseStackJson: the CLI exited 1 and the GUI's open terminated.
// regressions/stack/json_number_overflow_uncaught.json, bad_input/json_number_overflow
TEST(Regressions, JsonNumberOverflowIsACleanError) {
  try {
    parseStackJson(R"({"convscope": 1, "x": 444444444444444E44444444444444444})", "big.json");
    FAIL() << "accepted";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("number overflow"), std::string::npos) << e.what();
  }
}
