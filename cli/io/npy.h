/*
 * NumPy .npy files: a reader that memory-maps the data and a writer that
 * never leaves a partial file behind.
 *
 * ---------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------
 * xcli_npy_open maps the file read-only and parses its header; no data is
 * read. The data is then either
 *   - viewed in place as an xent_tensor_t (xcli_npy_tensor) when xent can use
 *     it as stored: '<f2' '<f4' '<f8' '<i4' '<i8' and '|u1' in the
 *     machine's byte order, in C or Fortran order (Fortran order is a
 *     view with column-major strides), with the data suitably aligned; or
 *   - converted chunk by chunk (xcli_npy_read_f64 / xcli_npy_read_i64) into
 *     a caller buffer, for every supported dtype, byte order and layout.
 * Either way memory stays bounded: pages of the mapping are loaded when
 * touched and, being clean file pages, can be dropped by the kernel at any
 * time (xcli_npy_release drops them at once). A 10 GB file is processed in
 * the memory the caller's chunk buffer takes, plus a few pages when the
 * caller releases what it has done (measured: 2-3 MiB resident for a
 * 10.7 GB file; see xcli_npy_release).
 *
 * Accepted files:
 *   - magic "\x93NUMPY", version 1.0 (2-byte header length), 2.0 or 3.0
 *     (4-byte header length; 3.0's header is UTF-8 and is checked to be);
 *   - a header that is the Python dict literal NumPy writes, with exactly the
 *     keys 'descr', 'fortran_order' and 'shape' in any order, single or double
 *     quotes, any spacing, an optional trailing comma, and trailing spaces or
 *     newlines after the closing brace (padding is not required to reach a
 *     multiple of 64 bytes). Python-2 long integers ("3L") are accepted in
 *     the shape of 1.0 and 2.0 files, as NumPy does;
 *   - dtypes '|b1'; '|i1' '<i2' '<i4' '<i8'; '|u1' '<u2' '<u4' '<u8'; '<f2'
 *     '<f4' '<f8', each also with '>' (big-endian) or '=' / no prefix (the
 *     machine's order), and '<' or '>' on one-byte types;
 *   - rank 0 (a scalar) to 8 (XENT_MAX_RANK), extents >= 0;
 *   - data that is EXACTLY the header's shape times the item size: a file
 *     with bytes missing or with bytes left over is an error saying which.
 * Rejected, with one-line messages naming the file (see common.h):
 *   empty file, bad magic, version other than 1.0/2.0/3.0, header length
 *   beyond the end of the file, header syntax errors (with the byte offset),
 *   missing / duplicate / unknown keys, shapes that are not tuples of
 *   non-negative integers, shapes whose byte size exceeds 2^63 - 1, object
 *   ('|O'), string ('<U', '|S'), void, complex, datetime, 128-bit float,
 *   structured (a list) and subarray (a tuple) dtypes, rank above 8.
 *
 * The mapping is MAP_PRIVATE and PROT_READ: the tensor view's data must not
 * be written (it faults). If another process truncates the file while it is
 * mapped, touching the lost pages raises SIGBUS; that is a property of mmap
 * and not checked.
 */
#ifndef XCLI_IO_NPY_H
#define XCLI_IO_NPY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The dtype's kind, as the character NumPy uses. */
typedef enum xcli_npy_kind {
  XCLI_NPY_BOOL = 'b',
  XCLI_NPY_INT = 'i',
  XCLI_NPY_UINT = 'u',
  XCLI_NPY_FLOAT = 'f'
} xcli_npy_kind;

/* An open .npy file. Caller-allocated; the public fields are read-only
 * after a successful open. */
typedef struct xcli_npy {
  const char *name;        /* the path (or name) given to open, copied     */
  int version_major;       /* 1, 2 or 3                                    */
  int version_minor;       /* 0                                            */
  char descr[8];           /* the dtype as written, e.g. "<f4", "|b1"      */
  xcli_npy_kind kind;
  int itemsize;            /* 1, 2, 4 or 8                                 */
  bool big_endian;         /* the data's byte order (false for itemsize 1) */
  bool fortran_order;      /* column-major data                            */
  int rank;                /* 0 .. XENT_MAX_RANK                           */
  int64_t shape[XENT_MAX_RANK];
  int64_t numel;           /* product of the shape (1 for rank 0)          */
  int64_t rows;            /* shape[0]; 1 for rank 0                       */
  int64_t row_length;      /* numel / rows: product of shape[1:]           */
  uint64_t data_offset;    /* bytes before the data (the whole header)     */
  uint64_t data_bytes;     /* numel * itemsize                             */
  const unsigned char *data; /* first data byte; NULL when data_bytes == 0 */
  /* private */
  void *map_;
  size_t map_len_;
  char *name_;
} xcli_npy;

/*
 * Opens the .npy file at `path`: checks it is a regular file, maps it
 * read-only, parses and validates the header and the data size. On failure
 * `npy` is left closed (xcli_npy_close is harmless) and `err` says why.
 * Statuses: XCLI_ERR_IO (path), XCLI_ERR_FORMAT, XCLI_ERR_UNSUPPORTED,
 * XCLI_ERR_NOMEM.
 */
xcli_status xcli_npy_open(xcli_npy *npy, const char *path, xcli_error *err);

/* The same checks on a file already in memory (`size` bytes at `buf`), for
 * tests and the fuzzer. Nothing is copied: `buf` must outlive `npy`. `name`
 * is used in messages. */
