/*
 * _xent.c - the CPython extension over the xent C library.
 *
 * What it does, and what it does not:
 *   - Inputs are read where they lie. Anything that exports the buffer
 *     protocol (PEP 3118: NumPy arrays, memoryviews, array.array, bytes,
 *     TensorFlow eager tensors) is viewed through it; anything with
 *     __dlpack__ (PyTorch, JAX, CuPy-on-host, TensorFlow) through a DLPack
 *     capsule. Strided views, transposes and negative strides are passed to
 *     the library as they are (xent_tensor_t takes element strides of any
 *     sign). Only objects with neither interface (lists, scalars) are turned
 *     into an array first, with numpy.asarray.
 *   - Outputs are NumPy arrays made by calling numpy.empty through the Python
 *     API, so NumPy is needed at run time but not to build this file. Every
 *     function also takes out= (any writable array, e.g. a torch tensor via
 *     DLPack), which is filled in place and returned.
 *   - The GIL is released while the library computes.
 *   - A non-OK status becomes an exception carrying xent_last_error():
 *     XENT_ERR_DTYPE -> TypeError, XENT_ERR_INDEX -> IndexError,
 *     XENT_ERR_NOMEM -> MemoryError, everything else -> ValueError.
 *     Problems found here before the library is called (a stride that is not
 *     a whole number of elements, memory on another device, an unsupported
 *     element type) are TypeError too.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "xent.h"

/* ------------------------------------------------------------------------ */
/* DLPack (the stable, unversioned ABI that __dlpack__() returns when called */
/* without max_version). Layout as fixed by the DLPack specification.        */
/* ------------------------------------------------------------------------ */

enum { XPY_DL_CPU = 1 };
enum {
  XPY_DL_INT = 0,
  XPY_DL_UINT = 1,
  XPY_DL_FLOAT = 2,
  XPY_DL_BFLOAT = 4,
  XPY_DL_BOOL = 6
};

typedef struct {
  int32_t device_type;
  int32_t device_id;
} xpy_dl_device;

typedef struct {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
} xpy_dl_dtype;

typedef struct {
  void *data;
  xpy_dl_device device;
  int32_t ndim;
  xpy_dl_dtype dtype;
  int64_t *shape;
  int64_t *strides; /* in elements; NULL means C order */
  uint64_t byte_offset;
} xpy_dl_tensor;

typedef struct xpy_dl_managed {
  xpy_dl_tensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(struct xpy_dl_managed *self);
} xpy_dl_managed;

/* ------------------------------------------------------------------------ */
/* NumPy, imported on first use                                             */
/* ------------------------------------------------------------------------ */

static PyObject *g_numpy_empty;   /* numpy.empty   */
static PyObject *g_numpy_asarray; /* numpy.asarray */
static PyObject *g_numpy_dtype;   /* numpy.dtype   */

