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
/* A reduction along an axis (logsumexp, argmax): x, axis, keepdims, out and
 * dtype (default: x's storable type, or int64 for an index). */
static PyObject *call_reduce(axis_fn fn, const char *fname, int index_output, PyObject *args,
                             PyObject *kwargs) {
  static char *kw[] = {"x", "axis", "keepdims", "out", "dtype", NULL};
  PyObject *x_obj, *out_obj = NULL, *dtype_obj = NULL;
  int axis = -1, keepdims = 0, ax;
  char format[64];
  snprintf(format, sizeof format, "O|ip$OO:%s", fname);
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, kw, &x_obj, &axis, &keepdims, &out_obj,
                                   &dtype_obj))
    return NULL;
  xpy_arr x, y;
  if (arr_acquire(x_obj, "x", 0, &x) != 0) return NULL;
  int64_t shape[XENT_MAX_RANK];
  xent_dtype_t dtype = index_output ? XENT_I64 : storable(x.t.dtype);
  if (resolve_axis(axis, x.t.rank, "x", &ax) != 0 || parse_dtype(dtype_obj, &dtype) != 0 ||
      arr_output(out_obj, "out", reduced_shape(&x.t, ax, keepdims, shape), shape, dtype,
                 &y) != 0) {
    arr_release(&x);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = fn(&x.t, axis, &y.t);
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

static PyObject *py_logsumexp(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_reduce(xent_logsumexp, "logsumexp", 0, args, kwargs);
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
  (void)self;
  return call_reduce(xent_argmax, "argmax", 1, args, kwargs);
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

/* ------------------------------------------------------------------------ */
/* Keyword helpers for the functions below                                  */
/* ------------------------------------------------------------------------ */

/*
 * Function-specific keywords (a params struct's fields) are taken out of the
 * keyword dict before the shared ones are parsed: values[i] is the object
 * given for names[i] (borrowed from `kwargs`, NULL when absent), and *rest a
 * new dict without them (NULL when there were no keywords at all).
 */
static int split_kwargs(PyObject *kwargs, const char *const *names, PyObject **values,
                        PyObject **rest) {
  *rest = NULL;
  for (int i = 0; names[i]; i++) values[i] = NULL;
  if (!kwargs) return 0;
  *rest = PyDict_Copy(kwargs);
  if (!*rest) return -1;
  for (int i = 0; names[i]; i++) {
    values[i] = PyDict_GetItemString(kwargs, names[i]);
    if (values[i] && PyDict_DelItemString(*rest, names[i]) != 0) {
      Py_CLEAR(*rest);
      return -1;
    }
  }
  return 0;
}

static int kw_double(PyObject *v, const char *name, double *out) {
  if (!v) return 0;
  double d = PyFloat_AsDouble(v);
  if (d == -1.0 && PyErr_Occurred()) {
    PyErr_Format(PyExc_TypeError, "%s must be a number, not %.100s", name,
                 Py_TYPE(v)->tp_name);
    return -1;
  }
  *out = d;
  return 0;
}

static int kw_bool(PyObject *v, int *out) {
  if (!v) return 0;
  int b = PyObject_IsTrue(v);
  if (b < 0) return -1;
  *out = b;
  return 0;
}

static int kw_int64(PyObject *v, const char *name, int64_t *out) {
  if (!v) return 0;
  if (!PyLong_Check(v) && !PyIndex_Check(v)) {
    PyErr_Format(PyExc_TypeError, "%s must be an integer, not %.100s", name,
                 Py_TYPE(v)->tp_name);
    return -1;
  }
  long long x = PyLong_AsLongLong(v);
  if (x == -1 && PyErr_Occurred()) return -1;
  *out = (int64_t)x;
  return 0;
}

/* An enum keyword: one of `names` (index = value) or the integer itself. */
static int kw_enum(PyObject *v, const char *what, const char *const *names, int *out) {
  if (!v) return 0;
  int n = 0;
  while (names[n]) n++;
  if (PyLong_Check(v)) {
    long x = PyLong_AsLong(v);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (x >= 0 && x < n) return *out = (int)x, 0;
  } else if (PyUnicode_Check(v)) {
    const char *s = PyUnicode_AsUTF8(v);
    if (!s) return -1;
    for (int i = 0; i < n; i++)
      if (strcmp(s, names[i]) == 0) return *out = i, 0;
  }
  PyObject *choices = PyUnicode_FromString("");
  for (int i = 0; choices && i < n; i++) {
    PyObject *next = PyUnicode_FromFormat("%U%s'%s'", choices, i ? ", " : "", names[i]);
    Py_SETREF(choices, next);
  }
  if (choices) {
    PyErr_Format(PyExc_ValueError, "%s %R is not one of %U", what, v, choices);
    Py_DECREF(choices);
  }
  return -1;
}

/* Stores a double into element `i` (C order over t's shape) of a float tensor. */
static void store_double(const xent_tensor_t *t, int64_t i, double v) {
  int64_t off = 0;
  for (int d = t->rank - 1; d >= 0; d--) {
    int64_t ext = t->shape[d];
    off += (i % ext) * t->strides[d];
    i /= ext;
  }
  char *p = (char *)t->data + off * (int64_t)xent_dtype_size(t->dtype);
  switch (t->dtype) {
  case XENT_F64: *(double *)p = v; break;
  case XENT_F32: *(float *)p = (float)v; break;
  case XENT_F16: *(uint16_t *)p = xent_f64_to_f16(v); break;
  case XENT_BF16: *(uint16_t *)p = xent_f64_to_bf16(v); break;
  default: break;
  }
}

static int require_float_out(const xpy_arr *a, const char *name) {
  xent_dtype_t d = a->t.dtype;
  if (d == XENT_F32 || d == XENT_F64 || d == XENT_F16 || d == XENT_BF16) return 0;
  PyErr_Format(PyExc_TypeError, "%s must be a float array", name);
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Losses: cross-entropy on logits, on probabilities, focal, regression,    */
/* segmentation, distillation                                               */
/* ------------------------------------------------------------------------ */

typedef xent_status_t (*ce_fn)(const xent_tensor_t *, const xent_tensor_t *,
                               const xent_ce_options_t *, const xent_tensor_t *,
                               const xent_tensor_t *);

/* The shape of a loss with reduction 'none'. */
typedef enum {
  LS_POSITIONS, /* the first tensor's shape without the class axis           */
  LS_ELEMENTS,  /* the first tensor's shape; without the class axis when
                   flags has CE_MEAN_OVER_CLASSES                            */
  LS_SAMPLES,   /* (N,): one loss per index of axis 0                        */
  LS_GROUPS     /* the first tensor's axes that are not summed (sum_axes)    */
} loss_shape_t;

/* Calls the C function with its own parameters (ctx). */
typedef xent_status_t (*loss_thunk)(const void *ctx, const xent_tensor_t *a,
                                    const xent_tensor_t *b, const xent_ce_options_t *o,
                                    const xent_tensor_t *loss, const xent_tensor_t *grad);

typedef struct {
  const char *fname, *a_name, *b_name;
  loss_shape_t shape;
  loss_thunk fn;
  void *ctx;
  PyObject *sum_axes_obj; /* LS_GROUPS: the sum_axes keyword (None/absent: all) */
  uint32_t *sum_axes;     /* LS_GROUPS: where the bits go                        */
} loss_spec;

/* Option tensors, in the order of the keyword arguments. */
enum { OPT_CLASS_W, OPT_POS_W, OPT_SAMPLE_W, OPT_MASK, OPT_LENGTHS, OPT_UPSTREAM, OPT_N };
static const char *const k_opt_names[OPT_N] = {"class_weights", "pos_weight",
                                               "sample_weights", "mask",
                                               "lengths",       "upstream"};

/* sum_axes: None (every axis), an int bit mask (XENT_AXIS_BIT), or a sequence
 * of axes (negative ones counted from the end of a tensor of `rank` axes). */
static int parse_sum_axes(PyObject *obj, int rank, uint32_t *bits) {
  *bits = 0;
  if (!obj || obj == Py_None) return 0;
  if (PyLong_Check(obj)) {
    unsigned long v = PyLong_AsUnsignedLong(obj);
    if (v == (unsigned long)-1 && PyErr_Occurred()) return -1;
    if (v > UINT32_MAX) {
      PyErr_SetString(PyExc_ValueError, "sum_axes bit mask does not fit in 32 bits");
      return -1;
    }
    *bits = (uint32_t)v;
    return 0;
  }
  PyObject *seq = PySequence_Fast(obj, "sum_axes must be None, an int bit mask or a "
                                       "sequence of axes");
  if (!seq) return -1;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
    long a = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (a == -1 && PyErr_Occurred()) {
      Py_DECREF(seq);
      return -1;
    }
    int r;
    if (resolve_axis((int)a, rank, "the predictions", &r) != 0) {
      Py_DECREF(seq);
      return -1;
    }
    *bits |= XENT_AXIS_BIT(r);
  }
  Py_DECREF(seq);
  if (*bits == 0) {
    PyErr_SetString(PyExc_ValueError, "sum_axes is empty; pass None to sum every axis");
    return -1;
  }
  return 0;
}

/*
 * The shared part of every loss: the two tensors, the fields of
 * xent_ce_options_t as keywords, return_loss / return_grad, loss_out /
 * grad_out and dtype. `kwargs` holds no function-specific keyword any more.
 */
static PyObject *run_loss(const loss_spec *spec, PyObject *args, PyObject *kwargs) {
  char *kw[] = {(char *)spec->a_name, (char *)spec->b_name,
                "axis",          "reduction",      "empty",        "label_smoothing",
                "ignore_index",  "flags",          "class_weights", "pos_weight",
                "sample_weights", "mask",          "lengths",      "upstream",
                "return_loss",   "return_grad",    "loss_out",     "grad_out",
                "dtype",         NULL};
  char format[96];
  PyOS_snprintf(format, sizeof format, "OO|$iOOdOIOOOOOOppOOO:%s", spec->fname);
  PyObject *a_obj, *b_obj, *reduction_obj = NULL, *empty_obj = NULL;
  PyObject *ignore_obj = Py_None, *opt_obj[OPT_N] = {NULL};
  PyObject *loss_out = NULL, *grad_out = NULL, *dtype_obj = NULL;
  xent_ce_options_t o = xent_ce_options_default();
  int return_loss = 1, return_grad = 0;
  if (!PyArg_ParseTupleAndKeywords(
          args, kwargs, format, kw, &a_obj, &b_obj, &o.axis, &reduction_obj, &empty_obj,
          &o.label_smoothing, &ignore_obj, &o.flags, &opt_obj[OPT_CLASS_W],
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
  xpy_arr a, b, opt[OPT_N], loss, grad;
  int have[OPT_N] = {0}, have_b = 0, have_loss = 0, have_grad = 0, n_opt = 0;
  memset(&loss, 0, sizeof loss);
  memset(&grad, 0, sizeof grad);
  if (arr_acquire(a_obj, spec->a_name, 0, &a) != 0) return NULL;
  if (arr_acquire(b_obj, spec->b_name, 0, &b) != 0) goto done;
  have_b = 1;
  for (; n_opt < OPT_N; n_opt++)
    if (arr_acquire_opt(opt_obj[n_opt], k_opt_names[n_opt], &opt[n_opt], &have[n_opt]) != 0)
      goto done;
  o.class_weights = have[OPT_CLASS_W] ? &opt[OPT_CLASS_W].t : NULL;
  o.pos_weight = have[OPT_POS_W] ? &opt[OPT_POS_W].t : NULL;
  o.sample_weights = have[OPT_SAMPLE_W] ? &opt[OPT_SAMPLE_W].t : NULL;
  o.mask = have[OPT_MASK] ? &opt[OPT_MASK].t : NULL;
  o.lengths = have[OPT_LENGTHS] ? &opt[OPT_LENGTHS].t : NULL;
  o.upstream = have[OPT_UPSTREAM] ? &opt[OPT_UPSTREAM].t : NULL;

  xent_dtype_t dtype = storable(a.t.dtype);
  if (a.t.dtype == XENT_I32 || a.t.dtype == XENT_I64 || a.t.dtype == XENT_U8)
    dtype = XENT_F64; /* let the library name the integer input in its error */
  if (parse_dtype(dtype_obj, &dtype) != 0) goto done;
  if (spec->shape == LS_GROUPS && parse_sum_axes(spec->sum_axes_obj, a.t.rank, spec->sum_axes) != 0)
    goto done;
  if (want_loss) {
    int64_t shape[XENT_MAX_RANK];
    int rank = 0;
    if (o.reduction == XENT_REDUCTION_NONE) {
      int ax = -1;
      switch (spec->shape) {
      case LS_POSITIONS:
      case LS_ELEMENTS:
        if (spec->shape == LS_ELEMENTS && !(o.flags & XENT_CE_MEAN_OVER_CLASSES)) {
          rank = reduced_shape(&a.t, -1, 0, shape);
          break;
        }
        if (a.t.rank < 1) {
          PyErr_Format(PyExc_ValueError, "%s must have at least one axis (the classes)",
                       spec->a_name);
          goto done;
        }
        if (resolve_axis(o.axis, a.t.rank, spec->a_name, &ax) != 0) goto done;
        rank = reduced_shape(&a.t, ax, 0, shape);
        break;
      case LS_SAMPLES:
        if (a.t.rank < 1) {
          PyErr_Format(PyExc_ValueError, "%s must have a batch axis", spec->a_name);
          goto done;
        }
        shape[0] = a.t.shape[0];
        rank = 1;
        break;
      case LS_GROUPS:
        for (int i = 0; i < a.t.rank; i++)
          if (*spec->sum_axes && !(*spec->sum_axes & XENT_AXIS_BIT(i)))
            shape[rank++] = a.t.shape[i];
        break;
      }
    }
    if (arr_output(loss_out, "loss_out", rank, shape, dtype, &loss) != 0) goto done;
    have_loss = 1;
  }
  if (want_grad) {
    if (arr_output(grad_out, "grad_out", a.t.rank, a.t.shape, dtype, &grad) != 0) goto done;
    have_grad = 1;
  }

  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = spec->fn(spec->ctx, &a.t, &b.t, &o, have_loss ? &loss.t : NULL,
                have_grad ? &grad.t : NULL);
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
  arr_release(&a);
  if (have_b) arr_release(&b);
  for (int i = 0; i < n_opt; i++)
    if (have[i]) arr_release(&opt[i]);
  if (have_loss) arr_release(&loss);
  if (have_grad) arr_release(&grad);
  return result;
}

/* run_loss after taking the keywords in `names` out (values[] as split_kwargs). */
typedef int (*extras_fn)(PyObject **values, loss_spec *spec);

static PyObject *run_loss_with(loss_spec *spec, const char *const *names, extras_fn take,
                               PyObject *args, PyObject *kwargs) {
  PyObject *values[16], *rest = NULL;
  if (split_kwargs(kwargs, names, values, &rest) != 0) return NULL;
  PyObject *result = NULL;
  if (take(values, spec) == 0) result = run_loss(spec, args, rest);
  Py_XDECREF(rest);
  return result;
}

#define XPY_LOSS_OPTIONS_DOC                                                             \
  "\n\nShared keywords (xent_ce_options_t; each function says which apply): axis,\n"    \
  "reduction ('none', 'sum', 'mean', 'sum_over_batch_size',\n"                          \
  "'sum_by_nonzero_weights'), empty ('zero' or 'nan'), label_smoothing,\n"              \
  "ignore_index, flags, and the arrays class_weights, pos_weight,\n"                    \
  "sample_weights, mask, lengths, upstream. Returns the loss, the gradient with\n"      \
  "respect to the first argument (return_loss=False, return_grad=True), or\n"           \
  "(loss, grad); loss_out= / grad_out= fill given arrays; dtype= sets the\n"            \
  "outputs' dtype (default: the first argument's)."

#define XPY_LOSS_SHARED_SIG                                                              \
  "axis=-1, reduction='mean', empty='zero', label_smoothing=0.0,\n"                      \
  "ignore_index=None, flags=0, class_weights=None, pos_weight=None,\n"                   \
  "sample_weights=None, mask=None, lengths=None, upstream=None, return_loss=True,\n"     \
  "return_grad=False, loss_out=None, grad_out=None, dtype=None)\n--\n\n"

/* ---- cross-entropy on logits ---- */

typedef struct {
  ce_fn fn;
} ce_ctx;

static xent_status_t th_ce(const void *ctx, const xent_tensor_t *a, const xent_tensor_t *b,
                           const xent_ce_options_t *o, const xent_tensor_t *loss,
                           const xent_tensor_t *grad) {
  return ((const ce_ctx *)ctx)->fn(a, b, o, loss, grad);
}

/* A loss with only the shared options (cross-entropy's signature). */
static PyObject *call_plain(ce_fn fn, loss_shape_t shape, const char *fname,
                            const char *a_name, const char *b_name, PyObject *args,
                            PyObject *kwargs) {
  ce_ctx ctx = {fn};
  loss_spec spec = {fname, a_name, b_name, shape, th_ce, &ctx, NULL, NULL};
  return run_loss(&spec, args, kwargs);
}

static PyObject *call_ce(loss_shape_t shape, ce_fn fn, const char *fname, PyObject *args,
                         PyObject *kwargs) {
  return call_plain(fn, shape, fname, "logits", "labels", args, kwargs);
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
  return call_ce(LS_POSITIONS, xent_softmax_cross_entropy, "softmax_cross_entropy", args,
                 kwargs);
}
static PyObject *py_sparse_softmax_cross_entropy(PyObject *self, PyObject *args,
                                                 PyObject *kwargs) {
  (void)self;
  return call_ce(LS_POSITIONS, xent_sparse_softmax_cross_entropy,
                 "sparse_softmax_cross_entropy", args, kwargs);
}
static PyObject *py_sigmoid_cross_entropy(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_ce(LS_ELEMENTS, xent_sigmoid_cross_entropy, "sigmoid_cross_entropy", args,
                 kwargs);
}

/* ---- cross-entropy on probabilities ---- */

typedef xent_status_t (*prob_fn)(const xent_tensor_t *, const xent_tensor_t *,
                                 const xent_prob_params_t *, const xent_ce_options_t *,
                                 const xent_tensor_t *, const xent_tensor_t *);
typedef struct {
  prob_fn fn;
  xent_prob_params_t p;
} prob_ctx;

static xent_status_t th_prob(const void *ctx, const xent_tensor_t *a, const xent_tensor_t *b,
                             const xent_ce_options_t *o, const xent_tensor_t *loss,
                             const xent_tensor_t *grad) {
  const prob_ctx *c = ctx;
  return c->fn(a, b, &c->p, o, loss, grad);
}

static const char *const k_prob_kw[] = {"mode", "eps", "from_logits", NULL};
static const char *const k_prob_modes[] = {"keras", "torch", "tf_v1", NULL};

static int take_prob(PyObject **v, loss_spec *spec) {
  prob_ctx *c = spec->ctx;
  int mode = (int)c->p.mode;
  if (kw_enum(v[0], "mode", k_prob_modes, &mode) != 0 || kw_double(v[1], "eps", &c->p.eps) != 0 ||
      kw_bool(v[2], &c->p.from_logits) != 0)
    return -1;
  c->p.mode = (xent_prob_mode_t)mode;
  return 0;
}

static PyObject *call_prob(prob_fn fn, loss_shape_t shape, const char *fname, PyObject *args,
                           PyObject *kwargs) {
  prob_ctx ctx = {fn, xent_prob_params_default()};
  loss_spec spec = {fname, "probs", "labels", shape, th_prob, &ctx, NULL, NULL};
  return run_loss_with(&spec, k_prob_kw, take_prob, args, kwargs);
}

#define XPY_PROB_SIG(name)                                                               \
  name "(probs, labels, *, mode='keras', eps=1e-07, from_logits=False,\n" XPY_LOSS_SHARED_SIG

PyDoc_STRVAR(binary_cross_entropy_doc,
             XPY_PROB_SIG("binary_cross_entropy")
             "Binary cross-entropy of probabilities (xent_binary_cross_entropy), per\n"
             "element (flags=CE_MEAN_OVER_CLASSES: the mean over `axis`, Keras).\n"
             "mode: 'keras' (clip to [eps, 1 - eps] in the input's precision), 'torch'\n"
             "(logs clamped at -100; p outside [0, 1] is an error), 'tf_v1'\n"
             "(log(p + eps)); from_logits=True makes it sigmoid_cross_entropy."
             XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(categorical_cross_entropy_doc,
             XPY_PROB_SIG("categorical_cross_entropy")
             "Keras categorical cross-entropy of probabilities against dense targets\n"
             "(xent_categorical_cross_entropy): rows renormalised, then clipped.\n"
             "mode must be 'keras'." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(sparse_categorical_cross_entropy_doc,
             XPY_PROB_SIG("sparse_categorical_cross_entropy")
             "Keras sparse categorical cross-entropy of probabilities against class\n"
             "indices (xent_sparse_categorical_cross_entropy): clipped, then\n"
             "renormalised. mode must be 'keras'." XPY_LOSS_OPTIONS_DOC);

static PyObject *py_binary_cross_entropy(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_prob(xent_binary_cross_entropy, LS_ELEMENTS, "binary_cross_entropy", args,
                   kwargs);
}
static PyObject *py_categorical_cross_entropy(PyObject *self, PyObject *args,
                                              PyObject *kwargs) {
  (void)self;
  return call_prob(xent_categorical_cross_entropy, LS_POSITIONS, "categorical_cross_entropy",
                   args, kwargs);
}
static PyObject *py_sparse_categorical_cross_entropy(PyObject *self, PyObject *args,
                                                     PyObject *kwargs) {
  (void)self;
  return call_prob(xent_sparse_categorical_cross_entropy, LS_POSITIONS,
                   "sparse_categorical_cross_entropy", args, kwargs);
}

/* ---- losses with only the shared options ---- */

PyDoc_STRVAR(nll_loss_doc,
             "nll_loss(log_probs, labels, *, " XPY_LOSS_SHARED_SIG
             "Negative log-likelihood of log-probabilities against class indices\n"
             "(xent_nll_loss; PyTorch's F.nll_loss with axis=1, ignore_index=-100,\n"
             "empty='nan'). With label_smoothing, F.cross_entropy's smoothed loss on\n"
             "log-probabilities." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(mean_squared_error_doc,
             "mean_squared_error(pred, target, *, " XPY_LOSS_SHARED_SIG
             "(pred - target)^2 per element (flags=CE_MEAN_OVER_CLASSES: the mean over\n"
             "`axis`, Keras)." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(mean_absolute_error_doc,
             "mean_absolute_error(pred, target, *, " XPY_LOSS_SHARED_SIG
             "|pred - target| per element (flags=CE_MEAN_OVER_CLASSES: the mean over\n"
             "`axis`, Keras)." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(mean_pairwise_squared_error_doc,
             "mean_pairwise_squared_error(pred, target, *, " XPY_LOSS_SHARED_SIG
             "tf.compat.v1.losses.mean_pairwise_squared_error: pairs within each sample\n"
             "(axis 0); 'none' gives one loss per sample; flags\n"
             "MPSE_TF_EAGER_COUNT counts as TensorFlow's eager mode with a scalar\n"
             "weight." XPY_LOSS_OPTIONS_DOC);

static PyObject *py_nll_loss(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_plain(xent_nll_loss, LS_POSITIONS, "nll_loss", "log_probs", "labels", args,
                    kwargs);
}
static PyObject *py_mean_squared_error(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_plain(xent_mean_squared_error, LS_ELEMENTS, "mean_squared_error", "pred",
                    "target", args, kwargs);
}
static PyObject *py_mean_absolute_error(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_plain(xent_mean_absolute_error, LS_ELEMENTS, "mean_absolute_error", "pred",
                    "target", args, kwargs);
}
static PyObject *py_mean_pairwise_squared_error(PyObject *self, PyObject *args,
                                                PyObject *kwargs) {
  (void)self;
  return call_plain(xent_mean_pairwise_squared_error, LS_SAMPLES,
                    "mean_pairwise_squared_error", "pred", "target", args, kwargs);
}

/* ---- Huber ---- */

static xent_status_t th_huber(const void *ctx, const xent_tensor_t *a, const xent_tensor_t *b,
                              const xent_ce_options_t *o, const xent_tensor_t *loss,
                              const xent_tensor_t *grad) {
  return xent_huber_loss(a, b, *(const double *)ctx, o, loss, grad);
}
static const char *const k_huber_kw[] = {"delta", NULL};
static int take_huber(PyObject **v, loss_spec *spec) {
  return kw_double(v[0], "delta", spec->ctx);
}
PyDoc_STRVAR(huber_loss_doc,
             "huber_loss(pred, target, *, delta=1.0, " XPY_LOSS_SHARED_SIG
             "Huber loss per element: e^2 / 2 for |e| <= delta, else\n"
             "delta (|e| - delta / 2), e = pred - target (flags=CE_MEAN_OVER_CLASSES:\n"
             "the mean over `axis`, Keras)." XPY_LOSS_OPTIONS_DOC);
static PyObject *py_huber_loss(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  double delta = 1.0;
  loss_spec spec = {"huber_loss", "pred", "target", LS_ELEMENTS, th_huber, &delta, NULL, NULL};
  return run_loss_with(&spec, k_huber_kw, take_huber, args, kwargs);
}

/* ---- focal ---- */

typedef struct {
  int categorical;
  xent_focal_params_t p;
} focal_ctx;

static xent_status_t th_focal(const void *ctx, const xent_tensor_t *a, const xent_tensor_t *b,
                              const xent_ce_options_t *o, const xent_tensor_t *loss,
                              const xent_tensor_t *grad) {
  const focal_ctx *c = ctx;
  return c->categorical ? xent_categorical_focal_cross_entropy(a, b, &c->p, o, loss, grad)
                        : xent_binary_focal_cross_entropy(a, b, &c->p, o, loss, grad);
}
static const char *const k_focal_kw[] = {"gamma", "alpha", "apply_class_balancing",
                                         "from_logits", "eps", NULL};
static int take_focal(PyObject **v, loss_spec *spec) {
  focal_ctx *c = spec->ctx;
  return kw_double(v[0], "gamma", &c->p.gamma) || kw_double(v[1], "alpha", &c->p.alpha) ||
                 kw_bool(v[2], &c->p.apply_class_balancing) ||
                 kw_bool(v[3], &c->p.from_logits) || kw_double(v[4], "eps", &c->p.eps)
             ? -1
             : 0;
}
#define XPY_FOCAL_SIG(name)                                                              \
  name "(pred, labels, *, gamma=2.0, alpha=0.25, apply_class_balancing=False,\n"         \
       "from_logits=False, eps=1e-07, " XPY_LOSS_SHARED_SIG
PyDoc_STRVAR(binary_focal_cross_entropy_doc,
             XPY_FOCAL_SIG("binary_focal_cross_entropy")
             "Keras binary focal cross-entropy per element\n"
             "(xent_binary_focal_cross_entropy; flags=CE_MEAN_OVER_CLASSES: the mean\n"
             "over `axis`)." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(categorical_focal_cross_entropy_doc,
             XPY_FOCAL_SIG("categorical_focal_cross_entropy")
             "Keras categorical focal cross-entropy per position against dense targets\n"
             "(xent_categorical_focal_cross_entropy)." XPY_LOSS_OPTIONS_DOC);
static PyObject *call_focal(int categorical, const char *fname, PyObject *args,
                            PyObject *kwargs) {
  focal_ctx ctx = {categorical, xent_focal_params_default()};
  loss_spec spec = {fname, "pred", "labels", categorical ? LS_POSITIONS : LS_ELEMENTS,
                    th_focal, &ctx, NULL, NULL};
  return run_loss_with(&spec, k_focal_kw, take_focal, args, kwargs);
}
static PyObject *py_binary_focal_cross_entropy(PyObject *self, PyObject *args,
                                               PyObject *kwargs) {
  (void)self;
  return call_focal(0, "binary_focal_cross_entropy", args, kwargs);
}
static PyObject *py_categorical_focal_cross_entropy(PyObject *self, PyObject *args,
                                                    PyObject *kwargs) {
  (void)self;
  return call_focal(1, "categorical_focal_cross_entropy", args, kwargs);
}

/* ---- Dice and Tversky ---- */

typedef struct {
  int tversky;
  xent_overlap_params_t p;
} overlap_ctx;

static xent_status_t th_overlap(const void *ctx, const xent_tensor_t *a,
                                const xent_tensor_t *b, const xent_ce_options_t *o,
                                const xent_tensor_t *loss, const xent_tensor_t *grad) {
  const overlap_ctx *c = ctx;
  return c->tversky ? xent_tversky_loss(a, b, &c->p, o, loss, grad)
                    : xent_dice_loss(a, b, &c->p, o, loss, grad);
}
static const char *const k_overlap_kw[] = {"alpha", "beta", "smooth", "eps", "sum_axes",
                                           "activation", "ignore_background", NULL};
static const char *const k_activations[] = {"none", "softmax", "sigmoid", NULL};
static int take_overlap(PyObject **v, loss_spec *spec) {
  overlap_ctx *c = spec->ctx;
  int act = (int)c->p.activation;
  if (kw_double(v[0], "alpha", &c->p.alpha) || kw_double(v[1], "beta", &c->p.beta) ||
      kw_double(v[2], "smooth", &c->p.smooth) || kw_double(v[3], "eps", &c->p.eps) ||
      kw_enum(v[5], "activation", k_activations, &act) ||
      kw_bool(v[6], &c->p.ignore_background))
    return -1;
  c->p.activation = (xent_activation_t)act;
  spec->sum_axes_obj = v[4];
  return 0;
}
#define XPY_OVERLAP_SIG(name)                                                            \
  name "(pred, target, *, alpha=0.5, beta=0.5, smooth=0.0, eps=1e-07,\n"                 \
       "sum_axes=None, activation='none', ignore_background=False, " XPY_LOSS_SHARED_SIG
PyDoc_STRVAR(dice_loss_doc,
             XPY_OVERLAP_SIG("dice_loss")
             "Dice loss 1 - (2 I + smooth) / (P + T + smooth + eps) per group\n"
             "(xent_dice_loss). sum_axes: the summed axes (a sequence of axes, or an\n"
             "int bit mask); None sums every axis (one loss, Keras axis=None).\n"
             "activation: 'none', 'softmax' (over `axis`) or 'sigmoid'. alpha and beta\n"
             "are not used." XPY_LOSS_OPTIONS_DOC);
PyDoc_STRVAR(tversky_loss_doc,
             XPY_OVERLAP_SIG("tversky_loss")
             "Tversky loss 1 - (I + smooth) / (I + alpha FP + beta FN + smooth + eps)\n"
             "per group (xent_tversky_loss); keywords as dice_loss. Keras's\n"
             "Tversky(alpha=a, beta=b) is alpha=b, beta=a here." XPY_LOSS_OPTIONS_DOC);
static PyObject *call_overlap(int tversky, const char *fname, PyObject *args,
                              PyObject *kwargs) {
  overlap_ctx ctx = {tversky, xent_overlap_params_default()};
  loss_spec spec = {fname, "pred", "target", LS_GROUPS, th_overlap, &ctx, NULL,
                    &ctx.p.sum_axes};
  PyObject *values[8], *rest = NULL;
  if (split_kwargs(kwargs, k_overlap_kw, values, &rest) != 0) return NULL;
  PyObject *result = NULL;
  /* spec.sum_axes_obj is borrowed from kwargs, which outlives the call */
  if (take_overlap(values, &spec) == 0) result = run_loss(&spec, args, rest);
  Py_XDECREF(rest);
  return result;
}
static PyObject *py_dice_loss(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_overlap(0, "dice_loss", args, kwargs);
}
static PyObject *py_tversky_loss(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return call_overlap(1, "tversky_loss", args, kwargs);
}

/* ---- KL divergence and distillation ---- */

static xent_status_t th_kl(const void *ctx, const xent_tensor_t *a, const xent_tensor_t *b,
                           const xent_ce_options_t *o, const xent_tensor_t *loss,
                           const xent_tensor_t *grad) {
  return xent_kl_divergence(a, b, *(const double *)ctx, o, loss, grad);
}
static const char *const k_kl_kw[] = {"eps", NULL};
static int take_kl(PyObject **v, loss_spec *spec) { return kw_double(v[0], "eps", spec->ctx); }
PyDoc_STRVAR(kl_divergence_doc,
             "kl_divergence(probs, targets, *, eps=1e-07, " XPY_LOSS_SHARED_SIG
             "sum_c y' log(y' / p') along `axis`, y' and p' clipped to [eps, 1]\n"
             "(xent_kl_divergence; note the order: predictions first). eps=0 is the\n"
             "exact divergence." XPY_LOSS_OPTIONS_DOC);
static PyObject *py_kl_divergence(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  double eps = 1e-7;
  loss_spec spec = {"kl_divergence", "probs", "targets", LS_POSITIONS, th_kl, &eps, NULL, NULL};
  return run_loss_with(&spec, k_kl_kw, take_kl, args, kwargs);
}

typedef struct {
  double temperature, eps;
} distill_ctx;
static xent_status_t th_distill(const void *ctx, const xent_tensor_t *a,
                                const xent_tensor_t *b, const xent_ce_options_t *o,
                                const xent_tensor_t *loss, const xent_tensor_t *grad) {
  const distill_ctx *c = ctx;
  return xent_distillation_loss(a, b, c->temperature, c->eps, o, loss, grad);
}
static const char *const k_distill_kw[] = {"temperature", "eps", NULL};
static int take_distill(PyObject **v, loss_spec *spec) {
  distill_ctx *c = spec->ctx;
  return kw_double(v[0], "temperature", &c->temperature) || kw_double(v[1], "eps", &c->eps)
             ? -1
             : 0;
}
PyDoc_STRVAR(distillation_loss_doc,
             "distillation_loss(student_logits, teacher_logits, *, temperature=1.0,\n"
             "eps=0.0, " XPY_LOSS_SHARED_SIG
             "T^2 KL(softmax(teacher / T) || softmax(student / T)) along `axis`\n"
             "(xent_distillation_loss); the gradient is with respect to the student."
             XPY_LOSS_OPTIONS_DOC);
static PyObject *py_distillation_loss(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  distill_ctx ctx = {1.0, 0.0};
  loss_spec spec = {"distillation_loss", "student_logits", "teacher_logits", LS_POSITIONS,
                    th_distill, &ctx, NULL, NULL};
  return run_loss_with(&spec, k_distill_kw, take_distill, args, kwargs);
}

/* ------------------------------------------------------------------------ */
/* Classification metrics                                                   */
/* ------------------------------------------------------------------------ */
/*
 * The C library streams metrics through states; these functions run one
 * update on the arrays given and read the result (create, update, read,
 * destroy, with the GIL released). xent_metric_options_t's fields are the
 * keywords axis, sample_weights and mask everywhere.
 */

/* Optional weight and mask arrays of xent_metric_options_t. */
typedef struct {
  xpy_arr w, m;
  int have_w, have_m;
} metric_opts_arrays;

static int metric_opts_acquire(PyObject *w_obj, PyObject *m_obj, int axis,
                               metric_opts_arrays *a, xent_metric_options_t *o) {
  *o = xent_metric_options_default();
  o->axis = axis;
  a->have_w = a->have_m = 0;
  if (arr_acquire_opt(w_obj, "sample_weights", &a->w, &a->have_w) != 0) return -1;
  if (arr_acquire_opt(m_obj, "mask", &a->m, &a->have_m) != 0) {
    if (a->have_w) arr_release(&a->w);
    a->have_w = 0;
    return -1;
  }
  o->sample_weights = a->have_w ? &a->w.t : NULL;
  o->mask = a->have_m ? &a->m.t : NULL;
  return 0;
}

static void metric_opts_release(metric_opts_arrays *a) {
  if (a->have_w) arr_release(&a->w);
  if (a->have_m) arr_release(&a->m);
  a->have_w = a->have_m = 0;
}

/* `t` without its first g axes, at index idx[0..g) of them. */
static void leading_slice(const xent_tensor_t *t, int g, const int64_t *idx,
                          xent_tensor_t *out) {
  char *p = t->data;
  int64_t size = (int64_t)xent_dtype_size(t->dtype);
  for (int i = 0; i < g; i++) p += idx[i] * t->strides[i] * size;
  out->data = p;
  out->dtype = t->dtype;
  out->rank = t->rank - g;
  for (int i = g; i < t->rank; i++) {
    out->shape[i - g] = t->shape[i];
    out->strides[i - g] = t->strides[i];
  }
}

/* ---- mean-state metrics: accuracy family, log loss, Brier score ---- */

typedef xent_status_t (*mean_thunk)(const void *ctx, xent_mean_state_t *s,
                                    const xent_tensor_t *y_true, const xent_tensor_t *y_pred,
                                    const xent_metric_options_t *o);
typedef struct {
  const char *fname, *t_name, *p_name;
  mean_thunk fn;
  const void *ctx;
} mean_spec;

static PyObject *run_mean(const mean_spec *spec, PyObject *args, PyObject *kwargs) {
  char *kw[] = {(char *)spec->t_name, (char *)spec->p_name, "axis", "sample_weights",
                "mask", "empty", "groups", "stats", "out", "dtype", NULL};
  char format[96];
  PyOS_snprintf(format, sizeof format, "OO|$iOOOipOO:%s", spec->fname);
  PyObject *t_obj, *p_obj, *w_obj = NULL, *m_obj = NULL, *empty_obj = NULL;
  PyObject *out_obj = NULL, *dtype_obj = NULL;
  int axis = -1, groups = 0, stats = 0;
  xent_empty_t empty = XENT_EMPTY_ZERO;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, kw, &t_obj, &p_obj, &axis, &w_obj,
                                   &m_obj, &empty_obj, &groups, &stats, &out_obj, &dtype_obj))
    return NULL;
  if (parse_empty(empty_obj, &empty) != 0) return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (parse_dtype(dtype_obj, &dtype) != 0) return NULL;

  PyObject *result = NULL;
  xpy_arr yt, yp, y;
  metric_opts_arrays oa = {0};
  int have_yp = 0, have_opts = 0, have_y = 0;
  xent_metric_options_t o;
  if (arr_acquire(t_obj, spec->t_name, 0, &yt) != 0) return NULL;
  if (arr_acquire(p_obj, spec->p_name, 0, &yp) != 0) goto done;
  have_yp = 1;
  if (metric_opts_acquire(w_obj, m_obj, axis, &oa, &o) != 0) goto done;
  have_opts = 1;
  if (groups < 0 || groups > yp.t.rank || groups > yt.t.rank) {
    PyErr_Format(PyExc_ValueError,
                 "groups = %d must be in [0, %d] (the axes %s and %s share)", groups,
                 yp.t.rank < yt.t.rank ? yp.t.rank : yt.t.rank, spec->t_name, spec->p_name);
    goto done;
  }
  if (groups > 0) {
    if (oa.have_w || oa.have_m || stats) {
      PyErr_SetString(PyExc_ValueError,
                      "sample_weights, mask and stats apply to one result (groups=0)");
      goto done;
    }
    for (int i = 0; i < groups; i++)
      if (yt.t.shape[i] != yp.t.shape[i]) {
        PyErr_Format(PyExc_ValueError,
                     "%s.shape[%d] = %lld differs from %s.shape[%d] = %lld (a grouped axis)",
                     spec->t_name, i, (long long)yt.t.shape[i], spec->p_name, i,
                     (long long)yp.t.shape[i]);
        goto done;
      }
    if (axis >= 0) {
      if (axis < groups) {
        PyErr_Format(PyExc_ValueError, "axis %d is one of the %d grouped axes", axis, groups);
        goto done;
      }
      o.axis = axis - groups;
    }
  }
  if (stats && out_obj && out_obj != Py_None) {
    PyErr_SetString(PyExc_ValueError, "stats=True returns numbers; out= does not apply");
    goto done;
  }
  if (arr_output(out_obj, "out", groups, yp.t.shape, dtype, &y) != 0) goto done;
  have_y = 1;
  if (require_float_out(&y, "out") != 0) goto done;
  if (xent_tensor_numel(&y.t) != 1 && groups == 0) {
    PyErr_SetString(PyExc_ValueError, "out must have one element");
    goto done;
  }

  xent_status_t st = XENT_OK;
  double value = 0;
  xent_mean_state_t s;
  memset(&s, 0, sizeof s);
  Py_BEGIN_ALLOW_THREADS
  int64_t n = 1, idx[XENT_MAX_RANK] = {0};
  for (int i = 0; i < groups; i++) n *= yp.t.shape[i];
  for (int64_t g = 0; g < n && st == XENT_OK; g++) {
    xent_tensor_t t_view = yt.t, p_view = yp.t;
    if (groups > 0) {
      for (int64_t i = groups - 1, r = g; i >= 0; i--) {
        idx[i] = r % yp.t.shape[i];
        r /= yp.t.shape[i];
      }
      leading_slice(&yt.t, groups, idx, &t_view);
      leading_slice(&yp.t, groups, idx, &p_view);
    }
    xent_mean_state_init(&s);
    st = spec->fn(spec->ctx, &s, &t_view, &p_view, &o);
    if (st == XENT_OK) st = xent_mean_state_result(&s, empty, &value);
    if (st == XENT_OK) store_double(&y.t, g, value);
  }
  Py_END_ALLOW_THREADS
  if (st != XENT_OK) {
    raise_status(st);
    goto done;
  }
  if (stats) {
    result = Py_BuildValue("(dddL)", value, s.total + s.total_comp, s.weight + s.weight_comp,
                           (long long)s.count);
  } else {
    result = arr_take(&y);
  }

done:
  arr_release(&yt);
  if (have_yp) arr_release(&yp);
  if (have_opts) metric_opts_release(&oa);
  if (have_y) arr_release(&y);
  return result;
}

#define XPY_MEAN_SHARED_SIG                                                              \
  "axis=-1, sample_weights=None, mask=None, empty='zero', groups=0,\n"                   \
  "stats=False, out=None, dtype='float64')\n--\n\n"
#define XPY_MEAN_DOC                                                                     \
  "\n\nThe weighted mean over the counted positions (empty: 'zero' or 'nan' when\n"     \
  "nothing is counted), as a 0-d array. axis is the class axis of y_pred;\n"            \
  "sample_weights and mask are aligned with the positions from the left.\n"             \
  "groups=g gives one mean per index of the first g axes (an array of\n"               \
  "y_pred.shape[:g]; no weights or mask then). stats=True returns\n"                    \
  "(mean, sum of weight * value, sum of weights, positions counted)."

typedef struct {
  int kind;
  double x; /* threshold, eps */
  int64_t k;
  int scale;
} mean_ctx;

enum { M_ACC, M_BIN_ACC, M_CAT_ACC, M_SPARSE_ACC, M_TOPK, M_SPARSE_TOPK, M_LOG_LOSS,
       M_BIN_LOG_LOSS, M_BRIER, M_BIN_BRIER };

static xent_status_t th_mean(const void *ctx, xent_mean_state_t *s, const xent_tensor_t *t,
                             const xent_tensor_t *p, const xent_metric_options_t *o) {
  const mean_ctx *c = ctx;
  switch (c->kind) {
  case M_ACC: return xent_accuracy_update(s, t, p, o);
  case M_BIN_ACC: return xent_binary_accuracy_update(s, t, p, c->x, o);
  case M_CAT_ACC: return xent_categorical_accuracy_update(s, t, p, o);
  case M_SPARSE_ACC: return xent_sparse_categorical_accuracy_update(s, t, p, o);
  case M_TOPK: return xent_top_k_categorical_accuracy_update(s, t, p, c->k, o);
  case M_SPARSE_TOPK: return xent_sparse_top_k_categorical_accuracy_update(s, t, p, c->k, o);
  case M_LOG_LOSS: return xent_log_loss_update(s, t, p, c->x, o);
  case M_BIN_LOG_LOSS: return xent_binary_log_loss_update(s, t, p, c->x, o);
  case M_BRIER: return xent_brier_score_update(s, t, p, (xent_brier_scale_t)c->scale, o);
  default: return xent_binary_brier_score_update(s, t, p, o);
  }
}

static const char *const k_threshold_kw[] = {"threshold", NULL};
static const char *const k_k_kw[] = {"k", NULL};
static const char *const k_eps_kw[] = {"eps", NULL};
static const char *const k_scale_kw[] = {"scale", NULL};
static const char *const k_no_kw[] = {NULL};
static const char *const k_brier_scales[] = {"auto", "one", "half", NULL};

static PyObject *call_mean(int kind, const char *fname, const char *p_name, PyObject *args,
                           PyObject *kwargs) {
  mean_ctx ctx = {kind, 0.0, 5, XENT_BRIER_SCALE_AUTO};
  const char *const *names = k_no_kw;
  if (kind == M_BIN_ACC) names = k_threshold_kw, ctx.x = 0.5;
  if (kind == M_TOPK || kind == M_SPARSE_TOPK) names = k_k_kw;
  if (kind == M_LOG_LOSS || kind == M_BIN_LOG_LOSS)
    names = k_eps_kw, ctx.x = XENT_LOG_LOSS_EPS_AUTO;
  if (kind == M_BRIER) names = k_scale_kw;
  PyObject *v[2], *rest = NULL;
  if (split_kwargs(kwargs, names, v, &rest) != 0) return NULL;
  int ok = 0;
  if (kind == M_BIN_ACC) ok = kw_double(v[0], "threshold", &ctx.x);
  if (kind == M_TOPK || kind == M_SPARSE_TOPK) ok = kw_int64(v[0], "k", &ctx.k);
  if ((kind == M_LOG_LOSS || kind == M_BIN_LOG_LOSS) && v[0] != Py_None)
    ok = kw_double(v[0], "eps", &ctx.x);
  if (kind == M_BRIER) ok = kw_enum(v[0], "scale", k_brier_scales, &ctx.scale);
  PyObject *result = NULL;
  if (ok == 0) {
    mean_spec spec = {fname, "y_true", p_name, th_mean, &ctx};
    result = run_mean(&spec, args, rest);
  }
  Py_XDECREF(rest);
  return result;
}

PyDoc_STRVAR(accuracy_doc,
             "accuracy(y_true, y_pred, *, " XPY_MEAN_SHARED_SIG
             "Share of elements with y_true == y_pred (xent_accuracy_update, exact\n"
             "equality, any dtypes)." XPY_MEAN_DOC);
PyDoc_STRVAR(binary_accuracy_doc,
             "binary_accuracy(y_true, y_pred, *, threshold=0.5, " XPY_MEAN_SHARED_SIG
             "Share of elements with (y_pred > threshold) == y_true\n"
             "(xent_binary_accuracy_update)." XPY_MEAN_DOC);
PyDoc_STRVAR(categorical_accuracy_doc,
             "categorical_accuracy(y_true, y_pred, *, " XPY_MEAN_SHARED_SIG
             "Share of positions with argmax(y_true) == argmax(y_pred) (first maximum)."
             XPY_MEAN_DOC);
PyDoc_STRVAR(sparse_categorical_accuracy_doc,
             "sparse_categorical_accuracy(y_true, y_pred, *, " XPY_MEAN_SHARED_SIG
             "Share of positions with y_true == argmax(y_pred); y_true class indices."
             XPY_MEAN_DOC);
PyDoc_STRVAR(top_k_categorical_accuracy_doc,
             "top_k_categorical_accuracy(y_true, y_pred, *, k=5, " XPY_MEAN_SHARED_SIG
             "Share of positions whose argmax(y_true) is among the top k of y_pred\n"
             "(ties at the k-th place count, as tf.math.in_top_k)." XPY_MEAN_DOC);
PyDoc_STRVAR(sparse_top_k_categorical_accuracy_doc,
             "sparse_top_k_categorical_accuracy(y_true, y_pred, *, k=5, "
             XPY_MEAN_SHARED_SIG
             "Share of positions whose class index y_true is among the top k of y_pred."
             XPY_MEAN_DOC);
PyDoc_STRVAR(log_loss_doc,
             "log_loss(y_true, y_prob, *, eps=None, " XPY_MEAN_SHARED_SIG
             "Mean of -sum_c y_c log(clip(p_c)) (xent_log_loss_update); y_true class\n"
             "indices or per-class targets. eps=None clips at the machine epsilon of\n"
             "y_prob's dtype (scikit-learn's); 0 does not clip." XPY_MEAN_DOC);
PyDoc_STRVAR(binary_log_loss_doc,
             "binary_log_loss(y_true, y_prob, *, eps=None, " XPY_MEAN_SHARED_SIG
             "Mean of -(y log(clip(p)) + (1 - y) log(1 - clip(p))), element-wise\n"
             "(xent_binary_log_loss_update)." XPY_MEAN_DOC);
PyDoc_STRVAR(brier_score_doc,
             "brier_score(y_true, y_prob, *, scale='auto', " XPY_MEAN_SHARED_SIG
             "Mean of s * sum_c (y_c - p_c)^2 along the class axis\n"
             "(xent_brier_score_update); scale 'auto' (halve when C <= 2), 'one' or\n"
             "'half'." XPY_MEAN_DOC);
PyDoc_STRVAR(binary_brier_score_doc,
             "binary_brier_score(y_true, y_prob, *, " XPY_MEAN_SHARED_SIG
             "Mean of (y - p)^2, element-wise (xent_binary_brier_score_update)."
             XPY_MEAN_DOC);

#define XPY_MEAN_FN(name, kind, pname)                                                  \
  static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kwargs) {         \
    (void)self;                                                                          \
    return call_mean(kind, #name, pname, args, kwargs);                                  \
  }
XPY_MEAN_FN(accuracy, M_ACC, "y_pred")
XPY_MEAN_FN(binary_accuracy, M_BIN_ACC, "y_pred")
XPY_MEAN_FN(categorical_accuracy, M_CAT_ACC, "y_pred")
XPY_MEAN_FN(sparse_categorical_accuracy, M_SPARSE_ACC, "y_pred")
XPY_MEAN_FN(top_k_categorical_accuracy, M_TOPK, "y_pred")
XPY_MEAN_FN(sparse_top_k_categorical_accuracy, M_SPARSE_TOPK, "y_pred")
XPY_MEAN_FN(log_loss, M_LOG_LOSS, "y_prob")
XPY_MEAN_FN(binary_log_loss, M_BIN_LOG_LOSS, "y_prob")
XPY_MEAN_FN(brier_score, M_BRIER, "y_prob")
XPY_MEAN_FN(binary_brier_score, M_BIN_BRIER, "y_prob")

/* ---- confusion matrices, precision, recall, F-beta ---- */

static const char *const k_confusion_kinds[] = {"multiclass", "multilabel", NULL};
static const char *const k_normalize[] = {"none", "true", "pred", "all", NULL};
static const char *const k_averages[] = {"none", "binary", "micro", "macro", "weighted",
                                         "samples", NULL};

/* An enum keyword where None means value 0 ('none'). */
static int kw_enum_none(PyObject *v, const char *what, const char *const *names, int *out) {
  if (v == Py_None) return *out = 0, 0;
  return kw_enum(v, what, names, out);
}

/* Creates a confusion state and counts (y_true, y_pred) into it. */
static xent_confusion_t *confusion_count(PyObject *t_obj, PyObject *p_obj, long long classes,
                                         int kind, double threshold, int axis, PyObject *w_obj,
                                         PyObject *m_obj) {
  xpy_arr yt, yp;
  metric_opts_arrays oa;
  xent_metric_options_t o;
  xent_confusion_t *state = NULL;
  if (arr_acquire(t_obj, "y_true", 0, &yt) != 0) return NULL;
  if (arr_acquire(p_obj, "y_pred", 0, &yp) != 0) {
    arr_release(&yt);
    return NULL;
  }
  if (metric_opts_acquire(w_obj, m_obj, axis, &oa, &o) != 0) {
    arr_release(&yt);
    arr_release(&yp);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_confusion_create((xent_confusion_kind_t)kind, (int64_t)classes, threshold, &state);
  if (st == XENT_OK) st = xent_confusion_update(state, &yt.t, &yp.t, &o);
  Py_END_ALLOW_THREADS
  arr_release(&yt);
  arr_release(&yp);
  metric_opts_release(&oa);
  if (st != XENT_OK) {
    raise_status(st); /* before destroying, which clears the error detail */
    xent_confusion_destroy(state);
    state = NULL;
  }
  return state;
}

PyDoc_STRVAR(confusion_matrix_doc,
             "confusion_matrix(y_true, y_pred, classes, *, kind='multiclass',\n"
             "threshold=0.5, normalize=None, axis=-1, sample_weights=None, mask=None,\n"
             "out=None, dtype='float64')\n--\n\n"
             "The (C, C) confusion matrix (xent_confusion_matrix): out[i, j] is the\n"
             "weight of positions of true class i predicted as j. y_true class indices;\n"
             "y_pred class indices of the same shape or scores with a class axis\n"
             "(argmax). normalize: None, 'true', 'pred' or 'all'.");
static PyObject *py_confusion_matrix(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"y_true", "y_pred", "classes", "kind", "threshold", "normalize",
                       "axis", "sample_weights", "mask", "out", "dtype", NULL};
  PyObject *t_obj, *p_obj, *kind_obj = NULL, *norm_obj = NULL, *w_obj = NULL, *m_obj = NULL;
  PyObject *out_obj = NULL, *dtype_obj = NULL;
  long long classes;
  double threshold = 0.5;
  int axis = -1, kind = 0, normalize = 0;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOL|$OdOiOOOO:confusion_matrix", kw, &t_obj,
                                   &p_obj, &classes, &kind_obj, &threshold, &norm_obj, &axis,
                                   &w_obj, &m_obj, &out_obj, &dtype_obj))
    return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (kw_enum(kind_obj, "kind", k_confusion_kinds, &kind) != 0 ||
      kw_enum_none(norm_obj, "normalize", k_normalize, &normalize) != 0 ||
      parse_dtype(dtype_obj, &dtype) != 0)
    return NULL;
  int64_t shape[2] = {classes > 0 ? classes : 0, classes > 0 ? classes : 0};
  xpy_arr y;
  if (arr_output(out_obj, "out", 2, shape, dtype, &y) != 0) return NULL;
  xent_confusion_t *state =
      confusion_count(t_obj, p_obj, classes, kind, threshold, axis, w_obj, m_obj);
  if (!state) {
    arr_release(&y);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_confusion_matrix(state, (xent_normalize_t)normalize, &y.t);
  Py_END_ALLOW_THREADS
  PyObject *result = st == XENT_OK ? arr_take(&y) : raise_status(st);
  xent_confusion_destroy(state);
  arr_release(&y);
  return result;
}

PyDoc_STRVAR(multilabel_confusion_matrix_doc,
             "multilabel_confusion_matrix(y_true, y_pred, classes, *, kind='multiclass',\n"
             "threshold=0.5, axis=-1, sample_weights=None, mask=None, out=None,\n"
             "dtype='float64')\n--\n\n"
             "(C, 2, 2) per-class matrices [[tn, fp], [fn, tp]]\n"
             "(xent_confusion_multilabel_matrix). kind 'multilabel': y_true 0/1\n"
             "indicators with a label axis of length C, y_pred indicators or scores\n"
             "(> threshold).");
static PyObject *py_multilabel_confusion_matrix(PyObject *self, PyObject *args,
                                                PyObject *kwargs) {
  static char *kw[] = {"y_true", "y_pred", "classes", "kind", "threshold", "axis",
                       "sample_weights", "mask", "out", "dtype", NULL};
  PyObject *t_obj, *p_obj, *kind_obj = NULL, *w_obj = NULL, *m_obj = NULL;
  PyObject *out_obj = NULL, *dtype_obj = NULL;
  long long classes;
  double threshold = 0.5;
  int axis = -1, kind = 0;
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOL|$OdiOOOO:multilabel_confusion_matrix",
                                   kw, &t_obj, &p_obj, &classes, &kind_obj, &threshold, &axis,
                                   &w_obj, &m_obj, &out_obj, &dtype_obj))
    return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (kw_enum(kind_obj, "kind", k_confusion_kinds, &kind) != 0 ||
      parse_dtype(dtype_obj, &dtype) != 0)
    return NULL;
  int64_t shape[3] = {classes > 0 ? classes : 0, 2, 2};
  xpy_arr y;
  if (arr_output(out_obj, "out", 3, shape, dtype, &y) != 0) return NULL;
  xent_confusion_t *state =
      confusion_count(t_obj, p_obj, classes, kind, threshold, axis, w_obj, m_obj);
  if (!state) {
    arr_release(&y);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_confusion_multilabel_matrix(state, &y.t);
  Py_END_ALLOW_THREADS
  PyObject *result = st == XENT_OK ? arr_take(&y) : raise_status(st);
  xent_confusion_destroy(state);
  arr_release(&y);
  return result;
}

/* A sequence of integers as a new int64 buffer (PyMem); *n its length. */
static int64_t *int64_list(PyObject *obj, const char *name, int64_t *n) {
  PyObject *seq = PySequence_Fast(obj, "labels must be a sequence of integers");
  if (!seq) return NULL;
  Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
  int64_t *buf = PyMem_Malloc((size_t)(len > 0 ? len : 1) * sizeof *buf);
  if (!buf) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return NULL;
  }
  for (Py_ssize_t i = 0; i < len; i++) {
    if (kw_int64(PySequence_Fast_GET_ITEM(seq, i), name, &buf[i]) != 0) {
      PyMem_Free(buf);
      Py_DECREF(seq);
      return NULL;
    }
  }
  Py_DECREF(seq);
  *n = len;
  return buf;
}

PyDoc_STRVAR(precision_recall_fscore_doc,
             "precision_recall_fscore(y_true, y_pred, classes, *, kind='multiclass',\n"
             "threshold=0.5, average=None, beta=1.0, zero_division=0.0, pos_label=1,\n"
             "labels=None, axis=-1, sample_weights=None, mask=None, dtype='float64')\n"
             "--\n\n"
             "(precision, recall, fscore, support) as scikit-learn's\n"
             "precision_recall_fscore_support (xent_precision_recall_fscore). average:\n"
             "None, 'binary' (class pos_label), 'micro', 'macro', 'weighted', 'samples'\n"
             "(multi-label). zero_division: 0, 1 or NaN (NaN: undefined, skipped by\n"
             "the averages). labels: which class indices, in what order. precision,\n"
             "recall and fscore are 0-d for an average, one per label for None;\n"
             "support has one entry per selected label.");
static PyObject *py_precision_recall_fscore(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"y_true", "y_pred", "classes", "kind", "threshold", "average",
                       "beta", "zero_division", "pos_label", "labels", "axis",
                       "sample_weights", "mask", "dtype", NULL};
  PyObject *t_obj, *p_obj, *kind_obj = NULL, *avg_obj = NULL, *labels_obj = Py_None;
  PyObject *w_obj = NULL, *m_obj = NULL, *dtype_obj = NULL;
  long long classes, pos_label = 1;
  double threshold = 0.5;
  int axis = -1, kind = 0, average = 0;
  xent_prf_options_t po = xent_prf_options_default();
  (void)self;
  if (!PyArg_ParseTupleAndKeywords(
          args, kwargs, "OOL|$OdOddLOiOOO:precision_recall_fscore", kw, &t_obj, &p_obj,
          &classes, &kind_obj, &threshold, &avg_obj, &po.beta, &po.zero_division, &pos_label,
          &labels_obj, &axis, &w_obj, &m_obj, &dtype_obj))
    return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (kw_enum(kind_obj, "kind", k_confusion_kinds, &kind) != 0 ||
      kw_enum_none(avg_obj, "average", k_averages, &average) != 0 ||
      parse_dtype(dtype_obj, &dtype) != 0)
    return NULL;
  po.average = (xent_average_t)average;
  po.pos_label = pos_label;
  int64_t *labels = NULL;
  if (labels_obj != Py_None) {
    labels = int64_list(labels_obj, "labels", &po.num_labels);
    if (!labels) return NULL;
    po.labels = labels;
  }
  int64_t L = po.average == XENT_AVERAGE_BINARY ? 1 : labels ? po.num_labels : classes;
  if (L < 0) L = 0;
  int64_t nout = po.average == XENT_AVERAGE_NONE ? L : 1;
  int rank = po.average == XENT_AVERAGE_NONE ? 1 : 0;
  xpy_arr out[4];
  int made = 0;
  PyObject *result = NULL;
  xent_confusion_t *state = NULL;
  for (; made < 4; made++) {
    int64_t n = made == 3 ? L : nout;
    if (arr_output(NULL, "out", made == 3 ? 1 : rank, &n, dtype, &out[made]) != 0) goto done;
  }
  state = confusion_count(t_obj, p_obj, classes, kind, threshold, axis, w_obj, m_obj);
  if (!state) goto done;
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_precision_recall_fscore(state, &po, &out[0].t, &out[1].t, &out[2].t, &out[3].t);
  Py_END_ALLOW_THREADS
  if (st != XENT_OK) {
    raise_status(st);
    goto done;
  }
  result = PyTuple_New(4);
  for (int i = 0; result && i < 4; i++) PyTuple_SET_ITEM(result, i, arr_take(&out[i]));

done:
  if (state) xent_confusion_destroy(state);
  for (int i = 0; i < made; i++) arr_release(&out[i]);
  PyMem_Free(labels);
  return result;
}

/* ---- exact ROC AUC, average precision and their curves ---- */

static const char *const k_auc_tasks[] = {"binary", "multiclass", "multilabel", NULL};
static const char *const k_multi_class[] = {"ovr", "ovo", NULL};

typedef struct {
  PyObject *t_obj, *p_obj, *task_obj, *w_obj, *m_obj;
  long long classes, capacity;
  unsigned config_flags;
  int axis;
} auc_args;

/* Creates an AUC state and adds (y_true, y_score) to it. */
static xent_auc_t *auc_count(const auc_args *a) {
  int task = 0;
  if (kw_enum(a->task_obj, "task", k_auc_tasks, &task) != 0) return NULL;
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = (xent_auc_task_t)task;
  cfg.classes = (int64_t)a->classes;
  cfg.capacity = (int64_t)a->capacity;
  cfg.flags = a->config_flags;
  xpy_arr yt, yp;
  metric_opts_arrays oa;
  xent_metric_options_t o;
  xent_auc_t *state = NULL;
  if (arr_acquire(a->t_obj, "y_true", 0, &yt) != 0) return NULL;
  if (arr_acquire(a->p_obj, "y_score", 0, &yp) != 0) {
    arr_release(&yt);
    return NULL;
  }
  if (metric_opts_acquire(a->w_obj, a->m_obj, a->axis, &oa, &o) != 0) {
    arr_release(&yt);
    arr_release(&yp);
    return NULL;
  }
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = xent_auc_create(&cfg, &state);
  if (st == XENT_OK) st = xent_auc_update(state, &yt.t, &yp.t, &o);
  Py_END_ALLOW_THREADS
  arr_release(&yt);
  arr_release(&yp);
  metric_opts_release(&oa);
  if (st != XENT_OK) {
    raise_status(st); /* before destroying, which clears the error detail */
    xent_auc_destroy(state);
    state = NULL;
  }
  return state;
}

#define XPY_AUC_STATE_SIG                                                                \
  "task='binary', classes=0, capacity=0, config_flags=0, axis=-1,\n"                     \
  "sample_weights=None, mask=None"
#define XPY_AUC_STATE_DOC                                                                \
  "\n\nThe state (xent_auc_config_t): task 'binary' (y_true 0/1 of y_score's\n"         \
  "shape), 'multiclass' (y_score with a class axis of length `classes`,\n"              \
  "y_true class indices) or 'multilabel' (both with a label axis of length\n"           \
  "`classes`); capacity 0 is exact, > 0 bounds the groups kept per column;\n"           \
  "config_flags AUC_ONE_VS_ONE."

static PyObject *auc_score(int ap, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"y_true", "y_score", "task", "classes", "capacity", "config_flags",
                       "axis", "sample_weights", "mask", "average", "multi_class",
                       "max_fpr", "flags", "return_bound", "out", "dtype", NULL};
  auc_args a = {NULL, NULL, NULL, NULL, NULL, 0, 0, 0u, -1};
  PyObject *avg_obj = NULL, *mc_obj = NULL, *out_obj = NULL, *dtype_obj = NULL;
  int return_bound = 0, average = XENT_AVERAGE_MACRO, multi_class = 0;
  xent_auc_options_t ao = xent_auc_options_default();
  if (!PyArg_ParseTupleAndKeywords(
          args, kwargs, ap ? "OO|$OLLIiOOOOdIpOO:average_precision" : "OO|$OLLIiOOOOdIpOO:roc_auc",
          kw, &a.t_obj, &a.p_obj, &a.task_obj, &a.classes, &a.capacity, &a.config_flags,
          &a.axis, &a.w_obj, &a.m_obj, &avg_obj, &mc_obj, &ao.max_fpr, &ao.flags,
          &return_bound, &out_obj, &dtype_obj))
    return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (kw_enum_none(avg_obj, "average", k_averages, &average) != 0 ||
      kw_enum(mc_obj, "multi_class", k_multi_class, &multi_class) != 0 ||
      parse_dtype(dtype_obj, &dtype) != 0)
    return NULL;
  ao.average = (xent_average_t)average;
  ao.multi_class = (xent_multiclass_t)multi_class;
  int64_t cols = a.classes > 0 ? a.classes : 1;
  xpy_arr y;
  if (arr_output(out_obj, "out", ao.average == XENT_AVERAGE_NONE ? 1 : 0, &cols, dtype, &y) != 0)
    return NULL;
  xent_auc_t *state = auc_count(&a);
  if (!state) {
    arr_release(&y);
    return NULL;
  }
  double bound = 0;
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = ap ? xent_average_precision(state, &ao, &y.t, &bound)
          : xent_roc_auc(state, &ao, &y.t, &bound);
  Py_END_ALLOW_THREADS
  PyObject *result = NULL;
  if (st != XENT_OK) {
    raise_status(st);
  } else {
    result = arr_take(&y);
    if (return_bound) result = Py_BuildValue("(Nd)", result, bound); /* steals result */
  }
  xent_auc_destroy(state);
  arr_release(&y);
  return result;
}

#define XPY_AUC_SCORE_SIG(name)                                                          \
  name "(y_true, y_score, *, " XPY_AUC_STATE_SIG ",\n"                                  \
       "average='macro', multi_class='ovr', max_fpr=1.0, flags=0,\n"                     \
       "return_bound=False, out=None, dtype='float64')\n--\n\n"
PyDoc_STRVAR(roc_auc_doc,
             XPY_AUC_SCORE_SIG("roc_auc")
             "Exact ROC AUC (xent_roc_auc): tied scores count 1/2. average None\n"
             "(one per column), 'binary', 'micro', 'macro', 'weighted', 'samples';\n"
             "multi_class 'ovr' or 'ovo'; max_fpr < 1: McClish's standardised partial\n"
             "AUC. Undefined columns (one class only) are NaN. return_bound=True\n"
             "returns (value, error bound)." XPY_AUC_STATE_DOC);
PyDoc_STRVAR(average_precision_doc,
             XPY_AUC_SCORE_SIG("average_precision")
             "Average precision (xent_average_precision), the step integral of the\n"
             "precision-recall curve; a column without positives is NaN (flags\n"
             "AUC_AP_NO_POSITIVES_IS_ZERO: 0, scikit-learn's value)." XPY_AUC_STATE_DOC);
static PyObject *py_roc_auc(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return auc_score(0, args, kwargs);
}
static PyObject *py_average_precision(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return auc_score(1, args, kwargs);
}

static PyObject *auc_curve(int pr, PyObject *args, PyObject *kwargs) {
  static char *kw[] = {"y_true", "y_score", "task", "classes", "capacity", "config_flags",
                       "axis", "sample_weights", "mask", "column", "drop_intermediate",
                       "dtype", NULL};
  auc_args a = {NULL, NULL, NULL, NULL, NULL, 0, 0, 0u, -1};
  PyObject *dtype_obj = NULL;
  long long column = 0;
  int drop = pr ? 0 : 1;
  if (!PyArg_ParseTupleAndKeywords(
          args, kwargs, pr ? "OO|$OLLIiOOLpO:precision_recall_curve" : "OO|$OLLIiOOLpO:roc_curve",
          kw, &a.t_obj, &a.p_obj, &a.task_obj, &a.classes, &a.capacity, &a.config_flags,
          &a.axis, &a.w_obj, &a.m_obj, &column, &drop, &dtype_obj))
    return NULL;
  xent_dtype_t dtype = XENT_F64;
  if (parse_dtype(dtype_obj, &dtype) != 0) return NULL;
  xent_auc_t *state = auc_count(&a);
  if (!state) return NULL;
  int64_t points = 0;
  xent_status_t st;
  Py_BEGIN_ALLOW_THREADS
  st = pr ? xent_precision_recall_curve(state, column, drop, &points, NULL, NULL, NULL)
          : xent_roc_curve(state, column, drop, &points, NULL, NULL, NULL);
  Py_END_ALLOW_THREADS
  PyObject *result = NULL;
  xpy_arr out[3];
  int made = 0;
  if (st != XENT_OK) {
    raise_status(st);
    goto done;
  }
  for (; made < 3; made++) {
    int64_t n = made == 2 && pr ? (points > 0 ? points - 1 : 0) : points;
    if (arr_output(NULL, "out", 1, &n, dtype, &out[made]) != 0) goto done;
  }
  Py_BEGIN_ALLOW_THREADS
  st = pr ? xent_precision_recall_curve(state, column, drop, &points, &out[0].t, &out[1].t,
                                        &out[2].t)
          : xent_roc_curve(state, column, drop, &points, &out[0].t, &out[1].t, &out[2].t);
  Py_END_ALLOW_THREADS
  if (st != XENT_OK) {
    raise_status(st);
    goto done;
  }
  result = PyTuple_New(3);
  for (int i = 0; result && i < 3; i++) PyTuple_SET_ITEM(result, i, arr_take(&out[i]));

done:
  xent_auc_destroy(state);
  for (int i = 0; i < made; i++) arr_release(&out[i]);
  return result;
}

#define XPY_AUC_CURVE_SIG(name, drop)                                                    \
  name "(y_true, y_score, *, " XPY_AUC_STATE_SIG ",\n"                                  \
       "column=0, drop_intermediate=" drop ", dtype='float64')\n--\n\n"
PyDoc_STRVAR(roc_curve_doc,
             XPY_AUC_CURVE_SIG("roc_curve", "True")
             "(fpr, tpr, thresholds) of one column (0 for binary; class c one-vs-rest;\n"
             "-1 (AUC_MICRO) the micro-averaged curve), as scikit-learn's roc_curve:\n"
             "from (0, 0) at threshold +inf, thresholds decreasing (xent_roc_curve)."
             XPY_AUC_STATE_DOC);
PyDoc_STRVAR(precision_recall_curve_doc,
             XPY_AUC_CURVE_SIG("precision_recall_curve", "False")
             "(precision, recall, thresholds) of one column, as scikit-learn's\n"
             "precision_recall_curve: thresholds increasing, the last point (1, 0)\n"
             "without a threshold (xent_precision_recall_curve)." XPY_AUC_STATE_DOC);
static PyObject *py_roc_curve(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return auc_curve(0, args, kwargs);
}
static PyObject *py_precision_recall_curve(PyObject *self, PyObject *args, PyObject *kwargs) {
  (void)self;
  return auc_curve(1, args, kwargs);
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
    XPY_KW(binary_cross_entropy),
    XPY_KW(categorical_cross_entropy),
    XPY_KW(sparse_categorical_cross_entropy),
    XPY_KW(nll_loss),
    XPY_KW(binary_focal_cross_entropy),
    XPY_KW(categorical_focal_cross_entropy),
    XPY_KW(mean_squared_error),
    XPY_KW(mean_absolute_error),
    XPY_KW(huber_loss),
    XPY_KW(mean_pairwise_squared_error),
    XPY_KW(dice_loss),
    XPY_KW(tversky_loss),
    XPY_KW(kl_divergence),
    XPY_KW(distillation_loss),
    XPY_KW(accuracy),
    XPY_KW(binary_accuracy),
    XPY_KW(categorical_accuracy),
    XPY_KW(sparse_categorical_accuracy),
    XPY_KW(top_k_categorical_accuracy),
    XPY_KW(sparse_top_k_categorical_accuracy),
    XPY_KW(log_loss),
    XPY_KW(binary_log_loss),
    XPY_KW(brier_score),
    XPY_KW(binary_brier_score),
    XPY_KW(confusion_matrix),
    XPY_KW(multilabel_confusion_matrix),
    XPY_KW(precision_recall_fscore),
    XPY_KW(roc_auc),
    XPY_KW(average_precision),
    XPY_KW(roc_curve),
    XPY_KW(precision_recall_curve),
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
      {"MPSE_TF_EAGER_COUNT", XENT_MPSE_TF_EAGER_COUNT},
      {"AUC_ONE_VS_ONE", XENT_AUC_ONE_VS_ONE},
      {"AUC_AP_NO_POSITIVES_IS_ZERO", XENT_AUC_AP_NO_POSITIVES_IS_ZERO},
      {"AUC_MICRO", XENT_AUC_MICRO},
  };
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
    if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) != 0) {
      Py_DECREF(m);
      return NULL;
    }
  return m;
}
