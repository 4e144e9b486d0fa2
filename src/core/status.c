/* Status codes, their names, and the per-thread error detail. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

#define XENT__DETAIL_SIZE 512

/* The only mutable state in the library: one detail string per thread. */
static _Thread_local char detail[XENT__DETAIL_SIZE];

const char *xent_version(void) { return "0.1.0"; }

const char *xent_status_name(xent_status_t status) {
  switch (status) {
    case XENT_OK: return "XENT_OK";
    case XENT_ERR_NULL: return "XENT_ERR_NULL";
    case XENT_ERR_ARGUMENT: return "XENT_ERR_ARGUMENT";
    case XENT_ERR_DTYPE: return "XENT_ERR_DTYPE";
    case XENT_ERR_SHAPE: return "XENT_ERR_SHAPE";
    case XENT_ERR_INDEX: return "XENT_ERR_INDEX";
    case XENT_ERR_VALUE: return "XENT_ERR_VALUE";
    case XENT_ERR_NOMEM: return "XENT_ERR_NOMEM";
  }
  return "XENT_ERR_UNKNOWN";
}

const char *xent_status_message(xent_status_t status) {
  switch (status) {
    case XENT_OK: return "success";
    case XENT_ERR_NULL: return "a required pointer is NULL";
    case XENT_ERR_ARGUMENT: return "invalid argument";
    case XENT_ERR_DTYPE: return "unsupported data type";
    case XENT_ERR_SHAPE: return "invalid or mismatched shape";
    case XENT_ERR_INDEX: return "index out of range";
    case XENT_ERR_VALUE: return "value outside the function's domain";
    case XENT_ERR_NOMEM: return "out of memory";
  }
  return "unknown status code";
}

const char *xent_last_error(void) { return detail; }

void xent__clear_error(void) { detail[0] = '\0'; }

xent_status_t xent__fail(xent_status_t status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  return status;
}