static int numpy_ready(void) {
  if (g_numpy_empty) return 0;
  PyObject *np = PyImport_ImportModule("numpy");
  if (!np) return -1;
  g_numpy_empty = PyObject_GetAttrString(np, "empty");
  g_numpy_asarray = PyObject_GetAttrString(np, "asarray");
  g_numpy_dtype = PyObject_GetAttrString(np, "dtype");
  Py_DECREF(np);
  if (!g_numpy_empty || !g_numpy_asarray || !g_numpy_dtype) {
    Py_CLEAR(g_numpy_empty);
    Py_CLEAR(g_numpy_asarray);
    Py_CLEAR(g_numpy_dtype);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Status codes -> exceptions                                               */
/* ------------------------------------------------------------------------ */

static PyObject *raise_status(xent_status_t st) {
  PyObject *type;
  switch (st) {
  case XENT_ERR_DTYPE: type = PyExc_TypeError; break;
  case XENT_ERR_INDEX: type = PyExc_IndexError; break;
  case XENT_ERR_NOMEM: type = PyExc_MemoryError; break;
  default: type = PyExc_ValueError; break;
  }
  const char *detail = xent_last_error();
  PyErr_SetString(type, detail[0] ? detail : xent_status_message(st));
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Element types                                                            */
/* ------------------------------------------------------------------------ */

/* NumPy's names, indexed by xent_dtype_t. bf16 has no NumPy type. */
static const char *const k_numpy_names[] = {"float32", "float64", "float16", "bfloat16",
                                            "int32",   "int64",   "uint8"};
#define XPY_NDTYPES 7

/* The dtype an output gets by default: the input's, except bf16, which NumPy
 * cannot hold, becomes f32. */
static xent_dtype_t storable(xent_dtype_t d) { return d == XENT_BF16 ? XENT_F32 : d; }

/* A dtype argument: None (keep *out), a name ("float32", "f32", "int64", ...),
 * or anything numpy.dtype() understands (numpy.float32, a torch dtype's
 * string form "torch.float32" also works). */
static int parse_dtype(PyObject *obj, xent_dtype_t *out) {
  if (obj == NULL || obj == Py_None) return 0;
  PyObject *name = NULL;
  if (PyUnicode_Check(obj)) {
    name = obj;
    Py_INCREF(name);
  } else {
    PyObject *s = PyObject_Str(obj);
    if (!s) return -1;
    const char *text = PyUnicode_AsUTF8(s);
    if (text && strncmp(text, "torch.", 6) == 0) {
      name = PyUnicode_FromString(text + 6);
    } else if (text && numpy_ready() == 0) {
      PyObject *dt = PyObject_CallFunctionObjArgs(g_numpy_dtype, obj, NULL);
      if (dt) {
        name = PyObject_GetAttrString(dt, "name");
        Py_DECREF(dt);
      }
    }
    Py_DECREF(s);
    if (!name) return -1;
  }
  const char *text = PyUnicode_AsUTF8(name);
  int result = -1;
  if (text) {
    static const char *const short_names[] = {"f32", "f64", "f16", "bf16", "i32", "i64", "u8"};
    for (int i = 0; i < XPY_NDTYPES; i++)
      if (strcmp(text, k_numpy_names[i]) == 0 || strcmp(text, short_names[i]) == 0) {
        *out = (xent_dtype_t)i;
        result = 0;
      }
    if (result != 0 && (strcmp(text, "half") == 0)) *out = XENT_F16, result = 0;
    if (result != 0 && (strcmp(text, "float") == 0)) *out = XENT_F32, result = 0;
    if (result != 0 && (strcmp(text, "double") == 0)) *out = XENT_F64, result = 0;
    if (result != 0 && (strcmp(text, "bool") == 0)) *out = XENT_U8, result = 0;
    if (result != 0)
      PyErr_Format(PyExc_TypeError,
                   "dtype %R is not one of float32, float64, float16, bfloat16, int32, "
                   "int64, uint8",
                   name);
  }
  Py_DECREF(name);
  return result;
}

/* ------------------------------------------------------------------------ */
/* Arrays: a view of a Python object as an xent_tensor_t                    */
/* ------------------------------------------------------------------------ */

typedef struct {
  xent_tensor_t t;
  Py_buffer view;          /* when read through the buffer protocol        */
  int has_view;
  xpy_dl_managed *managed; /* when read through DLPack: ours to delete     */
  PyObject *owner;         /* a NumPy array we made (asarray or empty)     */
  const char *via;         /* "buffer", "dlpack" */
} xpy_arr;

static void arr_release(xpy_arr *a) {
  if (a->has_view) {
    PyBuffer_Release(&a->view);
    a->has_view = 0;
  }
  if (a->managed) {
    if (a->managed->deleter) a->managed->deleter(a->managed);
    a->managed = NULL;
  }
  Py_CLEAR(a->owner);
}

/* Maps a PEP 3118 format and item size to a dtype. */
static int buffer_dtype(const char *format, Py_ssize_t itemsize, const char *name,
                        xent_dtype_t *out) {
  const char *f = format ? format : "B";
  char order = '@';
  if (*f == '@' || *f == '=' || *f == '<' || *f == '>' || *f == '!') order = *f++;
  int little = 1;
  {
    const uint16_t probe = 1;
    little = *(const uint8_t *)&probe == 1;
  }
  int swapped = (order == '>' || order == '!') ? little : (order == '<' ? !little : 0);
  char kind = f[0];
  if (kind == '\0' || f[1] != '\0' || swapped) goto unsupported;
  switch (kind) {
  case 'e':
    if (itemsize == 2) return *out = XENT_F16, 0;
    break;
  case 'f':
    if (itemsize == 4) return *out = XENT_F32, 0;
    break;
  case 'd':
    if (itemsize == 8) return *out = XENT_F64, 0;
    break;
  case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
    if (itemsize == 4) return *out = XENT_I32, 0;
    if (itemsize == 8) return *out = XENT_I64, 0;
    break;
  case 'B': case '?': case 'c':
    if (itemsize == 1) return *out = XENT_U8, 0;
    break;
  default: break;
  }
unsupported:
  PyErr_Format(PyExc_TypeError,
               "%s has element format '%s' (%zd bytes); xent takes float16, float32, "
               "float64, int32, int64, uint8 or bool in native byte order",
               name, format ? format : "B", itemsize);
  return -1;
}

static int from_buffer(PyObject *obj, const char *name, int writable, xpy_arr *a) {
  int flags = PyBUF_RECORDS_RO | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj, &a->view, flags) != 0) {
    if (writable && (PyErr_ExceptionMatches(PyExc_BufferError) ||
                     PyErr_ExceptionMatches(PyExc_ValueError))) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "%s is read-only; an output must be writable", name);
    }
    return -1;
  }
  a->has_view = 1;
  a->via = "buffer";
  Py_buffer *v = &a->view;
  xent_dtype_t dtype;
  if (buffer_dtype(v->format, v->itemsize, name, &dtype) != 0) return -1;
  if (v->ndim > XENT_MAX_RANK) {
    PyErr_Format(PyExc_ValueError, "%s has %d axes; xent takes at most %d", name, v->ndim,
                 XENT_MAX_RANK);
    return -1;
  }
  if (v->suboffsets) {
    PyErr_Format(PyExc_TypeError, "%s is an indirect (suboffset) buffer", name);
    return -1;
  }
  Py_ssize_t size = v->itemsize;
  int64_t numel = 1;
  for (int i = 0; i < v->ndim; i++) numel *= v->shape[i];
  if (numel > 0 && ((uintptr_t)v->buf % (uintptr_t)size) != 0) {
    PyErr_Format(PyExc_TypeError,
                 "%s's data address %p is not aligned to its %zd-byte elements", name,
                 v->buf, size);
    return -1;
  }
  int64_t shape[XENT_MAX_RANK], strides[XENT_MAX_RANK];
  int64_t step = 1;
  for (int i = v->ndim - 1; i >= 0; i--) {
    shape[i] = v->shape[i];
    if (v->strides) {
      if (v->strides[i] % size != 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s has a stride of %zd bytes along axis %d, not a whole number of "
                     "its %zd-byte elements",
                     name, v->strides[i], i, size);
        return -1;
      }
      strides[i] = v->strides[i] / size;
    } else {
      strides[i] = step;
      step *= shape[i];
    }
  }
  xent_status_t st = xent_tensor_init(&a->t, v->buf, dtype, v->ndim, shape, strides);
  if (st != XENT_OK) {
    raise_status(st);
    return -1;
  }
  return 0;
}

