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

#include "engine/teach/conv_matrix.h"
#include "engine/teach/overlap.h"
#include "engine/teach/receptive_field.h"
#include "engine/teach/scatter_trace.h"
#include "engine/teach/trace.h"
#include "engine/teach/zero_insertion.h"
#include "widgets/scene/stack_snapshot.h"

namespace convscope::widgets {

/// Auto, then the concrete views in the order of engine::viewNames() (engine/stack/view_spec.h),
/// which holds their names.
enum class View { Auto, Slide, Scatter, ZeroInsert, Matrix, Overlap, ReceptiveField, Activations };

/// "auto", or the view's name from engine::viewNames().
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
  int cols = 0;    // display cells along this axis
  int offset = 0;  // display index of window position 0 (cropped cells before it)
  int stride = 1, dilation = 1, k = 1;
  bool windowed = true;                // false: taps come from `taps` (upsample, gather-form ops)
  std::vector<engine::CellKind> kind;  // per display cell
  std::vector<int> source;             // input index shown in the cell (-1: a zero)
  std::vector<std::vector<int>> taps;  // !windowed: display cells read by output m
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
  const engine::Tensor& layerInput() const {
    return layerIndex == 0 ? snapshot->stack.input : snapshot->outputs[size_t(layerIndex - 1)];
  }
  const engine::Tensor& layerOutput() const { return snapshot->outputs[size_t(layerIndex)]; }
  /// Tensor row r: -1 = stack input, i = layer i's output.
  const engine::Tensor& tensorRow(int r) const {
    return r < 0 ? snapshot->stack.input : snapshot->outputs[size_t(r)];
  }

  // slide / zero_insert: the conv as drawn
  std::array<SlideAxis, 2> slide;  // per spatial axis
  engine::Tensor slideInput;       // (C, display cells...) values shown in the strip (batch 0); empty
                                   // when larger than kSlideCells (then slideIn reads the layer input)
  engine::Layer slideLayer;        // zero_insert: the equivalent stride-1 conv (W'; no weight when too
                                   // large); slide: the layer's geometry without its weight (slideConv)
  /// The conv the slide view draws: the layer itself (slide) or slideLayer (zero_insert).
  const engine::Layer& slideConv() const { return view == View::ZeroInsert ? slideLayer : layer(); }
  engine::Tensor slideOutput;  // (O, out...) batch 0; empty for a zero_insert view too large to
                               // materialise (its outputs are the layer's: slideOut reads those)
  /// Value of display cell (c, q0, q1) (1-D: q1 = 0): x[0, c, source...] or 0 for a zero cell.
  double slideIn(int c, int q0, int q1) const;
  /// Output (o, m0, m1) of batch 0 as the slide view shows it (1-D: m1 = 0).
  double slideOut(int o, int m0, int m1) const;
  std::vector<engine::TraceStep> trace;  // per step (empty when too large; then computed per frame)

  // scatter
  std::vector<engine::ScatterStep> scatter;  // per input position
  engine::ScatterMargins margins;
  std::array<int, 2> fullFirst{}, fullCols{};  // displayed full-buffer range per axis (may start < 0)

  // matrix (dense A with y = A x + b: rows = outputs, cols = inputs)
  int matRows = 0, matCols = 0;
  std::vector<double> matrix;  // row-major, empty when too large
  bool transposed = false;     // A = Mᵀ (conv_transpose)

  // overlap
  std::optional<engine::OverlapCounts> overlap;   // final counts (conv_transpose / unpool / upsample+conv)
  std::vector<std::vector<int64_t>> countsAfter;  // per step: counts over the counted tensor (row-major);
                                                  // empty when all steps would be too large
  std::array<std::vector<std::vector<int>>, 2> countHits;  // per axis, per step index: positions counted
  std::array<int, 2> countSteps{1, 1};  // step indices per axis (step T = (T / steps[1], T % steps[1]))
  /// Count of position (p0, p1) (1-D: p1 = 0) after steps 0..T; T >= steps-1 gives the final count.
  /// From countsAfter when kept, else O(|countReaders[0][p0]| · log) from the readers.
  int64_t countAt(int T, int p0, int p1) const;
  /// Largest final count over the counted tensor.
  int64_t countMax() const;
  std::array<std::vector<std::vector<int>>, 2>
      countReaders;  // per axis, per position: step indices counting it (ascending)
  /// Row-major positions step T adds to.
  std::vector<int64_t> countedBy(int T) const;
  std::array<int, 2> countShape{1, 1};  // counted tensor's spatial sizes
  QString overlapRule;                  // text of the uniformity rule with the live numbers

  // receptive field: fields[T][from + 1] for from = -1 .. layer-1
  std::vector<std::vector<engine::ReceptiveField>> fields;

  // value scales (max |v|) for colouring
  double absInput = 0, absOutput = 0, absKernel = 0;
  std::vector<double> absRow;  // activations / receptive_field: per tensor row (index r + 1); empty otherwise
};

using SceneModelPtr = std::shared_ptr<const SceneModel>;

/// absMax(tensor) (max |v| over the finite values) is declared in stack_snapshot.h.
/// Per-axis dependency sets through layer `l`: the input positions output m reads (sources only).
std::vector<int> layerSources(const engine::Layer& l, int axis, int m);

}  // namespace convscope::widgets
