/* Hand-written SVG plots: ROC and precision-recall curves, a reliability
 * diagram and the confusion matrix as a heatmap. Each file is complete SVG
 * 1.1 (well-formed XML) with its own axes, ticks, labels and legend, written
 * atomically. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Legend entries at most: the curves and the chance line. */
#define XCLI_MAX_LEGEND 14

static const char *palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* XML-escaped text. */
static void esc(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&apos;", f); break;
      default:
        /* XML 1.0 forbids most control characters, even escaped. */
        fputc(*p < 0x20 ? ' ' : (int)*p, f);
    }
  }
}

static void svg_begin(FILE *f, double w, double h, const char *title) {
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, "
          "Helvetica, sans-serif\" font-size=\"13\">\n",
          w, h, w, h);
  fputs("<title>", f);
  esc(f, title);
  fputs("</title>\n", f);
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
}

static void svg_end(FILE *f) { fputs("</svg>\n", f); }

static void text(FILE *f, double x, double y, const char *anchor, double size,
                 const char *attrs, const char *s) {
  fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-size=\"%.1f\"%s%s>", x, y,
          anchor, size, attrs && *attrs ? " " : "", attrs ? attrs : "");
  esc(f, s);
  fputs("</text>\n", f);
}

/* A plot area: data [x0, x1] x [y0, y1] drawn in the pixel box. */
typedef struct area {
  double left, top, width, height;
  double x0, x1, y0, y1;
} area;

static double px(const area *a, double x) { return a->left + (x - a->x0) / (a->x1 - a->x0) * a->width; }
static double py(const area *a, double y) {
  return a->top + a->height - (y - a->y0) / (a->y1 - a->y0) * a->height;
}

static void tick_label(double v, char *buf, size_t size) {
  snprintf(buf, size, "%.2g", v);
  if (fabs(v) < 1e-12) snprintf(buf, size, "0");
}

/* Frame, grid, ticks every `step` on both axes, and the axis titles. */
static void axes(FILE *f, const area *a, double xstep, double ystep, const char *xlabel,
                 const char *ylabel) {
  char buf[32];
  fprintf(f, "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
  for (double x = a->x0; x <= a->x1 + 1e-9; x += xstep)
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", px(a, x), a->top,
            px(a, x), a->top + a->height);
  for (double y = a->y0; y <= a->y1 + 1e-9; y += ystep)
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", a->left, py(a, y),
            a->left + a->width, py(a, y));
  fprintf(f, "</g>\n");
  fprintf(f,
          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
          "stroke=\"#333333\" stroke-width=\"1\"/>\n",
          a->left, a->top, a->width, a->height);
  for (double x = a->x0; x <= a->x1 + 1e-9; x += xstep) {
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333333\"/>\n",
            px(a, x), a->top + a->height, px(a, x), a->top + a->height + 5);
    tick_label(x, buf, sizeof buf);
    text(f, px(a, x), a->top + a->height + 19, "middle", 12, NULL, buf);
  }
  for (double y = a->y0; y <= a->y1 + 1e-9; y += ystep) {
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333333\"/>\n",
            a->left - 5, py(a, y), a->left, py(a, y));
    tick_label(y, buf, sizeof buf);
    text(f, a->left - 8, py(a, y) + 4, "end", 12, NULL, buf);
  }
  if (xlabel) text(f, a->left + a->width / 2, a->top + a->height + 40, "middle", 14, NULL, xlabel);
  if (ylabel) {
    char attrs[96];
    double x = a->left - 45, y = a->top + a->height / 2;
    snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %.2f %.2f)\"", x, y);
    text(f, x, y, "middle", 14, attrs, ylabel);
  }
}

static void polyline(FILE *f, const area *a, const double *x, const double *y, int64_t n,
                     const char *colour, double width, const char *dash) {
  fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s points=\"",
          colour, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
  int64_t written = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i])) continue;
    fprintf(f, "%s%.2f,%.2f", written++ ? " " : "", px(a, x[i]), py(a, y[i]));
  }
  fputs("\"/>\n", f);
}

/* The precision-recall curve as scikit-learn draws it (steps-post): from
 * each point, precision stays constant until the next point's recall. This
 * is the step function whose area is the average precision. */
