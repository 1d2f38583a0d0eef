#include "engine/lengths/length_probe.h"

#include "engine/core/error.h"
#include "engine/resolve/op_schema.h"
#include "engine/resolve/resolve.h"

namespace convscope::engine {

Probe probeLayer(const nlohmann::json& spec, Convention cv, const Shape& in, int index) {
  ResolveContext rc;
  rc.convention = cv;
  rc.index = index;
  rc.dims = static_cast<int>(in.size()) - 1;
  rc.access = DataAccess::Anywhere;
  Probe p;
  try {
    p.layer = resolveLayer(spec, rc, in);
    p.ok = true;
  } catch (const EngineError& e) {
    p.param = e.context().param;
    p.reason = e.rule();
  }
  return p;
}

int probeLength(const nlohmann::json& spec, Convention cv, int L) {
  const Probe p = probeLayer(spec, cv, Shape{1, L});
  return p.ok ? p.layer.ax[0].out : 0;
}

nlohmann::json lengthOnlySpec(const nlohmann::json& spec, const Layer& resolved, Convention cv,
                              int& channels) {
  nlohmann::json s = spec;
  channels = 1;
  if (resolved.op != Op::Conv && resolved.op != Op::ConvTranspose) return s;
  s.erase("weight");
  s.erase("init");
  if (s.contains("bias") && s.at("bias").is_string()) s.erase("bias");
  const std::string biasKey = paramKey(resolved.op, cv, Param::Bias);
  s[biasKey] = cv == Convention::Chainer;  // no bias (chainer's switch is nobias)
  s["init"] = {{"kind", "ones"}};
  if (resolved.dims == 1)
    s[paramKey(resolved.op, cv, Param::Kernel)] = resolved.ax[0].k;
  else
    s[paramKey(resolved.op, cv, Param::Kernel)] = {resolved.ax[0].k, resolved.ax[1].k};
  s[paramKey(resolved.op, cv, Param::OutChannels)] = resolved.groups;
  channels = resolved.groups;
  return s;
}

}  // namespace convscope::engine
