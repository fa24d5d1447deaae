package paradec.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * The held-out tasks of {@code paradec eval}, with the files the model lab writes for them and how an output is
 * scored. Task files are {@code prompt TAB answer} lines ({@link HeldOut}).
 *
 * <ul>
 *   <li>{@code add}, {@code sort}, {@code path}: the lab's synthetic tasks ({@code models/lab/tasks.py}); an
 *       output scores 1 when its answer, the leading run of digits and commas, equals the expected answer
 *       exactly, else 0.</li>
 *   <li>{@code inc}: the long-answer task of {@code tasks-long-dlm} (24 two-digit numbers, each plus one: 71
 *       answer characters, 72 positions with the end marker), scored like the other synthetic tasks. It is where a
 *       parallel unmasking policy can commit many positions per forward call.</li>
 *   <li>{@code plan}: the planning task by distance of {@code plan-ar}, {@code plan-dlm} and {@code plan-mdm}: {@code path}'s
 *       star graph with letter nodes, planning distances 2..6 (200 held-out problems each); the answer is the path's
 *       edges, letters and commas ({@code ae,de}), scored exactly like the other synthetic tasks.</li>
 *   <li>{@code code}: held-out Python source ({@code models/lab/code_heldout.py}); an output scores the length
 *       of its common prefix with the true continuation, as a fraction of the continuation's length (greedy
 *       continuation match). The causal models also get a held-out perplexity.</li>
 * </ul>
 */
public enum EvalTask {
    ADD("models/lab/tasks-add-heldout.tsv", 8, EvalTask::isNumberChar),
    SORT("models/lab/tasks-sort-heldout.tsv", 16, EvalTask::isNumberChar),
    PATH("models/lab/tasks-path-heldout.tsv", 12, EvalTask::isNumberChar),
    INC("models/lab/tasks-inc-heldout.tsv", 72, EvalTask::isNumberChar),
    PLAN("models/lab/tasks-plan-heldout.tsv", 18, EvalTask::isPlanChar),
    CODE("models/lab/code-heldout.tsv", 32, null);

    /** Source text whose perplexity {@code --task code} reports, next to the problems file. */
    public static final String CODE_TEXT = "models/lab/code-heldout.txt";

    private final String heldOutFile;
    private final int generationLength;
    /** The characters of an exact task's answer (null: scored by prefix match). */
    private final CharPredicate answerChar;

    EvalTask(String heldOutFile, int generationLength, CharPredicate answerChar) {
        this.heldOutFile = heldOutFile;
        this.generationLength = generationLength;
        this.answerChar = answerChar;
    }

    /** The task of a command-line name ({@code add}, {@code sort}, {@code path}, {@code inc}, {@code plan}, {@code code}). */
    public static EvalTask of(String name) {
        for (EvalTask t : values()) {
            if (t.cliName().equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown task '" + name + "' (" + String.join(", ", names()) + ")");
    }

    public static String[] names() {
        return Arrays.stream(values()).map(EvalTask::cliName).toArray(String[]::new);
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Held-out problems, relative to the project root. */
    public String heldOutFile() {
        return heldOutFile;
    }

    /**
     * Tokens to generate per problem: the answer positions a tasks-dlm model was trained with (the answer and
     * end-of-text padding), or the continuation length of {@code code}.
     */
    public int generationLength() {
        return generationLength;
    }

    /** Whether a problem is solved exactly or not at all (every task but {@code code}). */
    public boolean exact() {
        return answerChar != null;
    }

    /** The score in [0, 1] of one generated text against the expected answer. */
    public double score(String output, String expected) {
        if (!exact()) return prefixMatch(output, expected);
        return answerMatches(output, expected, answerChar) ? 1 : 0;
    }

    /**
     * Whether a problem's planning distance can be chosen ({@code --distance}): {@code path} and {@code plan}, whose
     * answers are the edges of the path from start to goal, so the distance is the answer's number of edges.
     */
    public boolean hasDistance() {
        return this == PATH || this == PLAN;
    }

    /** The planning distance of a {@link #hasDistance()} task's answer: its comma-separated edges. */
    public static int distance(String answer) {
        return answer.strip().split(",", -1).length;
    }

    /** Characters of a numeric answer: digits and the commas between numbers. */
    static boolean isNumberChar(char c) {
        return Character.isDigit(c) || c == ',';
    }

    /** Characters of a plan answer: node letters and the commas between edges. */
    static boolean isPlanChar(char c) {
        return (c >= 'a' && c <= 'z') || c == ',';
    }

    /**
     * Whether the answer at the start of {@code output} (after blanks: the longest run of digits and commas) is
     * exactly {@code expected}. Leading zeros count: they are part of the lab's fixed-width formats.
     */
    public static boolean answerMatches(String output, String expected) {
        return answerMatches(output, expected, EvalTask::isNumberChar);
    }

    /** {@link #answerMatches(String, String)} where the answer's run is of the characters {@code answerChar} accepts. */
    static boolean answerMatches(String output, String expected, CharPredicate answerChar) {
        String s = output.stripLeading();
        int end = 0;
        while (end < s.length() && answerChar.test(s.charAt(end))) end++;
        return end > 0 && s.substring(0, end).equals(expected.strip());
    }

    /** A test on one character (no boxing). */
    @FunctionalInterface
    interface CharPredicate {
        boolean test(char c);
    }

    /** The common prefix of the two texts as a fraction of {@code expected}'s length (1 when expected is empty). */
    public static double prefixMatch(String output, String expected) {
        if (expected.isEmpty()) return 1;
        int n = Math.min(output.length(), expected.length());
        int i = 0;
        while (i < n && output.charAt(i) == expected.charAt(i)) i++;
        return (double) i / expected.length();
    }
}
