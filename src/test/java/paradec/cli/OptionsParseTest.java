package paradec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command-line parser on its own: spellings, values that look like options, and every usage error. */
class OptionsParseTest {
    static final List<Options.Opt> TABLE = List.of(
            Options.Opt.value("--ctx|-c|--ctx-size", "N", "4096", "context"),
            Options.Opt.value("--threads|-t", "N", null, "threads"),
            Options.Opt.value("--prompt|-p", "TEXT", null, "prompt"),
            Options.Opt.flag("--json", "json"));

    static Options parse(String... args) throws UsageException {
        String[] all = new String[args.length + 1];
        all[0] = "generate";
        System.arraycopy(args, 0, all, 1, args.length);
        return Options.parse(all, 1, TABLE);
    }

    @Test
    void valuesAreStoredUnderTheFirstNameWhateverTheSpelling() throws UsageException {
        Options o = parse("-c", "128", "--threads=2", "--json", "-p", "-1 is a prompt");
        assertEquals("128", o.get("--ctx"));
        assertEquals("2", o.get("--threads"));
        assertEquals("true", o.get("--json"));
        assertEquals("-1 is a prompt", o.get("--prompt"));
        assertEquals("-c (--ctx)", o.label("--ctx"));
        assertEquals("--threads", o.label("--threads"));
        assertFalse(o.has("--nothing"));
    }

    @Test
    void theLastOfARepeatedOptionWinsAndPositionalsKeepTheirOrder() throws UsageException {
        Options o = parse("a", "-t", "1", "b", "--threads", "3", "--", "--json", "-");
        assertEquals("3", o.get("--threads"));
        assertEquals("--threads", o.label("--threads"), "typed by its own name last");
        assertEquals(List.of("a", "b", "--json", "-"), o.positional());
        assertFalse(o.has("--json"), "after --, everything is positional");
        assertEquals("=x", parse("--prompt==x").get("--prompt"));
        assertEquals("", parse("--prompt=").get("--prompt"));
    }

    @Test
    void usageErrorsNameTheOptionAsTyped() {
        assertMessage("Unknown option: '--bogus'", "--bogus");
        assertMessage("Unknown option: '--bogus'", "--bogus=1");
        assertMessage("Unknown option: '-5'", "-5");
        assertMessage("-p needs a value (TEXT)", "-p");
        assertMessage("-p needs a value (TEXT)", "-p", "--json");
        assertMessage("-p needs a value (TEXT)", "-p", "--");
        assertMessage("--json takes no value, got '--json=yes'", "--json=yes");
    }

    static void assertMessage(String expected, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> parse(args));
        assertTrue(e.getMessage().equals(expected), e.getMessage());
    }
}