static void steps(FILE *f, const area *a, const double *x, const double *y, int64_t n,
                  const char *colour, const char *dash) {
  fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.0\"%s%s%s points=\"",
          colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
  int64_t written = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i])) continue;
    fprintf(f, "%s%.2f,%.2f", written++ ? " " : "", px(a, x[i]), py(a, y[i]));
    if (i + 1 < n && isfinite(x[i + 1]))
      fprintf(f, " %.2f,%.2f", px(a, x[i + 1]), py(a, y[i]));
  }
  fputs("\"/>\n", f);
}

/* A legend box at (x, y): entries of a colour line and a text. */
typedef enum legend_mark { MARK_LINE, MARK_BOX, MARK_DOT, MARK_HATCH } legend_mark;

/* A legend entry: a mark in a colour, and a text. */
typedef struct legend_entry {
  const char *colour;
  const char *dash;
  legend_mark mark;
  char text[96];
} legend_entry;

/* The hatch pattern of the reliability diagram's gaps (defined once per file). */
static void hatch_pattern(FILE *f) {
  fputs("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#d62728\" "
        "fill-opacity=\"0.12\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d62728\" "
        "stroke-width=\"2\"/></pattern></defs>\n",
        f);
}

static void legend(FILE *f, double x, double y, const legend_entry *e, int n, double width) {
  double h = 10 + 20 * n;
  fprintf(f,
          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#ffffff\" "
          "fill-opacity=\"0.9\" stroke=\"#999999\"/>\n",
          x, y, width, h);
  for (int i = 0; i < n; i++) {
    double yy = y + 18 + 20 * i;
    switch (e[i].mark) {
      case MARK_BOX:
        fprintf(f,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"22\" height=\"11\" fill=\"%s\" "
                "fill-opacity=\"0.75\"/>\n",
                x + 8, yy - 9, e[i].colour);
        break;
      case MARK_HATCH:
        fprintf(f,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"22\" height=\"11\" fill=\"url(#hatch)\" "
                "stroke=\"%s\" stroke-width=\"0.8\"/>\n",
                x + 8, yy - 9, e[i].colour);
        break;
      case MARK_DOT:
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"%s\"/>\n", x + 19,
                yy - 4, e[i].colour);
        break;
      default:
        fprintf(f,
                "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                "stroke-width=\"2.5\"%s%s%s/>\n",
                x + 8, yy - 4, x + 30, yy - 4, e[i].colour,
                e[i].dash ? " stroke-dasharray=\"" : "", e[i].dash ? e[i].dash : "",
                e[i].dash ? "\"" : "");
    }
    text(f, x + 38, yy, "start", 12, NULL, e[i].text);
  }
}

static const char *curve_name(const xcli_data *d, const xcli_results *r, int64_t i,
                              char *buf, size_t size) {
  const xcli_detection *det = &d->det;
  if (r->curves_micro && i == r->curves_n - 1) return "micro average";
  if (det->task == XCLI_TASK_BINARY) return "positive class";
  char nm[64];
  const char *name = xcli_class_name(d, r->curves_first + i, nm, sizeof nm);
  if (d->class_names)
    snprintf(buf, size, "%s", name);
  else
    snprintf(buf, size, "%s %s", det->task == XCLI_TASK_MULTILABEL ? "label" : "class", name);
  return buf;
}

static double curve_value(const xcli_data *d, const xcli_results *r, int64_t i, bool roc) {
  if (r->curves_micro && i == r->curves_n - 1) return roc ? r->roc_auc_micro : r->ap_micro;
  if (d->det.task == XCLI_TASK_BINARY) return roc ? r->roc_auc_binary : r->ap_binary;
  int64_t col = r->curves_first + i;
  return roc ? r->roc_auc_per[col] : r->ap_per[col];
}

