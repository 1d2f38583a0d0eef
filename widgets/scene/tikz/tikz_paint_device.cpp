// TikZ paint device: a QPaintDevice whose engine writes TikZ (state → TikZ options, primitives,
// text), and the pdflatex document around the picture.
//
// Index of this file:
//   [SECTION] ESCAPING
//   [SECTION] THE PAINT ENGINE
//   [SECTION] THE DEVICE AND THE DOCUMENT
#include "widgets/scene/tikz/tikz_paint_device.h"

#include <QHash>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QTextItem>
#include <QVector>
#include <cmath>
#include <deque>

namespace convscope::widgets {

// [SECTION] ESCAPING

QString latexEscape(const QString& text) {
  static const QHash<uint, QString> symbols = {
      {0x00B7, "\\ensuremath{\\cdot}"},
      {0x00D7, "\\ensuremath{\\times}"},
      {0x2212, "\\ensuremath{-}"},
      {0x2014, "---"},
      {0x2013, "--"},
      {0x2026, "\\ensuremath{\\dots}"},
      {0x2192, "\\ensuremath{\\rightarrow}"},
      {0x2190, "\\ensuremath{\\leftarrow}"},
      {0x2032, "\\ensuremath{'}"},
      {0x1D40, "\\ensuremath{^{\\mathsf{T}}}"},
      {0x03A3, "\\ensuremath{\\Sigma}"},
      {0x2211, "\\ensuremath{\\Sigma}"},
      {0x221A, "\\ensuremath{\\surd}"},
      {0x23B5, "\\ensuremath{\\sqcup}"},
      {0x25CF, "\\ensuremath{\\bullet}"},
      {0x00A7, "\\S{}"},
      {0x25B2, "\\ensuremath{\\triangle}"},
      {0x25BC, "\\ensuremath{\\triangledown}"},
      {0x25BE, "\\ensuremath{\\triangledown}"},
      {0x26A0, "!"},
      {0x2264, "\\ensuremath{\\leq}"},
      {0x2265, "\\ensuremath{\\geq}"},
      {0x2260, "\\ensuremath{\\neq}"},
      {0x2248, "\\ensuremath{\\approx}"},
      {0x2208, "\\ensuremath{\\in}"},
      {0x221E, "\\ensuremath{\\infty}"},
      {0x230A, "\\ensuremath{\\lfloor}"},
      {0x230B, "\\ensuremath{\\rfloor}"},
      {0x2308, "\\ensuremath{\\lceil}"},
      {0x2309, "\\ensuremath{\\rceil}"},
      {0x00B2, "\\ensuremath{^2}"},
      {0x00B3, "\\ensuremath{^3}"},
      {0x00B9, "\\ensuremath{^1}"},
      {0x00B1, "\\ensuremath{\\pm}"},
      {0x00A0, "~"},
      {0x2009, "\\,"},
      {0x00E9, "\\'e"},
      {0x00E8, "\\`e"},
      {0x00FC, "\\\"u"},
      {0x22EE, "\\ensuremath{\\vdots}"},
      {0x22EF, "\\ensuremath{\\cdots}"},
      {0x00F6, "\\\"o"},
      {0x00E4, "\\\"a"},
      {0x25A0, "\\ensuremath{\\blacksquare}"},
  };
  static const char* greek[] = {"alpha", "beta", "gamma", "delta",    "epsilon", "zeta", "eta",
                                "theta", "iota", "kappa", "lambda",   "mu",      "nu",   "xi",
                                "o",     "pi",   "rho",   "varsigma", "sigma",   "tau",  "upsilon",
                                "phi",   "chi",  "psi",   "omega"};
  QString out;
  out.reserve(text.size() * 2);
  const QList<uint> cps = text.toUcs4();
  for (uint c : cps) {
    switch (c) {
      case '\\':
        out += "\\ensuremath{\\backslash}";
        continue;
      case '{':
        out += "\\{";
        continue;
      case '}':
        out += "\\}";
        continue;
      case '$':
        out += "\\$";
        continue;
      case '&':
        out += "\\&";
        continue;
      case '#':
        out += "\\#";
        continue;
      case '%':
        out += "\\%";
        continue;
      case '_':
        out += "\\_";
        continue;
      case '^':
        out += "\\^{}";
        continue;
      case '~':
        out += "\\ensuremath{\\sim}";
        continue;
      case '<':
        out += "\\ensuremath{<}";
        continue;
      case '>':
        out += "\\ensuremath{>}";
        continue;
      case '|':
        out += "\\ensuremath{|}";
        continue;
      case '"':
        out += "''";
        continue;
      case '-':
        out += "-{}";
        continue;  // no -- / --- ligatures from adjacent hyphens
      case '\t':
        out += ' ';
        continue;
      default:
        break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += QChar(c);
    } else if (auto it = symbols.find(c); it != symbols.end()) {
      out += *it;
    } else if (c >= 0x03B1 && c <= 0x03C9) {
      const char* g = greek[c - 0x03B1];
      out += QString("\\ensuremath{%1}").arg(QString(g) == "o" ? "o" : QString("\\") + g);
    } else {
      out += '?';
    }
  }
  return out;
}

// [SECTION] THE PAINT ENGINE

namespace {

constexpr double kPtPerPx = 0.75;  // 96 dpi

QString num(double v) {
  if (!std::isfinite(v)) v = 0;
  QString s = QString::number(v, 'f', 2);
  if (s.contains('.')) {
    while (s.endsWith('0')) s.chop(1);
    if (s.endsWith('.')) s.chop(1);
  }
  if (s == "-0") s = "0";
  return s;
}

QString pt(double px) {
  return num(px * kPtPerPx) + "pt";
}

}  // namespace

class TikzPaintEngine : public QPaintEngine {
 public:
  explicit TikzPaintEngine(QSize size) : QPaintEngine(QPaintEngine::AllFeatures), m_size(size) {}

