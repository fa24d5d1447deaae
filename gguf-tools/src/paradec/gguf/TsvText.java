package paradec.gguf;

/**
 * The escapes of the model lab's tab-separated files (vocabularies, held-out problems): {@code \t}, {@code \n},
 * {@code \r}, and a backslash before any other character stands for that character.
 */
public final class TsvText {
    private TsvText() {}

    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
