#include "engine/io/input_generator.h"

#include <cmath>
#include <numbers>

#include "engine/resolve/param_reader.h"
#include "engine/resolve/resolve_internal.h"

namespace convscope::engine {

Tensor generateInput(const nlohmann::json& spec, const Shape& shape, const ErrorContext& ctx) {
  ErrorContext c = ctx;
  c.param = "generator";
  if (!spec.is_object())
    throw EngineError(c, "must be an object {\"kind\": \"impulse|step|ramp|sine|chirp|noise\", ...}");
  c.param.clear();
  c.op = "input.generator";
  ParamReader pr(spec, c, 1);
  const std::string kind = pr.word("kind", "", {"impulse", "step", "ramp", "sine", "chirp", "noise"});
  if (kind.empty()) pr.fail("kind", "is required: impulse, step, ramp, sine, chirp or noise");
  const int64_t W = shape.back();
  const int64_t H = shape.size() == 4 ? shape[2] : 1;
  const int position = pr.integer("position", static_cast<int>(W / 2), 0, static_cast<int>(W - 1));
  const double freq = pr.number("frequency", 2.0);
  const double amp = pr.number("amplitude", 1.0);
  const int seed = pr.integer("seed", 0, 0);
  pr.finish();
  Tensor t(shape);
  if (kind == "noise") {
    detail::fillUniform(t.data, static_cast<unsigned long long>(seed), static_cast<float>(amp));
    return t;
  }
  std::vector<float> row(static_cast<size_t>(W), 0.0f);
  for (int64_t i = 0; i < W; ++i) {
    const double x = static_cast<double>(i);
    double v = 0;
    if (kind == "impulse")
      v = i == position ? 1.0 : 0.0;
    else if (kind == "step")
      v = i >= position ? 1.0 : 0.0;
    else if (kind == "ramp")
      v = W > 1 ? x / static_cast<double>(W - 1) : 0.0;
    else if (kind == "sine")
      v = std::sin(2 * std::numbers::pi * freq * x / static_cast<double>(W));
    else  // chirp: instantaneous frequency from 0 to `frequency` cycles per length
      v = std::sin(std::numbers::pi * freq * x * x / (static_cast<double>(W) * static_cast<double>(W)));
    row[static_cast<size_t>(i)] = static_cast<float>(amp * v);
  }
  const int64_t planes = numel(shape) / (H * W);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t h = 0; h < H; ++h) {
      float* dst = t.data.data() + (p * H + h) * W;
      if (kind == "impulse") {
        if (h == H / 2) dst[position] = static_cast<float>(amp);
      } else {
        for (int64_t i = 0; i < W; ++i) dst[i] = row[static_cast<size_t>(i)];
      }
    }
  return t;
}

}  // namespace convscope::engine
