// Data paths (engine/io/data_path.h): a project's stack reads only members of its own data/ folder —
// checked on the names, then on the real place of the file with every symlink followed — while a
// stack the user wrote keeps its relative and absolute paths. Also the excerpt used in messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/io/data_path.h"
#include "engine/io/npy.h"
#include "engine/stack/stack.h"

namespace fs = std::filesystem;
using namespace convscope::engine;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "convscope-datapath-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void writeWeight(const fs::path& p) {
  Tensor w({1, 1, 3});
  w.data = {1.f, 2.f, 3.f};
  fs::create_directories(p.parent_path());
  writeNpy(p.string(), w);
}

nlohmann::json stackWithWeight(const std::string& ref) {
  return {{"convscope", 1},
          {"input", {{"shape", {1, 8}}, {"generator", {{"kind", "impulse"}}}}},
          {"layers",
           {{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"weight", ref}, {"bias", false}}}}};
}

}  // namespace

TEST(DataPath, ProjectReferenceNames) {
  EXPECT_TRUE(isProjectDataReference("data/w.npy"));
  EXPECT_TRUE(isProjectDataReference("data/sub/w.npy"));
  for (const char* bad : {"w.npy", "/etc/shadow", "data/../x.npy", "data/./w.npy", "data//w.npy", "data/",
                          "data", "./data/w.npy", "data/a\\b.npy", "C:/data/w.npy", "data/w:1.npy",
                          "~/.ssh/id_rsa", "data/sub/../../x"})
    EXPECT_FALSE(isProjectDataReference(bad)) << bad;
  EXPECT_FALSE(isProjectDataReference("data/" + std::string(600, 'a')));
}

TEST(DataPath, AnywhereKeepsTheUsersPaths) {
  EXPECT_EQ(dataFilePath("w.npy", "/home/u/stacks", DataAccess::Anywhere, {}), "/home/u/stacks/w.npy");
  EXPECT_EQ(dataFilePath("../w.npy", "/home/u/stacks", DataAccess::Anywhere, {}), "/home/u/w.npy");
  EXPECT_EQ(dataFilePath("/abs/w.npy", "/home/u/stacks", DataAccess::Anywhere, {}), "/abs/w.npy");
}

TEST(DataPath, ProjectRefusesEverythingOutsideData) {
  TempDir t;
  writeWeight(t.path / "data" / "w.npy");
  const std::string base = t.path.string();
  EXPECT_EQ(fs::path(dataFilePath("data/w.npy", base, DataAccess::ProjectDataOnly, {})),
            fs::weakly_canonical(t.path / "data" / "w.npy"));
  for (const std::string bad :
       {"/etc/shadow", "data/../../etc/shadow", "../outside.npy", "w.npy", "~/.ssh/id_rsa"}) {
    try {
      dataFilePath(bad, base, DataAccess::ProjectDataOnly, {"p.convscope", 0, "conv", "weight"});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const EngineError& e) {
      EXPECT_NE(std::string(e.what()).find("not one of the project's data files"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("parameter 'weight'"), std::string::npos) << e.what();
    }
  }
}

TEST(DataPath, ProjectRefusesSymlinksLeavingData) {
  TempDir t, outside;
  writeWeight(outside.path / "secret.npy");
  writeWeight(t.path / "data" / "w.npy");
  fs::create_symlink(outside.path / "secret.npy", t.path / "data" / "link.npy");
  fs::create_directories(t.path / "data");
  fs::create_directory_symlink(outside.path, t.path / "data" / "dir");
  const std::string base = t.path.string();
  EXPECT_THROW(dataFilePath("data/link.npy", base, DataAccess::ProjectDataOnly, {}), EngineError);
  EXPECT_THROW(dataFilePath("data/dir/secret.npy", base, DataAccess::ProjectDataOnly, {}), EngineError);
  // A link that stays inside data/ is fine.
  fs::create_symlink(t.path / "data" / "w.npy", t.path / "data" / "inside.npy");
  EXPECT_NO_THROW(dataFilePath("data/inside.npy", base, DataAccess::ProjectDataOnly, {}));
  // data/ itself a link to elsewhere: its members are still outside the project's folder.
  TempDir t2;
  fs::create_directory_symlink(outside.path, t2.path / "data");
  EXPECT_THROW(dataFilePath("data/secret.npy", t2.path.string(), DataAccess::ProjectDataOnly, {}),
               EngineError);
}

TEST(DataPath, ResolveStackConfinesEveryDataKey) {
  TempDir t, outside;
  writeWeight(t.path / "data" / "w.npy");
  writeWeight(outside.path / "w.npy");
  const std::string base = t.path.string();
  EXPECT_NO_THROW(resolveStack(stackWithWeight("data/w.npy"), "p", base, DataAccess::ProjectDataOnly));
  const std::string abs = (outside.path / "w.npy").string();
  // The same stack is the user's own choice when it is not a project's.
  EXPECT_NO_THROW(resolveStack(stackWithWeight(abs), "s.json", base, DataAccess::Anywhere));
  EXPECT_THROW(resolveStack(stackWithWeight(abs), "p", base, DataAccess::ProjectDataOnly), EngineError);
  nlohmann::json in = stackWithWeight("data/w.npy");
  in["input"] = {{"data", abs}};
  EXPECT_THROW(resolveStack(in, "p", base, DataAccess::ProjectDataOnly), EngineError);
  nlohmann::json bn = stackWithWeight("data/w.npy");
  bn["layers"].push_back({{"op", "batch_norm"}, {"var", abs}});
  try {
    resolveStack(bn, "p", base, DataAccess::ProjectDataOnly);
    ADD_FAILURE() << "batch_norm var outside the project was read";
  } catch (const EngineError& e) {
    EXPECT_EQ(e.context().layer, 1);
    EXPECT_EQ(e.context().param, "var");
  }
}

TEST(DataPath, ExcerptKeepsATokenOfUtf8) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt(std::string(100, 'x'), 10), std::string(10, 'x') + "…");
  EXPECT_EQ(excerpt("a\nb\x01"), "a?b?");
  // Never cuts inside a multi-byte character.
  const std::string jp = "転置畳み込み";  // 3 bytes each
  EXPECT_EQ(excerpt(jp, 7), "転置…");
}

TEST(DataPath, JsonErrorQuotesAToken) {
  const std::string text = "{\"layers\": " + std::string(5000, 'q') + "}";
  try {
    parseStackJson(text, "big.json");
    FAIL();
  } catch (const EngineError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(std::string(30, 'q')), std::string::npos) << what;
    EXPECT_LT(what.size(), 300u) << what;
  }
}
