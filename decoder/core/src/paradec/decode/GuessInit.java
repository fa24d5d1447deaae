package paradec.decode;

/** How a Jacobi window's fresh positions are guessed. */
public enum GuessInit {
    /** Repeat the last known token. */
    REPEAT,
    /** Random vocabulary ids (seeded). */
    RANDOM,
    /** Prompt lookup: continue the most recent earlier occurrence of the last n tokens; repeat when none. */
    LOOKUP
}
