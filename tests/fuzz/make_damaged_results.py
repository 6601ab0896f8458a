#!/usr/bin/python3
"""Rebuilds the damaged results files of tests/fuzz/corpus/results from chain4.hdf5.

    /usr/bin/python3 tests/fuzz/make_damaged_results.py

The fuzzer found these kinds of damage in files of results format 1; each is applied here to
a sound file of the current format, so that the reader meets it past the format check:

  huge_extent.hdf5                /exact/magnetization declares 2^48 + 2 values, stores none
  chunk_larger_than_dataset.hdf5  /mean_field/m in chunks of 2 x 65533 for a 2 x 4 dataset
  hdf5_heap_loop.hdf5             the global heap's free-space entry has size 0 (HDF5 1.10
                                  loops forever decoding it)
  hdf5_heap_overflow.hdf5         the heap object holding "isingmf-results" claims 100 TB
                                  (HDF5 1.10 copies past the collection and crashes)

Global heap collections carry no checksum, so their entries are patched in place.
"""

import os
import shutil
import struct

import h5py

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "results")
SOUND = os.path.join(HERE, "chain4.hdf5")


def heap_objects(data):
    """(offset, index, size) of each entry of the first global heap collection."""
    at = data.find(b"GCOL\x01")
    end = at + struct.unpack_from("<Q", data, at + 8)[0]
    p, objects = at + 16, []
    while p + 16 <= end:
        index = struct.unpack_from("<H", data, p)[0]
        size = struct.unpack_from("<Q", data, p + 8)[0]
        objects.append((p, index, size))
        step = 16 + (size + 7) // 8 * 8 if index > 0 else size
        if step == 0:
            break
        p += step
    return objects


def patch_heap(name, choose, new_size):
    data = bytearray(open(SOUND, "rb").read())
    offset = next(p for p, index, size in heap_objects(data) if choose(data, p, index))
    struct.pack_into("<Q", data, offset + 8, new_size)
    open(os.path.join(HERE, name), "wb").write(data)


def main():
    path = os.path.join(HERE, "huge_extent.hdf5")
    shutil.copy(SOUND, path)
    with h5py.File(path, "r+") as f:
        del f["exact/magnetization"]
        f["exact"].create_dataset("magnetization", shape=(2**48 + 2,), dtype="<f8")

    path = os.path.join(HERE, "chunk_larger_than_dataset.hdf5")
    shutil.copy(SOUND, path)
    with h5py.File(path, "r+") as f:
        m = f["mean_field/m"][:]
        del f["mean_field/m"]
        f["mean_field"].create_dataset("m", data=m, maxshape=(None, None), chunks=(2, 65533),
                                       compression="gzip", shuffle=True)

    patch_heap("hdf5_heap_loop.hdf5", lambda data, p, index: index == 0, 0)
    patch_heap("hdf5_heap_overflow.hdf5",
               lambda data, p, index: data[p + 16:p + 31] == b"isingmf-results", 0x5D6210000000)


if __name__ == "__main__":
    main()
