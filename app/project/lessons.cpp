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

}  // namespace convscope::app
