// Stack sources for the command line: a stack file (.json) or a project (.convscope), resolved the
// same way the app resolves them (a project's stack may only read its own data/ members).
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

}  // namespace convscope::app