static int from_dlpack(PyObject *obj, const char *name, xpy_arr *a) {
  /* Ask where the data lives first, so a GPU tensor is never exported. */
  PyObject *dev = PyObject_CallMethod(obj, "__dlpack_device__", NULL);
  if (dev) {
    long type = -1;
    if (PyTuple_Check(dev) && PyTuple_GET_SIZE(dev) >= 1)
      type = PyLong_AsLong(PyTuple_GET_ITEM(dev, 0));
    Py_DECREF(dev);
    if (type == -1 && PyErr_Occurred()) return -1;
    if (type != XPY_DL_CPU) {
      PyErr_Format(PyExc_TypeError,
                   "%s is on DLPack device type %ld; xent computes on CPU memory only "
                   "(move it with .cpu() first)",
                   name, type);
      return -1;
    }
  } else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
    PyErr_Clear(); /* optional: the tensor's own device field is checked below */
  } else {
    return -1;
  }

  PyObject *capsule = PyObject_CallMethod(obj, "__dlpack__", NULL);
  if (!capsule) return -1;
  if (!PyCapsule_IsValid(capsule, "dltensor")) {
    Py_DECREF(capsule);
    PyErr_Format(PyExc_TypeError,
                 "%s.__dlpack__() did not return an unused \"dltensor\" capsule", name);
    return -1;
  }
  xpy_dl_managed *m = PyCapsule_GetPointer(capsule, "dltensor");
  /* Claim it: the producer's capsule destructor leaves a renamed capsule
   * alone, and the deleter becomes ours to call (arr_release). */
  if (!m || PyCapsule_SetName(capsule, "used_dltensor") != 0) {
    Py_DECREF(capsule);
    return -1;
  }
  Py_DECREF(capsule);
  a->managed = m;
  a->via = "dlpack";

  const xpy_dl_tensor *d = &m->dl_tensor;
  if (d->device.device_type != XPY_DL_CPU) {
    PyErr_Format(PyExc_TypeError, "%s is on DLPack device type %d; xent needs CPU memory",
                 name, (int)d->device.device_type);
    return -1;
  }
  xent_dtype_t dtype;
  int ok = d->dtype.lanes == 1;
  if (ok) {
    uint8_t c = d->dtype.code, b = d->dtype.bits;
    if (c == XPY_DL_FLOAT && b == 16) dtype = XENT_F16;
    else if (c == XPY_DL_FLOAT && b == 32) dtype = XENT_F32;
    else if (c == XPY_DL_FLOAT && b == 64) dtype = XENT_F64;
    else if (c == XPY_DL_BFLOAT && b == 16) dtype = XENT_BF16;
    else if (c == XPY_DL_INT && b == 32) dtype = XENT_I32;
    else if (c == XPY_DL_INT && b == 64) dtype = XENT_I64;
    else if ((c == XPY_DL_UINT || c == XPY_DL_BOOL) && b == 8) dtype = XENT_U8;
    else ok = 0;
  }
  if (!ok) {
    PyErr_Format(PyExc_TypeError,
                 "%s has DLPack dtype (code %d, %d bits, %d lanes); xent takes float16, "
                 "bfloat16, float32, float64, int32, int64, uint8 or bool",
                 name, (int)d->dtype.code, (int)d->dtype.bits, (int)d->dtype.lanes);
    return -1;
  }
  if (d->ndim < 0 || d->ndim > XENT_MAX_RANK) {
    PyErr_Format(PyExc_ValueError, "%s has %d axes; xent takes at most %d", name,
                 (int)d->ndim, XENT_MAX_RANK);
    return -1;
  }
  char *data = (char *)d->data + d->byte_offset;
  size_t size = xent_dtype_size(dtype);
  int64_t numel = 1;
  for (int i = 0; i < d->ndim; i++) numel *= d->shape[i];
  if (numel > 0 && ((uintptr_t)data % size) != 0) {
    PyErr_Format(PyExc_TypeError,
                 "%s's data address %p is not aligned to its %zu-byte elements", name,
                 (void *)data, size);
    return -1;
  }
  xent_status_t st =
      xent_tensor_init(&a->t, data, dtype, d->ndim, d->shape, d->strides);
  if (st != XENT_OK) {
    raise_status(st);
    return -1;
  }
  return 0;
}

/*
 * Views `obj` as a tensor. `name` names the argument in messages. Outputs
 * (writable) must be arrays already; inputs without the buffer protocol or
 * DLPack are converted with numpy.asarray (lists, scalars).
 */
static int arr_acquire(PyObject *obj, const char *name, int writable, xpy_arr *a) {
  memset(a, 0, sizeof *a);
  int rc;
  if (PyObject_CheckBuffer(obj)) {
    rc = from_buffer(obj, name, writable, a);
  } else if (PyObject_HasAttrString(obj, "__dlpack__")) {
    rc = from_dlpack(obj, name, a);
  } else if (writable) {
    PyErr_Format(PyExc_TypeError,
                 "%s must be a writable array (buffer protocol or __dlpack__), not %.100s",
                 name, Py_TYPE(obj)->tp_name);
    rc = -1;
  } else {
    if (numpy_ready() != 0) return -1;
    PyObject *converted = PyObject_CallFunctionObjArgs(g_numpy_asarray, obj, NULL);
    if (!converted) return -1;
    if (!PyObject_CheckBuffer(converted)) {
      Py_DECREF(converted);
      PyErr_Format(PyExc_TypeError, "%s: cannot view %.100s as an array", name,
                   Py_TYPE(obj)->tp_name);
      return -1;
    }
    rc = from_buffer(converted, name, 0, a);
    a->owner = converted;
  }
  if (rc != 0) arr_release(a);
  return rc;
}

/* An optional input: None leaves *present = 0. */
static int arr_acquire_opt(PyObject *obj, const char *name, xpy_arr *a, int *present) {
  *present = obj != NULL && obj != Py_None;
  if (!*present) {
    memset(a, 0, sizeof *a);
    return 0;
  }
  return arr_acquire(obj, name, 0, a);
}

/*
 * An output: `out` when given (viewed writable; returned to the caller), else
 * a new numpy.empty(shape, dtype). On success a->owner holds a new reference
 * to the object to return.
 */
static int arr_output(PyObject *out, const char *name, int rank, const int64_t *shape,
                      xent_dtype_t dtype, xpy_arr *a) {
  if (out && out != Py_None) {
    if (arr_acquire(out, name, 1, a) != 0) return -1;
    Py_INCREF(out);
    a->owner = out;
    return 0;
  }
  memset(a, 0, sizeof *a);
  if (dtype == XENT_BF16) {
    PyErr_Format(PyExc_TypeError,
                 "%s: NumPy has no bfloat16; pass a bfloat16 array as out= instead", name);
    return -1;
  }
  if (numpy_ready() != 0) return -1;
  PyObject *dims = PyTuple_New(rank);
  if (!dims) return -1;
  for (int i = 0; i < rank; i++) {
    PyObject *n = PyLong_FromLongLong(shape[i]);
    if (!n) {
      Py_DECREF(dims);
      return -1;
    }
    PyTuple_SET_ITEM(dims, i, n);
  }
  PyObject *array =
      PyObject_CallFunction(g_numpy_empty, "Os", dims, k_numpy_names[dtype]);
  Py_DECREF(dims);
  if (!array) return -1;
  if (from_buffer(array, name, 1, a) != 0) {
    arr_release(a);
    Py_DECREF(array);
    return -1;
  }
  a->owner = array;
  return 0;
}

/* Takes the object to return out of an output (a new reference). */
static PyObject *arr_take(xpy_arr *a) {
  PyObject *o = a->owner;
  a->owner = NULL;
  return o;
}

/* ------------------------------------------------------------------------ */
/* Shapes and axes                                                          */
/* ------------------------------------------------------------------------ */

static int resolve_axis(int axis, int rank, const char *name, int *out) {
  int r = axis < 0 ? axis + rank : axis;
  if (r < 0 || r >= rank) {
    PyErr_Format(PyExc_ValueError, "axis %d is out of range for %s with %d axes", axis, name,
                 rank);
    return -1;
  }
  *out = r;
  return 0;
}

/* `t`'s shape without axis `ax` (or with it at length 1 if keepdims). */
static int reduced_shape(const xent_tensor_t *t, int ax, int keepdims, int64_t *shape) {
  int r = 0;
  for (int i = 0; i < t->rank; i++) {
    if (i != ax) shape[r++] = t->shape[i];
    else if (keepdims) shape[r++] = 1;
  }
  return r;
}

