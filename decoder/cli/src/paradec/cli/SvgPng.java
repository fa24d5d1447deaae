package paradec.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.LinearGradientPaint;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Rasterises the SVG that paradec's trace renderer writes (rectangles, text, lines, one horizontal linear
 * gradient: nothing else) into a PNG with Java2D, headless. Not a general SVG renderer: it exists so that
 * trace-view can write a picture that any image viewer shows, without a dependency.
 */
final class SvgPng {
    /** Pixels at most (about 80 MB of ARGB); larger pictures are drawn at a smaller scale. */
    static final double MAX_PIXELS = 20_000_000;

    private SvgPng() {}

    /** The scale a picture of {@code width} x {@code height} is drawn at: 2 (sharp small text), less when huge. */
    static double scale(double width, double height) {
        return Math.min(2, Math.sqrt(MAX_PIXELS / Math.max(1, width * height)));
    }

    static void write(String svg, Path out) throws IOException {
        ImageIO.write(render(svg), "png", out.toFile());
    }

    static BufferedImage render(String svg) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Element root = parse(svg).getDocumentElement();
        double width = number(root, "width", 0);
        double height = number(root, "height", 0);
        double scale = scale(width, height);
        BufferedImage image = new BufferedImage(Math.max(1, (int) Math.ceil(width * scale)), Math.max(1, (int) Math.ceil(height * scale)),
                BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.scale(scale, scale);
            Map<String, String[]> gradients = new HashMap<>();
            NodeList all = root.getElementsByTagName("*");
            for (int i = 0; i < all.getLength(); i++) {
                Element e = (Element) all.item(i);
                switch (e.getTagName()) {
                    case "linearGradient" -> gradients.put(e.getAttribute("id"), stops(e));
                    case "rect" -> rect(g, e, gradients);
                    case "line" -> line(g, e);
                    case "text" -> text(g, e);
                    default -> { } // svg, title, defs, stop: nothing to draw
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static Document parse(String svg) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("the trace picture is not well-formed SVG: " + e.getMessage(), e);
        }
    }

    private static String[] stops(Element gradient) {
        NodeList stops = gradient.getElementsByTagName("stop");
        String[] colours = new String[stops.getLength()];
        for (int i = 0; i < colours.length; i++) colours[i] = ((Element) stops.item(i)).getAttribute("stop-color");
        return colours;
    }

    private static void rect(Graphics2D g, Element e, Map<String, String[]> gradients) {
        Rectangle2D.Double r = new Rectangle2D.Double(number(e, "x", 0), number(e, "y", 0), number(e, "width", 0), number(e, "height", 0));
        String fill = e.getAttribute("fill");
        Paint paint = null;
        if (fill.startsWith("url(#")) {
            String[] colours = gradients.get(fill.substring(5, fill.length() - 1));
            if (colours != null && colours.length > 1 && r.width > 0) {
                float[] fractions = new float[colours.length];
                Color[] c = new Color[colours.length];
                for (int i = 0; i < colours.length; i++) {
                    fractions[i] = (float) i / (colours.length - 1);
                    c[i] = colour(colours[i]);
                }
                paint = new LinearGradientPaint((float) r.x, 0, (float) (r.x + r.width), 0, fractions, c);
            } else if (colours != null && colours.length == 1) {
                paint = colour(colours[0]);
            }
        } else if (!fill.isEmpty() && !fill.equals("none")) {
            paint = colour(fill);
        }
        if (paint != null) {
            g.setPaint(paint);
            g.fill(r);
        }
        String stroke = e.getAttribute("stroke");
        if (!stroke.isEmpty() && !stroke.equals("none")) {
            g.setPaint(colour(stroke));
            g.setStroke(new BasicStroke((float) number(e, "stroke-width", 1)));
            g.draw(r);
        }
    }

    private static void line(Graphics2D g, Element e) {
        g.setPaint(colour(e.getAttribute("stroke")));
        float width = (float) number(e, "stroke-width", 1);
        String dash = e.getAttribute("stroke-dasharray");
        if (dash.isBlank()) {
            g.setStroke(new BasicStroke(width));
        } else {
            String[] parts = dash.trim().split("[ ,]+");
            float[] pattern = new float[parts.length];
            for (int i = 0; i < parts.length; i++) pattern[i] = Float.parseFloat(parts[i]);
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, pattern, 0));
        }
        g.draw(new Line2D.Double(number(e, "x1", 0), number(e, "y1", 0), number(e, "x2", 0), number(e, "y2", 0)));
    }

    private static void text(Graphics2D g, Element e) {
        String s = e.getTextContent();
        if (s.isEmpty()) return;
        int style = "bold".equals(e.getAttribute("font-weight")) ? Font.BOLD : Font.PLAIN;
        // a font with the glyphs paradec draws (· ↵ ⇥ …): DejaVu Sans where installed, else the logical sans-serif
        Font font = new Font("DejaVu Sans", style, 1).getFamily().equals("Dialog") ? new Font(Font.SANS_SERIF, style, 1)
                : new Font("DejaVu Sans", style, 1);
        g.setFont(font.deriveFont((float) number(e, "font-size", 11)));
        double w = g.getFontMetrics().getStringBounds(s, g).getWidth();
        double x = number(e, "x", 0);
        switch (e.getAttribute("text-anchor")) {
            case "middle" -> x -= w / 2;
            case "end" -> x -= w;
            default -> { }
        }
        g.setPaint(colour(e.getAttribute("fill").isEmpty() ? "#000000" : e.getAttribute("fill")));
        g.drawString(s, (float) x, (float) number(e, "y", 0));
    }

    private static double number(Element e, String name, double fallback) {
        String v = e.getAttribute(name);
        return v.isEmpty() ? fallback : Double.parseDouble(v);
    }

    /** #rrggbb (what the renderer writes); anything else draws black. */
    static Color colour(String hex) {
        if (hex.length() == 7 && hex.charAt(0) == '#') {
            try {
                return new Color(Integer.parseInt(hex.substring(1), 16));
            } catch (NumberFormatException e) {
                return Color.BLACK;
            }
        }
        return Color.BLACK;
    }
}
