#include "app/project/lessons.h"

#include <QDir>
#include <QFileInfo>

namespace convscope::app {

QStringList lessonNames() {
  QStringList names;
  const auto entries = QDir(":/lessons").entryInfoList({"*.json"}, QDir::Files, QDir::Name);
  for (const QFileInfo& fi : entries) names << fi.completeBaseName();
  return names;
}

QString defaultLesson() {
  return "conv1d_basics";
}

QString lessonPath(const QString& name) {
  const QString p = ":/lessons/" + name + ".json";
  return QFileInfo::exists(p) ? p : QString();
}

QStringList lessonComparison(const nlohmann::json& lesson) {
  QStringList out;
  if (!lesson.is_object() || !lesson.contains("lesson") || !lesson["lesson"].is_object()) return out;
  const nlohmann::json& meta = lesson["lesson"];
  if (!meta.contains("compare") || !meta["compare"].is_array()) return out;
  for (const auto& v : meta["compare"])
    if (v.is_string() && out.size() < 3 &&
        !lessonPath(QString::fromStdString(v.get<std::string>())).isEmpty())
      out << QString::fromStdString(v.get<std::string>());
  return out;
}

}  // namespace convscope::app
