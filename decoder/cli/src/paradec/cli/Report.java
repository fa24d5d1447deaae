package paradec.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import paradec.decode.CostCurve;
import paradec.json.JsonWriter;

/** Benchmark tables and report documents. */
final class Report {
    private Report() {}

    static String table(List<BenchCommand.Run> runs, String baseline) {
        Map<String, List<BenchCommand.Run>> byDecoder = new LinkedHashMap<>();
        for (BenchCommand.Run r : runs) byDecoder.computeIfAbsent(r.decoder(), k -> new ArrayList<>()).add(r);
        Map<String, BenchCommand.Run> base = new LinkedHashMap<>();
        for (BenchCommand.Run r : byDecoder.getOrDefault(baseline, List.of())) base.put(r.prompt() + "/" + r.round(), r);

        StringBuilder sb = new StringBuilder();
        sb.append("| decoder | runs | tokens/s median [min-max] | speedup vs ").append(baseline)
                .append(" median [min-max] | tokens/s with the prompt's pass | tokens/call | calls/run | Java time / decode time | KV ops / decode time | same tokens as ").append(baseline).append(" |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (var e : byDecoder.entrySet()) {
            List<BenchCommand.Run> rs = e.getValue();
            double[] tps = rs.stream().mapToDouble(BenchCommand.Run::tokensPerSecond).toArray();
            double[] tpc = rs.stream().mapToDouble(BenchCommand.Run::tokensPerCall).toArray();
            double[] whole = rs.stream().mapToDouble(BenchCommand.Run::wholeRunTokensPerSecond).filter(v -> v > 0).toArray();
            double[] ratios = rs.stream().filter(r -> base.containsKey(r.prompt() + "/" + r.round()))
                    .mapToDouble(r -> r.tokensPerSecond() / base.get(r.prompt() + "/" + r.round()).tokensPerSecond()).toArray();
            double calls = rs.stream().mapToLong(BenchCommand.Run::calls).average().orElse(0);
            double java = rs.stream().mapToDouble(BenchCommand.Run::javaMs).sum();
            double decode = rs.stream().mapToDouble(BenchCommand.Run::decodeMs).sum();
            double kv = rs.stream().mapToDouble(BenchCommand.Run::memoryMs).sum();
            boolean known = rs.stream().allMatch(r -> r.sameAsAr() != null);
            long same = rs.stream().filter(r -> Boolean.TRUE.equals(r.sameAsAr())).count();
            sb.append("| ").append(e.getKey()).append(" | ").append(rs.size())
                    .append(" | ").append(BenchCommand.fmt(median(tps))).append(" [").append(BenchCommand.fmt(min(tps))).append('-').append(BenchCommand.fmt(max(tps))).append(']')
                    .append(" | ").append(ratios.length == 0 ? "n/a" : BenchCommand.fmt(median(ratios)) + "x [" + BenchCommand.fmt(min(ratios)) + '-' + BenchCommand.fmt(max(ratios)) + ']')
                    .append(" | ").append(whole.length == 0 ? "n/a" : BenchCommand.fmt(median(whole)))
                    .append(" | ").append(BenchCommand.fmt(median(tpc)))
                    .append(" | ").append(calls == 0 ? "n/a" : BenchCommand.fmt(calls))
                    .append(" | ").append(decode == 0 ? "n/a" : BenchCommand.fmt(100 * java / decode) + "%")
                    .append(" | ").append(decode == 0 ? "n/a" : BenchCommand.fmt(100 * kv / decode) + "%")
                    .append(" | ").append(known ? same + "/" + rs.size() : "n/a").append(" |\n");
        }
        return sb.toString();
    }

    /** How llama.cpp's tools' rows are named: the anchors, as opposed to paradec's decoders. */
    static final String TOOL_SUFFIX = " (C++)";