  bool begin(QPaintDevice*) override {
    m_body.clear();
    m_colors.clear();
    m_colorOrder.clear();
    m_recentRects.clear();
    setActive(true);
    return true;
  }
  bool end() override {
    setActive(false);
    return true;
  }
  Type type() const override { return QPaintEngine::User; }
  void updateState(const QPaintEngineState&) override {}  // state is read at draw time

  void drawRects(const QRectF* rects, int n) override {
    const QTransform& t = state->transform();
    const QString opts = shapeOptions(true);
    if (opts.isEmpty()) return;
    for (int i = 0; i < n; ++i) {
      const QRectF& r = rects[i];
      if (t.type() <= QTransform::TxScale) {
        const QRectF m = t.mapRect(r).normalized();
        m_body += QString("\\path[%1] (%2,%3) rectangle (%4,%5);\n")
                      .arg(opts, num(m.left()), num(m.top()), num(m.right()), num(m.bottom()));
        remember(m);
      } else {
        QPainterPath p;
        p.addRect(r);
        emitPath(t.map(p), opts, true);
      }
    }
  }
  void drawRects(const QRect* rects, int n) override {
    for (int i = 0; i < n; ++i) {
      const QRectF r(rects[i]);
      drawRects(&r, 1);
    }
  }

  void drawLines(const QLineF* lines, int n) override {
    const QString opts = penOptions();
    if (opts.isEmpty()) return;
    const QTransform& t = state->transform();
    for (int i = 0; i < n; ++i) {
      const QLineF l = t.map(lines[i]);
      m_body += QString("\\draw[%1] (%2,%3) -- (%4,%5);\n")
                    .arg(opts, num(l.x1()), num(l.y1()), num(l.x2()), num(l.y2()));
    }
  }
  void drawLines(const QLine* lines, int n) override {
    for (int i = 0; i < n; ++i) {
      const QLineF l(lines[i]);
      drawLines(&l, 1);
    }
  }

  void drawEllipse(const QRectF& r) override {
    QPainterPath p;
    p.addEllipse(r);
    drawPath(p);
  }
  void drawEllipse(const QRect& r) override { drawEllipse(QRectF(r)); }

  void drawPath(const QPainterPath& path) override {
    const QString opts = shapeOptions(true, path.fillRule() == Qt::OddEvenFill);
    if (opts.isEmpty()) return;
    emitPath(state->transform().map(path), opts, true);
  }

  void drawPolygon(const QPointF* pts, int n, PolygonDrawMode mode) override {
    if (n < 2) return;
    const bool fill = mode != PolylineMode;
    const QString opts = fill ? shapeOptions(true, mode == OddEvenMode) : penOptions();
    if (opts.isEmpty()) return;
    const QTransform& t = state->transform();
    QString s = QString("\\path[%1] ").arg(opts);
    for (int i = 0; i < n; ++i) {
      const QPointF p = t.map(pts[i]);
      s += QString("%1(%2,%3)").arg(i ? " -- " : "", num(p.x()), num(p.y()));
    }
    if (fill) s += " -- cycle";
    m_body += s + ";\n";
  }
  void drawPolygon(const QPoint* pts, int n, PolygonDrawMode mode) override {
    QVector<QPointF> f(n);
    for (int i = 0; i < n; ++i) f[i] = pts[i];
    drawPolygon(f.data(), n, mode);
  }

