#include "app/project/stack_source.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QTemporaryDir>

#include "app/project/lessons.h"
#include "app/project/project_file.h"
#include "engine/core/error.h"

namespace convscope::app {

bool isProjectPath(const std::string& path) {
  return QFileInfo(QString::fromStdString(path)).suffix().compare("convscope", Qt::CaseInsensitive) == 0;
}

engine::Stack loadStackSource(const std::string& path) {
  if (!isProjectPath(path)) return engine::loadStack(path);
  const QString qpath = QString::fromStdString(path);
  if (!QFileInfo(qpath).isFile()) throw engine::EngineError({path, -1, "", ""}, "project file not found");
  const project::ReadResult r = project::readProjectFile(qpath);
  // The reader's message already starts with the file name.
  if (!r.ok()) {
    std::string msg = r.message.toStdString();
    if (msg.rfind(path + ": ", 0) == 0) msg = msg.substr(path.size() + 2);
    throw engine::EngineError({path, -1, "", ""}, msg);
  }
  QTemporaryDir work(QDir::tempPath() + "/convscope-cli-XXXXXX");
  QString why;
  if (!work.isValid() || !project::extractProject(r.project, work.path(), &why))
    throw engine::EngineError(
        {path, -1, "", ""},
        "cannot unpack the project (" + (work.isValid() ? why : work.errorString()).toStdString() + ")");
  engine::Stack st = engine::resolveStack(r.project.stack, path, work.path().toStdString(),
                                          engine::DataAccess::ProjectDataOnly);
  st.baseDir.clear();  // the unpacked folder is gone once this returns
  return st;
}

engine::Stack loadLesson(const std::string& name) {
  const QString path = lessonPath(QString::fromStdString(name));
  const std::string label = "lesson " + name;
  if (path.isEmpty())
    throw engine::EngineError({"", -1, "", "--lesson"}, "no lesson named '" + name + "' (lessons: " +
                                                            lessonNames().join(", ").toStdString() + ")");
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly))
    throw engine::EngineError({label, -1, "", ""}, "cannot read " + path.toStdString());
  return engine::resolveStack(engine::parseStackJson(f.readAll().toStdString(), label), label, "");
}

engine::Stack loadStackSource(const StackSource& src) {
  return src.lesson.empty() ? loadStackSource(src.path) : loadLesson(src.lesson);
}

}  // namespace convscope::app
