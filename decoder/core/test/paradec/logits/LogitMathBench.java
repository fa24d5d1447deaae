package paradec.logits;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times {@link LogitMath#statsExact} (double sums), {@link LogitMath#statsScalar} and {@link LogitMath#statsVector}
 * (float sums) on native memory.
 * Not a unit test. Arguments: {@code [rows] [vocab] [repeats]}, default 256 x 32000 x 15.
 * Run with {@code --add-modules jdk.incubator.vector}.
 */
public final class LogitMathBench {

    private LogitMathBench() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int vocab = args.length > 1 ? Integer.parseInt(args[1]) : 32000;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate((long) rows * vocab * Float.BYTES, 64);
            SplittableRandom rnd = new SplittableRandom(42);
            for (long i = 0; i < (long) rows * vocab; i++) {
                all.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextGaussian() * 3.0));
            }
            LogitsView view = Logits.of(all, rows, vocab);
            double sink = 0;
            long[] exact = new long[repeats];
            long[] scalar = new long[repeats];
            long[] vector = new long[repeats];
            for (int rep = 0; rep < repeats; rep++) {
                long tx = System.nanoTime();
                for (int r = 0; r < rows; r++) {
                    sink += LogitMath.statsExact(view.row(r), vocab, 1).confidence();
                }
                long t0 = System.nanoTime();
                exact[rep] = (t0 - tx) / rows;
                for (int r = 0; r < rows; r++) {
                    sink += LogitMath.statsScalar(view.row(r), vocab, 1).confidence();
                }
                long t1 = System.nanoTime();
                for (int r = 0; r < rows; r++) {
                    sink += LogitMath.statsVector(view.row(r), vocab, 1).confidence();
                }
                long t2 = System.nanoTime();
                scalar[rep] = (t1 - t0) / rows;
                vector[rep] = (t2 - t1) / rows;
            }
            Arrays.sort(exact);
            Arrays.sort(scalar);
            Arrays.sort(vector);
            System.out.printf("rows=%d vocab=%d repeats=%d%n", rows, vocab, repeats);
            System.out.printf("exact (double sums, plain loops) median %d ns/row%n", exact[repeats / 2]);
            System.out.printf("scalar median %d ns/row%n", scalar[repeats / 2]);
            System.out.printf("vector median %d ns/row%n", vector[repeats / 2]);
            System.out.printf("speedup %.2fx (sink %.3f)%n", (double) scalar[repeats / 2] / vector[repeats / 2], sink);
        }
    }
}