  void drawPoints(const QPointF* pts, int n) override {
    const QPen pen = state->pen();
    if (pen.style() == Qt::NoPen) return;
    const double w = std::max(1.0, penWidthPx(pen)) / 2;
    const QString fill = colorOptions("fill", pen.color());
    for (int i = 0; i < n; ++i) {
      const QPointF p = state->transform().map(pts[i]);
      m_body += QString("\\fill[%1] (%2,%3) rectangle (%4,%5);\n")
                    .arg(fill, num(p.x() - w), num(p.y() - w), num(p.x() + w), num(p.y() + w));
    }
  }

  void drawTextItem(const QPointF& p, const QTextItem& item) override {
    const QString text = item.text();
    if (text.trimmed().isEmpty()) return;
    const QTransform& t = state->transform();
    const QPointF base = t.map(p);
    const double sx = std::hypot(t.m11(), t.m12()), sy = std::hypot(t.m21(), t.m22());
    const double angle = std::atan2(t.m12(), t.m11()) * 180.0 / M_PI;
    const QFont f = item.font();
    const double px = (f.pixelSize() > 0 ? f.pixelSize() : f.pointSizeF() * 96.0 / 72.0) * sy;
    const double width = item.width() * sx;
    const double sizePt = px * kPtPerPx * kFontScale;
    QString font = QString("\\fontsize{%1}{%2}\\selectfont").arg(num(sizePt), num(sizePt * 1.2));
    const bool mono = f.fixedPitch() || f.family().contains("Mono", Qt::CaseInsensitive) ||
                      f.family().contains("Courier", Qt::CaseInsensitive);
    font += mono ? "\\ttfamily" : "\\sffamily";
    if (f.weight() >= QFont::DemiBold) font += "\\bfseries";
    if (f.italic()) font += mono ? "\\slshape" : "\\itshape";
    // Centred in a rectangle just drawn (a cell and its number): keep the centre; otherwise keep
    // the left end. Either way the text never grows past the width Qt measured.
    QString anchor = "base west";
    QPointF at = base;
    if (std::abs(angle) < 0.01) {
      const double cx = base.x() + width / 2;
      for (const QRectF& r : m_recentRects)
        if (std::abs(r.center().x() - cx) < 0.8 && base.y() >= r.top() - 1 && base.y() <= r.bottom() + 1 &&
            width <= r.width() + 1) {
          anchor = "base";
          at = QPointF(cx, base.y());
          break;
        }
    }
    QString opts = QString("anchor=%1,inner sep=0pt,outer sep=0pt,%2,font=%3")
                       .arg(anchor, colorOptions("text", state->pen().color(), "text opacity"), font);
    if (std::abs(angle) >= 0.01) opts += ",rotate=" + num(-angle);
    m_body += QString("\\node[%1] at (%2,%3) {\\cstext{%4}{%5}};\n")
                  .arg(opts, num(at.x()), num(at.y()), pt(width), latexEscape(text));
  }

  void drawPixmap(const QRectF& r, const QPixmap&, const QRectF&) override { imagePlaceholder(r); }
  void drawImage(const QRectF& r, const QImage&, const QRectF&, Qt::ImageConversionFlags) override {
    imagePlaceholder(r);
  }
  void drawTiledPixmap(const QRectF& r, const QPixmap&, const QPointF&) override { imagePlaceholder(r); }

  QString picture() const {
    QString s;
    s += QString("\\begin{tikzpicture}[x=%1,y=-%1,line cap=butt,line join=miter]\n").arg(pt(1));
    for (const QString& name : m_colorOrder) {
      const QColor c = m_colors.value(name);
      s += QString("\\definecolor{%1}{RGB}{%2,%3,%4}\n").arg(name).arg(c.red()).arg(c.green()).arg(c.blue());
    }
    s += "\\ifdefined\\cstextbox\\else\\newsavebox\\cstextbox\\fi\n"
         "\\providecommand\\cstext[2]{\\sbox\\cstextbox{#2}\\ifdim\\wd\\cstextbox>#1\\relax"
         "\\resizebox{#1}{\\height}{\\usebox\\cstextbox}\\else\\usebox\\cstextbox\\fi}\n";
    s += QString("\\useasboundingbox (0,0) rectangle (%1,%2);\n").arg(m_size.width()).arg(m_size.height());
    s += m_body;
    s += "\\end{tikzpicture}\n";
    return s;
  }

