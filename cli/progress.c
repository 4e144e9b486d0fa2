/* A progress bar on stderr, drawn at most ten times a second, only when
 * enabled (by default when stderr is a terminal). It is erased when done, so
 * what stays on the terminal is the report. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void xcli_progress_start(xcli_progress *p, bool enabled, const char *label,
                         int64_t total) {
  p->enabled = enabled;
  p->label = label;
  p->total = total;
  p->last = now();
  p->drawn = false;
}

static void human(int64_t n, char *buf, size_t size) {
  if (n >= 1000000)
    snprintf(buf, size, "%.2fM", (double)n / 1e6);
  else if (n >= 10000)
    snprintf(buf, size, "%.1fk", (double)n / 1e3);
  else
    snprintf(buf, size, "%lld", (long long)n);
}

void xcli_progress_update(xcli_progress *p, int64_t done) {
  if (!p->enabled) return;
  double t = now();
  /* The first draw waits half a second: small inputs never show a bar. */
  if (t - p->last < (p->drawn ? 0.1 : 0.5)) return;
  p->last = t;
  p->drawn = true;
  char d[32], n[32];
  human(done, d, sizeof d);
  if (p->total > 0) {
    enum { WIDTH = 30 };
    double frac = (double)done / (double)p->total;
    if (frac > 1) frac = 1;
    int fill = (int)(frac * WIDTH);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    human(p->total, n, sizeof n);
    fprintf(stderr, "\r%-10s [%s] %3d%%  %s / %s rows ", p->label, bar, (int)(frac * 100),
            d, n);
  } else {
    fprintf(stderr, "\r%-10s %s rows ", p->label, d);
  }
  fflush(stderr);
}

void xcli_progress_end(xcli_progress *p) {
  if (p->enabled && p->drawn) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
  }
  p->drawn = false;
}
