// Lessons bundled in resources/lessons (Qt resource ":/lessons/<name>.json").
#pragma once
#include <QString>
#include <QStringList>

namespace convscope::app {

/// Lesson names (file base names), sorted.
QStringList lessonNames();
/// The default lesson opened when the app starts without arguments.
QString defaultLesson();
/// Resource path of a lesson, or "" if there is none by that name.
QString lessonPath(const QString& name);

}  // namespace convscope::app
