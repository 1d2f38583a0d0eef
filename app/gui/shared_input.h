// The input section one stack of a comparison takes from another's: every compared stack is fed
// the same input, but stacks differ in layout (channels_last), in spatial rank (a 1-D signal on a
// 2-D stack's singleton axis) and in where their data paths are anchored.
#pragma once
#include <QString>
#include <nlohmann/json.hpp>
#include <optional>

#include "engine/stack/stack.h"

namespace convscope::app {

/// `from`'s input section rewritten for `to`:
///  - input.shape: `from`'s shape (in from's layout, with or without batch) mapped to canonical
///    (C, spatial...), singleton spatial axes dropped, the remaining axes placed on `to`'s spatial
///    axes — `to`'s singleton axes (its current input) stay 1 — then written in `to`'s layout,
///    with a batch axis when `to`'s own input.shape had one;
///  - input.data: a relative path made absolute against `fromBaseDir` unless `toBaseDir` is the
///    same folder;
///  - input.dims (when present): `to`'s spatial rank;
///  - everything else (generator, seed, ...) copied.
/// `fromStack` / `toStack`: the last resolved stacks (layout, rank, current input shape); null
/// copies the section unchanged. nullopt (with `why`) when `from`'s input has more non-singleton
/// spatial axes than `to` has spatial axes.
std::optional<nlohmann::json> sharedInputFor(const nlohmann::json& fromInput, const engine::Stack* fromStack,
                                             const QString& fromBaseDir, const engine::Stack* toStack,
                                             const QString& toBaseDir, QString* why);

}  // namespace convscope::app
