package paradec.gguf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One typed GGUF metadata value.
 *
 * <p>Java representation of {@link #value()}, chosen so that every value is held exactly and unsigned
 * values are never negative (except UINT64, which has no wider Java primitive):
 * <table>
 * <caption>GGUF type to Java type</caption>
 * <tr><th>GGUF</th><th>scalar</th><th>array element type (ARRAY value)</th></tr>
 * <tr><td>UINT8</td><td>Short (0..255)</td><td>short[]</td></tr>
 * <tr><td>INT8</td><td>Byte</td><td>byte[]</td></tr>
 * <tr><td>UINT16</td><td>Integer (0..65535)</td><td>int[]</td></tr>
 * <tr><td>INT16</td><td>Short</td><td>short[]</td></tr>
 * <tr><td>UINT32</td><td>Long (0..2^32-1)</td><td>long[]</td></tr>
 * <tr><td>INT32</td><td>Integer</td><td>int[]</td></tr>
 * <tr><td>UINT64</td><td>Long, raw 64 bits (use {@link Long#toUnsignedString(long)})</td><td>long[]</td></tr>
 * <tr><td>INT64</td><td>Long</td><td>long[]</td></tr>
 * <tr><td>FLOAT32</td><td>Float</td><td>float[]</td></tr>
 * <tr><td>FLOAT64</td><td>Double</td><td>double[]</td></tr>
 * <tr><td>BOOL</td><td>Boolean</td><td>boolean[]</td></tr>
 * <tr><td>STRING</td><td>String</td><td>unmodifiable List&lt;String&gt;</td></tr>
 * <tr><td>ARRAY</td><td>-</td><td>unmodifiable List&lt;GgufValue&gt;, each of type ARRAY</td></tr>
 * </table>
 * Primitive arrays are shared, not copied: do not modify them.
 *
 * @param type the value's type
 * @param elementType for ARRAY values the type of the elements, otherwise null
 * @param value the Java value as in the table above
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {

    /** @throws IllegalArgumentException if the Java value does not match the type (see the class table) */
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GgufType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType of an ARRAY");
            if (!arrayClass(elementType).isInstance(value)) {
                throw new IllegalArgumentException("ARRAY of " + elementType + " must be held as "
                        + arrayClass(elementType).getSimpleName() + ", got " + value.getClass().getSimpleName());
            }
            if (value instanceof List<?> list) {
                for (Object o : list) {
                    boolean ok = elementType == GgufType.STRING
                            ? o instanceof String
                            : o instanceof GgufValue v && v.type == GgufType.ARRAY;
                    if (!ok) {
                        throw new IllegalArgumentException("ARRAY of " + elementType + " holds a "
                                + (o == null ? "null" : o.getClass().getSimpleName()));
                    }
                }
            }
        } else {
            if (elementType != null) {
                throw new IllegalArgumentException("elementType is only for ARRAY values");
            }
            if (!scalarClass(type).isInstance(value)) {
                throw new IllegalArgumentException(type + " must be held as " + scalarClass(type).getSimpleName()
                        + ", got " + value.getClass().getSimpleName());
            }
            checkRange(type, value);
        }
    }

    private static Class<?> scalarClass(GgufType t) {
        return switch (t) {
            case UINT8, INT16 -> Short.class;
            case INT8 -> Byte.class;
            case UINT16, INT32 -> Integer.class;
            case UINT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> List.class;
        };
    }

    private static Class<?> arrayClass(GgufType elem) {
        return switch (elem) {
            case UINT8, INT16 -> short[].class;
            case INT8 -> byte[].class;
            case UINT16, INT32 -> int[].class;
            case UINT32, UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING, ARRAY -> List.class;
        };
    }

    private static void checkRange(GgufType t, Object v) {
        long x = switch (t) {
            case UINT8, INT16 -> (Short) v;
            case UINT16 -> (Integer) v;
            case UINT32 -> (Long) v;
            default -> 0;
        };
        if (!inRange(t, x)) {
            throw new IllegalArgumentException(t + " value out of range: " + x);
        }
    }

    private static boolean inRange(GgufType t, long x) {
        return switch (t) {
            case UINT8 -> x >= 0 && x <= 0xFF;
            case INT8 -> x >= Byte.MIN_VALUE && x <= Byte.MAX_VALUE;
            case UINT16 -> x >= 0 && x <= 0xFFFF;
            case INT16 -> x >= Short.MIN_VALUE && x <= Short.MAX_VALUE;
            case UINT32 -> x >= 0 && x <= 0xFFFF_FFFFL;
            case INT32 -> x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE;
            default -> true;
        };
    }

    public static GgufValue u8(int v) {
        return new GgufValue(GgufType.UINT8, null, checked(GgufType.UINT8, v) ? (short) v : null);
    }

    public static GgufValue i8(byte v) {
        return new GgufValue(GgufType.INT8, null, v);
    }

    public static GgufValue u16(int v) {
        return new GgufValue(GgufType.UINT16, null, checked(GgufType.UINT16, v) ? v : null);
    }

    public static GgufValue i16(short v) {
        return new GgufValue(GgufType.INT16, null, v);
    }

    public static GgufValue u32(long v) {
        return new GgufValue(GgufType.UINT32, null, checked(GgufType.UINT32, v) ? v : null);
    }

    public static GgufValue i32(int v) {
        return new GgufValue(GgufType.INT32, null, v);
    }

    /** @param v the raw 64 bits; negative Java values stand for values of 2^63 and above */
    public static GgufValue u64(long v) {
        return new GgufValue(GgufType.UINT64, null, v);
    }

    public static GgufValue i64(long v) {
        return new GgufValue(GgufType.INT64, null, v);
    }

    public static GgufValue f32(float v) {
        return new GgufValue(GgufType.FLOAT32, null, v);
    }

    public static GgufValue f64(double v) {
        return new GgufValue(GgufType.FLOAT64, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, null, v);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufType.STRING, null, v);
    }

    private static boolean checked(GgufType t, long v) {
        if (!inRange(t, v)) {
            throw new IllegalArgumentException(t + " value out of range: " + v);
        }
        return true;
    }

    /**
     * An ARRAY value built from a List or a Java primitive array. Elements are converted to the canonical
     * representation of the class table: any integral Number or integer primitive array is accepted for
     * integer element types when every element is in range; for STRING a List of String (or String[]);
     * for ARRAY a List of ARRAY GgufValues.
     *
     * @throws IllegalArgumentException if an element is of the wrong kind or out of range
     */
    public static GgufValue array(GgufType elementType, Object values) {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        if (values instanceof Object[] objects) {
            values = Arrays.asList(objects);
        }
        if (elementType == GgufType.STRING || elementType == GgufType.ARRAY) {
            if (!(values instanceof List<?> list)) {
                throw new IllegalArgumentException("ARRAY of " + elementType + " needs a List");
            }
            return new GgufValue(GgufType.ARRAY, elementType, Collections.unmodifiableList(new ArrayList<>(list)));
        }
        int n = values instanceof List<?> l ? l.size() : java.lang.reflect.Array.getLength(values);
        switch (elementType) {
            case FLOAT32 -> {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = ((Number) element(values, i)).floatValue();
                }
                return new GgufValue(GgufType.ARRAY, elementType, out);
            }
            case FLOAT64 -> {
                double[] out = new double[n];
                for (int i = 0; i < n; i++) {
                    out[i] = ((Number) element(values, i)).doubleValue();
                }
                return new GgufValue(GgufType.ARRAY, elementType, out);
            }
            case BOOL -> {
                boolean[] out = new boolean[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (Boolean) element(values, i);
                }
                return new GgufValue(GgufType.ARRAY, elementType, out);
            }
            default -> {
                long[] longs = new long[n];
                for (int i = 0; i < n; i++) {
                    Object o = element(values, i);
                    if (!(o instanceof Byte || o instanceof Short || o instanceof Integer || o instanceof Long)) {
                        throw new IllegalArgumentException("element " + i + " of an " + elementType
                                + " array is not an integer: " + o);
                    }
                    longs[i] = ((Number) o).longValue();
                    checked(elementType, longs[i]);
                }
                return new GgufValue(GgufType.ARRAY, elementType, narrow(elementType, longs));
            }
        }
    }

    private static Object element(Object values, int i) {
        return values instanceof List<?> l ? l.get(i) : java.lang.reflect.Array.get(values, i);
    }

    private static Object narrow(GgufType elem, long[] v) {
        switch (elem) {
            case UINT8, INT16 -> {
                short[] out = new short[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = (short) v[i];
                }
                return out;
            }
            case INT8 -> {
                byte[] out = new byte[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = (byte) v[i];
                }
                return out;
            }
            case UINT16, INT32 -> {
                int[] out = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = (int) v[i];
                }
                return out;
            }
            default -> {
                return v;
            }
        }
    }

    /** Number of elements of an ARRAY value. @throws IllegalStateException if this is not an ARRAY */
    public int length() {
        if (type != GgufType.ARRAY) {
            throw new IllegalStateException(type + " is not an array");
        }
        return value instanceof List<?> l ? l.size() : java.lang.reflect.Array.getLength(value);
    }

    /** Element i of an ARRAY value, boxed as in the scalar column of the class table. */
    public Object get(int i) {
        if (type != GgufType.ARRAY) {
            throw new IllegalStateException(type + " is not an array");
        }
        return value instanceof List<?> l ? l.get(i) : java.lang.reflect.Array.get(value, i);
    }

    /** The elements of an ARRAY value as a boxed, unmodifiable list. */
    public List<Object> asList() {
        int n = length();
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(get(i));
        }
        return Collections.unmodifiableList(out);
    }

    // Record equality would compare arrays by reference; compare contents instead.
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value, v.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType) * 31 + Arrays.deepHashCode(new Object[] {value});
    }

    @Override
    public String toString() {
        if (type != GgufType.ARRAY) {
            return type + ":" + value;
        }
        return "ARRAY<" + elementType + ">[" + length() + "]";
    }
}
