package paradec.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class JacobiSettingsTest {

    @Test
    void equalityUsesTheReferenceContents() {
        JacobiSettings a = new JacobiSettings(4, GuessInit.LOOKUP, 3, new int[] {1, 2, 3}, 7);
        JacobiSettings b = new JacobiSettings(4, GuessInit.LOOKUP, 3, new int[] {1, 2, 3}, 7);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertEquals("JacobiSettings[window=4, init=LOOKUP, ngram=3, reference=[1, 2, 3], seed=7]", a.toString());
        assertNotEquals(a, a.withReference(new int[] {1, 2, 4}));
        assertNotEquals(a, a.withReference(null));
        assertNotEquals(a, a.withWindow(5));
        assertNotEquals(a, new JacobiSettings(4, GuessInit.LOOKUP, 3, new int[] {1, 2, 3}, 8));
        assertNotEquals(a, new JacobiSettings(4, GuessInit.LOOKUP, 4, new int[] {1, 2, 3}, 7));
        assertNotEquals(a, null);
        assertEquals(JacobiSettings.defaults(), JacobiSettings.defaults());
        assertEquals(JacobiSettings.defaults().hashCode(), JacobiSettings.defaults().hashCode());
    }

    @Test
    void theReferenceIsCopiedInAndOut() {
        int[] ref = {5, 6};
        JacobiSettings s = JacobiSettings.defaults().withReference(ref);
        ref[0] = 99;
        assertArrayEquals(new int[] {5, 6}, s.reference());
        s.reference()[1] = 99;
        assertArrayEquals(new int[] {5, 6}, s.reference());
        assertNotSame(s.reference(), s.reference());
        assertNull(JacobiSettings.defaults().reference());
    }
}