static void curves_plot(FILE *f, const xcli_data *d, const xcli_results *r, bool roc) {
  const double W = 760, H = 540;
  area a = {80, 60, 420, 420, 0, 1, 0, 1};
  const char *title = roc ? "ROC curve" : "Precision-recall curve";
  svg_begin(f, W, H, title);
  char t[160];
  if (d->det.task == XCLI_TASK_BINARY)
    snprintf(t, sizeof t, "%s (%s %.4f)", title, roc ? "ROC AUC" : "average precision",
             roc ? r->roc_auc_binary : r->ap_binary);
  else if (d->det.task == XCLI_TASK_MULTILABEL)
    snprintf(t, sizeof t, "%s, per label (macro %s %.4f)", title, roc ? "ROC AUC" : "AP",
             roc ? r->roc_auc_macro : r->ap_macro);
  else
    snprintf(t, sizeof t, "%s, one-vs-rest (macro %s %.4f)", title, roc ? "ROC AUC" : "AP",
             roc ? r->roc_auc_macro : r->ap_macro);
  text(f, a.left + a.width / 2, 32, "middle", 16, "font-weight=\"bold\"", t);
  axes(f, &a, 0.2, 0.2, roc ? "False positive rate" : "Recall",
       roc ? "True positive rate" : "Precision");
  legend_entry e[XCLI_MAX_LEGEND];
  int ne = 0;
  if (roc) {
    double dx[2] = {0, 1}, dy[2] = {0, 1};
    polyline(f, &a, dx, dy, 2, "#999999", 1.5, "6 4");
  } else if (d->det.task == XCLI_TASK_BINARY && r->support) {
    /* The PR curve of random guessing: precision = the share of positives. */
    double pos = r->support[1], all = r->support[0] + r->support[1];
    if (all > 0) {
      double dx[2] = {0, 1}, dy[2] = {pos / all, pos / all};
      polyline(f, &a, dx, dy, 2, "#999999", 1.5, "6 4");
    }
  }
  for (int64_t i = 0; i < r->curves_n; i++) {
    const xcli_curve *c = roc ? &r->roc[i] : &r->pr[i];
    bool micro = r->curves_micro && i == r->curves_n - 1;
    const char *colour = micro ? "#000000" : palette[i % 10];
    if (roc)
      polyline(f, &a, c->x, c->y, c->n, colour, 2.0, micro ? "2 3" : NULL);
    else
      steps(f, &a, c->x, c->y, c->n, colour, micro ? "2 3" : NULL);
    if (ne < XCLI_MAX_LEGEND) {
      char nm[96];
      e[ne].colour = colour;
      e[ne].dash = micro ? "2 3" : NULL;
      e[ne].mark = MARK_LINE;
      snprintf(e[ne].text, sizeof e[ne].text, "%.60s (%s %.3f)",
               curve_name(d, r, i, nm, sizeof nm), roc ? "AUC" : "AP", curve_value(d, r, i, roc));
      ne++;
    }
  }
  if (roc) {
    e[ne].colour = "#999999";
    e[ne].dash = "6 4";
    e[ne].mark = MARK_LINE;
    snprintf(e[ne].text, sizeof e[ne].text, "chance (AUC 0.5)");
    ne++;
  } else if (d->det.task == XCLI_TASK_BINARY && r->support) {
    e[ne].colour = "#999999";
    e[ne].dash = "6 4";
    e[ne].mark = MARK_LINE;
    snprintf(e[ne].text, sizeof e[ne].text, "chance (share of positives)");
    ne++;
  }
  legend(f, a.left + a.width + 20, a.top, e, ne, 235);
  if (d->det.task != XCLI_TASK_BINARY && d->det.classes > (r->curves_n - r->curves_micro)) {
    snprintf(t, sizeof t, "first %lld of %lld %s shown", (long long)(r->curves_n - 1),
             (long long)d->det.classes,
             d->det.task == XCLI_TASK_MULTILABEL ? "labels" : "classes");
    text(f, a.left + a.width + 20, a.top + 10 + 20 * ne + 25, "start", 12,
         "fill=\"#555555\"", t);
  }
  if (r->auc_bounded)
    text(f, a.left + a.width + 20, a.top + a.height, "start", 11, "fill=\"#555555\"",
         "bounded-memory mode: curves grouped");
  svg_end(f);
}

