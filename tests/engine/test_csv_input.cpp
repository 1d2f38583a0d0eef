// CSV input files (engine/io/csv_input.h): what spreadsheet programs write must read as written.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/io/csv_input.h"

using namespace convscope::engine;

namespace {
const std::string kBom = "\xEF\xBB\xBF";
}

// Excel's "CSV UTF-8" starts the file with a byte order mark. Before a header-less file's first
// row it made that row a "header" (not all numbers) and dropped it.
TEST(CsvInput, ByteOrderMarkBeforeTheFirstDataRowIsNotAHeader) {
  const Tensor t = parseCsv(kBom + "1,2\n3,4\n5,6\n", "bom.csv");
  ASSERT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 3, 5, 2, 4, 6}));  // (C, L): channel 0 is column 0
}

TEST(CsvInput, ByteOrderMarkBeforeAHeaderKeepsEveryDataRow) {
  const Tensor t = parseCsv(kBom + "left;right\r\n1;2\r\n3;4\r\n", "bom_header.csv");
  ASSERT_EQ(t.shape, (Shape{2, 2}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 3, 2, 4}));
}

TEST(CsvInput, ByteOrderMarkInAFileReadFromDisk) {
  const auto path = std::filesystem::temp_directory_path() / "convscope_test_bom_single_column.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << kBom << "0.5\n-1\n2\n";
  }
  const Tensor t = readCsv(path.string(), "data");
  std::filesystem::remove(path);
  ASSERT_EQ(t.shape, (Shape{1, 3}));
  EXPECT_EQ(t.data, (std::vector<float>{0.5f, -1.0f, 2.0f}));
}

// A BOM-like sequence anywhere but at the very start is still an error, not silently skipped.
TEST(CsvInput, ByteOrderMarkInsideTheDataIsStillRefused) {
  EXPECT_THROW(parseCsv("1,2\n" + kBom + "3,4\n", "mid.csv"), EngineError);
}
