// Stack sources for the command line: a stack file (.json), a project (.convscope) or a bundled
// lesson, resolved the same way the app resolves them (a project's stack may only read its own data/
// members; a lesson is resolved as the app's File > Lessons opens it).
#pragma once
#include <string>

#include "engine/stack/stack.h"

namespace convscope::app {

/// True when `path` names a project file (suffix .convscope, any case).
bool isProjectPath(const std::string& path);

/// Reads and resolves `path`: a stack file with engine::loadStack; a project with
/// project::readProjectFile, its data members unpacked into a temporary folder (removed before
/// returning: the resolved Stack holds every tensor) and engine::resolveStack under
/// DataAccess::ProjectDataOnly, messages naming the project file. Throws engine::EngineError for
/// anything the user can fix (exit status 2).
engine::Stack loadStackSource(const std::string& path);

/// Where a sub-command's stack comes from: a file (a .json stack or a .convscope project) or a
/// bundled lesson (lessons.h). Exactly one of the two is set.
struct StackSource {
  std::string path;    // the file; "" for a lesson
  std::string lesson;  // the lesson name; "" for a file
  /// How messages name it: the path, or "lesson NAME" (what the app calls the document).
  std::string label() const { return lesson.empty() ? path : "lesson " + lesson; }
};

/// Reads and resolves the bundled lesson `name` (":/lessons/<name>.json"); the stack's file is
/// "lesson <name>" and relative data paths are anchored at the working directory, as in the app.
/// Throws engine::EngineError when there is no such lesson (the message lists the lessons).
engine::Stack loadLesson(const std::string& name);
/// loadLesson(src.lesson) for a lesson, else loadStackSource(src.path).
engine::Stack loadStackSource(const StackSource& src);

}  // namespace convscope::app
