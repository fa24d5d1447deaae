package paradec.gguf;

/**
 * Description of one tensor in a GGUF file.
 *
 * @param name tensor name
 * @param type element type
 * @param dims dimensions, fastest-varying first as in ggml (ne[0] is the row length); do not modify
 * @param offset byte offset of the data relative to the start of the data section
 * @param byteSize bytes of data
 */
public record TensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {

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