static void reliability_plot(FILE *f, const xcli_data *d, const xcli_results *r) {
  const double W = 800, H = 620;
  bool top = !strcmp(r->calibration_kind, "top-label");
  area a = {80, 60, 420, 360, 0, 1, 0, 1};
  svg_begin(f, W, H, "Reliability diagram");
  hatch_pattern(f);
  char t[160];
  snprintf(t, sizeof t, "Reliability diagram (ECE %.4f, MCE %.4f)", r->ece, r->mce);
  text(f, a.left + a.width / 2, 32, "middle", 16, "font-weight=\"bold\"", t);
  axes(f, &a, 0.2, 0.2, NULL, top ? "Accuracy" : "Fraction of positives");
  double total = 0, maxshare = 0;
  for (int64_t i = 0; i < r->bins; i++)
    if (r->bin_weight[i] > 0) total += r->bin_weight[i];
  for (int64_t i = 0; i < r->bins; i++)
    if (total > 0 && r->bin_weight[i] / total > maxshare) maxshare = r->bin_weight[i] / total;
  /* bars of the observed accuracy, the gap to the mean confidence (hatched),
   * and a dot at (mean confidence, accuracy) */
  for (int64_t i = 0; i < r->bins; i++) {
    if (!(r->bin_weight[i] > 0) || !isfinite(r->bin_acc[i])) continue;
    double x0 = px(&a, r->bin_lower[i]) + 1, x1 = px(&a, r->bin_upper[i]) - 1;
    double ya = py(&a, r->bin_acc[i]), yc = py(&a, r->bin_conf[i]);
    fprintf(f,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#1f77b4\" "
            "fill-opacity=\"0.75\" stroke=\"#1f4e79\" stroke-width=\"0.8\"/>\n",
            x0, ya, x1 - x0, py(&a, 0) - ya);
    double g0 = ya < yc ? ya : yc, g1 = ya < yc ? yc : ya;
    if (g1 - g0 > 0.2)
      fprintf(f,
              "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
              "fill=\"url(#hatch)\" stroke=\"#d62728\" stroke-width=\"0.8\"/>\n",
              x0, g0, x1 - x0, g1 - g0);
  }
  double dx[2] = {0, 1}, dy[2] = {0, 1};
  polyline(f, &a, dx, dy, 2, "#555555", 1.5, "6 4");
  for (int64_t i = 0; i < r->bins; i++)
    if (r->bin_weight[i] > 0 && isfinite(r->bin_acc[i]))
      fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#000000\"/>\n",
              px(&a, r->bin_conf[i]), py(&a, r->bin_acc[i]));
  legend_entry e[4];
  memset(e, 0, sizeof e);
  e[0].colour = "#1f77b4";
  e[0].mark = MARK_BOX;
  snprintf(e[0].text, sizeof e[0].text, top ? "accuracy in the bin" : "fraction positive in the bin");
  e[1].colour = "#d62728";
  e[1].mark = MARK_HATCH;
  snprintf(e[1].text, sizeof e[1].text, "gap to the mean confidence");
  e[2].colour = "#000000";
  e[2].mark = MARK_DOT;
  snprintf(e[2].text, sizeof e[2].text, "(mean confidence, %s)", top ? "accuracy" : "fraction");
  e[3].colour = "#555555";
  e[3].dash = "6 4";
  snprintf(e[3].text, sizeof e[3].text, "perfect calibration");
  legend(f, a.left + a.width + 20, a.top, e, 4, 270);
  snprintf(t, sizeof t, "%s,", top ? "top-label confidence" : "binary: p of each output");
  text(f, a.left + a.width + 20, a.top + 110, "start", 12, "fill=\"#555555\"", t);
  snprintf(t, sizeof t, "%lld equal-width bins", (long long)r->bins);
  text(f, a.left + a.width + 20, a.top + 126, "start", 12, "fill=\"#555555\"", t);

  /* the share of samples per bin, below */
  double top2 = a.top + a.height + 30;
  area b = {a.left, top2, a.width, 110, 0, 1, 0, maxshare > 0 ? maxshare * 1.1 : 1};
  double step = b.y1 > 0.5 ? 0.25 : b.y1 > 0.2 ? 0.1 : b.y1 > 0.1 ? 0.05 : b.y1 / 2;
  axes(f, &b, 0.2, step, top ? "Confidence (largest probability)" : "Predicted probability",
       "Share");
  for (int64_t i = 0; i < r->bins; i++) {
    if (!(r->bin_weight[i] > 0) || total <= 0) continue;
    double x0 = px(&b, r->bin_lower[i]) + 1, x1 = px(&b, r->bin_upper[i]) - 1;
    double y = py(&b, r->bin_weight[i] / total);
    fprintf(f,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#7f7f7f\" "
            "fill-opacity=\"0.7\"/>\n",
            x0, y, x1 - x0, py(&b, 0) - y);
  }
  text(f, a.left + a.width + 20, top2 + 14, "start", 12, "fill=\"#555555\"",
       "share of the samples in each bin");
  (void)d;
  svg_end(f);
}

