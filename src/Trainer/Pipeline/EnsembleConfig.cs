namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// A model entry's <c>ensemble:</c> block, read: the members, each a complete model configuration (the entry's data
/// set, encoding and label transform; its own architecture, hyperparameters, training settings and seed). Each member
/// is trained as a model of its own (<c>&lt;model&gt;.&lt;member&gt;</c>); the entry's own model then averages them.
/// </summary>
public sealed record EnsembleConfig
{
    public required IReadOnlyList<EnsembleMemberConfig> Members { get; init; }
}

/// <summary>
/// One member: <see cref="Name"/> is the suffix of its model's name, <see cref="Model"/> its configuration (named after
/// the entry, so that <c>--only &lt;entry&gt;</c> and the entry's <c>executor</c> reach it). Its seed is
/// <see cref="ModelConfig.Seed"/> (else the entry's) plus <see cref="SeedOffset"/>.
/// </summary>
public sealed record EnsembleMemberConfig(string Name, ModelConfig Model, ulong SeedOffset)
{
    /// <summary>
    /// True for a member that is one experiment's head of a multi-task model trained once on all the experiments of the
    /// entry's fan-out data set, shared by every experiment's ensemble (<c>&lt;entry&gt;.&lt;member&gt;</c>).
    /// </summary>
    public bool Shared { get; init; }
}

/// <summary>The ensemble model of an entry: the names of its member models, in averaging order.</summary>
public sealed record EnsemblePlan(IReadOnlyList<string> Members)
{
    /// <summary>
    /// The members that are multi-task models shared by several ensembles: this ensemble takes the head of its own
    /// experiment (the plan's fan-out name) from each.
    /// </summary>
    public IReadOnlySet<string> Heads { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The stages a member runs: it is trained and evaluated as a model of its own, but only the ensemble is exported
    /// and published (one graph); <c>rbp export runs/&lt;member&gt;/checkpoint</c> still publishes a member by hand.
    /// </summary>
    public static readonly IReadOnlySet<string> MemberStages = new HashSet<string>(StringComparer.Ordinal) { "prepare", "train", "evaluate" };

    /// <summary>The selected stages a plan runs: all of them, or for an ensemble member those of <see cref="MemberStages"/>.</summary>
    public static IEnumerable<string> StagesOf(ModelPlan plan, IEnumerable<string> stages) =>
        plan.MemberOf is null ? stages : stages.Where(MemberStages.Contains);
}
