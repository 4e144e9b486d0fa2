/*
 * Radix sort of 64-bit score keys (xent__m_key), with optional payloads, and
 * the large-buffer allocator the metrics' growable arrays use.
 *
 * LSD with 11-bit digits: one read of the keys builds every pass's histogram,
 * and a pass whose digit is the same for all keys is skipped. Scores that
 * came from f32 values have 29 constant low bits, so they take at most four
 * passes; packed words (a 32-bit key above a 32-bit payload) take three.
 * Stable, O(n) time, n extra entries.
 */
#define _DEFAULT_SOURCE /* posix_memalign, madvise */
#include "metrics_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Buffers of 4 MiB and more are aligned to 2 MiB and, on Linux, offered
 * transparent huge pages: a first touch of a fresh 4 KiB page is expensive
 * (about 10 us on the machines we measure), and sorting 10^7 scores touches
 * 160 MB of fresh memory. */
#define BIG_BYTES ((size_t)4 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

void *xent__m_alloc(size_t bytes) {
  if (bytes < BIG_BYTES) return malloc(bytes ? bytes : 1);
  void *p = NULL;
  if (posix_memalign(&p, HUGE_PAGE, bytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
  return p;
}

xent_status_t xent__m_reserve(void **p, int64_t *cap, int64_t need, size_t size) {
  if (need <= *cap) return XENT_OK;
  int64_t n = *cap ? *cap : 64;
  while (n < need) n = n < ((int64_t)1 << 40) ? n * 2 : need;
  if ((uint64_t)n > SIZE_MAX / size)
    return xent__fail(XENT_ERR_NOMEM, "cannot hold %" PRId64 " entries", need);
  size_t bytes = (size_t)n * size;
  void *q;
  if (bytes < BIG_BYTES) {
    q = realloc(*p, bytes);
  } else {
    q = xent__m_alloc(bytes);
    if (q && *p) memcpy(q, *p, (size_t)*cap * size);
    if (q) free(*p);
  }
  if (!q)
    return xent__fail(XENT_ERR_NOMEM, "could not grow a buffer to %" PRId64 " bytes",
                      n * (int64_t)size);
  *p = q;
  *cap = n;
  return XENT_OK;
}

/* Stable insertion sort for short inputs. */
static void insertion_sort(uint64_t *k, double *w, void *c, int csize, int64_t n) {
  uint8_t *c8 = c;
  int32_t *c32 = c;
  for (int64_t i = 1; i < n; i++) {
    uint64_t key = k[i];
    double wv = w ? w[i] : 0;
    int32_t cv = csize == 4 ? c32[i] : csize == 1 ? c8[i] : 0;
    int64_t j = i;
    while (j > 0 && k[j - 1] > key) {
      k[j] = k[j - 1];
      if (w) w[j] = w[j - 1];
      if (csize == 4) c32[j] = c32[j - 1];
      else if (csize == 1) c8[j] = c8[j - 1];
      j--;
    }
    k[j] = key;
    if (w) w[j] = wv;
    if (csize == 4) c32[j] = cv;
    else if (csize == 1) c8[j] = (uint8_t)cv;
  }
}

#define DIGIT_BITS 11
#define BUCKETS (1 << DIGIT_BITS)

/* LSD radix sort on the key bits [lo_bit, 64): 11-bit digits, one read of
 * the keys for every histogram, constant digits skipped. */
static xent_status_t lsd_sort(uint64_t *keys, double *w, void *c, int csize, int64_t n,
                              int lo_bit, xent__m_sorted *swap) {
  if (n < 2) return XENT_OK;
  if (!c) csize = 0;
  if (n <= 48) {
    insertion_sort(keys, w, c, csize, n); /* sorts on all bits: same order */
    return XENT_OK;
  }
  int passes = (64 - lo_bit + DIGIT_BITS - 1) / DIGIT_BITS;
  int64_t *hist = calloc((size_t)passes * BUCKETS, sizeof *hist);
  uint64_t *tk = xent__m_alloc((size_t)n * sizeof *tk);
  double *tw = w ? xent__m_alloc((size_t)n * sizeof *tw) : NULL;
  void *tc = csize ? xent__m_alloc((size_t)n * (size_t)csize) : NULL;
  if (!hist || !tk || (w && !tw) || (csize && !tc)) {
    free(hist), free(tk), free(tw), free(tc);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " keys for sorting", n);
  }
  for (int64_t i = 0; i < n; i++) {
    uint64_t k = keys[i] >> lo_bit;
    for (int p = 0; p < passes; p++) hist[p * BUCKETS + ((k >> (p * DIGIT_BITS)) & (BUCKETS - 1))]++;
  }
  uint64_t *sk = keys, *dk = tk;
  double *sw = w, *dw = tw;
  void *sc = c, *dc = tc;
  for (int p = 0; p < passes; p++) {
    int64_t *h = hist + p * BUCKETS;
    int shift = lo_bit + p * DIGIT_BITS;
    if (h[(sk[0] >> shift) & (BUCKETS - 1)] == n) continue; /* one digit value */
    int64_t sum = 0;
    for (int b = 0; b < BUCKETS; b++) {
      int64_t t = h[b];
      h[b] = sum;
      sum += t;
    }
#define XENT__M_SCATTER(body)                                    \
  for (int64_t i = 0; i < n; i++) {                              \
    int64_t d = h[(sk[i] >> shift) & (BUCKETS - 1)]++;           \
    dk[d] = sk[i];                                               \
    body;                                                        \
  }
    if (sw && csize == 4) {
      int32_t *s4 = sc, *d4 = dc;
      XENT__M_SCATTER(dw[d] = sw[i]; d4[d] = s4[i])
    } else if (sw && csize == 1) {
      uint8_t *s1 = sc, *d1 = dc;
      XENT__M_SCATTER(dw[d] = sw[i]; d1[d] = s1[i])
    } else if (sw) {
      XENT__M_SCATTER(dw[d] = sw[i])
    } else if (csize == 4) {
      int32_t *s4 = sc, *d4 = dc;
      XENT__M_SCATTER(d4[d] = s4[i])
    } else if (csize == 1) {
      uint8_t *s1 = sc, *d1 = dc;
      XENT__M_SCATTER(d1[d] = s1[i])
    } else {
      XENT__M_SCATTER((void)0)
    }
#undef XENT__M_SCATTER
    uint64_t *t1 = sk; sk = dk; dk = t1;
    double *t2 = sw; sw = dw; dw = t2;
    void *t3 = sc; sc = dc; dc = t3;
  }
  if (sk != keys && swap) {
    /* the result is in the scratch buffers: hand them over instead of
     * copying back, and free the caller's */
    swap->keys = sk, swap->w = sw, swap->c = sc, swap->swapped = 1;
    free(keys), free(w), free(c), free(hist);
    return XENT_OK;
  }
  if (sk != keys) {
    memcpy(keys, sk, (size_t)n * sizeof *keys);
    if (w) memcpy(w, sw, (size_t)n * sizeof *w);
    if (csize) memcpy(c, sc, (size_t)n * (size_t)csize);
  }
  free(hist), free(tk), free(tw), free(tc);
  return XENT_OK;
}

xent_status_t xent__m_sort(uint64_t *keys, double *w, void *c, int csize, int64_t n) {
  return lsd_sort(keys, w, c, csize, n, 0, NULL);
}

xent_status_t xent__m_sort_hi32(uint64_t *words, double *w, int64_t n) {
  return lsd_sort(words, w, NULL, 0, n, 32, NULL);
}

xent_status_t xent__m_sort_owned(uint64_t *keys, double *w, void *c, int csize, int64_t n,
                                 int lo_bit, xent__m_sorted *out) {
  memset(out, 0, sizeof *out);
  return lsd_sort(keys, w, c, csize, n, lo_bit, out);
}