/* ------------------------------------------------------------------------ */
/* Functions of one tensor (with or without an axis), and their backward    */
/* ------------------------------------------------------------------------ */

typedef xent_status_t (*axis_fn)(const xent_tensor_t *, int, const xent_tensor_t *);
typedef xent_status_t (*elem_fn)(const xent_tensor_t *, const xent_tensor_t *);
typedef xent_status_t (*axis_bwd_fn)(const xent_tensor_t *, const xent_tensor_t *, int,
                                     const xent_tensor_t *);
typedef xent_status_t (*elem_bwd_fn)(const xent_tensor_t *, const xent_tensor_t *,
                                     const xent_tensor_t *);

/*
 * y = f(x [, axis]) with y of x's shape. `fa` or `fe` is set.
 */
static PyObject *call_same_shape(axis_fn fa, elem_fn fe, PyObject *x_obj, int axis,
                                 PyObject *out_obj, PyObject *dtype_obj) {
  xpy_arr x, y;
  if (arr_acquire(x_obj, "x", 0, &x) != 0) return NULL;
  xent_dtype_t dtype = storable(x.t.dtype);
  if (parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", x.t.rank, x.t.shape, dtype, &y) != 0) {
    arr_release(&x);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = fa ? fa(&x.t, axis, &y.t) : fe(&x.t, &y.t);
  Py_END_ALLOW_THREADS
  arr_release(&x);
  if (st != XENT_OK) {
    arr_release(&y);
    return raise_status(st);
  }
  PyObject *result = arr_take(&y);
  arr_release(&y);
  return result;
}

/* dx = f'(a, dy [, axis]) with dx of a's shape. */
static PyObject *call_backward(axis_bwd_fn fa, elem_bwd_fn fe, const char *a_name,
                               PyObject *a_obj, PyObject *dy_obj, int axis,
                               PyObject *out_obj, PyObject *dtype_obj) {
  xpy_arr a, dy, dx;
  if (arr_acquire(a_obj, a_name, 0, &a) != 0) return NULL;
  if (arr_acquire(dy_obj, "dy", 0, &dy) != 0) {
    arr_release(&a);
    return NULL;
  }
  xent_dtype_t dtype = storable(dy.t.dtype);
  if (parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", a.t.rank, a.t.shape, dtype, &dx) != 0) {
    arr_release(&a);
    arr_release(&dy);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = fa ? fa(&a.t, &dy.t, axis, &dx.t) : fe(&a.t, &dy.t, &dx.t);
  Py_END_ALLOW_THREADS
  arr_release(&a);
  arr_release(&dy);
  if (st != XENT_OK) {
    arr_release(&dx);
    return raise_status(st);
  }
  PyObject *result = arr_take(&dx);
  arr_release(&dx);
  return result;
}

#define XPY_AXIS_FN(pyname, cfn, doc)                                                   \
  PyDoc_STRVAR(pyname##_doc, doc);                                                       \
  static PyObject *py_##pyname(PyObject *self, PyObject *args, PyObject *kwargs) {       \
    static char *kw[] = {"x", "axis", "out", "dtype", NULL};                             \
    PyObject *x, *out = NULL, *dtype = NULL;                                             \
    int axis = -1;                                                                       \
    (void)self;                                                                          \
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|i$OO:" #pyname, kw, &x, &axis,     \
                                     &out, &dtype))                                      \
      return NULL;                                                                       \
    return call_same_shape(cfn, NULL, x, axis, out, dtype);                              \
  }

#define XPY_ELEM_FN(pyname, cfn, doc)                                                   \
  PyDoc_STRVAR(pyname##_doc, doc);                                                       \
  static PyObject *py_##pyname(PyObject *self, PyObject *args, PyObject *kwargs) {       \
    static char *kw[] = {"x", "out", "dtype", NULL};                                     \
    PyObject *x, *out = NULL, *dtype = NULL;                                             \
    (void)self;                                                                          \
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OO:" #pyname, kw, &x, &out,       \
                                     &dtype))                                            \
      return NULL;                                                                       \
    return call_same_shape(NULL, cfn, x, 0, out, dtype);                                 \
  }

#define XPY_AXIS_BWD(pyname, cfn, first, doc)                                           \
  PyDoc_STRVAR(pyname##_doc, doc);                                                       \
  static PyObject *py_##pyname(PyObject *self, PyObject *args, PyObject *kwargs) {       \
    static char *kw[] = {first, "dy", "axis", "out", "dtype", NULL};                     \
    PyObject *a, *dy, *out = NULL, *dtype = NULL;                                        \
    int axis = -1;                                                                       \
    (void)self;                                                                          \
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|i$OO:" #pyname, kw, &a, &dy,      \
                                     &axis, &out, &dtype))                               \
      return NULL;                                                                       \
    return call_backward(cfn, NULL, first, a, dy, axis, out, dtype);                     \
  }

#define XPY_ELEM_BWD(pyname, cfn, doc)                                                  \
  PyDoc_STRVAR(pyname##_doc, doc);                                                       \
  static PyObject *py_##pyname(PyObject *self, PyObject *args, PyObject *kwargs) {       \
    static char *kw[] = {"x", "dy", "out", "dtype", NULL};                               \
    PyObject *a, *dy, *out = NULL, *dtype = NULL;                                        \
    (void)self;                                                                          \
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|$OO:" #pyname, kw, &a, &dy, &out, \
                                     &dtype))                                            \
      return NULL;                                                                       \
    return call_backward(NULL, cfn, "x", a, dy, 0, out, dtype);                          \
  }

XPY_AXIS_FN(softmax, xent_softmax,
            "softmax(x, axis=-1, *, out=None, dtype=None)\n--\n\n"
            "Softmax along `axis` (xent_softmax). Returns an array of x's shape and\n"
            "dtype (bfloat16 input: float32), or fills and returns `out`.")
XPY_AXIS_FN(log_softmax, xent_log_softmax,
            "log_softmax(x, axis=-1, *, out=None, dtype=None)\n--\n\n"
            "Log-softmax along `axis` (xent_log_softmax).")
XPY_AXIS_FN(hardmax, xent_hardmax,
            "hardmax(x, axis=-1, *, out=None, dtype=None)\n--\n\n"
            "One-hot of the argmax along `axis` (first index on ties, NaN wins).")
XPY_ELEM_FN(sigmoid, xent_sigmoid,
            "sigmoid(x, *, out=None, dtype=None)\n--\n\n1 / (1 + exp(-x)), element-wise.")
XPY_ELEM_FN(log_sigmoid, xent_log_sigmoid,
            "log_sigmoid(x, *, out=None, dtype=None)\n--\n\n-softplus(-x), element-wise.")
XPY_ELEM_FN(softplus, xent_softplus,
            "softplus(x, *, out=None, dtype=None)\n--\n\nlog(1 + exp(x)), element-wise, exact.")
XPY_AXIS_BWD(softmax_backward, xent_softmax_backward, "y",
             "softmax_backward(y, dy, axis=-1, *, out=None, dtype=None)\n--\n\n"
             "dx = y * (dy - sum(y * dy)) from the forward OUTPUT y.")
XPY_AXIS_BWD(log_softmax_backward, xent_log_softmax_backward, "y",
             "log_softmax_backward(y, dy, axis=-1, *, out=None, dtype=None)\n--\n\n"
             "dx = dy - exp(y) * sum(dy) from the forward OUTPUT y.")
XPY_ELEM_BWD(sigmoid_backward, xent_sigmoid_backward,
             "sigmoid_backward(x, dy, *, out=None, dtype=None)\n--\n\n"
             "dx = dy * sigmoid(x) * sigmoid(-x), from the forward INPUT x.")
XPY_ELEM_BWD(log_sigmoid_backward, xent_log_sigmoid_backward,
             "log_sigmoid_backward(x, dy, *, out=None, dtype=None)\n--\n\n"
             "dx = dy * sigmoid(-x), from the forward INPUT x.")
XPY_ELEM_BWD(softplus_backward, xent_softplus_backward,
             "softplus_backward(x, dy, *, out=None, dtype=None)\n--\n\n"
             "dx = dy * sigmoid(x), from the forward INPUT x.")

/* logsumexp(x, axis=-1, keepdims=False, *, out=None, dtype=None) */
PyDoc_STRVAR(logsumexp_doc,
             "logsumexp(x, axis=-1, keepdims=False, *, out=None, dtype=None)\n--\n\n"
             "log(sum(exp(x))) along `axis`; -inf for an empty axis.");
static PyObject *py_logsumexp(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"x", "axis", "keepdims", "out", "dtype", NULL};
  PyObject *x_obj, *out_obj = NULL, *dtype_obj = NULL;
  int axis = -1, keepdims = 0, ax;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|ip$OO:logsumexp", kw, &x_obj, &axis,
                                   &keepdims, &out_obj, &dtype_obj))
    return NULL;
  xpy_arr x, y;
  if (arr_acquire(x_obj, "x", 0, &x) != 0) return NULL;
  int64_t shape[XENT_MAX_RANK];
  xent_dtype_t dtype = storable(x.t.dtype);
  if (resolve_axis(axis, x.t.rank, "x", &ax) != 0 || parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", reduced_shape(&x.t, ax, keepdims, shape), shape, dtype,
                 &y) != 0) {
    arr_release(&x);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_logsumexp(&x.t, axis, &y.t);
  Py_END_ALLOW_THREADS
  arr_release(&x);
  if (st != XENT_OK) {
    arr_release(&y);
    return raise_status(st);
  }
  PyObject *result = arr_take(&y);
  arr_release(&y);
  return result;
}

PyDoc_STRVAR(logsumexp_backward_doc,
             "logsumexp_backward(x, dout, axis=-1, *, out=None, dtype=None)\n--\n\n"
             "dx = dout * softmax(x) along `axis`; dout has the reduced shape.");
static PyObject *py_logsumexp_backward(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"x", "dout", "axis", "out", "dtype", NULL};
  PyObject *a, *dy, *out = NULL, *dtype = NULL;
  int axis = -1;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|i$OO:logsumexp_backward", kw, &a, &dy,
                                   &axis, &out, &dtype))
    return NULL;
  return call_backward(xent_logsumexp_backward, NULL, "x", a, dy, axis, out, dtype);
}