    /**
     * Every paradec decoder against every llama.cpp tool of the bench, three ways, since on a noisy machine they
     * differ: the ratio of the medians, the median of the ratios of runs paired by prompt and round (with its
     * quartiles), and the ratio of each side's best run. Empty when the bench timed no tool.
     */
    static String againstTools(List<BenchCommand.Run> runs) {
        Map<String, Map<String, BenchCommand.Run>> byName = new LinkedHashMap<>();
        for (BenchCommand.Run r : runs) byName.computeIfAbsent(r.decoder(), k -> new LinkedHashMap<>()).put(r.prompt() + "/" + r.round(), r);
        List<String> tools = byName.keySet().stream().filter(n -> n.endsWith(TOOL_SUFFIX)).toList();
        if (tools.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("| paradec | against | ratio of the medians | paired: median [p25-p75] (pairs) | ratio of the best runs |\n|---|---|---|---|---|\n");
        for (var decoder : byName.entrySet()) {
            if (decoder.getKey().endsWith(TOOL_SUFFIX)) continue;
            double[] ours = speeds(decoder.getValue().values());
            for (String tool : tools) {
                Map<String, BenchCommand.Run> theirs = byName.get(tool);
                double[] paired = decoder.getValue().entrySet().stream().filter(e -> theirs.containsKey(e.getKey()))
                        .mapToDouble(e -> e.getValue().tokensPerSecond() / theirs.get(e.getKey()).tokensPerSecond()).sorted().toArray();
                double[] other = speeds(theirs.values());
                sb.append("| ").append(decoder.getKey()).append(" | ").append(tool.substring(0, tool.length() - TOOL_SUFFIX.length()))
                        .append(" | ").append(BenchCommand.fmt(median(ours) / median(other))).append("x | ")
                        .append(paired.length == 0 ? "n/a" : BenchCommand.fmt(median(paired)) + "x [" + BenchCommand.fmt(quantile(paired, 0.25))
                                + "-" + BenchCommand.fmt(quantile(paired, 0.75)) + "] (" + paired.length + ")")
                        .append(" | ").append(BenchCommand.fmt(max(ours) / max(other))).append("x |\n");
            }
        }
        return sb.toString();
    }

    private static double[] speeds(java.util.Collection<BenchCommand.Run> runs) {
        return runs.stream().mapToDouble(BenchCommand.Run::tokensPerSecond).toArray();
    }

    /** The q-quantile of sorted values, interpolated between the nearest two. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return 0;
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }

    static String curveTable(CostCurve curve) {
        StringBuilder sb = new StringBuilder("| k tokens per decode | 1 | 2 | 4 | 8 | 16 | 32 | 64 |\n|---|---|---|---|---|---|---|---|\n| ms |");
        int[] ks = {1, 2, 4, 8, 16, 32, 64};
        for (int k : ks) sb.append(' ').append(BenchCommand.fmt(curve.cost(k) / 1e6)).append(" |");
        sb.append("\n| relative to k=1 |");
        for (int k : ks) sb.append(' ').append(BenchCommand.fmt(curve.relative(k))).append(" |");
        return sb.append('\n').toString();
    }

    static String json(List<BenchCommand.Section> sections) {
        if (sections.size() == 1) return json(sections.get(0).runs(), sections.get(0).model());
        JsonWriter j = new JsonWriter().beginObject().beginArray("sections");
        for (BenchCommand.Section s : sections) {
            j.beginObject().field("model", s.model().toString()).field("gen_length", s.genLength()).beginArray("runs");
            for (BenchCommand.Run r : s.runs()) BenchCommand.runJson(j, r);
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }

    static String json(List<BenchCommand.Run> runs, Path model) {
        JsonWriter j = new JsonWriter().beginObject().field("model", model.toString()).beginArray("runs");
        for (BenchCommand.Run r : runs) BenchCommand.runJson(j, r);
        return j.endArray().endObject().toString();
    }

    static final String DIFFUSION_CLI = "llama-diffusion-cli (C++)";

    /**
     * One row per model, length and decoder: speed, NFE, positions computed, and two speedups as medians of
     * per-run ratios (same prompt and round): against the same policy without the cache, and against
     * llama-diffusion-cli.
     */
    static String sweepTable(List<BenchCommand.Section> sections) {
        StringBuilder sb = new StringBuilder("| model | gen length | decoder | tokens/s median [min-max] | NFE/run | positions computed/run "
                + "| vs no cache median [min-max] | vs llama-diffusion-cli median [min-max] |\n|---|---|---|---|---|---|---|---|\n");
        for (BenchCommand.Section s : sections) {
            Map<String, List<BenchCommand.Run>> byDecoder = new LinkedHashMap<>();
            for (BenchCommand.Run r : s.runs()) byDecoder.computeIfAbsent(r.decoder(), k -> new ArrayList<>()).add(r);
            for (var e : byDecoder.entrySet()) {
                String d = e.getKey();
                List<BenchCommand.Run> rs = e.getValue();
                double[] tps = rs.stream().mapToDouble(BenchCommand.Run::tokensPerSecond).toArray();
                double calls = rs.stream().mapToLong(BenchCommand.Run::calls).average().orElse(0);
                double positions = rs.stream().mapToLong(BenchCommand.Run::positions).average().orElse(0);
                String uncached = d.endsWith("+prefix") ? d.substring(0, d.length() - "+prefix".length()) : null;
                sb.append("| ").append(s.model().getFileName()).append(" | ").append(s.genLength()).append(" | ").append(d)
                        .append(" | ").append(BenchCommand.fmt(median(tps))).append(" [").append(BenchCommand.fmt(min(tps))).append('-')
                        .append(BenchCommand.fmt(max(tps))).append("] | ").append(BenchCommand.fmt(calls))
                        .append(" | ").append(positions == 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.0f", positions))
                        .append(" | ").append(uncached == null ? "" : ratios(rs, byDecoder.get(uncached)))
                        .append(" | ").append(d.equals(DIFFUSION_CLI) ? "" : ratios(rs, byDecoder.get(DIFFUSION_CLI))).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** Median [min-max] of the per-run speed ratios of {@code runs} over {@code base} (same prompt and round). */
    static String ratios(List<BenchCommand.Run> runs, List<BenchCommand.Run> base) {
        if (base == null) return "n/a";
        Map<String, BenchCommand.Run> byRun = new LinkedHashMap<>();
        for (BenchCommand.Run r : base) byRun.put(r.prompt() + "/" + r.round(), r);
        double[] v = runs.stream().filter(r -> byRun.containsKey(r.prompt() + "/" + r.round()))
                .mapToDouble(r -> r.tokensPerSecond() / byRun.get(r.prompt() + "/" + r.round()).tokensPerSecond()).toArray();
        if (v.length == 0) return "n/a";
        return BenchCommand.fmt(median(v)) + "x [" + BenchCommand.fmt(min(v)) + '-' + BenchCommand.fmt(max(v)) + ']';
    }

    static String sweepDocument(String title, List<BenchCommand.Section> sections, String args, int repeat, int threads, String body) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append("\n\n");
        sb.append("Measured ").append(BenchCommand.today()).append(" on ").append(BenchCommand.machine()).append(", ")
                .append(threads).append(" threads.\n\n");
        java.util.Set<Path> seen = new java.util.LinkedHashSet<>();
        for (BenchCommand.Section s : sections) {
            if (seen.add(s.model())) sb.append("- Model: `").append(s.model().getFileName()).append("` (").append(s.description()).append(")\n");
        }
        BenchCommand.Section first = sections.get(0);
        sb.append("- ").append(first.prompts().size()).append(" prompts x ").append(repeat)
                .append(" rounds per model and length, greedy; decoders interleaved in one process, order rotated per run.\n");
        sb.append("- Reproduce: `bin/paradec ").append(args).append("`\n\n");
        sb.append(body);
        return sb.toString();
    }

    static String document(String title, Path model, String description, String args, int repeat, List<String> prompts,
                           int maxNew, int threads, String table, String extra) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append("\n\n");
        sb.append("Measured ").append(BenchCommand.today()).append(" on ").append(BenchCommand.machine()).append(", ")
                .append(threads).append(" threads.\n\n");
        sb.append("- Model: `").append(model.getFileName()).append("` (").append(description).append(")\n");
        sb.append("- ").append(prompts.size()).append(" prompts x ").append(repeat).append(" rounds, ").append(maxNew)
                .append(" new tokens each, greedy; decoders interleaved in one process, order rotated per run.\n");
        sb.append("- Reproduce: `bin/paradec ").append(args).append("`\n\n");
        sb.append(table).append('\n');
        if (extra != null) sb.append(extra).append('\n');
        return sb.toString();
    }

    static double median(double[] v) {
        if (v.length == 0) return 0;
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