/* White to dark blue. */
static void heat_colour(double v, char *buf, size_t size) {
  static const double stops[4][3] = {{255, 255, 255}, {198, 219, 239}, {49, 130, 189}, {8, 48, 107}};
  if (!(v >= 0)) v = 0;
  if (v > 1) v = 1;
  double s = v * 3;
  int i = (int)s;
  if (i > 2) i = 2;
  double t = s - i;
  int rgb[3];
  for (int k = 0; k < 3; k++)
    rgb[k] = (int)lround(stops[i][k] + t * (stops[i + 1][k] - stops[i][k]));
  snprintf(buf, size, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static const char *count_text(double v, char *buf, size_t size) {
  if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, size, "%.0f", v);
  else
    snprintf(buf, size, "%.3g", v);
  return buf;
}

static void colour_bar(FILE *f, double x, double y, double h, const char *label) {
  fputs("<defs><linearGradient id=\"heat\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", f);
  for (int i = 0; i <= 10; i++) {
    char c[16];
    heat_colour(i / 10.0, c, sizeof c);
    fprintf(f, "<stop offset=\"%.1f\" stop-color=\"%s\"/>", i / 10.0, c);
  }
  fputs("</linearGradient></defs>\n", f);
  fprintf(f,
          "<rect x=\"%.2f\" y=\"%.2f\" width=\"16\" height=\"%.2f\" fill=\"url(#heat)\" "
          "stroke=\"#333333\"/>\n",
          x, y, h);
  const int ticks = h >= 150 ? 4 : 2;
  for (int i = 0; i <= ticks; i++) {
    char buf[16];
    double yy = y + h - h * i / (double)ticks;
    snprintf(buf, sizeof buf, "%.2g", i / (double)ticks);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333333\"/>\n",
            x + 16, yy, x + 20, yy);
    text(f, x + 23, yy + 4, "start", 11, NULL, buf);
  }
  char attrs[96];
  snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %.2f %.2f)\"", x + 64, y + h / 2);
  text(f, x + 64, y + h / 2, "middle", 12, attrs, label);
}

