// Lessons bundled in resources/lessons: the Qt resources ":/lessons/<name>.json" of
// resources/resources.qrc, compiled into the convscope executable in every build (with or without
// the GUI) and into the test executables that open lessons. Qt Core only.
#pragma once
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace convscope::app {

/// Lesson names (file base names), sorted; empty when the resources are not linked in.
QStringList lessonNames();
/// The default lesson opened when the app starts without arguments.
QString defaultLesson();
/// Resource path of a lesson, or "" if there is none by that name.
QString lessonPath(const QString& name);
/// The lessons a lesson compares itself with: the strings of its "lesson": {"compare": [...]}
/// that name bundled lessons, in order, at most 3 (empty when there are none).
QStringList lessonComparison(const nlohmann::json& lesson);

}  // namespace convscope::app
