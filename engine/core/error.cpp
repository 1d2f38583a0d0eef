#include "engine/core/error.h"

namespace convscope::engine {

std::string formatError(const ErrorContext& ctx, const std::string& rule) {
  std::string msg;
  if (!ctx.file.empty()) msg += ctx.file + ": ";
  if (ctx.layer >= 0) {
    msg += "layer " + std::to_string(ctx.layer);
    if (!ctx.op.empty()) msg += " (" + ctx.op + ")";
    msg += ": ";
  } else if (!ctx.op.empty()) {
    msg += ctx.op + ": ";
  }
  if (!ctx.param.empty()) msg += "parameter '" + ctx.param + "': ";
  msg += rule;
  return msg;
}

EngineError::EngineError(ErrorContext ctx, std::string rule)
    : std::runtime_error(formatError(ctx, rule)), m_ctx(std::move(ctx)), m_rule(std::move(rule)) {}

}  // namespace convscope::engine