static void confusion_plot(FILE *f, const xcli_data *d, const xcli_results *r) {
  const int64_t K = r->classes, C = d->det.classes;
  double cell = floor(480.0 / (double)K);
  if (cell > 64) cell = 64;
  if (cell < 3) cell = 3;
  const bool labels = K <= 60, numbers = cell >= 24;
  const double fs = cell >= 14 ? 12 : cell >= 9 ? 9 : 7;
  char colour[16], buf[64], nm[64], cut[24];
  /* Room for the class names: beside the rows, and above the columns (turned
   * upright when there are many). */
  size_t longest = 1;
  for (int64_t k = 0; labels && k < K; k++) {
    const char *name = C == 1 ? (snprintf(nm, sizeof nm, "%lld", (long long)k), nm)
                              : xcli_class_name(d, k, nm, sizeof nm);
    size_t n = strlen(name) < 12 ? strlen(name) : 12;
    if (n > longest) longest = n;
  }
  const double name_px = labels ? (double)longest * fs * 0.62 + 8 : 0;
  const double side = cell * (double)K;
  double left = 50 + name_px, W = left + side + 110;
  const double top = 70 + (K > 12 ? name_px : fs + 8), H = top + side + 60;
  if (W < 460) { /* a small matrix: centred on a canvas wide enough for the titles */
    left += (460 - W) / 2;
    W = 460;
  }
  svg_begin(f, W, H, "Confusion matrix");
  text(f, W / 2, 28, "middle", 16, "font-weight=\"bold\"", "Confusion matrix");
  text(f, W / 2, 48, "middle", 12, "fill=\"#555555\"",
       numbers ? "colour: share of the true class (row); numbers: counts"
               : "colour: share of the true class (row)");
  for (int64_t i = 0; i < K; i++) {
    double row = 0;
    for (int64_t j = 0; j < K; j++) row += r->cm[i * K + j];
    for (int64_t j = 0; j < K; j++) {
      double v = r->cm[i * K + j], share = row > 0 ? v / row : 0;
      heat_colour(share, colour, sizeof colour);
      double x = left + cell * (double)j, y = top + cell * (double)i;
      fprintf(f,
              "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
              "stroke=\"#ffffff\" stroke-width=\"%.1f\"/>\n",
              x, y, cell, cell, colour, cell >= 8 ? 1.0 : 0.0);
      if (numbers)
        text(f, x + cell / 2, y + cell / 2 + 4, "middle", cell >= 40 ? 13 : 10,
             share > 0.5 ? "fill=\"#ffffff\"" : "fill=\"#000000\"",
             count_text(v, buf, sizeof buf));
    }
  }
  fprintf(f,
          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
          "stroke=\"#333333\"/>\n",
          left, top, side, side);
  for (int64_t k = 0; labels && k < K; k++) {
    const char *name = C == 1 ? (snprintf(nm, sizeof nm, "%lld", (long long)k), nm)
                              : xcli_class_name(d, k, nm, sizeof nm);
    snprintf(cut, sizeof cut, "%.12s", name);
    text(f, left - 6, top + cell * (double)k + cell / 2 + fs / 3, "end", fs, NULL, cut);
    if (K > 12) {
      char attrs[96];
      double x = left + cell * (double)k + cell / 2 + fs / 3, y = top - 6;
      snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %.2f %.2f)\"", x, y);
      text(f, x, y, "start", fs, attrs, cut);
    } else {
      text(f, left + cell * (double)k + cell / 2, top - 6, "middle", fs, NULL, cut);
    }
  }
  text(f, left + side / 2, top + side + 30, "middle", 14, NULL, "Predicted class");
  char attrs[96];
  double lx = left - name_px - 16;
  snprintf(attrs, sizeof attrs, "transform=\"rotate(-90 %.2f %.2f)\"", lx, top + side / 2);
  text(f, lx, top + side / 2, "middle", 14, attrs, "True class");
  colour_bar(f, left + side + 20, top, side, "share of the row");
  svg_end(f);
}

