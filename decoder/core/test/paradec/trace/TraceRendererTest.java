package paradec.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TraceRendererTest {
    @TempDir
    Path dir;

    /** Parses with the JDK's XML parser: throws on anything that is not well-formed. */
    private static Document xml(String text) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The rect elements whose class list contains every one of {@code classes}. */
    private static List<Element> rects(Document d, String... classes) {
        List<Element> out = new ArrayList<>();
        NodeList all = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        outer:
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            List<String> have = List.of(e.getAttribute("class").split(" "));
            for (String c : classes) if (!have.contains(c)) continue outer;
            out.add(e);
        }
        return out;
    }

    private static List<Integer> positions(List<Element> cells) {
        List<Integer> out = new ArrayList<>();
        for (Element e : cells) out.add(Integer.parseInt(e.getAttribute("data-pos")));
        return out;
    }

    private static Document svgOf(Trace t, Map<Integer, String> text) throws Exception {
        return xml(new TraceRenderer(text).render(t, TraceRenderer.Format.SVG));
    }

    @Test
    void jacobiCellsFollowTheTrace() throws Exception {
        Document d = svgOf(TraceFile.read(Traces.jacobi(dir)), null);
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals(13, rects(d, "cell").size(), "4 + 4 + 5 cells");
        List<Element> accepted = rects(d, "cell", "accepted");
        assertEquals(List.of(4, 5, 7, 9, 10, 11), positions(accepted));
        for (Element e : accepted) assertEquals(TraceRenderer.ACCEPTED, e.getAttribute("fill"));
        assertEquals(List.of(3, 6, 8), positions(rects(d, "cell", "settled")));
        assertEquals(List.of(6, 8, 12), positions(rects(d, "cell", "bonus")), "bonus after the accepted prefix, even past the window");
        assertEquals(List.of(9), positions(rects(d, "cell", "rejected")));
        for (Element e : rects(d, "cell", "rejected")) assertEquals(TraceRenderer.REJECTED, e.getAttribute("fill"));
        for (Element e : rects(d, "cell", "bonus")) assertEquals(TraceRenderer.BONUS, e.getAttribute("fill"));
        for (Element e : rects(d, "cell", "settled")) assertEquals(TraceRenderer.SETTLED, e.getAttribute("fill"));
        String all = d.getDocumentElement().getTextContent();
        assertTrue(all.contains("jacobi: 3 calls, 9 tokens, 3.00 tokens/call"), "summary line is drawn");
        assertTrue(all.contains("accepted guess") && all.contains("rejected guess"), "legend is drawn");
        assertTrue(all.contains("guess 21 rejected"), "the replaced guess is named in the bonus cell's tooltip");
    }

    @Test
    void plainArIsOneBonusCellPerCall() throws Exception {
        Document d = svgOf(TraceFile.read(Traces.ar(dir, 7)), null);
        assertEquals(7, rects(d, "cell").size());
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8), positions(rects(d, "cell", "bonus")));
    }

    @Test
    void diffusionCellsAreColouredByTheirCommitStep() throws Exception {
        DiffusionTrace t = (DiffusionTrace) TraceFile.read(new StringReader(Traces.diffusion()), "d");
        Document d = svgOf(t, null);
        assertEquals(2 + 4 + 8 + 11 + 12, rects(d, "cell").size(), "committed-so-far cells over the five rows");
        assertEquals(5, rects(d, "masked").size(), "one masked background per row");
        List<Element> fresh = rects(d, "cell", "new");
        assertEquals(List.of(1, 3, 0, 2, 4, 5, 6, 7, 8, 10, 11, 9), positions(fresh), "outlined: committed in the row's step");
        int[] commit = t.commitStep();
        for (Element e : rects(d, "cell")) {
            int p = Integer.parseInt(e.getAttribute("data-pos"));
            assertEquals(Integer.toString(commit[p]), e.getAttribute("data-step"));
            assertEquals(TraceRenderer.stepColour(commit[p], 0, 4), e.getAttribute("fill"), "position " + p);
        }
        assertFalse(TraceRenderer.stepColour(0, 0, 4).equals(TraceRenderer.stepColour(4, 0, 4)));
        String all = d.getDocumentElement().getTextContent();
        for (String phase : List.of("DIVIDE", "CONQUER", "FINALIZE")) assertTrue(all.contains(phase), phase);
        assertEquals(2, d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "line").getLength() - 1,
                "two block boundaries (4|8) plus the legend's sample line");
    }

    @Test
    void stepColourRampRunsFromDarkPurpleToYellow() {
        assertEquals("#440154", TraceRenderer.stepColour(0, 0, 10));
        assertEquals("#fde725", TraceRenderer.stepColour(10, 0, 10));
        assertEquals("#21918c", TraceRenderer.stepColour(5, 0, 10));
        assertEquals("#440154", TraceRenderer.stepColour(3, 3, 3), "a single step gets the dark end");
    }

    @Test
    void textIsEscapedAndCellLabelsAppearWhenTheyFit() throws Exception {
        Map<Integer, String> text = new HashMap<>();
        text.put(11, "<a&b>");
        text.put(12, "\"q'\u0001");
        text.put(99, "\n");
        Trace t = TraceFile.read(Traces.jacobi(dir));
        Document d = svgOf(t, text);
        String all = d.getDocumentElement().getTextContent();
        assertTrue(all.contains("<a&b>"), "markup characters survive as text");
        assertTrue(all.contains("\"q'\uFFFD"), "a control character XML forbids is replaced");
        assertTrue(all.contains("↵"), "a newline token is made visible");
        // ten columns: wide cells, so plain ids are drawn too
        Document ids = svgOf(t, null);
        NodeList texts = ids.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        boolean found = false;
        for (int i = 0; i < texts.getLength(); i++) found |= texts.item(i).getTextContent().equals("63");
        assertTrue(found, "the bonus token id is written in its cell");
    }

    @Test
    void widthStaysBoundedFromTenToThreeHundredColumns() throws Exception {
        for (int n : new int[] {10, 64, 300, 1000}) {
            Document d = svgOf(TraceFile.read(Traces.ar(dir, n)), null);
            double w = Double.parseDouble(d.getDocumentElement().getAttribute("width"));
            double cw = Double.parseDouble(rects(d, "cell").getFirst().getAttribute("width"));
            assertTrue(cw >= 2 && cw <= 36, n + " columns: cell width " + cw);
            // up to the cap the grid shrinks its cells; past it cells stay at 2 px and the picture grows
            double grid = n <= 800 ? TraceRenderer.MAX_GRID_WIDTH : 2.0 * n;
            assertTrue(w >= 800 && w <= 56 + grid + 40, n + " columns: width " + w);
        }
    }

    @Test
    void htmlEmbedsTheSvgWithTitleAndSummary() throws Exception {
        String html = new TraceRenderer(null).render(TraceFile.read(Traces.jacobi(dir)), TraceRenderer.Format.HTML);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>paradec trace: jacobi"));
        assertTrue(html.contains("<p>jacobi: 3 calls, 9 tokens, 3.00 tokens/call</p>"));
        assertFalse(html.contains("<?xml"), "no XML declaration inside HTML");
        String svg = html.substring(html.indexOf("<svg"), html.indexOf("</svg>") + 6);
        assertEquals(13, rects(xml(svg), "cell").size());
    }

    @Test
    void formatFollowsTheExtension() throws IOException {
        assertEquals(TraceRenderer.Format.SVG, TraceRenderer.Format.of(Path.of("a/b.svg")));
        assertEquals(TraceRenderer.Format.HTML, TraceRenderer.Format.of(Path.of("B.HTML")));
        for (String bad : new String[] {"x.png", "x", "svg", "x.svg.txt"}) {
            assertThrows(IllegalArgumentException.class, () -> TraceRenderer.Format.of(Path.of(bad)), bad);
        }
        Trace t = TraceFile.read(Traces.jacobi(dir));
        assertThrows(IllegalArgumentException.class, () -> new TraceRenderer(null).write(t, dir.resolve("t.pdf")));
        new TraceRenderer(null).write(t, dir.resolve("t.svg"));
        assertTrue(Files.readString(dir.resolve("t.svg")).startsWith("<?xml"));
    }
}
