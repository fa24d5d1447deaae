package paradec.cli;

import java.util.List;
import paradec.diffusion.UnmaskingPolicy;

/** Test access to the CLI's diffusion policy table, so tests follow every name it offers. */
public final class CliPolicies {
    private CliPolicies() {}

    public static List<String> names() {
        return DiffusionPolicies.NAMES;
    }

    /** A fresh policy for a CLI name, with the CLI's default options. */
    public static UnmaskingPolicy create(String name) {
        try {
            Options o = Options.parse(new String[] {"generate"}, 1, GenerateCommand.OPTIONS);
            return DiffusionPolicies.create(name, o);
        } catch (UsageException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