xcli_status xcli_npy_open_memory(xcli_npy *npy, const void *buf, size_t size,
                                 const char *name, xcli_error *err);

/* Unmaps and frees; leaves `npy` closed. Safe on a closed or zeroed struct. */
void xcli_npy_close(xcli_npy *npy);

/*
 * Fills `t` with a zero-copy view of the data and returns true when xent can
 * use the data as stored (the dtypes listed at the top, the machine's byte
 * order, the data pointer aligned to the item size). Not '|b1': any nonzero
 * byte means True, so bools go through the converters (0 / 1). Fortran
 * order gives strides
 * (1, shape[0], shape[0]*shape[1], ...). Returns false otherwise and leaves
 * `t` untouched; use the chunk readers then.
 */
bool xcli_npy_tensor(const xcli_npy *npy, xent_tensor_t *t);

/*
 * Converts `count` elements starting at element `first`, counted in C order
 * (row-major: the order of numpy's a.ravel(), whatever the file's order),
 * into out[0 .. count). Reading rows r .. r+k is first = r * row_length,
 * count = k * row_length.
 *   f64: every dtype. Exact except for 64-bit integers beyond 2^53, which are
 *        rounded to nearest. f16 is widened exactly; bool gives 0 / 1.
 *   i64: integers and bool exactly; floats only when they hold an integer in
 *        the int64 range (otherwise XCLI_ERR_VALUE, e.g. "labels.npy: element
 *        [3, 1] = 2.5 is not an integer"); u8 values above INT64_MAX give
 *        XCLI_ERR_VALUE.
 * A range outside [0, numel] is XCLI_ERR_ARGUMENT. On error, out is partly
 * written.
 */
xcli_status xcli_npy_read_f64(const xcli_npy *npy, int64_t first, int64_t count,
                              double *out, xcli_error *err);
xcli_status xcli_npy_read_i64(const xcli_npy *npy, int64_t first, int64_t count,
                              int64_t *out, xcli_error *err);

/*
 * Tells the reader that a sequential pass is done with elements
 * [first, first + count) (C order): the pages they occupy, including the one
 * holding `first` and excluding the one holding the range's end (unless it
 * is the file's last), are dropped from the process. Always safe: a dropped
 * page touched again is read back from the file. Without it the pass still
 * works in bounded memory (clean file pages are reclaimable), but the
 * resident size grows to the file's size; with it, it stays at a few pages.
 * Measured on a 10.7 GB f32 file on a 23 GiB machine, 160 KiB chunks: 2-3
 * MiB resident at peak instead of 10 GiB; the pass took 10-18 s instead of
 * 7-12 s (unmapping included; runs vary with the page cache). Does nothing for
 * in-memory files, for Fortran order unless the range is everything, or for
 * bad ranges.
 */
void xcli_npy_release(const xcli_npy *npy, int64_t first, int64_t count);

/* ---------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------------
 * A writer streams a C-order array into `path`. The bytes go to a new file
 * beside it, "<path>.<pid>.<n>.tmp" (same directory, so the rename cannot
 * cross file systems), created with mode 0666 minus the umask. Only
 * xcli_npy_writer_commit, after every element has been written and the data
 * is flushed to disk (fsync), renames it onto `path`, atomically replacing
 * any earlier file (a symbolic link at `path` is replaced, not followed; the
 * new file has the default permissions, not the old file's). On any error,
 * and on xcli_npy_writer_abort, the temporary file is removed: `path` is
 * never left partial.
 * The header is version 1.0 (2.0 if it were too long for 1.0), padded with
 * spaces to a multiple of 64 bytes and ended by a newline, as NumPy writes
 * it; dtypes are those of xent except bf16 (NumPy has none): f16 f32 f64
 * i32 i64 u8, in the machine's byte order.
 */
typedef struct xcli_npy_writer xcli_npy_writer;

/* Creates the temporary file and writes the header. `rank` 0..XENT_MAX_RANK,
 * extents >= 0. XCLI_ERR_IO (cannot create), XCLI_ERR_UNSUPPORTED (bf16),
 * XCLI_ERR_ARGUMENT, XCLI_ERR_NOMEM. */
xcli_status xcli_npy_writer_open(xcli_npy_writer **w, const char *path,
                                 xent_dtype_t dtype, int rank,
                                 const int64_t *shape, xcli_error *err);

/* Appends `count` elements of the writer's dtype (contiguous, C order).
 * Writing more than the shape holds is XCLI_ERR_ARGUMENT. After an error the
 * writer only accepts abort. */
xcli_status xcli_npy_writer_write(xcli_npy_writer *w, const void *data,
                                  int64_t count, xcli_error *err);

/* Checks that exactly numel elements were written, flushes, fsyncs and
 * renames the file into place. Frees `w` whatever the outcome; on failure the
 * temporary file is removed and `path` is as it was. */
xcli_status xcli_npy_writer_commit(xcli_npy_writer *w, xcli_error *err);

/* Removes the temporary file and frees `w`. NULL is ignored. */
void xcli_npy_writer_abort(xcli_npy_writer *w);

/* Writes a whole tensor (any strides) to `path` through a writer, in C
 * order. */
xcli_status xcli_npy_save(const char *path, const xent_tensor_t *t,
                          xcli_error *err);

#ifdef __cplusplus
}
#endif

#endif /* XCLI_IO_NPY_H */
