"""Arrays go in without copies: NumPy views, memoryviews, PyTorch tensors via
DLPack, TensorFlow tensors via the buffer protocol; outputs can be written in
place into any of them. And the protocol details: capsules are consumed,
deleters called, bad strides / devices / dtypes refused with TypeError."""
import array
import ctypes
import sys

import numpy as np
import pytest

import xent


def _address(a):
    return a.__array_interface__["data"][0]


def test_strided_numpy_view_is_read_in_place(rng):
    base = rng.standard_normal((6, 9))
    view = base[::2, ::-3]  # rows 0, 2, 4; columns 8, 5, 2 (negative stride)
    d = xent.describe(view)
    assert d["via"] == "buffer" and d["data"] == _address(view)
    assert d["shape"] == (3, 3) and d["strides"] == (18, -3)
    np.testing.assert_array_equal(xent.softmax(view), xent.softmax(view.copy()))


def test_in_place_softmax_on_a_view_modifies_the_base(rng):
    base = rng.standard_normal((6, 9))
    before = base.copy()
    view = base[1::2, ::-2]
    want = xent.softmax(view.copy())
    got = xent.softmax(view, out=view)
    assert got is view
    np.testing.assert_array_equal(base[1::2, ::-2], want)
    untouched = np.ones(base.shape, bool)
    untouched[1::2, ::-2] = False
    np.testing.assert_array_equal(base[untouched], before[untouched])


def test_same_result_from_every_kind_of_array(torch, tf, rng):
    a = rng.standard_normal((5, 7)).astype(np.float32)
    want = xent.log_softmax(a)
    t = torch.from_numpy(a.copy())
    kinds = {
        "numpy": a,
        "numpy F order": np.asfortranarray(a),
        "numpy read-only": np.frombuffer(a.tobytes(), np.float32).reshape(5, 7),
        "memoryview": memoryview(a),
        "torch (dlpack)": t,
        "torch transposed twice": t.t().contiguous().t(),
        "tensorflow": tf.constant(a),
    }
    for name, obj in kinds.items():
        np.testing.assert_array_equal(xent.log_softmax(obj), want, err_msg=name)
    # a list becomes a float64 array (numpy.asarray): the only copying path
    assert xent.describe(a.tolist())["via"] == "numpy"
    np.testing.assert_array_equal(xent.log_softmax(a.tolist()), xent.log_softmax(a.astype(float)))
    flat = array.array("f", a.ravel().tolist())
    np.testing.assert_array_equal(xent.log_softmax(flat), xent.log_softmax(a.ravel()))


def test_torch_tensor_is_read_through_dlpack_without_copy(torch):
    base = torch.randn(8, 6)
    view = base.t()[::2]  # non-contiguous
    d = xent.describe(view)
    assert d["via"] == "dlpack" and d["data"] == view.data_ptr()
    assert d["strides"] == tuple(view.stride()) and d["shape"] == tuple(view.shape)
    want = torch.softmax(view, dim=1).numpy()
    np.testing.assert_allclose(xent.softmax(view), want, rtol=1e-6)
    xent.softmax(view, out=view)  # in place, through DLPack
    np.testing.assert_allclose(base.t()[::2].numpy(), want, rtol=1e-6)


def test_torch_expanded_tensor_has_stride_zero(torch):
    t = torch.tensor([[1.0], [2.0], [3.0]]).expand(3, 4)
    assert xent.describe(t)["strides"] == (1, 0)
    np.testing.assert_allclose(xent.softmax(t), np.full((3, 4), 0.25))


def test_memoryview_output_writes_into_its_base(rng):
    base = rng.standard_normal((4, 3))
    x = base.copy()
    mv = memoryview(base)
    assert xent.describe(mv)["data"] == _address(base)
    assert xent.sigmoid(x, out=mv) is mv
    np.testing.assert_array_equal(base, xent.sigmoid(x))


def test_bfloat16_and_float16(torch, rng):
    x = torch.from_numpy(rng.standard_normal((3, 5)).astype(np.float32)).to(torch.bfloat16)
    y = xent.softmax(x)
    assert y.dtype == np.float32  # NumPy has no bfloat16
    np.testing.assert_allclose(y, torch.softmax(x.float(), 1).numpy(), rtol=1e-5)
    out = torch.empty(3, 5, dtype=torch.bfloat16)
    assert xent.softmax(x, out=out) is out
    np.testing.assert_array_equal(out.float().numpy(), torch.from_numpy(y).bfloat16().float())
    h = rng.standard_normal((3, 5)).astype(np.float16)
    assert xent.softmax(h).dtype == np.float16
    assert xent.softmax(h, dtype="float64").dtype == np.float64


class _Producer:
    """Exports a NumPy array through DLPack only, and keeps the capsule."""

    def __init__(self, a, device=(1, 0)):
        self.a, self.device, self.capsules = a, device, []

    def __dlpack__(self, stream=None):
        c = self.a.__dlpack__()
        self.capsules.append(c)
        return c

    def __dlpack_device__(self):
        return self.device


def _capsule_name(c):
    get = ctypes.pythonapi.PyCapsule_GetName
    get.restype, get.argtypes = ctypes.c_char_p, [ctypes.py_object]
    return get(c)


def test_dlpack_capsule_is_consumed_and_its_deleter_called(rng):
    a = rng.standard_normal((4, 6))[:, ::2]
    p = _Producer(a)
    refs = sys.getrefcount(a)
    for _ in range(5):
        y = xent.softmax(p)
    np.testing.assert_array_equal(y, xent.softmax(a))
    assert [_capsule_name(c) for c in p.capsules] == [b"used_dltensor"] * 5
    p.capsules.clear()
    # NumPy's DLPack export holds a reference to the array until the deleter runs.
    assert sys.getrefcount(a) == refs


def test_dlpack_device_other_than_cpu_is_refused(rng):
    p = _Producer(rng.standard_normal(3), device=(2, 0))  # kDLCUDA
    with pytest.raises(TypeError, match="device type 2"):
        xent.softmax(p)
    assert p.capsules == []  # refused before exporting


def test_bad_layouts_and_types_are_type_errors():
    raw = np.zeros(64, np.uint8)
    misaligned = raw[1:33].view(np.float32)
    with pytest.raises(TypeError, match="not aligned"):
        xent.softmax(misaligned)
    odd = np.lib.stride_tricks.as_strided(raw[:40].view(np.float32), shape=(3,), strides=(6,))
    with pytest.raises(TypeError, match="stride of 6 bytes"):
        xent.softmax(odd)
    with pytest.raises(TypeError, match="format"):
        xent.softmax(np.zeros(3, ">f8"))  # non-native byte order
    with pytest.raises(TypeError, match="format 'h'"):
        xent.softmax(np.zeros(3, np.int16))
    with pytest.raises(TypeError, match="dtype i32"):  # the library's own check
        xent.softmax(np.zeros(3, np.int32))


def test_outputs_must_be_writable():
    r = np.zeros((2, 3))
    r.flags.writeable = False
    np.testing.assert_allclose(xent.softmax(r), np.full((2, 3), 1 / 3))  # read-only input: fine
    with pytest.raises(ValueError, match="read-only"):
        xent.softmax(r, out=r)
    with pytest.raises(TypeError, match="writable array"):
        xent.softmax(r, out=[0.0] * 6)


def test_too_many_axes():
    with pytest.raises(ValueError, match="at most 8"):
        xent.softmax(np.zeros((1,) * 9))