PyDoc_STRVAR(logit_doc,
             "logit(p, eps=None, *, out=None, dtype=None)\n--\n\n"
             "log(p / (1 - p)), as torch.logit: eps=None for no clamp, else p is\n"
             "clamped to [eps, 1 - eps] first.");
static PyObject *py_logit(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"p", "eps", "out", "dtype", NULL};
  PyObject *p_obj, *eps_obj = Py_None, *out_obj = NULL, *dtype_obj = NULL;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O$OO:logit", kw, &p_obj, &eps_obj,
                                   &out_obj, &dtype_obj))
    return NULL;
  double eps = XENT_LOGIT_NO_EPS;
  if (eps_obj != Py_None) {
    eps = PyFloat_AsDouble(eps_obj);
    if (eps == -1.0 && PyErr_Occurred()) return NULL;
  }
  xpy_arr p, y;
  if (arr_acquire(p_obj, "p", 0, &p) != 0) return NULL;
  xent_dtype_t dtype = storable(p.t.dtype);
  if (parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", p.t.rank, p.t.shape, dtype, &y) != 0) {
    arr_release(&p);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_logit(&p.t, eps, &y.t);
  Py_END_ALLOW_THREADS
  arr_release(&p);
  if (st != XENT_OK) {
    arr_release(&y);
    return raise_status(st);
  }
  PyObject *result = arr_take(&y);
  arr_release(&y);
  return result;
}

PyDoc_STRVAR(logit_backward_doc,
             "logit_backward(p, dy, eps=None, *, out=None, dtype=None)\n--\n\n"
             "dx = dy / (p (1 - p)) inside the clamp range, 0 where it was active.");
static PyObject *py_logit_backward(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"p", "dy", "eps", "out", "dtype", NULL};
  PyObject *p_obj, *dy_obj, *eps_obj = Py_None, *out_obj = NULL, *dtype_obj = NULL;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O$OO:logit_backward", kw, &p_obj,
                                   &dy_obj, &eps_obj, &out_obj, &dtype_obj))
    return NULL;
  double eps = XENT_LOGIT_NO_EPS;
  if (eps_obj != Py_None) {
    eps = PyFloat_AsDouble(eps_obj);
    if (eps == -1.0 && PyErr_Occurred()) return NULL;
  }
  xpy_arr p, dy, dx;
  if (arr_acquire(p_obj, "p", 0, &p) != 0) return NULL;
  if (arr_acquire(dy_obj, "dy", 0, &dy) != 0) {
    arr_release(&p);
    return NULL;
  }
  xent_dtype_t dtype = storable(dy.t.dtype);
  if (parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", p.t.rank, p.t.shape, dtype, &dx) != 0) {
    arr_release(&p);
    arr_release(&dy);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_logit_backward(&p.t, &dy.t, eps, &dx.t);
  Py_END_ALLOW_THREADS
  arr_release(&p);
  arr_release(&dy);
  if (st != XENT_OK) {
    arr_release(&dx);
    return raise_status(st);
  }
  PyObject *result = arr_take(&dx);
  arr_release(&dx);
  return result;
}

