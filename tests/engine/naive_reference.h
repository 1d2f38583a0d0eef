// naive_reference: straightforward loop implementations of every engine op, written directly from
// the formulas of docs/conventions.md §Canonical layer (P1: pad then correlate; P2: scatter into
// `full`, then window) in double precision. Independent of the fast kernels (own pad index map, no GEMM).
#pragma once
#include "engine/core/layer.h"

namespace convscope::test {

using engine::Layer;
using engine::Tensor;

Tensor naiveConv(const Layer& l, const Tensor& x);           // P1
Tensor naiveConvTranspose(const Layer& l, const Tensor& x);  // P2 scatter + window
Tensor naiveUnpool(const Layer& l, const Tensor& x);         // P2 with a ones depthwise kernel
Tensor naiveUpsample(const Layer& l, const Tensor& x);
Tensor naiveZeroInsert(const Layer& l, const Tensor& x);
Tensor naiveMaxPool(const Layer& l, const Tensor& x);
Tensor naiveAvgPool(const Layer& l, const Tensor& x);
Tensor naiveElementwise(const Layer& l, const Tensor& x);
Tensor naiveForward(const Layer& l, const Tensor& x);  // dispatch on l.op

}  // namespace convscope::test
