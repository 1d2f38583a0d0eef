// SceneModel: everything the scene renderer needs for one (stack, layer, view), computed once when
// the stack, the layer or the view changes — never in paint. Views read it; paint only draws.
//
// Views and their steps (step T, 0 <= T < stepCount()):
//   slide            conv / pools / any traced op: T = output position (row-major); the window moves
//   scatter          conv_transpose / unpool: T = input position; its stamps accumulate
//   zero_insert      conv_transpose / unpool as a stride-1 conv over the zero-inserted, padded input
//                    with the flipped kernel: T = output position
//   matrix           y = M x + b (conv) or y = Mᵀ x + b (conv_transpose): T = output position (row)
//   overlap          conv_transpose / unpool: contribution counts after input T; conv: how many
//                    windows read each input after output T (the gradient's checkerboard)
//   receptive_field  T = output position of the layer; its field on every earlier tensor
//   activations      one step: every tensor of the stack as a heatmap strip
#pragma once
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

#include "engine/conv_matrix.h"
#include "engine/overlap.h"
#include "engine/receptive_field.h"
#include "engine/scatter_trace.h"
#include "engine/trace.h"
#include "engine/zero_insertion.h"
#include "stack_snapshot.h"

namespace convscope::widgets {

enum class View { Auto, Slide, Scatter, ZeroInsert, Matrix, Overlap, ReceptiveField, Activations };

/// "auto" | "slide" | "scatter" | "zero_insert" | "matrix" | "overlap" | "receptive_field" | "activations".
const char* viewName(View v);
/// Parses a view name (also accepts '-' for '_'); nullopt when unknown.
std::optional<View> viewFromName(const QString& name);
/// Every concrete view (no Auto), in switcher order.
const std::vector<View>& concreteViews();
/// The teaching view of a layer when none is chosen: conv_transpose/unpool → scatter, other traced
/// ops → slide, elementwise → activations.
View defaultView(const engine::Layer& layer);
/// True when `v` can show `layer` (Auto and activations/receptive_field always can).
bool viewSupports(View v, const engine::Layer& layer);

/// Per axis, the columns of a "slide" input strip: padded (or zero-inserted) input as drawn.
struct SlideAxis {
  int cols = 0;                       // display cells along this axis
  int offset = 0;                     // display index of window position 0 (cropped cells before it)
  int stride = 1, dilation = 1, k = 1;
  bool windowed = true;               // false: taps come from `taps` (upsample, gather-form ops)
  std::vector<engine::CellKind> kind; // per display cell
  std::vector<int> source;            // input index shown in the cell (-1: a zero)
  std::vector<std::vector<int>> taps; // !windowed: display cells read by output m
  /// Display cells read by output m (tap order).
  std::vector<int> window(int m) const;
};

class SceneModel {
 public:
  /// Builds the model of `layer` (-1 allowed only for activations) under `view` (Auto resolved).
  /// Never throws: an unsupported combination or an engine error is kept in error().
  static std::shared_ptr<const SceneModel> build(SnapshotPtr snapshot, int layer, View view);

  SnapshotPtr snapshot;
  int layerIndex = 0;
  View view = View::Activations;
  int steps = 1;
  QString error;  // non-empty: draw this message instead of the view

  /// Resolved stack, the layer, its input and output (valid when error is empty and layerIndex >= 0).
  const engine::Stack& stack() const { return snapshot->stack; }
  const engine::Layer& layer() const { return snapshot->stack.layers[size_t(layerIndex)]; }
  const engine::Tensor& layerInput() const { return layerIndex == 0 ? snapshot->stack.input : snapshot->outputs[size_t(layerIndex - 1)]; }
  const engine::Tensor& layerOutput() const { return snapshot->outputs[size_t(layerIndex)]; }
  /// Tensor row r: -1 = stack input, i = layer i's output.
  const engine::Tensor& tensorRow(int r) const { return r < 0 ? snapshot->stack.input : snapshot->outputs[size_t(r)]; }

  // slide / zero_insert: the conv as drawn
  std::array<SlideAxis, 2> slide;     // per spatial axis
  engine::Tensor slideInput;          // (C, display cells...) values shown in the strip (batch 0)
  engine::Layer slideLayer;           // the layer whose weights/bias make the outputs (zero_insert: W')
  engine::Tensor slideOutput;         // (O, out...) batch 0
  std::vector<engine::TraceStep> trace;  // per step (empty when too large; then computed per frame)

  // scatter
  std::vector<engine::ScatterStep> scatter;  // per input position
  engine::ScatterMargins margins;
  std::array<int, 2> fullFirst{}, fullCols{};  // displayed full-buffer range per axis (may start < 0)

  // matrix (dense A with y = A x + b: rows = outputs, cols = inputs)
  int matRows = 0, matCols = 0;
  std::vector<double> matrix;         // row-major, empty when too large
  bool transposed = false;            // A = Mᵀ (conv_transpose)

  // overlap
  std::optional<engine::OverlapCounts> overlap;  // final counts (conv_transpose / unpool / upsample+conv)
  std::vector<std::vector<int64_t>> countsAfter; // per step: counts over the counted tensor (row-major);
                                                 // only the final counts when all steps would be too large
  std::array<std::vector<std::vector<int>>, 2> countHits;  // per axis, per step index: positions counted
  std::array<int, 2> countSteps{1, 1};           // step indices per axis (step T = (T / steps[1], T % steps[1]))
  /// Counts after steps 0..T (from countsAfter when kept, else accumulated from countHits).
  std::vector<int64_t> countsAt(int T) const;
  /// Row-major positions step T adds to.
  std::vector<int64_t> countedBy(int T) const;
  std::array<int, 2> countShape{1, 1};           // counted tensor's spatial sizes
  QString overlapRule;                           // text of the uniformity rule with the live numbers

  // receptive field: fields[T][from + 1] for from = -1 .. layer-1
  std::vector<std::vector<engine::ReceptiveField>> fields;

  // value scales (max |v|) for colouring
  double absInput = 0, absOutput = 0, absKernel = 0;
  std::vector<double> absRow;         // activations / receptive_field: per tensor row (index r + 1); empty otherwise
};

using SceneModelPtr = std::shared_ptr<const SceneModel>;

/// absMax(tensor) (max |v| over the finite values) is declared in stack_snapshot.h.
/// Per-axis dependency sets through layer `l`: the input positions output m reads (sources only).
std::vector<int> layerSources(const engine::Layer& l, int axis, int m);

}  // namespace convscope::widgets
