package paradec.decode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Candidate continuations keyed by their first token: for each key, the most recent distinct
 * (N-1)-token continuations, oldest dropped first.
 */
public final class NgramPool {
    private final int continuationLength;
    private final int perKey;
    private final Map<Integer, ArrayDeque<int[]>> byKey = new HashMap<>();

    public NgramPool(int continuationLength, int perKey) {
        if (continuationLength < 1) throw new IllegalArgumentException("continuation length must be >= 1");
        if (perKey < 1) throw new IllegalArgumentException("per-key capacity must be >= 1");
        this.continuationLength = continuationLength;
        this.perKey = perKey;
    }

    public int continuationLength() {
        return continuationLength;
    }

    /** Adds key followed by tokens[from .. from+continuationLength); a duplicate moves to the newest place. */
    public void add(int key, int[] tokens, int from) {
        int[] cont = Arrays.copyOfRange(tokens, from, from + continuationLength);
        ArrayDeque<int[]> q = byKey.computeIfAbsent(key, k -> new ArrayDeque<>(perKey));
        for (Iterator<int[]> it = q.iterator(); it.hasNext(); ) {
            if (Arrays.equals(it.next(), cont)) {
                it.remove();
                break;
            }
        }
        if (q.size() == perKey) q.removeFirst();
        q.addLast(cont);
    }

    /** Adds every n-gram of tokens[start..end) (n = continuationLength + 1). */
    public void addAll(int[] tokens, int start, int end) {
        for (int i = start; i + continuationLength < end; i++) add(tokens[i], tokens, i + 1);
    }

    /** Up to {@code max} continuations of key, newest first. */
    public List<int[]> candidates(int key, int max) {
        ArrayDeque<int[]> q = byKey.get(key);
        if (q == null || max <= 0) return List.of();
        List<int[]> out = new ArrayList<>(Math.min(max, q.size()));
        for (Iterator<int[]> it = q.descendingIterator(); it.hasNext() && out.size() < max; ) out.add(it.next());
        return out;
    }

    public int size() {
        int n = 0;
        for (ArrayDeque<int[]> q : byKey.values()) n += q.size();
        return n;
    }
}
