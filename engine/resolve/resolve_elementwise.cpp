// batch_norm and activation parameters under each convention (defaults differ per framework).
#include <filesystem>

#include "engine/io/npy.h"
#include "engine/resolve/resolve_internal.h"

namespace convscope::engine::detail {
void resolveElementwise(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  layer.outChannels = layer.inChannels;
  for (int a = 0; a < layer.dims; ++a) layer.ax[a].out = layer.ax[a].in;
  layer.formula = "elementwise: output shape = input shape";
  switch (layer.op) {
    case Op::LeakyRelu: {
      layer.alpha = static_cast<float>(
          pr.number(keyOf(rc, layer, Param::Slope), paramDefault(layer.op, cv, Param::Slope).get<double>()));
      break;
    }
    case Op::Elu:
      layer.alpha = static_cast<float>(
          pr.number(keyOf(rc, layer, Param::Alpha), paramDefault(layer.op, cv, Param::Alpha).get<double>()));
      break;
    case Op::Gelu:
      layer.geluTanh = pr.word(keyOf(rc, layer, Param::Approximate),
                               paramDefault(layer.op, cv, Param::Approximate).get<std::string>(),
                               {"none", "tanh"}) == "tanh";
      break;
    case Op::BatchNorm: {
      // docs/conventions.md §Elementwise defaults: 1e-5, keras 1e-3, chainer 2e-5 (op schema).
      const std::string epsKey = keyOf(rc, layer, Param::Eps);
      layer.eps = static_cast<float>(pr.number(epsKey, paramDefault(layer.op, cv, Param::Eps).get<double>()));
      if (layer.eps < 0) pr.fail(epsKey, "must be >= 0");
      const int C = layer.inChannels;
      layer.mean = Tensor(Shape{C}, 0.0f);
      layer.var = Tensor(Shape{C}, 1.0f);
      layer.gamma = Tensor(Shape{C}, 1.0f);
      layer.beta = Tensor(Shape{C}, 0.0f);
      if (pr.has("init")) {
        const auto& ini = pr.raw("init");
        if (!ini.is_object()) pr.fail("init", "must be an object {\"kind\": \"random\", \"seed\": n}");
        ParamReader ir(ini, pr.context(), 1);
        const std::string kind = ir.word("kind", "random", {"random", "ones"});
        const auto seed = static_cast<unsigned long long>(ir.integer("seed", rc.index, 0));
        ir.finish();
        if (kind == "random") {
          fillUniform(layer.mean.data, seed, 0.5f);
          fillUniform(layer.var.data, seed + 1, 0.5f);
          for (float& v : layer.var.data) v += 1.0f;  // in [0.5, 1.5)
          fillUniform(layer.gamma.data, seed + 2, 0.5f);
          for (float& v : layer.gamma.data) v += 1.0f;
          fillUniform(layer.beta.data, seed + 3, 0.5f);
        }
      }
      const std::pair<const char*, Tensor*> files[] = {
          {"mean", &layer.mean}, {"var", &layer.var}, {"weight", &layer.gamma}, {"bias", &layer.beta}};
      for (const auto& [key, dst] : files) {
        if (!pr.has(key)) {
          pr.accept(key);
          continue;
        }
        ErrorContext c = pr.context();
        c.param = key;
        const std::string rel = pr.path(key);
        ErrorContext pc = c;
        pc.file = rc.file;
        const std::string path = dataFilePath(rel, rc.baseDir, rc.access, pc);
        Tensor t;
        try {
          t = readNpy(path, key);
        } catch (const EngineError& e) {
          c.file = rc.file + " -> " + e.context().file;
          throw EngineError(c, e.rule());
        }
        if (t.shape != Shape{C})
          pr.fail(key, "file " + rel + " has shape " + shapeToString(t.shape) + " but must be [" + n2s(C) +
                           "] (one value per channel)");
        *dst = std::move(t);
      }
      for (float v : layer.var.data)
        if (v < 0) pr.fail("var", "variances must be >= 0");
      layer.formula = "y = (x - mean) / sqrt(var + eps) * weight + bias, per channel";
      break;
    }
    default:
      break;
  }
}

}  // namespace convscope::engine::detail
