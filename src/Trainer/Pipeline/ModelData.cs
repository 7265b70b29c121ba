using System.Security.Cryptography;
using System.Text.Json;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// A model plan's data made ready for training: read by the Trainer's readers, split, label transforms fitted on the
/// training part only, and encoded once with the Contracts <see cref="InputEncoder"/>.
/// </summary>
public sealed record ModelData(
    EncodingSpec Encoding,
    IReadOnlyList<TaskInfo> Tasks,
    EncodedSplit Train,
    EncodedSplit Validation,
    EncodedSplit Test,
    IReadOnlyDictionary<string, string> DataSha256)
{
    /// <summary>For an RBP-ADDA model, the domain whose data these are ("in-vitro" or "in-vivo"); null otherwise.</summary>
    public string? Domain { get; init; }

    public NetworkShape Shape => new([.. Encoding.InputTensors().Select(t => new NetworkInput(t.Name, t.Channels.Count, Encoding.Length))],
        Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes!.Count : 1));

    /// <summary>
    /// <paramref name="network"/> scored on each of <paramref name="splits"/> that has records, with the model's loss;
    /// weighted BCE takes the training split's class weights, as the trainer does.
    /// </summary>
    public List<SplitEvaluation> Evaluate(INetwork network, IReadOnlyList<TaskInfo> tasks, TrainingOptions options, params EncodedSplit[] splits)
    {
        var positiveWeights = options.Loss == LossKind.WeightedBce ? MaskedLoss.PositiveWeights(Train.ClassCounts()) : null;
        return [.. splits.Where(s => s.Count > 0).Select(s => Evaluation.Evaluate(network, s, tasks, options.Loss, positiveWeights, options.EvaluationBatchSize))];
    }

    /// <summary>Reads, splits, fits and encodes the data of <paramref name="plan"/>.</summary>
    public static ModelData Prepare(ModelPlan plan, IArchitecture architecture, FileHashes hashes)
    {
        if (plan.Adaptation is not null) return PrepareAdaptation(plan, hashes);
        var (splits, tracks) = DatasetReader.Read(plan.Dataset, plan.SplitSeed);
        var wanted = plan.Model.Tracks;
        var encoding = new EncodingSpec
        {
            Length = plan.Model.Encoding.Length,
            LengthPolicy = plan.Model.Encoding.Policy,
            NPolicy = plan.Model.Encoding.N,
            AmbiguityPolicy = plan.Model.Encoding.Ambiguity,
            PaddingValue = plan.Model.Encoding.Padding,
            Tracks = [.. tracks.Where(t => wanted is null || wanted.Contains(t.Name))],
        };
        encoding.Validate();
        var d = plan.Dataset.Config;
        IReadOnlyList<TaskInfo> tasks = d.TaskType == TaskType.Multiclass
            ? [new TaskInfo { Name = plan.Dataset.TaskNames[0], Type = TaskType.Multiclass, Classes = d.Classes }]
            : [.. plan.Dataset.TaskNames.Select(n => new TaskInfo { Name = n, Type = d.TaskType })];
        var transforms = d.TaskType == TaskType.Regression ? plan.Model.LabelTransforms ?? architecture.Training.LabelTransforms ?? [] : [];
        try { tasks = EncodedSplit.FitLabelTransforms(tasks, transforms, splits.Train); }
        catch (ArgumentException e) { throw new InvalidOperationException($"{plan.Name}: cannot fit the label transform on the training labels: {e.Message}", e); }
        var encoder = new InputEncoder(encoding);
        return new ModelData(encoding, tasks,
            EncodedSplit.Encode("train", splits.Train, encoder, tasks),
            EncodedSplit.Encode("validation", splits.Validation, encoder, tasks),
            EncodedSplit.Encode("test", splits.Test, encoder, tasks),
            DataDigests(plan, hashes));
    }

    private static Dictionary<string, string> DataDigests(ModelPlan plan, FileHashes hashes) =>
        plan.Files.ToDictionary(f => Path.GetRelativePath(plan.Dataset.DataRoot, f).Replace('\\', '/'), hashes.Of, StringComparer.Ordinal);

    /// <summary>
    /// An RBP-ADDA model's own domain exactly as the procedure sees it (in-vivo peaks preprocessed into fragments,
    /// minmax fitted on that domain's training labels, length and padding fixed): what prepare reports and evaluate
    /// scores the checkpoint on. There is no validation part.
    /// </summary>
    private static ModelData PrepareAdaptation(ModelPlan plan, FileHashes hashes)
    {
        var adaptation = plan.Adaptation!;
        var options = AdaptationOptions(plan, threads: 0);
        // The source path is the source domain: in vitro, unless the run is reversed.
        var inVivo = adaptation.SourcePath == options.Reversed;
        var (train, test) = DatasetReader.ReadTrainTest(inVivo ? adaptation.InVivo : adaptation.InVitro, plan.Seed);
        RbpAddaDomain domain;
        try { domain = RbpAddaTrainer.PrepareDomain(inVivo, train, test, options); }
        catch (ArgumentException e) { throw new InvalidOperationException($"{plan.Name}: {e.Message}", e); }
        var encoding = RbpAddaTrainer.Encoding(options);
        return new ModelData(encoding, domain.Tasks, domain.Train, EncodedSplit.Encode("validation", [], new InputEncoder(encoding), domain.Tasks),
            domain.Test, DataDigests(plan, hashes)) { Domain = domain.Name };
    }

    /// <summary>
    /// An RBP-ADDA entry's options for a run: the file's <c>adaptation</c> settings with the seed (adaptation.seed, else
    /// the model's), the composite's hyperparameters, training.augmentation (seeded the same way) and the threads.
    /// </summary>
    public static RbpAddaOptions AdaptationOptions(ModelPlan plan, int threads)
    {
        var adaptation = plan.Model.Adaptation ?? throw new ArgumentException($"{plan.Name} is not an RBP-ADDA model", nameof(plan));
        var seed = adaptation.Seed ?? plan.Seed;
        return adaptation.Options with
        {
            Seed = seed,
            Hyperparameters = plan.Model.Hyperparameters,
            Augmentation = plan.Model.Training.Augmentation?.Resolve(seed) ?? new AugmentationOptions(),
            Threads = threads,
        };
    }

    /// <summary>The model's training.augmentation with its seed resolved (the model's seed by default); null = none.</summary>
    public static AugmentationOptions? Augmentation(ModelPlan plan) => plan.Model.Training.Augmentation?.Resolve(plan.Seed);

    /// <summary>The training options: the architecture's defaults, fitted to the task type, with the model's overrides.</summary>
    public static TrainingOptions Options(ModelPlan plan, IArchitecture architecture)
    {
        var type = plan.Dataset.Config.TaskType;
        var defaults = TrainingOptions.FromDefaults(architecture.Training, plan.Seed);
        var defaultLoss = architecture.Training.Loss;
        var fits = type switch
        {
            TaskType.Regression => defaultLoss == LossKind.Mse,
            TaskType.Multiclass => defaultLoss == LossKind.CrossEntropy,
            _ => defaultLoss is LossKind.Bce or LossKind.WeightedBce,
        };
        var loss = fits ? defaultLoss : TrainingOptions.ParseLoss(PipelineLoader.DefaultLoss(type));
        var o = plan.Model.Training;
        return defaults with
        {
            Optimizer = o.Optimizer ?? defaults.Optimizer,
            LearningRate = o.LearningRate ?? defaults.LearningRate,
            WeightDecay = o.WeightDecay ?? defaults.WeightDecay,
            Momentum = o.Momentum ?? defaults.Momentum,
            BatchSize = o.BatchSize ?? defaults.BatchSize,
            Epochs = o.Epochs ?? defaults.Epochs,
            EarlyStoppingPatience = o.EarlyStopping ?? defaults.EarlyStoppingPatience,
            LrDecayFactor = o.LrDecayFactor ?? defaults.LrDecayFactor,
            LrDecayPatience = o.LrDecayPatience ?? defaults.LrDecayPatience,
            MinLearningRate = o.MinLearningRate ?? defaults.MinLearningRate,
            Loss = o.Loss ?? loss,
            Monitor = o.Monitor ?? (type == TaskType.Regression ? "pearson" : type == TaskType.Binary ? "auroc" : "loss"),
            MonitorMode = o.Mode,
            MinDelta = o.MinDelta ?? defaults.MinDelta,
            GradientClipNorm = o.GradientClip ?? defaults.GradientClipNorm,
            WeightAverageDecay = o.WeightAverage ?? defaults.WeightAverageDecay,
            Device = o.Device ?? defaults.Device,
        };
    }

    /// <summary>
    /// SHA-256 of everything that decides the model apart from the data files' contents: the model entry, its data set
    /// entry (paths relative to the data root), the fan-out name, the resolved training options (threads excluded) and
    /// the seed. Reformatting the YAML or moving the data root does not change it.
    /// </summary>
    public static string ConfigHash(ModelPlan plan, IArchitecture architecture)
    {
        var d = plan.Dataset;
        var content = new
        {
            name = plan.Name,
            model = plan.Model,
            dataset = d.Config with { },
            fanOut = d.FanOutName,
            files = (plan.Adaptation is null ? d.Files : plan.Files).Select(f => Path.GetRelativePath(d.DataRoot, f).Replace('\\', '/')).ToArray(),
            training = Options(plan, architecture) with { Threads = 0, Device = TrainingDevice.Auto },
            hyperparameters = Hyperparameters.Resolve(architecture.Name, architecture.HyperparameterSpecs, plan.Model.Hyperparameters).Values
                .OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
            seed = plan.Seed,
        };
        var json = JsonSerializer.Serialize(content, HashJson);
        // An RBP-ADDA model also depends on its in-vivo data set and on which path it is (kept apart from the JSON
        // above so that no other model's hash changed when RBP-ADDA entries came).
        if (plan.SplitSeedOverride is { } splitSeed) json += JsonSerializer.Serialize(new { splitSeed }, HashJson);
        if (plan.Adaptation is { } a) json += JsonSerializer.Serialize(new { inVivo = a.InVivo.Config with { }, path = a.Path }, HashJson);
        return Hash(json);
    }

    internal static readonly JsonSerializerOptions HashJson = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Hash(string text) => Hash(System.Text.Encoding.UTF8.GetBytes(text));
}

