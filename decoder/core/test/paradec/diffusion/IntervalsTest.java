package paradec.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import org.junit.jupiter.api.Test;

class IntervalsTest {

    private static IntPredicate pass(String pattern) {
        return i -> pattern.charAt(i) == 'P';
    }

    @Test
    void growthToleratesMFailingPositionsAndOnlyLandsOnPassingOnes() {
        // P = pass, F = fail; cluster starts at 5
        IntPredicate gap2 = pass("FFFFFPFFPFFFP"); // right: 6,7 fail, 8 passes; 9,10,11 fail (3 > M)
        assertArrayEquals(new int[] {5, 8}, Intervals.grow(5, 5, 0, 12, gap2, 2));
        IntPredicate gap3 = pass("FFFFFPFFFPPPP");
        assertArrayEquals(new int[] {5, 5}, Intervals.grow(5, 5, 0, 12, gap3, 2), "M+1 failing is not bridged");
        IntPredicate tail = pass("FFFFFPPFF");
        assertArrayEquals(new int[] {5, 6}, Intervals.grow(5, 5, 0, 8, tail, 2), "edge stays on the last pass");
        IntPredicate left = pass("PFFPFPF");
        assertArrayEquals(new int[] {0, 5}, Intervals.grow(5, 5, 0, 6, left, 2));
        assertArrayEquals(new int[] {3, 5}, Intervals.grow(5, 5, 2, 6, left, 2), "bounded by min");
    }

    @Test
    void growthEdgeCases() {
        IntPredicate all = i -> true;
        assertArrayEquals(new int[] {2, 9}, Intervals.grow(4, 6, 2, 9, all, 0), "fills [min, max]");
        IntPredicate none = i -> false;
        assertArrayEquals(new int[] {4, 6}, Intervals.grow(4, 6, 0, 20, none, 5), "never moves onto failures");
        assertArrayEquals(new int[] {5, 9}, Intervals.grow(5, 5, 5, 9, pass("PPPPPPPPPPPPP"), 0), "bounded by max");
        assertArrayEquals(new int[] {5, 7}, Intervals.grow(5, 5, 0, 12, pass("FFFFFPPPFPFFF"), 0),
                "tolerance 0 stops at the first failure");
    }

    @Test
    void mergesOverlappingAndAdjacentIntervals() {
        List<int[]> in = new ArrayList<>(List.of(new int[] {10, 12}, new int[] {1, 3}, new int[] {4, 6},
                new int[] {11, 11}, new int[] {14, 15}));
        List<int[]> out = Intervals.merge(in);
        assertEquals(3, out.size());
        assertArrayEquals(new int[] {1, 6}, out.get(0));
        assertArrayEquals(new int[] {10, 12}, out.get(1));
        assertArrayEquals(new int[] {14, 15}, out.get(2));
        assertArrayEquals(new int[] {10, 12}, in.get(0), "input untouched");
        assertArrayEquals(new int[] {1, 3}, in.get(1), "input untouched");
        assertTrue(Intervals.merge(List.of()).isEmpty());
        List<int[]> nested = Intervals.merge(List.of(new int[] {2, 20}, new int[] {5, 6}, new int[] {20, 21}));
        assertEquals(1, nested.size());
        assertArrayEquals(new int[] {2, 21}, nested.get(0));
    }

    @Test
    void trimCutsToLivePositionsAndDropsDeadIntervals() {
        IntPredicate live = pass("FFPPFPFFFFFFPF");
        List<int[]> out = Intervals.trim(List.of(new int[] {0, 7}, new int[] {8, 10}, new int[] {11, 13}), live);
        assertEquals(2, out.size());
        assertArrayEquals(new int[] {2, 5}, out.get(0), "interior dead positions stay");
        assertArrayEquals(new int[] {12, 12}, out.get(1), "[8, 10] has nothing live and is dropped");
        List<int[]> merged = Intervals.trim(List.of(new int[] {2, 3}, new int[] {3, 5}), live);
        assertEquals(1, merged.size(), "trimmed intervals are merged");
        assertArrayEquals(new int[] {2, 5}, merged.get(0));
    }

    @Test
    void stableRule() {
        List<int[]> a = List.of(new int[] {0, 9}, new int[] {20, 29});
        assertTrue(Intervals.stable(a, List.of(new int[] {0, 9}, new int[] {20, 29}), 0.1));
        assertFalse(Intervals.stable(a, List.of(new int[] {0, 10}, new int[] {20, 29}), 0.1), "10% growth");
        assertTrue(Intervals.stable(a, List.of(new int[] {0, 10}, new int[] {20, 29}), 0.11), "below 11%");
        assertFalse(Intervals.stable(a, List.of(new int[] {0, 9}), 0.1), "count changed");
        assertFalse(Intervals.stable(null, a, 0.1));
        assertTrue(Intervals.stable(a, List.of(new int[] {2, 8}, new int[] {20, 29}), 0.1), "shrinking is stable");
    }

    @Test
    void lengthAndCopy() {
        assertEquals(1, Intervals.length(new int[] {4, 4}));
        assertEquals(10, Intervals.length(new int[] {0, 9}));
        List<int[]> in = List.of(new int[] {1, 2});
        List<int[]> copy = Intervals.copy(in);
        assertNotSame(in.get(0), copy.get(0));
        assertArrayEquals(in.get(0), copy.get(0));
    }
}
