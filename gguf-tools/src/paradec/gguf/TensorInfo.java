package paradec.gguf;

/**
 * Description of one tensor in a GGUF file.
 *
 * @param name tensor name
 * @param type element type
 * @param dims dimensions, fastest-varying first as in ggml (ne[0] is the row length); the record keeps its own copy
 * @param offset byte offset of the data relative to the start of the data section
 * @param byteSize bytes of data
 */
public record TensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {
    public TensorInfo {
        dims = dims.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && java.util.Arrays.equals(dims, t.dims)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, type, java.util.Arrays.hashCode(dims), offset, byteSize);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + " " + type + " " + shape() + " @" + offset + ", " + byteSize + " bytes]";
    }

    /** Product of the dimensions. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Shape as text, e.g. {@code [64, 256]}. */
    public String shape() {
        return java.util.Arrays.toString(dims);
    }
}
