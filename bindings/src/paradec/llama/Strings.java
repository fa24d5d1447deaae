package paradec.llama;

import java.lang.foreign.MemorySegment;

/** Conversions of C strings handed out by llama.cpp. */
final class Strings {
    private Strings() {}

    /** Reads a NUL-terminated UTF-8 string; NULL gives null. */
    static String fromC(MemorySegment cString) {
        if (cString == null || cString.equals(MemorySegment.NULL)) return null;
        return cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
