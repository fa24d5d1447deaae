package paradec.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parsed "--name value" / "--flag" options and positional arguments of one subcommand. */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private String[] raw = new String[0];

    /**
     * @param withValue options that take a value (short aliases included, e.g. "-m")
     * @param flags     options without a value
     */
    static Options parse(String[] args, int from, Set<String> withValue, Set<String> flags) throws UsageException {
        Options o = new Options();
        o.raw = args.clone();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                String name = a;
                String inline = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    inline = a.substring(eq + 1);
                }
                if (flags.contains(name)) {
                    if (inline != null) throw new UsageException(name + " takes no value");
                    o.values.put(name, "true");
                } else if (withValue.contains(name)) {
                    String v = inline;
                    if (v == null) {
                        if (i + 1 >= args.length) throw new UsageException(name + " needs a value");
                        v = args[++i];
                    }
                    o.values.put(name, v);
                } else {
                    throw new UsageException("unknown option " + name);
                }
            } else {
                o.positional.add(a);
            }
        }
        return o;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    boolean has(String... names) {
        for (String n : names) if (values.containsKey(n)) return true;
        return false;
    }

    String get(String... names) {
        for (String n : names) if (values.containsKey(n)) return values.get(n);
        return null;
    }

    String getOr(String def, String... names) {
        String v = get(names);
        return v == null ? def : v;
    }

    int getInt(int def, int min, int max, String... names) throws UsageException {
        String v = get(names);
        if (v == null) return def;
        try {
            int x = Integer.parseInt(v.trim());
            if (x < min || x > max) throw new UsageException(names[0] + " must be in [" + min + ", " + max + "], got " + x);
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(names[0] + " needs an integer, got '" + v + "'");
        }
    }

    long getLong(long def, String... names) throws UsageException {
        String v = get(names);
        if (v == null) return def;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(names[0] + " needs an integer, got '" + v + "'");
        }
    }

    double getDouble(double def, double min, double max, String... names) throws UsageException {
        String v = get(names);
        if (v == null) return def;
        try {
            double x = Double.parseDouble(v.trim());
            if (!(x >= min && x <= max)) throw new UsageException(names[0] + " must be in [" + min + ", " + max + "], got " + v);
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(names[0] + " needs a number, got '" + v + "'");
        }
    }

    /** A copy with option {@code name} (and its aliases) set to {@code value}. */
    Options with(String value, String name, String... aliases) {
        Options o = new Options();
        o.values.putAll(values);
        o.positional.addAll(positional);
        o.raw = raw;
        for (String a : aliases) o.values.remove(a);
        o.values.put(name, value);
        return o;
    }

    /** The command line as given, subcommand included. */
    String[] raw() {
        return raw.clone();
    }

    List<String> positional() {
        return positional;
    }
}
