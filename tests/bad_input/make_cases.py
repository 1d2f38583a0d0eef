#!/usr/bin/python3
"""Materialise the bad-input cases into a work directory.

Each case directory under cases/ holds a committed stack.json and expect.json. The .npy files a
case needs are not committed: they are written here, at test time, by the builders in NPY below
(keyed by case name, then by file name). Corrupt files (bad magic, truncated data, a header that
lies) are written byte by byte so they stay exactly as broken as intended.

Usage: make_cases.py --out WORKDIR [--cases CASESDIR]
"""
import argparse
import os
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# helpers
def npy_bytes(arr):
    """A well-formed .npy v1.0 file for arr (C order)."""
    arr = np.ascontiguousarray(arr)
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (
        arr.dtype.str, tuple(arr.shape))
    return raw_npy(header, arr.tobytes())


def raw_npy(header_text, payload, header_len=None, magic=b"\x93NUMPY", version=b"\x01\x00"):
    """A .npy file with an arbitrary header text; header_len overrides the length field."""
    h = header_text.encode("latin1")
    total = len(magic) + len(version) + 2 + len(h) + 1
    h = h + b" " * ((64 - total % 64) % 64) + b"\n"
    if header_len is None:
        header_len = len(h)
    return magic + version + struct.pack("<H", header_len) + h + payload


def rnd(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


def save(arr):
    return lambda: npy_bytes(arr)


def fortran(arr):
    arr = np.asfortranarray(arr)
    header = "{'descr': '%s', 'fortran_order': True, 'shape': %r, }" % (
        arr.dtype.str, tuple(arr.shape))
    return lambda: raw_npy(header, arr.tobytes(order="F"))


def with_value(arr, index, value):
    arr = arr.copy()
    arr[index] = value
    return arr


# ---------------------------------------------------------------------------------------------
# case name -> {file name -> builder returning bytes}
NPY = {
    # both data and generator: x.npy exists, so the only fault is having both
    "input_data_and_generator": {"x.npy": save(rnd(2, 16))},
    "input_data_shape_mismatch": {"x.npy": save(rnd(2, 17))},
    "input_npy_float16": {"x.npy": save(rnd(2, 16, dtype=np.float16))},
    "input_npy_fortran_order": {"x.npy": fortran(rnd(2, 16))},
    # input_missing_npy: x.npy deliberately not written
    "weight_shape_wrong_channels": {"w0.npy": save(rnd(2, 3, 3))},  # needs (2, 4, 3)
    "weight_kernel_size_mismatch": {"w0.npy": save(rnd(2, 2, 3))},  # kernel_size says 5
    "weight_transpose_wrong_layout": {"w0.npy": save(rnd(2, 4, 3))},  # needs (4, 2, 3)
    "bias_shape_mismatch": {"w0.npy": save(rnd(2, 2, 3)), "b0.npy": save(rnd(3))},
    # weight_missing_file: w_missing.npy deliberately not written
    "npy_bad_magic": {"w0.npy": lambda: b"NOTNUMPY" + npy_bytes(rnd(2, 2, 3))[8:]},
    "npy_truncated_data": {
        "w0.npy": lambda: npy_bytes(rnd(2, 2, 3))[:-4 * 7]},  # 5 of 12 floats left
    "npy_header_len_beyond_eof": {
        "x.npy": lambda: raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 16), }",
                                 b"", header_len=0xFFF0)},
    "npy_header_malformed": {
        "x.npy": lambda: raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 16 }",
                                 rnd(2, 16).tobytes())},
    "npy_header_shape_lies": {
        # header claims (2, 1600) but only (2, 16) worth of float32 follows
        "x.npy": lambda: raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1600), }",
                                 rnd(2, 16).tobytes())},
    "npy_declared_shape_over_tensor_limit": {
        # 3 GiB declared, 64 bytes present: the tensor limit refuses it from the header
        "x.npy": lambda: raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (40000, 20000), }",
                                 rnd(16).tobytes())},
    "npy_shape_value_missing": {
        "x.npy": lambda: raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': , }", rnd(2, 16).tobytes())},
    "npy_int32_dtype": {"w0.npy": save(np.arange(12, dtype=np.int32).reshape(2, 2, 3))},
    "batch_norm_mean_wrong_length": {"m.npy": save(rnd(3))},
    # NaN / Inf: exit 0 with a warning
    "nan_in_input_data": {"x.npy": save(with_value(rnd(2, 16, seed=3), (0, 5), np.nan))},
    "inf_in_input_data": {"x.npy": save(with_value(rnd(2, 16, seed=4), (1, 3), np.inf))},
    "nan_in_weight": {"w0.npy": save(with_value(rnd(3, 2, 3, seed=5), (1, 0, 2), np.nan))},
    "neg_inf_into_max_pool": {
        "x.npy": save(with_value(rnd(2, 16, seed=6, dtype=np.float64), (0, 4), -np.inf))},
}


def materialise(cases_dir, out_dir):
    """Copy every case to out_dir/<name>/ and write its .npy files. Returns the case names."""
    names = sorted(d for d in os.listdir(cases_dir)
                   if os.path.isfile(os.path.join(cases_dir, d, "expect.json")))
    unknown = set(NPY) - set(names)
    if unknown:
        raise SystemExit("make_cases.py: NPY builders for missing cases: %s" % sorted(unknown))
    for name in names:
        dst = os.path.join(out_dir, name)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(os.path.join(cases_dir, name), dst)
        for fname, build in NPY.get(name, {}).items():
            with open(os.path.join(dst, fname), "wb") as f:
                f.write(build())
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="work directory to fill")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = materialise(args.cases, args.out)
    print("wrote %d cases to %s" % (len(names), args.out))


if __name__ == "__main__":
    sys.exit(main())