/* ------------------------------------------------------------------------ */
/* Decisions                                                                */
/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(argmax_doc,
             "argmax(x, axis=-1, keepdims=False, *, out=None, dtype='int64')\n--\n\n"
             "Index of the largest element along `axis` (first on ties; NaN counts as\n"
             "the largest). dtype is int64 or int32.");
static PyObject *py_argmax(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"x", "axis", "keepdims", "out", "dtype", NULL};
  PyObject *x_obj, *out_obj = NULL, *dtype_obj = NULL;
  int axis = -1, keepdims = 0, ax;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|ip$OO:argmax", kw, &x_obj, &axis,
                                   &keepdims, &out_obj, &dtype_obj))
    return NULL;
  xpy_arr x, y;
  if (arr_acquire(x_obj, "x", 0, &x) != 0) return NULL;
  int64_t shape[XENT_MAX_RANK];
  xent_dtype_t dtype = XENT_I64;
  if (resolve_axis(axis, x.t.rank, "x", &ax) != 0 || parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", reduced_shape(&x.t, ax, keepdims, shape), shape, dtype,
                 &y) != 0) {
    arr_release(&x);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_argmax(&x.t, axis, &y.t);
  Py_END_ALLOW_THREADS
  arr_release(&x);
  if (st != XENT_OK) {
    arr_release(&y);
    return raise_status(st);
  }
  PyObject *result = arr_take(&y);
  arr_release(&y);
  return result;
}

PyDoc_STRVAR(one_hot_doc,
             "one_hot(labels, num_classes, axis=-1, on_value=1.0, off_value=0.0, *,\n"
             "        out_of_range_is_off=False, out=None, dtype='float32')\n--\n\n"
             "One-hot encoding of integer labels; the class axis is inserted at `axis`\n"
             "of the result. A label outside [0, num_classes) raises IndexError unless\n"
             "out_of_range_is_off (tf.one_hot's rule: a row of off_value).");
static PyObject *py_one_hot(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"labels",  "num_classes",         "axis", "on_value",
                       "off_value", "out_of_range_is_off", "out",  "dtype", NULL};
  PyObject *l_obj, *out_obj = NULL, *dtype_obj = NULL;
  long long classes;
  int axis = -1, off_flag = 0, ax;
  double on_value = 1.0, off_value = 0.0;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OL|idd$pOO:one_hot", kw, &l_obj, &classes,
                                   &axis, &on_value, &off_value, &off_flag, &out_obj,
                                   &dtype_obj))
    return NULL;
  if (classes < 0) {
    PyErr_Format(PyExc_ValueError, "num_classes = %lld is negative", classes);
    return NULL;
  }
  xpy_arr l, y;
  if (arr_acquire(l_obj, "labels", 0, &l) != 0) return NULL;
  if (l.t.rank + 1 > XENT_MAX_RANK) {
    arr_release(&l);
    PyErr_Format(PyExc_ValueError, "labels has %d axes; the one-hot result would exceed %d",
                 (int)l.t.rank, XENT_MAX_RANK);
    return NULL;
  }
  int64_t shape[XENT_MAX_RANK];
  xent_dtype_t dtype = XENT_F32;
  if (resolve_axis(axis, l.t.rank + 1, "the one-hot result", &ax) != 0 ||
      parse_dtype(dtype_obj, &dtype) != 0) {
    arr_release(&l);
    return NULL;
  }
  for (int i = 0, j = 0; i < l.t.rank + 1; i++)
    shape[i] = i == ax ? (int64_t)classes : l.t.shape[j++];
  if (arr_output(out_obj, "out", l.t.rank + 1, shape, dtype, &y) != 0) {
    arr_release(&l);
    return NULL;
  }
  unsigned flags = off_flag ? XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF : 0u;
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_one_hot(&l.t, axis, on_value, off_value, flags, &y.t);
  Py_END_ALLOW_THREADS
  arr_release(&l);
  if (st != XENT_OK) {
    arr_release(&y);
    return raise_status(st);
  }
  PyObject *result = arr_take(&y);
  arr_release(&y);
  return result;
}

/* ------------------------------------------------------------------------ */
/* Cross-entropy                                                            */
/* ------------------------------------------------------------------------ */

static int parse_reduction(PyObject *obj, xent_reduction_t *out) {
  static const char *const names[] = {"none", "sum", "mean", "sum_over_batch_size",
                                      "sum_by_nonzero_weights"};
  if (obj == NULL) return 0;
  if (obj == Py_None) return *out = XENT_REDUCTION_NONE, 0;
  if (PyLong_Check(obj)) {
    long v = PyLong_AsLong(obj);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v >= 0 && v <= XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS)
      return *out = (xent_reduction_t)v, 0;
  } else if (PyUnicode_Check(obj)) {
    const char *s = PyUnicode_AsUTF8(obj);
    if (!s) return -1;
    for (int i = 0; i < 5; i++)
      if (strcmp(s, names[i]) == 0) return *out = (xent_reduction_t)i, 0;
  }
  PyErr_Format(PyExc_ValueError,
               "reduction %R is not one of 'none', 'sum', 'mean', 'sum_over_batch_size', "
               "'sum_by_nonzero_weights' (or REDUCTION_* constants)",
               obj);
  return -1;
}

static int parse_empty(PyObject *obj, xent_empty_t *out) {
  if (obj == NULL) return 0;
  if (PyLong_Check(obj)) {
    long v = PyLong_AsLong(obj);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v == XENT_EMPTY_ZERO || v == XENT_EMPTY_NAN) return *out = (xent_empty_t)v, 0;
  } else if (PyUnicode_Check(obj)) {
    const char *s = PyUnicode_AsUTF8(obj);
    if (!s) return -1;
    if (strcmp(s, "zero") == 0) return *out = XENT_EMPTY_ZERO, 0;
    if (strcmp(s, "nan") == 0) return *out = XENT_EMPTY_NAN, 0;
  }
  PyErr_Format(PyExc_ValueError, "empty %R is not 'zero' or 'nan'", obj);
  return -1;
}

typedef xent_status_t (*ce_fn)(const xent_tensor_t *, const xent_tensor_t *,
                               const xent_ce_options_t *, const xent_tensor_t *,
                               const xent_tensor_t *);

enum { CE_DENSE, CE_SPARSE, CE_SIGMOID };

