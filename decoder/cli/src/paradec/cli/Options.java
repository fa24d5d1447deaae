package paradec.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Parsed options and positional arguments of one subcommand. Each command declares its options as a table of
 * {@link Opt}s (names, value label, default as shown, help); {@link #parse} reads the command line against it
 * and picocli prints the command's {@code --help}. A value is stored under the option's first name, whichever of its names
 * (llama.cpp's spellings included) was typed; messages name the option as typed.
 */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    /** How an option was spelled when it came as another of its names, for messages: "-c" for --ctx. */
    private final Map<String, String> spelled = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private String[] raw = new String[0];

    /**
     * One option of a command.
     *
     * @param names        paradec's name first (the key values are stored under), then aliases such as llama.cpp's
     * @param label        the value's label in --help, or null for a flag
     * @param defaultShown the default as --help shows it, or null when there is none to show
     * @param help         what it does, one line
     */
    record Opt(List<String> names, String label, String defaultShown, String help) {
        /** An option with a value; {@code names} separated by '|', e.g. "--ctx|-c|--ctx-size". */
        static Opt value(String names, String label, String defaultShown, String help) {
            return new Opt(List.of(names.split("\\|")), label, defaultShown, help);
        }

        static Opt flag(String names, String help) {
            return new Opt(List.of(names.split("\\|")), null, null, help);
        }

        String key() {
            return names.getFirst();
        }
    }

    /** Concatenated option tables; a later option of the same first name replaces an earlier one. */
    @SafeVarargs
    static List<Opt> table(List<Opt>... parts) {
        Map<String, Opt> byKey = new java.util.LinkedHashMap<>();
        for (List<Opt> part : parts) for (Opt opt : part) byKey.put(opt.key(), opt);
        return List.copyOf(byKey.values());
    }

    /** picocli's model of a command with these options and any number of positional arguments. */
    static CommandLine.Model.CommandSpec spec(String command, List<Opt> options, String positionalLabel, String notes) {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create().name("paradec " + command);
        spec.usageMessage().width(110).sortOptions(false).abbreviateSynopsis(true);
        if (notes != null) spec.usageMessage().footer(notes);
        for (Opt opt : options) {
            String help = opt.help() + (opt.defaultShown() != null ? " (default: " + opt.defaultShown() + ")" : "");
            CommandLine.Model.OptionSpec.Builder b = CommandLine.Model.OptionSpec.builder(opt.names().toArray(String[]::new))
                    .description(help.replace("%", "%%"));
            if (opt.label() == null) {
                b.arity("0").type(boolean.class);
            } else {
                b.arity("1").type(String.class).paramLabel(opt.label());
            }
            spec.addOption(b.build());
        }
        spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true).description("this help").build());
        spec.addPositional(CommandLine.Model.PositionalParamSpec.builder().arity("0..*").type(String.class)
                .paramLabel(positionalLabel == null ? "" : positionalLabel).hidden(positionalLabel == null).build());
        spec.parser().unmatchedOptionsAllowedAsOptionParameters(true).allowOptionsAsOptionParameters(false)
                .unmatchedOptionsArePositionalParams(false).posixClusteredShortOptionsAllowed(false);
        return spec;
    }

    /** The command's --help: every option with its default, then the notes. */
    static String help(String command, List<Opt> options, String positionalLabel, String notes) {
        return new CommandLine(spec(command, options, positionalLabel, notes)).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /**
     * Parses a command's arguments (from index {@code from}) against its option table: {@code --name value},
     * {@code --name=value}, flags without a value, {@code --} before positional arguments that start with a dash;
     * a value may start with a dash unless it is one of the command's option names; the last of a repeated
     * option wins, as in llama.cpp. The parser is plain code, not picocli's: picocli's classes target Java 5,
     * which the JDK's AOT cache cannot hold, so loading them cost a one-shot run ~0.1 s; {@code --help} still
     * uses picocli.
     *
     * @throws UsageException an unknown option, a missing or unexpected value: the message names the option
     */
    static Options parse(String[] args, int from, List<Opt> options) throws UsageException {
        Options o = new Options();
        o.raw = args.clone();
        Map<String, Opt> byName = new HashMap<>();
        for (Opt opt : options) for (String n : opt.names()) byName.put(n, opt);
        boolean onlyPositional = false;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (onlyPositional || !a.startsWith("-") || a.equals("-")) {
                o.positional.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyPositional = true;
                continue;
            }
            // Main answers --help before any command parses
            if (a.equals("--help") || a.equals("-h")) continue;
            int eq = a.indexOf('=');
            String name = eq > 0 && !byName.containsKey(a) ? a.substring(0, eq) : a;
            Opt opt = byName.get(name);
            if (opt == null) throw new UsageException("Unknown option: '" + name + "'");
            if (name.equals(opt.key())) o.spelled.remove(name);
            else o.spelled.put(opt.key(), name);
            String value;
            if (name.length() < a.length()) {
                if (opt.label() == null) throw new UsageException(name + " takes no value, got '" + a + "'");
                value = a.substring(name.length() + 1);
            } else if (opt.label() == null) {
                value = "true";
            } else if (i + 1 >= args.length || byName.containsKey(args[i + 1]) || args[i + 1].equals("--")) {
                throw new UsageException(name + " needs a value (" + opt.label() + ")");
            } else {
                value = args[++i];
            }
            o.values.put(opt.key(), value);
        }
        return o;
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
            if (x < min || x > max) throw new UsageException(label(names) + " must be in [" + min + ", " + max + "], got " + x);
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(label(names) + " needs an integer, got '" + v + "'");
        }
    }

    long getLong(long def, String... names) throws UsageException {
        String v = get(names);
        if (v == null) return def;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(label(names) + " needs an integer, got '" + v + "'");
        }
    }

    double getDouble(double def, double min, double max, String... names) throws UsageException {
        String v = get(names);
        if (v == null) return def;
        try {
            double x = Double.parseDouble(v.trim());
            if (!(x >= min && x <= max)) throw new UsageException(label(names) + " must be in [" + min + ", " + max + "], got " + v);
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException(label(names) + " needs a number, got '" + v + "'");
        }
    }

    /** The option as the user wrote it: "--ctx", or "-c (--ctx)" when it came as llama.cpp's alias. */
    String label(String... names) {
        for (String n : names) {
            if (spelled.containsKey(n)) return spelled.get(n) + " (" + n + ")";
        }
        for (String n : names) if (values.containsKey(n)) return n;
        return names[0];
    }

    /** A copy with option {@code name} (and its aliases) set to {@code value}. */
    Options with(String value, String name, String... aliases) {
        Options o = new Options();
        o.values.putAll(values);
        o.spelled.putAll(spelled);
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