/* Multi-label: one 2 x 2 matrix per label, in a grid. */
static void multilabel_plot(FILE *f, const xcli_data *d, const xcli_results *r) {
  const int64_t C = d->det.classes, shown = C < 40 ? C : 40;
  const int64_t cols = shown < 5 ? shown : 5, rows = (shown + cols - 1) / cols;
  const double cell = 40, panel = 2 * cell + 56, left = 30, top = 80;
  const double grid_h = (double)rows * (panel + 10);
  const double bar_h = grid_h - 20 > 2 * cell ? grid_h - 20 : 2 * cell;
  const double W = left + (double)cols * panel + 100, H = top + grid_h + 20;
  svg_begin(f, W < 460 ? 460 : W, H, "Confusion matrices per label");
  text(f, left + (double)cols * panel / 2, 30, "middle", 16, "font-weight=\"bold\"",
       "Confusion matrix per label");
  char t[128], colour[16], buf[64], nm[64];
  snprintf(t, sizeof t, "rows: true 0 / 1, columns: predicted 0 / 1 (p > %g)%s", r->threshold,
           shown < C ? "; the first 40 labels" : "");
  text(f, left + (double)cols * panel / 2, 52, "middle", 12, "fill=\"#555555\"", t);
  for (int64_t k = 0; k < shown; k++) {
    double x0 = left + (double)(k % cols) * panel + 24;
    double y0 = top + (double)(k / cols) * (panel + 10) + 20;
    snprintf(t, sizeof t, "%.14s", xcli_class_name(d, k, nm, sizeof nm));
    text(f, x0 + cell, y0 - 6, "middle", 12, "font-weight=\"bold\"", t);
    for (int i = 0; i < 2; i++) {
      double row = r->cm[4 * k + 2 * i] + r->cm[4 * k + 2 * i + 1];
      for (int j = 0; j < 2; j++) {
        double v = r->cm[4 * k + 2 * i + j], share = row > 0 ? v / row : 0;
        heat_colour(share, colour, sizeof colour);
        fprintf(f,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                "stroke=\"#ffffff\"/>\n",
                x0 + cell * j, y0 + cell * i, cell, cell, colour);
        text(f, x0 + cell * j + cell / 2, y0 + cell * i + cell / 2 + 4, "middle", 12,
             share > 0.5 ? "fill=\"#ffffff\"" : "fill=\"#000000\"", count_text(v, buf, sizeof buf));
      }
      text(f, x0 - 5, y0 + cell * i + cell / 2 + 4, "end", 11, "fill=\"#555555\"", i ? "1" : "0");
      text(f, x0 + cell * i + cell / 2, y0 + 2 * cell + 14, "middle", 11, "fill=\"#555555\"",
           i ? "1" : "0");
    }
    fprintf(f,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
            "stroke=\"#333333\"/>\n",
            x0, y0, 2 * cell, 2 * cell);
  }
  colour_bar(f, left + (double)cols * panel + 6, top + 20, bar_h, "share of the row");
  svg_end(f);
}

static void draw(FILE *f, int kind, const xcli_data *d, const xcli_results *r) {
  switch (kind) {
    case 0: curves_plot(f, d, r, true); break;
    case 1: curves_plot(f, d, r, false); break;
    case 2: reliability_plot(f, d, r); break;
    case 3: confusion_plot(f, d, r); break;
    default: multilabel_plot(f, d, r); break;
  }
}

bool xcli_plots_write(const char *dir, const xcli_data *d, const xcli_results *r,
                      char paths[][1024], int *npaths, xcli_error *err) {
  *npaths = 0;
  struct stat st;
  if (stat(dir, &st) != 0) {
    if (mkdir(dir, 0777) != 0) {
      char e[128];
      xcli_fail(err, XCLI_ERR_IO, dir, "cannot create the plots directory: %s",
                xcli_strerror(errno, e, sizeof e));
      return false;
    }
  } else if (!S_ISDIR(st.st_mode)) {
    xcli_fail(err, XCLI_ERR_IO, dir, "is not a directory");
    return false;
  }
  /* Every plot goes to a temporary file first; only when all are written are
   * they renamed into place, so a failure changes nothing in `dir`. */
  const char *names[4];
  int kinds[4], n = 0;
  if (r->has_auc && r->curves_n > 0) {
    names[n] = "roc.svg", kinds[n++] = 0;
    names[n] = "pr.svg", kinds[n++] = 1;
  }
  if (r->bins > 0) names[n] = "reliability.svg", kinds[n++] = 2;
  if (r->has_confusion) names[n] = "confusion.svg", kinds[n++] = r->multilabel ? 4 : 3;
  xcli_out outs[4];
  int opened = 0;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    snprintf(paths[i], 1024, "%s/%s", dir, names[i]);
    if (!xcli_out_open(&outs[i], paths[i], err)) {
      ok = false;
      break;
    }
    opened++;
    draw(outs[i].f, kinds[i], d, r);
    if (fflush(outs[i].f) != 0 || ferror(outs[i].f)) {
      char e[128];
      xcli_fail(err, XCLI_ERR_IO, paths[i], "cannot write: %s",
                xcli_strerror(errno, e, sizeof e));
      ok = false;
    }
  }
  for (int i = 0; i < opened; i++) {
    if (ok && !xcli_out_commit(&outs[i], err)) ok = false;
    if (!ok && outs[i].f) xcli_out_abort(&outs[i]);
  }
  if (ok) *npaths = n;
  return ok;
}