/// <summary>SHA-256 of data files, each computed once per process (keyed by path, size and modification time).</summary>
public sealed class FileHashes
{
    private readonly Dictionary<(string, long, DateTime), string> _cache = new();

    public string Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"data file {path} does not exist", path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        lock (_cache)
        {
            if (_cache.TryGetValue(key, out var digest)) return digest;
        }
        var computed = Sha256.OfFile(path);
        lock (_cache) _cache[key] = computed;
        return computed;
    }
}

/// <summary>Reads a resolved data set with the Trainer's readers and splits it.</summary>
public static class DatasetReader
{
    /// <summary>
    /// RBP-ADDA's two parts (it has no validation part): the training file and the test file, or a single file split
    /// at random with the validation share left in training (the test part is the same one the usual split draws).
    /// A validation file is not read.
    /// </summary>
    public static (IReadOnlyList<SequenceRecord> Train, IReadOnlyList<SequenceRecord> Test) ReadTrainTest(ResolvedDataset d, ulong seed)
    {
        if (d.SingleFile is { } single)
        {
            var f = d.Config.Split;
            var splits = DatasetSplitter.Random(ReadFile(d, single, t => t.SingleFile), new SplitFractions(f.Train + f.Validation, 0, f.Test), seed);
            return (splits.Train, splits.Test);
        }
        return (ReadFile(d, d.Train!, t => t.Train), ReadFile(d, d.Test!, t => t.Test));
    }

