// SceneMetrics: every length, stroke width and font size of the scene's layout in one place (in the
// manner of ImGuiStyle / ImPlotStyle), so a view builder says `M.framePad * u`, not `14 * u`.
//
// Units: "px" is a logical pixel at frame unit 1; the builders and the painter multiply by the
// frame's unit u (SceneFrame::unit, set by buildSceneFrame in widgets/scene/scene_renderer.cpp from
// the frame size), so fonts, strokes and gaps grow with the frame. "abs px" is a logical pixel that
// is not scaled (a floor that keeps text readable in small frames). Fractions of a cell are not
// here: they are proportions of the cell they belong to, stated where they are used.
#pragma once

namespace convscope::widgets {

struct SceneMetrics {
  // ---- frame (every view)
  double framePad = 14;         // px: margin between the frame's edge and its content, left and right
  double headerGap = 8;         // px: gap below the header (title + subtitle)
  double footerGap = 10;        // px: gap kept above the formula footer
  double footerLineGap = 2;     // px: gap after each line of the formula footer
  double equationGapBelow = 6;  // px: gap between the equation line (slide views) and the footer
  double equationGapAbove = 6;  // px: gap between the strips and the equation line
  double messageMargin = 40;    // px: left and right margin of an error message filling the frame
  double cullMargin = 4;        // px: cells this far outside the frame are still drawn (raster devices)

  // ---- fonts (fontPx in widgets/scene/scene_renderer.cpp; the floors are in abs px)
  double titlePx = 17;          // px: TextRole::Title
  double titleMinPx = 15;       // abs px: its floor
  double subtitlePx = 13.5;     // px: TextRole::Subtitle
  double subtitleMinPx = 12;    // abs px: its floor
  double labelPx = 13;          // px: TextRole::Label (floor kMinTextPx + 0.5)
  double smallPx = 11.5;        // px: TextRole::Small (floor kMinTextPx)
  double formulaPx = 13;        // px: TextRole::Formula (floor kMinTextPx + 1)
  double equationPx = 14;       // px: TextRole::Equation (floor kMinTextPx + 1)
  double messagePx = 16;        // px: TextRole::Message
  double messageMinPx = 14;     // abs px: its floor
  double otherPx = 12;          // px: a role without its own size (floor kMinTextPx)
  double stripTitleMaxPx = 21;  // px × max(1, u): largest strip title over large cells (stripTitlePx)
  double cellLabelMaxPx = 17;   // px × max(1, u): largest row label next to large cells (cellLabelPx)

  // ---- cells (drawCell)
  double cellBorderWidth = 0.8;     // px × theme stroke: border of a value, count or tail cell
  double paddingBorderWidth = 1.0;  // px × theme stroke: dashed border of a padding cell
  double pendingBorderWidth = 0.8;  // px × theme stroke: dotted border of a cell not computed yet
  double tailBorderWidth = 1.6;     // px × theme stroke: dashed border of an output_padding tail cell
  double blankBorderWidth = 0.5;    // px × theme stroke: border of a blank cell
  double croppedCrossWidth = 1.2;   // px × theme stroke: the cross over a cropped cell
  double cellTextMinSide = 9;       // px: a cell prints its number only when both sides are this long
  double cellTextMaxPx = 24;        // px: largest number printed in a cell
  double twoDecimalsMinCell = 36;   // px: cells at least this wide print 2 decimals (decimalsFor)
  double oneDecimalMinCell = 24;    // px: cells at least this wide print 1 decimal; narrower ones none

  // ---- cell marks (drawCell)
  double relatedMarkWidth = 2.2;  // px: outline of a cell related to the hovered one
  double relatedMarkInset = 1.1;  // px: that outline's inset from the cell's edge
  double activeMarkWidth = 2.6;   // px: outline of a cell of the current step
  double activeMarkInset = 1.3;   // px: that outline's inset from the cell's edge
  double hoverMarkWidth = 2.6;    // px: outline of the hovered cell
  double hoverMarkOutset = 1;     // px: that outline's outset beyond the cell's edge

  // ---- boxes and lines (drawSceneFrame)
  double frameBoxWidth = 1.0;     // px: BoxKind::Frame outline
  double frameBoxRadius = 5;      // px: its corner radius
  double windowBoxWidth = 2.4;    // px: BoxKind::Window outline (the current window / output)
  double kernelBoxWidth = 2.2;    // px: BoxKind::Kernel outline
  double boxRadius = 3;           // px: corner radius of window and kernel boxes
  double cropBoxWidth = 1.4;      // px: dashed BoxKind::Crop outline
  double bracketWidth = 1.3;      // px: BoxKind::Bracket stroke
  double faintLineWidth = 1.0;    // px × theme stroke: LineKind::Faint (grid lines, links to zeros)
  double kernelLineWidth = 2.0;   // px × theme stroke: LineKind::Kernel (through a kernel's taps)
  double linkLineWidth = 1.6;     // px × theme stroke: LineKind::Link (window → output arrow)
  double relatedLineWidth = 1.3;  // px: dashed LineKind::Related
  double arrowHead = 6;           // px: length of a link's arrow head