/* Option tensors, in the order of the keyword arguments. */
enum { OPT_CLASS_W, OPT_POS_W, OPT_SAMPLE_W, OPT_MASK, OPT_LENGTHS, OPT_UPSTREAM, OPT_N };
static const char *const k_opt_names[OPT_N] = {"class_weights", "pos_weight",
                                               "sample_weights", "mask",
                                               "lengths",       "upstream"};

static PyObject *call_ce(int kind, ce_fn fn, const char *fname, PyObject *args,
                         PyObject *kwargs) {
  static char *kw[] = {"logits",     "labels",      "axis",         "reduction",
                       "empty",      "label_smoothing", "ignore_index", "flags",
                       "class_weights", "pos_weight", "sample_weights", "mask",
                       "lengths",    "upstream",    "return_loss",  "return_grad",
                       "loss_out",   "grad_out",    "dtype",        NULL};
  char format[64];
  PyOS_snprintf(format, sizeof format, "OO|$iOOdOIOOOOOOppOOO:%s", fname);
  PyObject *logits_obj, *labels_obj, *reduction_obj = NULL, *empty_obj = NULL;
  PyObject *ignore_obj = Py_None, *opt_obj[OPT_N] = {NULL};
  PyObject *loss_out = NULL, *grad_out = NULL, *dtype_obj = NULL;
  xent_ce_options_t o = xent_ce_options_default();
  int return_loss = 1, return_grad = 0;
  if (!PyArg_ParseTupleAndKeywords(
          args, kwargs, format, kw, &logits_obj, &labels_obj, &o.axis, &reduction_obj,
          &empty_obj, &o.label_smoothing, &ignore_obj, &o.flags, &opt_obj[OPT_CLASS_W],
          &opt_obj[OPT_POS_W], &opt_obj[OPT_SAMPLE_W], &opt_obj[OPT_MASK],
          &opt_obj[OPT_LENGTHS], &opt_obj[OPT_UPSTREAM], &return_loss, &return_grad,
          &loss_out, &grad_out, &dtype_obj))
    return NULL;
  if (parse_reduction(reduction_obj, &o.reduction) != 0 || parse_empty(empty_obj, &o.empty) != 0)
    return NULL;
  if (ignore_obj != Py_None) {
    o.ignore_index = PyLong_AsLongLong(ignore_obj);
    if (o.ignore_index == -1 && PyErr_Occurred()) return NULL;
  }
  int want_loss = return_loss || (loss_out && loss_out != Py_None);
  int want_grad = return_grad || (grad_out && grad_out != Py_None);
  if (!want_loss && !want_grad) {
    PyErr_SetString(PyExc_ValueError, "return_loss and return_grad are both false");
    return NULL;
  }

  PyObject *result = NULL;
  xpy_arr logits, labels, opt[OPT_N], loss, grad;
  int have[OPT_N] = {0}, have_labels = 0, have_loss = 0, have_grad = 0, n_opt = 0;
  memset(&loss, 0, sizeof loss);
  memset(&grad, 0, sizeof grad);
  if (arr_acquire(logits_obj, "logits", 0, &logits) != 0) return NULL;
  if (arr_acquire(labels_obj, "labels", 0, &labels) != 0) goto done;
  have_labels = 1;
  for (; n_opt < OPT_N; n_opt++)
    if (arr_acquire_opt(opt_obj[n_opt], k_opt_names[n_opt], &opt[n_opt], &have[n_opt]) != 0)
      goto done;
  o.class_weights = have[OPT_CLASS_W] ? &opt[OPT_CLASS_W].t : NULL;
  o.pos_weight = have[OPT_POS_W] ? &opt[OPT_POS_W].t : NULL;
  o.sample_weights = have[OPT_SAMPLE_W] ? &opt[OPT_SAMPLE_W].t : NULL;
  o.mask = have[OPT_MASK] ? &opt[OPT_MASK].t : NULL;
  o.lengths = have[OPT_LENGTHS] ? &opt[OPT_LENGTHS].t : NULL;
  o.upstream = have[OPT_UPSTREAM] ? &opt[OPT_UPSTREAM].t : NULL;

  xent_dtype_t dtype = storable(logits.t.dtype);
  if (parse_dtype(dtype_obj, &dtype) != 0) goto done;
  if (logits.t.rank < 1) {
    PyErr_SetString(PyExc_ValueError, "logits must have at least one axis (the classes)");
    goto done;
  }
  int ax;
  if (resolve_axis(o.axis, logits.t.rank, "logits", &ax) != 0) goto done;
  if (want_loss) {
    int64_t shape[XENT_MAX_RANK];
    int rank = 0;
    if (o.reduction == XENT_REDUCTION_NONE) {
      int per_element = kind == CE_SIGMOID && !(o.flags & XENT_CE_MEAN_OVER_CLASSES);
      rank = reduced_shape(&logits.t, per_element ? -1 : ax, 0, shape);
    }
    if (arr_output(loss_out, "loss_out", rank, shape, dtype, &loss) != 0) goto done;
    have_loss = 1;
  }
  if (want_grad) {
    if (arr_output(grad_out, "grad_out", logits.t.rank, logits.t.shape, dtype, &grad) != 0)
      goto done;
    have_grad = 1;
  }

  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = fn(&logits.t, &labels.t, &o, have_loss ? &loss.t : NULL, have_grad ? &grad.t : NULL);
  Py_END_ALLOW_THREADS
  if (st != XENT_OK) {
    raise_status(st);
    goto done;
  }
  if (have_loss && have_grad) {
    PyObject *l = arr_take(&loss), *g = arr_take(&grad);
    result = PyTuple_Pack(2, l, g);
    Py_DECREF(l);
    Py_DECREF(g);
  } else {
    result = arr_take(have_loss ? &loss : &grad);
  }

done:
  arr_release(&logits);
  if (have_labels) arr_release(&labels);
  for (int i = 0; i < n_opt; i++)
    if (have[i]) arr_release(&opt[i]);
  if (have_loss) arr_release(&loss);
  if (have_grad) arr_release(&grad);
  return result;
}

#define XPY_CE_DOC_TAIL                                                                  \
  "\n\nKeyword arguments are the fields of xent_ce_options_t: axis (class axis),\n"     \
  "reduction ('none', 'sum', 'mean', 'sum_over_batch_size',\n"                          \
  "'sum_by_nonzero_weights', or a REDUCTION_* constant), empty ('zero' or 'nan':\n"     \
  "the value of a mean over nothing), label_smoothing, ignore_index (None: none),\n"    \
  "flags (CE_TF_GRADIENT, CE_MEAN_OVER_CLASSES), and the optional arrays\n"             \
  "class_weights, pos_weight, sample_weights, mask (uint8/bool), lengths, upstream.\n"  \
  "Returns the loss, or the gradient with respect to the logits, or (loss, grad),\n"    \
  "as return_loss / return_grad ask (loss_out= / grad_out= fill given arrays).\n"       \
  "Outputs have the logits' dtype (bfloat16: float32) unless dtype= says otherwise."

