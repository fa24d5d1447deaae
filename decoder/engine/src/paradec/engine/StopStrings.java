package paradec.engine;

import java.util.List;

/**
 * Passes streamed text through until a stop string appears. Text that could still be the start of
 * a stop string is held back, so a listener never sees any part of one.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** The text that is now safe to pass on; after a stop string, "" forever. */
    String push(String piece) {
        if (stopped) return "";
        held.append(piece);
        int at = firstStop(held);
        if (at >= 0) {
            stopped = true;
            String out = held.substring(0, at);
            held.setLength(0);
            return out;
        }
        int keep = longestPrefixSuffix(held);
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** What is left at the end of a generation that no stop string ended. */
    String flush() {
        String out = stopped ? "" : held.toString();
        held.setLength(0);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** Where the first stop string starts in {@code text}, or -1. */
    int firstStop(CharSequence text) {
        int best = -1;
        String s = text.toString();
        for (String stop : stops) {
            int i = s.indexOf(stop);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    // the longest end of the held text that some stop string starts with
    private int longestPrefixSuffix(CharSequence text) {
        int best = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > best; len--) {
                boolean match = true;
                for (int i = 0; i < len && match; i++) match = text.charAt(text.length() - len + i) == stop.charAt(i);
                if (match) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
