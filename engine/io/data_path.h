// Data paths: the one place where a data reference written in a stack file (input.data and a
// layer's weight / bias / mean / var — any key that names a file) becomes a file to read.
//
// Two policies:
//   Anywhere        a stack file the user wrote: a relative reference is anchored at the stack's
//                   folder, an absolute one is taken as written (the user's own choice).
//   ProjectDataOnly the stack inside a project (.convscope) unpacked into `baseDir`: a reference
//                   must be a relative "data/<name>[/<name>...]" member — no absolute path, no "."
//                   or ".." component, no backslash, colon or control character — and the file it
//                   names, with every symlink followed, must lie inside baseDir/data. Anything else
//                   is refused before any file is opened, so a project from a stranger can never
//                   make ConvScope read (and later re-save) a file outside the project.
#pragma once
#include <string>

#include "engine/core/error.h"

namespace convscope::engine {

enum class DataAccess { Anywhere, ProjectDataOnly };

/// True for a reference a project may hold: "data/" then one or more components, none empty,
/// "." or "..", no backslash, colon or control character, at most 512 bytes.
bool isProjectDataReference(const std::string& ref);

/// The file `ref` names under `access`, anchored at `baseDir` ("" = the working directory).
/// Throws EngineError(ctx, rule) for a reference the policy refuses; the rule quotes at most a short
/// excerpt of `ref`. Does not check that the file exists (the readers say "not found").
std::string dataFilePath(const std::string& ref, const std::string& baseDir, DataAccess access,
                         const ErrorContext& ctx);

/// At most `maxChars` bytes of `text` for an error message: cut at a UTF-8 boundary with "…"
/// appended, control characters shown as '?'. Messages quote tokens of a bad file, never lines of it.
std::string excerpt(const std::string& text, size_t maxChars = 32);

}  // namespace convscope::engine
