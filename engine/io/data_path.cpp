#include "engine/io/data_path.h"

#include <filesystem>

namespace convscope::engine {

namespace fs = std::filesystem;

bool isProjectDataReference(const std::string& ref) {
  if (ref.size() > 512 || ref.rfind("data/", 0) != 0) return false;
  for (unsigned char c : ref)
    if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') return false;
  size_t start = 0;
  int parts = 0;
  for (;;) {
    const size_t slash = ref.find('/', start);
    const std::string part =
        ref.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    ++parts;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts >= 2;
}

std::string excerpt(const std::string& text, size_t maxChars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    if (i + len > text.size()) len = 1;
    if (out.size() + len > maxChars) return out + "…";
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && len == 1))
      out += '?';
    else
      out.append(text, i, len);
    i += len;
  }
  return out;
}

std::string dataFilePath(const std::string& ref, const std::string& baseDir, DataAccess access,
                         const ErrorContext& ctx) {
  if (access == DataAccess::Anywhere) {
    fs::path p(ref);
    if (p.is_relative() && !baseDir.empty()) p = fs::path(baseDir) / p;
    return p.lexically_normal().string();
  }
  std::string why = "'";  // appended piecewise: GCC 12 warns (-Wrestrict) on "'" + std::string&&
  why += excerpt(ref, 64);
  why +=
      "' is not one of the project's data files: a project may only read members of its own data/ folder "
      "(\"data/name.npy\"; no absolute path, no \"..\"); nothing outside the project was read";
  if (!isProjectDataReference(ref) || baseDir.empty()) throw EngineError(ctx, why);
  // Symlinks: the member and the folder it is in are followed to their real place, which must
  // still be inside the project's unpacked data/ folder.
  std::error_code ec;
  const fs::path root =
      fs::weakly_canonical(fs::path(baseDir), ec) / "data";  // data/ itself may not be a link
  if (ec) throw EngineError(ctx, why);
  const fs::path file = fs::weakly_canonical(fs::path(baseDir) / ref, ec);
  if (ec) throw EngineError(ctx, why);
  const fs::path rel = file.lexically_relative(root);
  if (rel.empty() || rel.is_absolute() || *rel.begin() == ".." || *rel.begin() == ".")
    throw EngineError(ctx, why);
  return file.string();
}

}  // namespace convscope::engine