  QSize m_size;

 private:
  static constexpr double kFontScale = 1.06;  // CM Sans looks smaller than DejaVu Sans at one size

  double penWidthPx(const QPen& pen) const {
    if (pen.isCosmetic() || pen.widthF() <= 0) return std::max(pen.widthF(), 1.0);
    const QTransform& t = state->transform();
    return pen.widthF() * std::sqrt(std::abs(t.determinant()));
  }

  QString colorName(const QColor& c) {
    const QString key = QString("cs%1").arg(c.rgb() & 0xffffff, 6, 16, QChar('0'));
    if (!m_colors.contains(key)) {
      m_colors.insert(key, c);
      m_colorOrder << key;
    }
    return key;
  }

  // "key=name" plus "<opacityKey>=a" when the colour or the painter is translucent.
  QString colorOptions(const QString& key, const QColor& c, const QString& opacityKey = QString()) {
    QString s = QString("%1=%2").arg(key, colorName(c));
    const double a = c.alphaF() * state->opacity();
    if (a < 0.999) s += QString(",%1=%2").arg(opacityKey.isEmpty() ? key + " opacity" : opacityKey, num(a));
    return s;
  }

  QString penOptions() {
    const QPen pen = state->pen();
    if (pen.style() == Qt::NoPen || pen.brush().style() == Qt::NoBrush) return QString();
    const double w = penWidthPx(pen);
    QStringList o;
    o << colorOptions("draw", pen.color()) << "line width=" + pt(w);
    switch (pen.capStyle()) {
      case Qt::SquareCap:
        o << "line cap=rect";
        break;
      case Qt::RoundCap:
        o << "line cap=round";
        break;
      default:
        break;
    }
    switch (pen.joinStyle()) {
      case Qt::BevelJoin:
        o << "line join=bevel";
        break;
      case Qt::RoundJoin:
        o << "line join=round";
        break;
      default:
        break;
    }
    if (pen.style() != Qt::SolidLine) {
      const QList<qreal> dash = pen.dashPattern();  // in pen widths
      const double unit = std::max(w, 1.0);
      QString d = "dash pattern=";
      for (int i = 0; i + 1 < dash.size(); i += 2)
        d += QString("on %1 off %2 ").arg(pt(dash[i] * unit), pt(dash[i + 1] * unit));
      if (dash.size() >= 2) o << d.trimmed();
    }
    return o.join(',');
  }

  QString brushOptions(bool evenOdd) {
    const QBrush b = state->brush();
    QStringList o;
    switch (b.style()) {
      case Qt::NoBrush:
        return QString();
      case Qt::SolidPattern:
        o << colorOptions("fill", b.color());
        break;
      case Qt::HorPattern:
        o << "pattern=horizontal lines"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::VerPattern:
        o << "pattern=vertical lines"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::CrossPattern:
        o << "pattern=grid"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::BDiagPattern:
        o << "pattern=north east lines"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::FDiagPattern:
        o << "pattern=north west lines"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::DiagCrossPattern:
        o << "pattern=crosshatch"
          << "pattern color=" + colorName(b.color());
        break;
      case Qt::LinearGradientPattern:
      case Qt::RadialGradientPattern:
      case Qt::ConicalGradientPattern: {
        const QGradientStops stops = b.gradient()->stops();
        o << colorOptions("fill", stops.isEmpty() ? QColor(Qt::gray) : stops[stops.size() / 2].second);
        break;
      }
      default: {  // Dense1..7: a translucent fill of the brush colour
        QColor c = b.color();
        const int level = int(b.style()) - int(Qt::Dense1Pattern);
        if (level >= 0 && level < 7) c.setAlphaF(c.alphaF() * (1.0 - (level + 0.5) / 8.0));
        o << colorOptions("fill", c);
      }
    }
    if (evenOdd) o << "even odd rule";
    return o.join(',');
  }