  // ---- placing boxes and lines around cells (view builders)
  double windowBoxMargin = 2;  // px: a window / kernel / crop box extends this far beyond its cells
  double rowBoxMargin = 3;     // px: the box around the shown layer's row (activations view)
  double hullBoxMargin = 1.5;  // px: the box around a receptive field's cells
  double lineCellGap = 2;      // px: gap between a cell and a line that starts or ends at it
  double linkEndGap = 1;       // px: gap between a link's end and the output cell / kernel it points at
  double bracketGap = 3;       // px: gap between cells and the bracket under them (overlap view)
  double bracketHeight = 5;    // px: height of a bracket's ticks

  // ---- labels beside cells
  double tensorLabelWidth = 190;  // px: the column of tensor names left of the rows (activations,
                                  //     receptive field)
  double tensorLabelGap = 8;      // px: gap between that column's text and the cells
  double rowLabelColumn = 58;     // px: the column of channel labels (c0, o1) left of the strips
                                  //     (slide, scatter 1-D)
  double rowLabelOffset = 64;     // px: a channel label's left edge is this far left of its cells
  double rowLabelWidth = 60;      // px: its width (it ends rowLabelOffset − rowLabelWidth before them)
  double kernelLabelGap = 4;      // px: gap between a kernel row's label (c′0) and its first tap
  double titleTextPad = 4;        // px: room added to a measured title's width

  // ---- strips of cells (slide and scatter, 1-D)
  double slideStripGap = 12;    // px: vertical gap between the strips of the slide views
  double scatterStripGap = 10;  // px: vertical gap between the strips of the scatter view
  double stripMinCell = 36;     // px: narrowest column before a strip shows a window of columns
  double stripMaxCell = 96;     // px: widest column
  double stripMaxRow = 80;      // px: tallest channel row

  // ---- grids (2-D slide and scatter: layoutGrids)
  double gridMaxCell = 88;     // px: largest square cell
  double gridMinCell = 12;     // px: smallest cell before a grid shows a window of cells
  double gridWindowCell = 40;  // px: cell size of a windowed grid
  double gridTitleMinW = 120;  // px: narrowest width a grid's wrapped title may take
  double gridTitleGap = 2;     // px: gap between a grid's title and its cells

  // ---- activations view
  double activationsMaxCell = 64;  // px: widest cell of a tensor row
  double activationsMaxRow = 44;   // px: tallest channel row (1-D tensors)
  double valuesMinRow = 11;        // px: rows at least this tall print numbers
  double bordersMinCell = 5;       // px: cells at least this large (both sides) get borders; also
                                   //     the receptive field view's minimum width for borders

  // ---- matrix view
  double matrixMaxCell = 72;      // px: largest cell
  double matrixMinCell = 9;       // px: smaller cells switch to a window of rows and columns
  double matrixWindowCell = 30;   // px: largest cell of a windowed matrix
  double matrixSideRoom = 120;    // px: width kept free for the name column and y beside M
  double matrixNameColumn = 60;   // px: the column of the matrix's name (M or Mᵀ) left of it
  double matrixBordersMin = 6;    // px: cells at least this large get borders
  double matrixRowBoxPadX = 2;    // px: the active row's box extends this far left and right
  double matrixRowBoxPadY = 1;    // px: ... and this far above and below
  double matrixYTitleShift = 10;  // px: the title of y starts this far left of its column

  // ---- overlap view
  double overlapAxisColumn = 60;     // px: the column of the bar chart's count labels
  double overlapMinCell = 8;         // px: narrowest column before the strip shows a window
  double overlapMaxCell = 80;        // px: widest column (1-D) and largest grid cell (2-D)
  double overlapMaxRow = 56;         // px: tallest row of count cells under the bars
  double overlapBarGap = 8;          // px: gap between the bar chart and the count cells
  double overlapMinBars = 40;        // px: the bar chart is never lower than this
  double overlapBars = 120;          // px: ... and at least this tall when the room allows
  double overlapTick = 4;            // px: a grid line starts this far left of the bars
  double overlapTickLabelX = 40;     // px: a count label starts this far left of the strip's marker
  double overlapTickLabelW = 32;     // px: its width
  double overlapTickLabelH = 16;     // px: its height (centred on the grid line)
  double overlapValuesMin = 9;       // px: count cells at least this wide print their count
  double overlapGridWindowCell = 8;  // px: cell size of a windowed 2-D grid
  double overlapGridValuesMin = 12;  // px: 2-D grid cells at least this large print their count

  // ---- receptive field view
  double fieldMinCell = 14;     // px: narrowest 1-D column before a row shows a window (counts readable)
  double fieldMaxCell = 72;     // px: widest column
  double fieldMaxRow = 56;      // px: tallest 1-D row
  double fieldValuesMinW = 12;  // px: cells at least this wide ...
  double fieldValuesMinH = 10;  // px: ... and this tall print their path count
};

/// The metrics every view and the painter use.
inline constexpr SceneMetrics kSceneMetrics{};

}  // namespace convscope::widgets
