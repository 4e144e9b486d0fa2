/*
 * The input layer of the xent command-line tool: what the .npy and CSV
 * readers share. Status codes, the error record, opening a path as a regular
 * file, and the check that labels fit the model outputs.
 *
 * Nothing in cli/io prints, exits or aborts. A failing call returns a status
 * and fills an xcli_error with ONE line (no newline anywhere in it) that
 * names the file first, e.g.
 *
 *   logits.npy: file is truncated: the header describes 96 bytes of data
 *   labels.csv:17:3: expected a number, found 'abc'
 *
 * so the CLI prints "xent: <message>" and exits non-zero. Bytes taken from a
 * file (a bad field, a dtype string) are quoted with control characters and
 * non-ASCII bytes escaped as \xNN, and cut at 40 bytes.
 */
#ifndef XCLI_IO_COMMON_H
#define XCLI_IO_COMMON_H

#include "xent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define XCLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XCLI_PRINTF(f, a)
#endif

typedef enum xcli_status {
  XCLI_OK = 0,
  XCLI_ERR_IO = 1,          /* cannot open, read, map or write; the path is a
                               directory, FIFO, socket or device            */
  XCLI_ERR_FORMAT = 2,      /* malformed content: empty file, bad magic, bad
                               header, truncated data, ragged CSV rows, bad
                               quoting, a field that is not a number        */
  XCLI_ERR_UNSUPPORTED = 3, /* well-formed but not handled: .npy version,
                               dtype (object, strings, structured), rank > 8 */
  XCLI_ERR_SHAPE = 4,       /* two inputs' shapes disagree                   */
  XCLI_ERR_VALUE = 5,       /* a value cannot be converted as asked (2.5 or
                               NaN read as an integer, 2^63 as int64)       */
  XCLI_ERR_ARGUMENT = 6,    /* the caller passed something invalid (a bug in
                               the caller, not in the file)                 */
  XCLI_ERR_NOMEM = 7        /* an allocation failed                         */
} xcli_status;

/* "XCLI_ERR_FORMAT" etc.; "XCLI_ERR_UNKNOWN" for other values. */
const char *xcli_status_name(xcli_status status);

#define XCLI_ERROR_SIZE 512

/* The result of a failed call: its status and a one-line message naming the
 * file and the problem. Every function taking an `xcli_error *` accepts NULL
 * (no message is kept). On success the record is left untouched. */
typedef struct xcli_error {
  xcli_status status;
  char message[XCLI_ERROR_SIZE];
} xcli_error;

/* Records "<name>: <formatted text>" in `err` and returns `status`. `name`
 * may be NULL (no prefix). Control characters in the result become spaces,
 * so the message is always one line. */
xcli_status xcli_fail(xcli_error *err, xcli_status status, const char *name,
                      const char *fmt, ...) XCLI_PRINTF(4, 5);

/* Writes `bytes` into `buf` as 'text' with quotes, escaping control
 * characters, backslashes and bytes >= 0x80 as \xNN (or \n, \t, \\)
 * and ending with "..." after 40 input bytes. Returns buf. `size` >= 8. */
const char *xcli_quote(char *buf, size_t size, const void *bytes, size_t len);

/* strerror(e) into buf, thread-safely. Returns buf. */
const char *xcli_strerror(int e, char *buf, size_t size);

/* Python's spelling of a shape: "()", "(5,)", "(4, 3)". Returns buf. */
const char *xcli_shape_str(char *buf, size_t size, int rank,
                           const int64_t *shape);

/*
 * Opens `path` for reading and checks that it is a regular file, without
 * blocking: a FIFO is opened with O_NONBLOCK and rejected after fstat, so a
 * path to a pipe with no writer fails at once instead of hanging.
 * On success *fd is an open descriptor (blocking, close-on-exec) and *size
 * the file's size in bytes. Errors (XCLI_ERR_IO), with the path as name:
 *   "cannot open: No such file or directory" (and other errno texts),
 *   "is a directory, not a file", "is a FIFO (named pipe), not a regular
 *   file", "is a socket, ...", "is a character device, ...".
 */
xcli_status xcli_open_regular(const char *path, int *fd, uint64_t *size,
                              xcli_error *err);

/* How labels relate to the model outputs, as decided by
 * xcli_check_label_shape. */
typedef enum xcli_label_kind {
  XCLI_LABELS_SPARSE = 1, /* class indices: outputs' shape minus the last axis */
  XCLI_LABELS_DENSE = 2   /* probabilities / targets: the outputs' shape      */
} xcli_label_kind;

/*
 * Checks that labels of shape `lab_shape` fit outputs (logits) of shape
 * `out_shape`, whose last axis is the class axis: the labels must have the
 * outputs' shape (dense; also when the class axis has length 1) or that shape
 * without its last axis (sparse). Sets *kind. Outputs of rank 0 are an error.
 * Otherwise XCLI_ERR_SHAPE, naming the labels' file:
 *   "labels.npy: shape (5,) does not fit logits.npy's shape (4, 3):
 *    expected (4,) (class indices) or (4, 3) (one value per class)"
 */
xcli_status xcli_check_label_shape(const char *out_name, int out_rank,
                                   const int64_t *out_shape,
                                   const char *lab_name, int lab_rank,
                                   const int64_t *lab_shape,
                                   xcli_label_kind *kind, xcli_error *err);

#ifdef __cplusplus
}
#endif

#endif /* XCLI_IO_COMMON_H */
