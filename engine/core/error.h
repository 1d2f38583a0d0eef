// EngineError: a user-facing "bad input" error (CLI exit status 2). Carries where it happened
// (file, layer index, op, parameter) and the rule that was broken; what() is the full message.
#pragma once
#include <stdexcept>
#include <string>

namespace convscope::engine {

struct ErrorContext {
  std::string file;   // stack / data file involved, "" if none
  int layer = -1;     // layer index, -1 for the input or the file as a whole
  std::string op;     // layer op ("conv", ...), "" if none
  std::string param;  // parameter name under the stack's convention, "" if none
};

class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorContext ctx, std::string rule);
  const ErrorContext& context() const { return m_ctx; }
  const std::string& rule() const { return m_rule; }

 private:
  ErrorContext m_ctx;
  std::string m_rule;
};

/// Formats "file: layer 2 (conv): parameter 'stride': <rule>".
std::string formatError(const ErrorContext& ctx, const std::string& rule);

}  // namespace convscope::engine
