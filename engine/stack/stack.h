// Stack: a resolved stack file — input tensor plus canonical layers — and its forward pass.
#pragma once
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/convention.h"
#include "engine/core/layer.h"
#include "engine/io/data_path.h"

namespace convscope::engine {

struct Stack {
  std::string file;                          // path as given (for messages); "" for in-memory stacks
  std::string baseDir;                       // directory of the stack file
  DataAccess access = DataAccess::Anywhere;  // which files its data paths may name (data_path.h)
  std::string name, description;
  Convention convention = Convention::PyTorch;
  bool channelsLast = false;
  int dims = 1;                // spatial rank
  bool inputHadBatch = false;  // the stack's input.shape included N
  Tensor input;                // canonical (N, C, spatial...), channels first
  std::vector<Layer> layers;
  std::vector<std::string> warnings;  // e.g. NaN/Inf in data
  nlohmann::json source;              // the parsed stack file, for editors and re-resolution
};

/// Reads and resolves a stack file. Throws EngineError (exit status 2 material).
Stack loadStack(const std::string& path);
/// Resolves an already parsed stack document; `file` names it in messages, `baseDir` anchors data
/// paths and `access` says which files they may name (a project's stack: ProjectDataOnly).
Stack resolveStack(const nlohmann::json& doc, const std::string& file, const std::string& baseDir,
                   DataAccess access = DataAccess::Anywhere);
/// The message of a JSON parse error without nlohmann's prefix, quoting at most a short token of the
/// text it read ("last read: '...'").
std::string jsonErrorText(const nlohmann::json::exception& e);
/// Parses JSON text with a clear error on malformed input (line/column).
nlohmann::json parseStackJson(const std::string& text, const std::string& file);

/// Runs every layer; result[i] is layer i's output (N, C, spatial...), channels first.
std::vector<Tensor> forward(const Stack& stack);
/// Runs layers first..end on `x`, the input of layer `first` (stack.input when first == 0, else layer
/// first-1's output); result[i - first] is layer i's output, bit-identical to forward(stack)[i].
/// `beforeLayer` (may be empty) is called with i before layer i runs; returning false stops there
/// (the outputs so far are returned). `cancel` (may be null) is installed as the thread's cancel
/// flag (cancel.h) for the call: once it is set, forwardFrom throws engine::Cancelled, also from
/// inside a running layer; forward() and forwardFrom honour a flag installed by a CancelScope too.
/// Precondition: 0 <= first <= layers.size(), x has layer first's input shape (with batch). Throws
/// std::invalid_argument otherwise.
std::vector<Tensor> forwardFrom(const Stack& stack, int first, const Tensor& x,
                                const std::function<bool(int)>& beforeLayer = {},
                                const std::atomic<bool>* cancel = nullptr);
/// Number of leading layers whose outputs a forward pass of `prev` gives `next` exactly: 0 unless
/// both have the same convention, layout, rank and input bit for bit; then the count of leading
/// layers that are the same resolved layer (sameLayer: parameters, weights bit for bit).
int reusableLayers(const Stack& prev, const Stack& next);
/// Converts a canonical (N, C, ...) tensor to the stack's layout (channels last moves C to the end).
Tensor toStackLayout(const Stack& stack, const Tensor& t);
/// Messages for non-finite values in `t` ("layer 2 output contains 3 NaN"), empty if none.
std::string nonFiniteReport(const Tensor& t, const std::string& what);

}  // namespace convscope::engine
