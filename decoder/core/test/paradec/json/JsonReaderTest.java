package paradec.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonReaderTest {

    @Test
    void roundTripsWhatJsonWriterWrites() {
        String json = new JsonWriter().beginObject()
                .field("kind", "ar-step").field("n", 42L).field("neg", -7L).field("x", 0.25).field("ok", true)
                .field("none", (String) null).field("ids", new int[] {1, 22, 333})
                .field("probs", new double[] {0.5, 1.5e-7})
                .field("text", "quote\" back\\ nl\n tab\t ctl\u0001 ünï €")
                .beginArray("nested").beginObject().field("a", 1L).endObject().beginArray().endArray().endArray()
                .endObject().toString();
        Map<String, Object> m = JsonReader.parseObject(json);
        assertEquals(List.of("kind", "n", "neg", "x", "ok", "none", "ids", "probs", "text", "nested"),
                List.copyOf(m.keySet()), "key order is kept");
        assertEquals("ar-step", m.get("kind"));
        assertEquals(42L, m.get("n"));
        assertEquals(-7L, m.get("neg"));
        assertEquals(0.25, m.get("x"));
        assertEquals(Boolean.TRUE, m.get("ok"));
        assertTrue(m.containsKey("none"));
        assertNull(m.get("none"));
        assertEquals(List.of(1L, 22L, 333L), m.get("ids"));
        List<?> probs = (List<?>) m.get("probs");
        assertEquals(0.5, ((Number) probs.get(0)).doubleValue());
        assertEquals(1.5e-7, ((Number) probs.get(1)).doubleValue(), 1e-15);
        assertEquals("quote\" back\\ nl\n tab\t ctl\u0001 ünï €", m.get("text"));
        assertEquals(List.of(Map.of("a", 1L), List.of()), m.get("nested"));
    }

    @Test
    void parsesScalarsNumbersAndEscapes() {
        assertEquals(0L, JsonReader.parse("0"));
        assertEquals(-0.5, JsonReader.parse(" -0.5 "));
        assertEquals(1e3, JsonReader.parse("1E+3"));
        assertEquals(12.0, JsonReader.parse("1.2e1"));
        assertEquals(Long.MAX_VALUE, JsonReader.parse("9223372036854775807"));
        assertEquals(9.3e18, (Double) JsonReader.parse("9300000000000000000"), 1e5, "beyond long: a double");
        assertEquals(Boolean.FALSE, JsonReader.parse("false"));
        assertNull(JsonReader.parse("\n null \r\n"));
        assertEquals("a/b\u00e9\uD83D\uDE00\b\f", JsonReader.parse("\"a\\/b\\u00E9\\ud83d\\ude00\\b\\f\""));
        assertEquals(Map.of(), JsonReader.parse("{ }"));
        assertEquals(List.of(List.of(List.of())), JsonReader.parse("[[[]]]"));
    }

    @Test
    void rejectsMalformedInputWithPosition() {
        String[] bad = {
            "", "   ", "{", "[1,2", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "{\"a\":}", "[1 2]", "01", "-", "1.",
            "1e", ".5", "+1", "NaN", "Infinity", "tru", "nul", "\"abc", "\"a\\x\"", "\"\\u12g4\"", "\"\\u12\"",
            "\"tab\there\"", "[1] [2]", "{\"a\":1}}", "// c\n1", "'a'", "{\"a\":1,\"a\":2}", "1e999",
        };
        for (String s : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(s),
                    "should reject: " + s);
            assertTrue(e.getMessage().contains("line ") && e.getMessage().contains("column "), e.getMessage());
        }
    }

    @Test
    void errorNamesLineAndColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonReader.parse("{\n  \"a\": [1,\n  2,,3]}"));
        assertTrue(e.getMessage().contains("line 3, column 5"), e.getMessage());
    }

    @Test
    void guardsNestingDepth() {
        int ok = JsonReader.MAX_DEPTH;
        assertInstanceOf(List.class, JsonReader.parse("[".repeat(ok) + "]".repeat(ok)), "MAX_DEPTH itself is fine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonReader.parse("[".repeat(100_000)));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":".repeat(ok + 1) + "1" + "}".repeat(ok + 1)));
    }

    @Test
    void parseObjectInsistsOnAnObject() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.parseObject("[1]"));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }
}