#define XPY_CE_SIG(name)                                                                 \
  name "(logits, labels, *, axis=-1, reduction='mean', empty='zero',\n"                  \
       "label_smoothing=0.0, ignore_index=None, flags=0, class_weights=None,\n"          \
       "pos_weight=None, sample_weights=None, mask=None, lengths=None, upstream=None,\n" \
       "return_loss=True, return_grad=False, loss_out=None, grad_out=None, dtype=None)\n--\n\n"

PyDoc_STRVAR(softmax_cross_entropy_doc,
             XPY_CE_SIG("softmax_cross_entropy")
             "Softmax cross-entropy against dense targets (probabilities, the logits'\n"
             "shape)." XPY_CE_DOC_TAIL);
PyDoc_STRVAR(sparse_softmax_cross_entropy_doc,
             XPY_CE_SIG("sparse_softmax_cross_entropy")
             "Softmax cross-entropy against class indices (int32, int64, uint8; the\n"
             "logits' shape without the class axis)." XPY_CE_DOC_TAIL);
PyDoc_STRVAR(sigmoid_cross_entropy_doc,
             XPY_CE_SIG("sigmoid_cross_entropy")
             "Sigmoid (binary) cross-entropy per element against targets in [0, 1];\n"
             "with flags=CE_MEAN_OVER_CLASSES, the mean over the class axis (Keras)."
             XPY_CE_DOC_TAIL);

static PyObject *py_softmax_cross_entropy(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_ce(CE_DENSE, xent_softmax_cross_entropy, "softmax_cross_entropy", args, kwargs);
}
static PyObject *py_sparse_softmax_cross_entropy(PyObject *self, PyObject *args,
                                                 PyObject *kwargs) {
  (void)self;
  return call_ce(CE_SPARSE, xent_sparse_softmax_cross_entropy, "sparse_softmax_cross_entropy",
                 args, kwargs);
}
static PyObject *py_sigmoid_cross_entropy(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_ce(CE_SIGMOID, xent_sigmoid_cross_entropy, "sigmoid_cross_entropy", args,
                 kwargs);
}

/* ------------------------------------------------------------------------ */
/* Introspection                                                            */
/* ------------------------------------------------------------------------ */

PyDoc_STRVAR(describe_doc,
             "describe(obj, writable=False)\n--\n\n"
             "How xent sees `obj` without copying it: a dict with dtype, shape,\n"
             "strides (in elements), data (the address of element [0, ..., 0]) and\n"
             "via ('buffer', 'dlpack', or 'numpy' when it had to be converted).");
static PyObject *py_describe(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"obj", "writable", NULL};
  PyObject *obj;
  int writable = 0;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|p:describe", kw, &obj, &writable))
    return NULL;
  xpy_arr a;
  if (arr_acquire(obj, "obj", writable, &a) != 0) return NULL;
  PyObject *shape = PyTuple_New(a.t.rank), *strides = PyTuple_New(a.t.rank);
  PyObject *result = NULL;
  if (shape && strides) {
    for (int i = 0; i < a.t.rank; i++) {
      PyTuple_SET_ITEM(shape, i, PyLong_FromLongLong(a.t.shape[i]));
      PyTuple_SET_ITEM(strides, i, PyLong_FromLongLong(a.t.strides[i]));
    }
    result = Py_BuildValue("{s:s,s:O,s:O,s:N,s:s}", "dtype", k_numpy_names[a.t.dtype],
                           "shape", shape, "strides", strides, "data",
                           PyLong_FromVoidPtr(a.t.data), "via",
                           a.owner ? "numpy" : a.via);
  }
  Py_XDECREF(shape);
  Py_XDECREF(strides);
  arr_release(&a);
  return result;
}

PyDoc_STRVAR(version_doc, "version()\n--\n\nThe version of the linked C library.");
static PyObject *py_version(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  return PyUnicode_FromString(xent_version());
}

/* ------------------------------------------------------------------------ */
/* Module                                                                   */
/* ------------------------------------------------------------------------ */

#define XPY_KW(name) {#name, (PyCFunction)(void (*)(void))py_##name, \
                      METH_VARARGS | METH_KEYWORDS, name##_doc}

static PyMethodDef k_methods[] = {
    XPY_KW(softmax),
    XPY_KW(log_softmax),
    XPY_KW(logsumexp),
    XPY_KW(softmax_backward),
    XPY_KW(log_softmax_backward),
    XPY_KW(logsumexp_backward),
    XPY_KW(sigmoid),
    XPY_KW(log_sigmoid),
    XPY_KW(softplus),
    XPY_KW(sigmoid_backward),
    XPY_KW(log_sigmoid_backward),
    XPY_KW(softplus_backward),
    XPY_KW(logit),
    XPY_KW(logit_backward),
    XPY_KW(argmax),
    XPY_KW(hardmax),
    XPY_KW(one_hot),
    XPY_KW(softmax_cross_entropy),
    XPY_KW(sparse_softmax_cross_entropy),
    XPY_KW(sigmoid_cross_entropy),
    XPY_KW(describe),
    {"version", py_version, METH_NOARGS, version_doc},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef k_module = {
    PyModuleDef_HEAD_INIT, "_xent",
    "The xent C library (classification output layer) for Python; see xent/__init__.py.",
    -1, k_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__xent(void) {
  PyObject *m = PyModule_Create(&k_module);
  if (!m) return NULL;
  struct {
    const char *name;
    long value;
  } constants[] = {
      {"REDUCTION_NONE", XENT_REDUCTION_NONE},
      {"REDUCTION_SUM", XENT_REDUCTION_SUM},
      {"REDUCTION_MEAN", XENT_REDUCTION_MEAN},
      {"REDUCTION_SUM_OVER_BATCH_SIZE", XENT_REDUCTION_SUM_OVER_BATCH_SIZE},
      {"REDUCTION_SUM_BY_NONZERO_WEIGHTS", XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS},
      {"EMPTY_ZERO", XENT_EMPTY_ZERO},
      {"EMPTY_NAN", XENT_EMPTY_NAN},
      {"CE_TF_GRADIENT", XENT_CE_TF_GRADIENT},
      {"CE_MEAN_OVER_CLASSES", XENT_CE_MEAN_OVER_CLASSES},
      {"MAX_RANK", XENT_MAX_RANK},
  };
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
    if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) != 0) {
      Py_DECREF(m);
      return NULL;
    }
  return m;
}