    public static (DatasetSplits Splits, IReadOnlyList<TrackSpec> Tracks) Read(ResolvedDataset d, ulong seed)
    {
        if (d.Experiments is not null) return ExperimentsReader.Read(d, seed);
        var c = d.Config;
        DatasetSplits splits;
        if (d.SingleFile is { } single)
        {
            var all = ReadFile(d, single, t => t.SingleFile);
            splits = DatasetSplitter.Random(all, c.Split, seed);
        }
        else
        {
            var train = ReadFile(d, d.Train!, t => t.Train);
            var test = ReadFile(d, d.Test!, t => t.Test);
            var validation = d.Validation is { } v ? ReadFile(d, v, t => t.Validation) : null;
            splits = DatasetSplitter.FromFiles(train, test, validation, c.ValidationFraction, seed);
        }
        if (splits.Train.Count < 2) throw new InvalidOperationException($"data set '{c.Name}' has {splits.Train.Count} training record(s)");
        return (splits, TrackSpecs(d, splits.Train[0]));
    }

    private static List<SequenceRecord> ReadFile(ResolvedDataset d, string path, Func<ResolvedTrack, string?> trackFile)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data set '{d.Config.Name}': {path} does not exist", path);
        var c = d.Config;
        IEnumerable<SequenceRecord> records = c.Format switch
        {
            DataFormat.Fasta => FastaReader.Read(path),
            DataFormat.Rnacompete => ScoreSequenceReader.Read(path),
            _ => DelimitedTableReader.Read(path, new TableColumns
            {
                Sequence = c.Columns!.Sequence, Labels = c.Columns.Labels, Id = c.Columns.Id, Region = c.Columns.Region,
            }),
        };
        if (c.Limit is { } limit) records = records.Take(limit);
        foreach (var track in d.Tracks)
        {
            var file = trackFile(track) ?? throw new InvalidOperationException($"track '{track.Config.Name}' has no file for {path}");
            if (!File.Exists(file)) throw new FileNotFoundException($"data set '{c.Name}': track file {file} does not exist", file);
            IEnumerable<TrackEntry> entries = track.Config.Format switch
            {
                TrackFormat.RegionMatrix => RegionTypeMatrixReader.Read(file, track.Config.Name),
                TrackFormat.StructureProfile => StructureProfileReader.Read(file, track.Config.Name),
                _ => ShapeStringReader.Read(file, track.Config.Name),
            };
            if (c.Limit is { } l) entries = entries.Take(l);
            records = RecordJoin.WithTracks(records, entries);
        }
        var list = records.ToList();
        var expected = c.TaskType == TaskType.Multiclass ? 1 : d.TaskNames.Count;
        for (var i = 0; i < list.Count; i++)
            if (list[i].Labels.Count != expected)
                throw new DataFormatException(path, 0,
                    $"record {i} (id '{list[i].Id}') has {list[i].Labels.Count} label(s); data set '{c.Name}' declares {expected} task(s) ({string.Join(", ", d.TaskNames)})");
        return list;
    }

    // How each track of the data is encoded: numeric tracks as profiles with their own channel names, region strings
    // by the region codes, shape strings one-hot over F T S H I M.
    private static IReadOnlyList<TrackSpec> TrackSpecs(ResolvedDataset d, SequenceRecord first)
    {
        var specs = new List<TrackSpec>();
        foreach (var track in first.Tracks)
        {
            specs.Add(track switch
            {
                NumericTrack n => new ProfileTrackSpec { Name = n.Name, Channels = n.Channels },
                SymbolTrack s when d.Tracks.Any(t => t.Config.Name == s.Name && t.Config.Format == TrackFormat.ShapeString) =>
                    CategoricalTrackSpec.OneHot(s.Name, ShapeStringReader.Alphabet),
                SymbolTrack s => new CategoricalTrackSpec
                {
                    Name = s.Name,
                    Categories = [.. RegionTypes.Names.Select((name, i) => new TrackCategory(name, RegionTypes.Codes[i].ToString()))],
                },
                _ => throw new InvalidOperationException($"track '{track.Name}' has an unknown kind"),
            });
        }
        return specs;
    }
}
