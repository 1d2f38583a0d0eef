#include "app/gui/shared_input.h"

#include <QDir>
#include <QObject>
#include <algorithm>
#include <vector>

namespace convscope::app {

std::optional<nlohmann::json> sharedInputFor(const nlohmann::json& fromInput, const engine::Stack* fromStack,
                                             const QString& fromBaseDir, const engine::Stack* toStack,
                                             const QString& toBaseDir, QString* why) {
  nlohmann::json out = fromInput;
  if (!out.is_object()) return out;
  if (out.contains("data") && out["data"].is_string()) {
    const QString ref = QString::fromStdString(out["data"].get<std::string>());
    const QDir fromDir(fromBaseDir.isEmpty() ? QDir::currentPath() : fromBaseDir);
    const QDir toDir(toBaseDir.isEmpty() ? QDir::currentPath() : toBaseDir);
    if (!QDir::isAbsolutePath(ref) && fromDir.absolutePath() != toDir.absolutePath())
      out["data"] = fromDir.absoluteFilePath(ref).toStdString();
  }
  if (toStack && out.contains("dims")) out["dims"] = toStack->dims;  // the rank is the stack's own
  if (!fromStack || !toStack || !out.contains("shape") || !out["shape"].is_array()) return out;
  std::vector<int64_t> shape;
  for (const auto& v : out["shape"]) {
    if (!v.is_number_integer()) return out;  // the resolver reports a malformed shape itself
    shape.push_back(v.get<int64_t>());
  }
  const size_t rank = size_t(fromStack->dims) + 1;
  if (shape.size() != rank && shape.size() != rank + 1) return out;
  const int64_t batch = shape.size() == rank + 1 ? shape.front() : 1;
  if (shape.size() == rank + 1) shape.erase(shape.begin());
  if (fromStack->channelsLast) std::rotate(shape.begin(), shape.end() - 1, shape.end());  // → (C, spatial)
  std::vector<int64_t> kept;  // non-singleton spatial axes
  for (size_t a = 1; a < shape.size(); ++a)
    if (shape[a] != 1) kept.push_back(shape[a]);
  const int dims = toStack->dims;
  if (int(kept.size()) > dims) {
    if (why)
      *why = QObject::tr("an input with %1 spatial axes longer than 1 does not fit a %2-D stack")
                 .arg(kept.size())
                 .arg(dims);
    return std::nullopt;
  }
  // Place the kept axes where `to`'s current input is longer than 1 (its singleton axes stay 1);
  // when the counts disagree, fill from the first axis.
  std::vector<int64_t> spatial(size_t(dims), 1);
  std::vector<int> free;
  const engine::Shape& cur = toStack->input.shape;  // (N, C, spatial...)
  for (int a = 0; a < dims; ++a)
    if (size_t(a + 2) < cur.size() && cur[size_t(a + 2)] != 1) free.push_back(a);
  if (free.size() != kept.size()) {
    free.clear();
    for (int a = 0; a < int(kept.size()); ++a) free.push_back(a);
  }
  for (size_t i = 0; i < kept.size(); ++i) spatial[size_t(free[i])] = kept[i];
  std::vector<int64_t> result{shape.front()};
  result.insert(result.end(), spatial.begin(), spatial.end());
  if (toStack->channelsLast) std::rotate(result.begin(), result.begin() + 1, result.end());  // → (spatial, C)
  if (toStack->inputHadBatch) result.insert(result.begin(), batch);
  out["shape"] = result;
  return out;
}

}  // namespace convscope::app
