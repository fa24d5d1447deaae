package paradec.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link Trace} as SVG, or as a minimal HTML page with the SVG inline.
 *
 * <p>AR family (ar, jacobi, lookahead): one row per forward call, top to bottom, one column per KV
 * position, left to right. Each cell is a window position: {@link #SETTLED} the settled input token
 * (window[0]), {@link #ACCEPTED} a guess that verification accepted, {@link #BONUS} the token the
 * model itself produced after the last accepted guess (for plain AR, the one token of the call), and
 * {@link #REJECTED} a guess that was thrown away. Cells are classed "cell settled|accepted|bonus|rejected".
 *
 * <p>Diffusion: one row per step, one column per generated position; a committed position is filled
 * with {@link #stepColour} of the step that committed it (dark purple early, yellow late), a
 * still-masked position is {@link #MASKED}; the positions committed in a row's own step are outlined.
 * Dashed vertical lines separate blocks; the policy phase (DiCo) labels each row on the right.
 *
 * <p>Cells shrink with the number of columns and rows so the grid stays within about
 * {@value #MAX_GRID_WIDTH} x {@value #MAX_GRID_HEIGHT} pixels; token ids (or text, when a token map is
 * given) are drawn in cells only where they fit, and are always in the cell's tooltip.
 */
public final class TraceRenderer {
    /** Fill of the settled (input) token of a window. */
    public static final String SETTLED = "#bdbdbd";
    /** Fill of an accepted guess. */
    public static final String ACCEPTED = "#66bb6a";
    /** Fill of the token the model produced itself (the "bonus" after the accepted prefix). */
    public static final String BONUS = "#42a5f5";
    /** Fill of a rejected guess. */
    public static final String REJECTED = "#ef9a9a";
    /** Fill of a diffusion position that is still masked. */
    public static final String MASKED = "#eeeeee";

    static final double MAX_GRID_WIDTH = 1600;
    static final double MAX_GRID_HEIGHT = 2400;
    private static final double MAX_CELL_W = 36;
    private static final double MIN_CELL_W = 2;
    private static final double MAX_ROW_H = 20;
    private static final double MIN_ROW_H = 3;
    private static final double LEFT = 56;
    private static final double TOP = 58;
    /** Average glyph advance as a fraction of the font size (digits in a sans-serif font). */
    private static final double CHAR_W = 0.62;
    private static final String INK = "#212121";
    private static final String FAINT = "#757575";
    /** Viridis at 0, 1/4, 1/2, 3/4, 1: perceptually uniform and readable in grey and by most colour-blind viewers. */
    private static final int[] RAMP = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

    /** Output formats, chosen by file extension. */
    public enum Format {
        SVG, HTML;

        /**
         * The format for a file name ending in .svg or .html (any case).
         *
         * @throws IllegalArgumentException for any other name
         */
        public static Format of(Path file) {
            Path name = file.getFileName();
            String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".svg")) return SVG;
            if (n.endsWith(".html")) return HTML;
            throw new IllegalArgumentException("output must end in .svg or .html: " + file);
        }
    }

    private final Map<Integer, String> tokenText;

    /**
     * @param tokenText optional token id → text map for labelling cells; null (or a missing id) shows the id
     */
    public TraceRenderer(Map<Integer, String> tokenText) {
        this.tokenText = tokenText;
    }

    /** Renders {@code trace} in the format {@link Format#of} picks for {@code out} and writes it there (UTF-8). */
    public void write(Trace trace, Path out) throws IOException {
        Format f = Format.of(out);
        Files.writeString(out, render(trace, f), StandardCharsets.UTF_8);
    }

    /** The picture as a standalone SVG document or an HTML page. */
    public String render(Trace trace, Format format) {
        return switch (format) {
            case SVG -> "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg(trace);
            case HTML -> html(trace);
        };
    }

    /** An HTML page: title, summary line and the SVG inline. */
    public String html(Trace trace) {
        String title = title(trace);
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + Svg.escape(title)
                + "</title>\n<style>body{font-family:sans-serif;margin:16px;color:#212121}"
                + "svg{max-width:100%;height:auto}</style>\n</head>\n<body>\n<h1>" + Svg.escape(title) + "</h1>\n<p>"
                + Svg.escape(trace.summary()) + "</p>\n" + svg(trace) + "</body>\n</html>\n";
    }

    /** The {@code <svg>} element alone (no XML declaration), as embedded in the HTML page. */
    public String svg(Trace trace) {
        return switch (trace) {
            case ArTrace ar -> ar(ar);
            case DiffusionTrace d -> diffusion(d);
        };
    }

    /**
     * The fill for a position committed at {@code step}, on a ramp from {@code first} (dark purple) to
     * {@code last} (yellow) step; with {@code first == last} every step gets the dark end.
     */
    public static String stepColour(int step, int first, int last) {
        double t = last <= first ? 0 : Math.clamp((double) (step - first) / (last - first), 0.0, 1.0);
        double x = t * (RAMP.length - 1);
        int i = Math.min((int) x, RAMP.length - 2);
        double f = x - i;
        int a = RAMP[i];
        int b = RAMP[i + 1];
        int r = (int) Math.round(((a >> 16) & 0xff) * (1 - f) + ((b >> 16) & 0xff) * f);
        int g = (int) Math.round(((a >> 8) & 0xff) * (1 - f) + ((b >> 8) & 0xff) * f);
        int bl = (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, bl);
    }

    private static String title(Trace trace) {
        return switch (trace) {
            case ArTrace ar -> "paradec trace: " + ar.decoder() + " (prompt " + ar.prompt().length + " tokens)";
            case DiffusionTrace d -> "paradec trace: diffusion, " + d.policy() + " (prompt " + d.promptLength()
                    + " tokens, blocks of " + d.blockLength() + ")";
        };
    }

    // ---------------------------------------------------------------- AR family

    private String ar(ArTrace t) {
        int first = Integer.MAX_VALUE;
        int last = Integer.MIN_VALUE;
        for (ArStep s : t.steps()) {
            first = Math.min(first, firstCell(s));
            last = Math.max(last, firstCell(s) + cellCount(s) - 1);
        }
        if (t.steps().isEmpty()) {
            first = 0;
            last = 0;
        }
        int cols = last - first + 1;
        Grid g = new Grid(cols, t.steps().size(), 40);
        Svg svg = new Svg().open(g.width, g.height(74), title(t));
        header(svg, title(t), t.summary());
        columnAxis(svg, g, first, "position");
        svg.text(LEFT - 6, TOP - 4, 9, "end", FAINT, "call");
        int maxToken = 0;
        for (ArStep s : t.steps()) {
            for (int v : s.window()) maxToken = Math.max(maxToken, v);
            for (int v : s.emitted()) maxToken = Math.max(maxToken, v);
        }
        double labelSize = labelSize(g, maxToken);
        for (int r = 0; r < t.steps().size(); r++) {
            ArStep s = t.steps().get(r);
            double y = g.y(r);
            rowLabel(svg, g, r, Integer.toString(s.iteration()));
            int at = firstCell(s);
            int n = cellCount(s);
            for (int i = 0; i < n; i++) {
                int pos = at + i;
                double x = g.x(pos - first);
                Cell c = arCell(s, i);
                svg.rect(x, y, g.cellW, g.rowH, c.fill, "cell " + c.kind, "data-pos=\"" + pos + "\" stroke=\"#ffffff\" stroke-width=\""
                        + Svg.num(g.gap()) + "\"", "position " + pos + ": " + c.tooltip);
                label(svg, g, labelSize, x, y, c.token, INK);
            }
            if (g.rowH >= 8) {
                svg.text(g.right() + 4, y + g.rowH * 0.5 + fontFor(g.rowH) * 0.35, fontFor(g.rowH), "start", FAINT,
                        "+" + s.emitted().length);
            }
        }
        double ly = g.bottom() + 24;
        double lx = LEFT;
        lx = swatch(svg, lx, ly, SETTLED, null, "settled input token");
        lx = swatch(svg, lx, ly, ACCEPTED, null, "accepted guess");
        lx = swatch(svg, lx, ly, BONUS, null, "model's own (bonus) token");
        swatch(svg, lx, ly, REJECTED, null, "rejected guess");
        svg.text(LEFT, ly + 26, 11, "start", FAINT, "rows: forward calls (top to bottom); columns: KV positions; "
                + "+k at the right: tokens the call added");
        return svg.close();
    }

    /** Position of a step's first cell: window[0]'s position, or for plain AR the emitted token's. */
    private static int firstCell(ArStep s) {
        return s.window().length > 0 ? s.position() : s.position() + 1;
    }

    /**
     * Cells a step draws: the settled token, then one per later window slot or emitted token, whichever
     * reaches further (the bonus token sits one past the accepted guesses, possibly past the window's end).
     */
    static int cellCount(ArStep s) {
        int w = s.window().length;
        return w == 0 ? s.emitted().length : 1 + Math.max(w - 1, s.emitted().length);
    }

    private record Cell(String kind, String fill, int token, String tooltip) {}

    private Cell arCell(ArStep s, int i) {
        int[] w = s.window();
        int[] e = s.emitted();
        if (w.length == 0) return new Cell("bonus", BONUS, e[i], "model produced " + name(e[i]));
        if (i == 0) return new Cell("settled", SETTLED, w[0], "settled input " + name(w[0]));
        if (i <= e.length) {
            int tok = e[i - 1];
            if (i <= s.accepted()) return new Cell("accepted", ACCEPTED, tok, "guess " + name(tok) + " accepted");
            String replaced = i < w.length ? " (guess " + name(w[i]) + " rejected)" : "";
            return new Cell("bonus", BONUS, tok, "model produced " + name(tok) + replaced);
        }
        // past what the call emitted: a guess that was not kept (or accepted but cut off by the token limit)
        if (i <= s.accepted()) return new Cell("accepted", ACCEPTED, w[i], "guess " + name(w[i]) + " accepted (not emitted: limit)");
        return new Cell("rejected", REJECTED, w[i], "guess " + name(w[i]) + " rejected (model said " + name(s.predictions()[i - 1]) + ")");
    }

    // ---------------------------------------------------------------- diffusion

    private String diffusion(DiffusionTrace t) {
        int n = t.genLength();
        int rows = t.steps().size();
        int firstStep = rows == 0 ? 0 : t.steps().getFirst().step();
        int lastStep = rows == 0 ? 0 : t.steps().getLast().step();
        int[] commitStep = t.commitStep();
        int[] commitRow = new int[n];
        int[] token = new int[n];
        double[] conf = new double[n];
        Arrays.fill(commitRow, Integer.MAX_VALUE);
        for (int r = 0; r < rows; r++) {
            DiffusionStep s = t.steps().get(r);
            for (int k = 0; k < s.committedPositions().length; k++) {
                int p = s.committedPositions()[k];
                commitRow[p] = r;
                token[p] = s.tokens()[k];
                conf[p] = s.confidences()[k];
            }
        }
        boolean phases = false;
        int phaseChars = 0;
        for (DiffusionStep s : t.steps()) {
            phases |= !s.phase().isEmpty();
            phaseChars = Math.max(phaseChars, s.phase().length());
        }
        Grid g = new Grid(Math.max(1, n), rows, phases ? 24 + 7 * phaseChars : 40);
        Svg svg = new Svg().open(g.width, g.height(80), title(t));
        svg.gradient("ramp", ramp(firstStep, lastStep));
        header(svg, title(t), t.summary());
        columnAxis(svg, g, 0, "generated position");
        svg.text(LEFT - 6, TOP - 4, 9, "end", FAINT, "step");
        int maxToken = 0;
        for (int v : token) maxToken = Math.max(maxToken, v);
        double labelSize = labelSize(g, maxToken);
        double stroke = Math.min(1.5, Math.max(0.6, Math.min(g.cellW, g.rowH) / 6));
        for (int r = 0; r < rows; r++) {
            DiffusionStep s = t.steps().get(r);
            double y = g.y(r);
            rowLabel(svg, g, r, Integer.toString(s.step()));
            svg.rect(g.x(0), y, g.cellW * n, g.rowH, MASKED, "masked", null, null);
            // committed earlier first, then this step's cells, so the outlines are drawn on top
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < n; p++) {
                    boolean now = commitRow[p] == r;
                    if (commitRow[p] > r || now != (pass == 1)) continue;
                    String fill = stepColour(commitStep[p], firstStep, lastStep);
                    double x = g.x(p);
                    String data = "data-pos=\"" + p + "\" data-step=\"" + commitStep[p] + "\"";
                    if (now) {
                        double h = stroke / 2;
                        svg.rect(x + h, y + h, g.cellW - stroke, g.rowH - stroke, fill, "cell new",
                                data + " stroke=\"" + INK + "\" stroke-width=\"" + Svg.num(stroke) + "\"",
                                "position " + p + ": " + name(token[p]) + " committed at step " + commitStep[p]
                                        + (Double.isNaN(conf[p]) ? "" : String.format(Locale.ROOT, ", confidence %.3f", conf[p])));
                    } else {
                        svg.rect(x, y, g.cellW, g.rowH, fill, "cell", data, null);
                    }
                    // ids only where decided and in the final row: repeating them in every row is noise
                    if (now || r == rows - 1) label(svg, g, labelSize, x, y, token[p], textOn(fill));
                }
            }
            if (phases) {
                svg.rect(g.right() + 3, y, 5, g.rowH, phaseColour(s.phase()), "phase", null, s.phase());
                if (g.rowH >= 8) {
                    svg.text(g.right() + 11, y + g.rowH * 0.5 + fontFor(g.rowH) * 0.35, fontFor(g.rowH), "start",
                            FAINT, s.phase());
                }
            }
        }
        // block boundaries, over the cells
        for (int b = t.blockLength(); b < n; b += t.blockLength()) {
            svg.line(g.x(b), TOP - 6, g.x(b), g.bottom() + 4, INK, 1.2, "4 3");
        }
        double ly = g.bottom() + 24;
        svg.text(LEFT, ly + 9, 11, "start", INK, "committed at step " + firstStep);
        double rx = LEFT + 128;
        svg.rect(rx, ly, 160, 12, "url(#ramp)", "ramp", "stroke=\"" + FAINT + "\" stroke-width=\"0.5\"", null);
        svg.text(rx + 166, ly + 9, 11, "start", INK, "step " + lastStep);
        double lx = rx + 230;
        lx = swatch(svg, lx, ly, stepColour(firstStep, firstStep, lastStep), INK, "committed in this row's step");
        lx = swatch(svg, lx, ly, MASKED, null, "still masked");
        svg.line(lx, ly - 2, lx, ly + 14, INK, 1.2, "4 3");
        svg.text(lx + 6, ly + 10, 11, "start", INK, "block boundary (" + t.blockLength() + " positions)");
        svg.text(LEFT, ly + 28, 11, "start", FAINT, "rows: denoising steps (top to bottom); columns: generated positions"
                + (phases ? "; right: policy phase" : ""));
        return svg.close();
    }

    /** Gradient stops for the legend bar: the true ramp, not rounded to whole steps. */
    private static String[] ramp(int first, int last) {
        if (last <= first) return new String[] {stepColour(first, first, last)};
        String[] c = new String[9];
        for (int i = 0; i < c.length; i++) c[i] = stepColour(i, 0, c.length - 1);
        return c;
    }

    private static String phaseColour(String phase) {
        return switch (phase) {
            case "DIVIDE" -> "#8e6cc4";
            case "CONQUER" -> "#e6892e";
            case "FINALIZE" -> "#4d9c5e";
            case "" -> "#ffffff";
            default -> "#9e9e9e";
        };
    }

    /** Black or white, whichever reads better on {@code fill} (#rrggbb). */
    private static String textOn(String fill) {
        int rgb = Integer.parseInt(fill.substring(1), 16);
        double lum = 0.2126 * ((rgb >> 16) & 0xff) + 0.7152 * ((rgb >> 8) & 0xff) + 0.0722 * (rgb & 0xff);
        return lum > 140 ? INK : "#ffffff";
    }

    // ---------------------------------------------------------------- shared layout

    /** Cell geometry: sizes scale down with the column and row counts, between fixed bounds. */
    private static final class Grid {
        final int cols;
        final int rows;
        final double cellW;
        final double rowH;
        final double width;

        Grid(int cols, int rows, double rightMargin) {
            this.cols = cols;
            this.rows = rows;
            this.cellW = Math.clamp(MAX_GRID_WIDTH / Math.max(1, cols), MIN_CELL_W, MAX_CELL_W);
            this.rowH = Math.clamp(MAX_GRID_HEIGHT / Math.max(1, rows), MIN_ROW_H, MAX_ROW_H);
            // the legend needs about 760 px whatever the grid's width
            this.width = Math.max(LEFT + cols * cellW + rightMargin, 800);
        }

        double x(int col) {
            return LEFT + col * cellW;
        }

        double y(int row) {
            return TOP + row * rowH;
        }

        double right() {
            return LEFT + cols * cellW;
        }

        double bottom() {
            return TOP + rows * rowH;
        }

        double height(double legend) {
            return bottom() + legend;
        }

        /** White gap between neighbouring cells, so equal colours still read as separate cells. */
        double gap() {
            return Math.min(1, Math.min(cellW, rowH) / 8);
        }
    }

    private static void header(Svg svg, String title, String summary) {
        svg.text(LEFT, 18, 14, "start", INK, "bold", title);
        svg.text(LEFT, 34, 11, "start", FAINT, summary);
    }

    /** Position numbers above the grid, every k columns with k from 1, 2, 5, 10, ... so labels do not collide. */
    private static void columnAxis(Svg svg, Grid g, int first, String name) {
        int digits = Integer.toString(first + g.cols).length();
        double need = digits * 6 + 6;
        int step = 1;
        int[] mult = {2, 5, 10};
        for (int base = 1; step * g.cellW < need; base *= 10) {
            for (int m : mult) {
                step = base * m;
                if (step * g.cellW >= need) break;
            }
        }
        for (int c = 0; c < g.cols; c++) {
            int pos = first + c;
            if (pos % step != 0) continue;
            double x = g.x(c) + g.cellW / 2;
            svg.text(x, TOP - 6, 9, "middle", FAINT, Integer.toString(pos));
        }
        svg.text(g.right(), TOP - 18, 9, "end", FAINT, name + " →");
    }

    private static void rowLabel(Svg svg, Grid g, int r, String label) {
        // label every row when rows are tall enough, else every k-th so the numbers stay legible
        int every = g.rowH >= 9 ? 1 : (int) Math.ceil(10 / g.rowH);
        if (r % every != 0) return;
        double size = Math.min(10, Math.max(8, g.rowH * 0.7));
        svg.text(LEFT - 6, g.y(r) + g.rowH / 2 + size * 0.35, size, "end", FAINT, label);
    }

    private static double fontFor(double rowH) {
        return Math.min(11, rowH * 0.65);
    }

    /**
     * One font size for all cell labels of a picture, so the grid reads evenly: as large as the row allows
     * (at most 11), shrunk down to 7 so that the longest token id still fits its cell; 0 = no labels.
     * Token text from the map keeps the row's size and is cut to fit instead.
     */
    private double labelSize(Grid g, int maxToken) {
        // text from a token map is cut to fit instead, so only the row height limits it
        double size = tokenText != null ? fontFor(g.rowH)
                : Math.min(fontFor(g.rowH), (g.cellW - 2) / (Integer.toString(maxToken).length() * CHAR_W));
        return size >= 7 ? size : 0;
    }

    /** The cell's token, as text from the map (cut to fit) or as the id (only if it fits whole). */
    private void label(Svg svg, Grid g, double size, double x, double y, int token, String colour) {
        if (size == 0) return;
        int fit = (int) Math.floor((g.cellW - 2) / (size * CHAR_W));
        String text = tokenText == null ? null : tokenText.get(token);
        String shown;
        if (text != null) {
            text = visible(text);
            if (text.codePointCount(0, text.length()) <= fit) {
                shown = text;
            } else if (fit >= 3) {
                shown = text.substring(0, text.offsetByCodePoints(0, fit - 1)) + "…";
            } else {
                return;
            }
        } else {
            shown = Integer.toString(token);
            if (shown.length() > fit) return;
        }
        svg.text(x + g.cellW / 2, y + g.rowH / 2 + size * 0.35, size, "middle", colour, shown);
    }

    /** Token text with whitespace made visible: SVG would collapse it and the cell would look empty. */
    private static String visible(String s) {
        return s.replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍").replace(' ', '·');
    }

    /** "id" or "id 'text'" for tooltips. */
    private String name(int token) {
        String text = tokenText == null ? null : tokenText.get(token);
        return text == null ? Integer.toString(token) : token + " '" + visible(text) + "'";
    }

    /** A legend entry: a 12x12 swatch (outlined when {@code stroke} is given) and its label; returns the next x. */
    private static double swatch(Svg svg, double x, double y, String fill, String stroke, String label) {
        svg.rect(x, y, 12, 12, fill, "legend", stroke == null ? "stroke=\"#9e9e9e\" stroke-width=\"0.5\""
                : "stroke=\"" + stroke + "\" stroke-width=\"1.5\"", null);
        svg.text(x + 17, y + 10, 11, "start", INK, label);
        return x + 17 + label.length() * 6.2 + 18;
    }
}