  QString shapeOptions(bool withBrush, bool evenOdd = false) {
    QStringList o;
    const QString pen = penOptions();
    if (!pen.isEmpty()) o << pen;
    if (withBrush) {
      const QString br = brushOptions(evenOdd);
      if (!br.isEmpty()) o << br;
    }
    return o.join(',');
  }

  void emitPath(const QPainterPath& path, const QString& opts, bool closeFilled) {
    (void)closeFilled;
    QString s = QString("\\path[%1]").arg(opts);
    for (int i = 0; i < path.elementCount(); ++i) {
      const QPainterPath::Element e = path.elementAt(i);
      if (e.isMoveTo()) {
        s += QString(" (%1,%2)").arg(num(e.x), num(e.y));
      } else if (e.isLineTo()) {
        s += QString(" -- (%1,%2)").arg(num(e.x), num(e.y));
      } else if (e.isCurveTo() && i + 2 < path.elementCount()) {
        const QPainterPath::Element c2 = path.elementAt(i + 1), to = path.elementAt(i + 2);
        s += QString(" .. controls (%1,%2) and (%3,%4) .. (%5,%6)")
                 .arg(num(e.x), num(e.y), num(c2.x), num(c2.y), num(to.x), num(to.y));
        i += 2;
      }
    }
    m_body += s + ";\n";
    if (path.elementCount() > 0) remember(path.boundingRect());
  }

  void remember(const QRectF& r) {
    m_recentRects.push_front(r);
    if (m_recentRects.size() > 6) m_recentRects.pop_back();
  }

  void imagePlaceholder(const QRectF& r) {
    const QRectF m = state->transform().mapRect(r);
    m_body +=
        QString("%% image %1x%2 at (%3,%4) not embedded\n\\draw[gray,dashed] (%3,%4) rectangle (%5,%6);\n")
            .arg(num(m.width()), num(m.height()), num(m.left()), num(m.top()), num(m.right()),
                 num(m.bottom()));
  }

  QString m_body;
  QHash<QString, QColor> m_colors;
  QStringList m_colorOrder;
  std::deque<QRectF> m_recentRects;
};

// [SECTION] THE DEVICE AND THE DOCUMENT

TikzPaintDevice::TikzPaintDevice(QSize size)
    : m_size(size), m_engine(std::make_unique<TikzPaintEngine>(size)) {}

TikzPaintDevice::~TikzPaintDevice() = default;

QPaintEngine* TikzPaintDevice::paintEngine() const {
  return m_engine.get();
}

int TikzPaintDevice::metric(PaintDeviceMetric metric) const {
  switch (metric) {
    case PdmWidth:
      return m_size.width();
    case PdmHeight:
      return m_size.height();
    case PdmWidthMM:
      return int(std::lround(m_size.width() * 25.4 / 96.0));
    case PdmHeightMM:
      return int(std::lround(m_size.height() * 25.4 / 96.0));
    case PdmNumColors:
      return INT_MAX;
    case PdmDepth:
      return 32;
    case PdmDpiX:
    case PdmDpiY:
    case PdmPhysicalDpiX:
    case PdmPhysicalDpiY:
      return 96;
    case PdmDevicePixelRatio:
      return 1;
    case PdmDevicePixelRatioScaled:
      return int(QPaintDevice::devicePixelRatioFScale());
    default:
      return 0;
  }
}

QString TikzPaintDevice::picture() const {
  return m_engine->picture();
}

QString TikzPaintDevice::document() const {
  const QString w = num(m_size.width() * kPtPerPx), h = num(m_size.height() * kPtPerPx);
  QString s;
  s += "% ConvScope figure: a standalone TikZ picture (compile with pdflatex).\n"
       "% To use it in a paper: \\usepackage{tikz} \\usetikzlibrary{patterns} and copy the\n"
       "% tikzpicture below (colours and the \\cstext macro are defined inside it); scale it with\n"
       "% \\resizebox{\\linewidth}{!}{...} if needed. 1 px of the canvas = 0.75 pt.\n";
  s += "\\RequirePackage{fix-cm}\n\\documentclass{article}\n";
  s += QString("\\usepackage[paperwidth=%1pt,paperheight=%2pt,margin=0pt]{geometry}\n").arg(w, h);
  s += "\\usepackage{tikz}\n\\usetikzlibrary{patterns}\n\\pagestyle{empty}\n\\begin{document}\n\\noindent\n";
  s += picture();
  s += "\\end{document}\n";
  return s;
}

}  // namespace convscope::widgets
