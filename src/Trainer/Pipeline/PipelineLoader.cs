using System.Text.Json;
using System.Text.RegularExpressions;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline.Executors;
using RbpPipeline.Trainer.Training;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// Reads pipeline.yaml strictly: unknown keys (with a did-you-mean), wrong types, missing required keys, unknown
/// architectures, hyperparameters and references are all <see cref="PipelineConfigException"/>s naming the file, line,
/// column and key.
/// </summary>
public static partial class PipelineLoader
{
    /// <summary>The stages a pipeline may declare, in the order they make sense.</summary>
    public static readonly IReadOnlyList<string> KnownStages = ["prepare", "train", "evaluate", "export", "publish"];

    public const string FanOutPlaceholder = "{rbp}";

    private static readonly Dictionary<string, DataFormat> Formats = new() { ["fasta"] = DataFormat.Fasta, ["table"] = DataFormat.Table, ["rnacompete"] = DataFormat.Rnacompete };
    private static readonly Dictionary<string, TrackFormat> TrackFormats = new()
    {
        ["region-matrix"] = TrackFormat.RegionMatrix, ["structure-profile"] = TrackFormat.StructureProfile, ["shape-string"] = TrackFormat.ShapeString,
    };
    private static readonly Dictionary<string, TaskType> TaskTypes = new() { ["binary"] = TaskType.Binary, ["regression"] = TaskType.Regression, ["multiclass"] = TaskType.Multiclass };
    private static readonly Dictionary<string, LengthPolicy> Policies = new()
    {
        ["centre"] = LengthPolicy.Centre, ["left"] = LengthPolicy.Left, ["right"] = LengthPolicy.Right, ["exact"] = LengthPolicy.Exact,
    };
    private static readonly Dictionary<string, NPolicy> NPolicies = new() { ["zero"] = NPolicy.Zero, ["uniform"] = NPolicy.Uniform, ["error"] = NPolicy.Error };
    private static readonly Dictionary<string, AmbiguityPolicy> AmbiguityPolicies = new() { ["error"] = AmbiguityPolicy.Error, ["mean"] = AmbiguityPolicy.Mean };
    private static readonly Dictionary<string, OptimizerKind> Optimizers = new() { ["adam"] = OptimizerKind.Adam, ["rmsprop"] = OptimizerKind.RmsProp, ["sgd"] = OptimizerKind.Sgd };
    private static readonly Dictionary<string, LossKind> Losses = new()
    {
        ["mse"] = LossKind.Mse, ["bce"] = LossKind.Bce, ["weighted-bce"] = LossKind.WeightedBce, ["cross-entropy"] = LossKind.CrossEntropy,
    };
    private static readonly Dictionary<string, MonitorMode> Modes = new() { ["max"] = MonitorMode.Max, ["min"] = MonitorMode.Min };
    private static readonly Dictionary<string, string> Monitors = TrainingOptions.MonitorNames.ToDictionary(n => n);
    private static readonly Dictionary<string, LabelTransformKind> TransformKinds = new()
    {
        ["identity"] = LabelTransformKind.Identity, ["zscore"] = LabelTransformKind.ZScore, ["clip"] = LabelTransformKind.Clip,
        ["log"] = LabelTransformKind.Log, ["minmax"] = LabelTransformKind.MinMax,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();

    /// <param name="architectures">Resolves an architecture name (null when unknown); its known names feed the did-you-mean.</param>
    public static PipelineConfig Load(string path, ArchitectureCatalog architectures)
    {
        var full = Path.GetFullPath(path);
        string text;
        try { text = File.ReadAllText(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineConfigException(path, 0, 0, "", $"cannot read the pipeline file: {e.Message}", e);
        }
        return Parse(text, full, architectures);
    }

    public static PipelineConfig Parse(string text, string file, ArchitectureCatalog architectures)
    {
        var root = YamlMap.Parse(text, file);
        root.AllowOnly("version", "seed", "data_root", "repository", "threads", "stages", "datasets", "models", "executor");
        var version = root.Int("version") ?? 1;
        if (version != 1) throw root.Error(root.Get("version")!, "version", $"version {version} is not supported; this build reads version 1");
        var seed = (ulong)(root.Int("seed", 0) ?? 1);

        var stages = new List<string>();
        var stageNodes = root.Strings("stages") ?? throw root.Error(root.Node, "stages", "missing required key 'stages' (the list of stages to run, e.g. [prepare, train, evaluate])");
        foreach (var (stage, node) in stageNodes)
        {
            if (!KnownStages.Contains(stage))
                throw root.Error(node, "stages", $"unknown stage '{stage}'{DidYouMean.Suggest(stage, KnownStages)} (known: {string.Join(", ", KnownStages)})");
            if (stages.Contains(stage)) throw root.Error(node, "stages", $"stage '{stage}' is listed twice");
            stages.Add(stage);
        }

        var datasetsMap = root.Map("datasets") ?? throw root.Error(root.Node, "datasets", "missing required key 'datasets' (at least one data set)");
        var datasets = new Dictionary<string, DatasetConfig>(StringComparer.Ordinal);
        foreach (var name in datasetsMap.Keys)
            datasets[name] = ReadDataset(datasetsMap, name);
        if (datasets.Count == 0) throw datasetsMap.Error("declare at least one data set");

        var modelsMap = root.Map("models") ?? throw root.Error(root.Node, "models", "missing required key 'models' (at least one model)");
        var models = new List<ModelConfig>();
        var executors = new Dictionary<string, ExecutorSettings>(StringComparer.Ordinal);
        foreach (var name in modelsMap.Keys)
        {
            models.Add(ReadModel(modelsMap, name, datasets, architectures));
            if (ReadExecutor(modelsMap.AsMap(modelsMap.Get(name)!, modelsMap.KeyPath(name))) is { } own) executors[name] = own;
        }
        if (models.Count == 0) throw modelsMap.Error("declare at least one model");

        return new PipelineConfig
        {
            File = file,
            Version = version,
            Seed = seed,
            DataRoot = root.String("data_root"),
            Repository = root.String("repository"),
            Threads = root.Int("threads", 0) ?? 0,
            Stages = stages,
            Datasets = datasets,
            Models = models,
            Executor = ReadExecutor(root) ?? new ExecutorSettings(),
            ModelExecutors = executors,
        };
    }

    private static DatasetConfig ReadDataset(YamlMap parent, string name)
    {
        var keyNode = parent.KeyNode(name);
        var path = parent.KeyPath(name);
        if (!SafeName().IsMatch(name))
            throw parent.Error(keyNode, path, $"data set name '{name}' may only contain letters, digits, '.', '_' and '-'");
        var map = parent.AsMap(parent.Get(name) ?? throw parent.Error(keyNode, path, "expected a mapping describing the data set, found nothing"), path);
        map.AllowOnly("format", "task", "classes", "tasks", "train", "validation", "test", "file", "split", "validation_fraction", "columns", "tracks", "each", "limit", "experiments");
        var format = map.AsEnum(map.Required("format", "fasta, table or rnacompete"), map.KeyPath("format"), Formats);
        var taskType = map.Enum("task", format == DataFormat.Rnacompete ? TaskType.Regression : TaskType.Binary, TaskTypes);
        var classes = map.Strings("classes")?.Select(c => c.Value).ToList();
        if (taskType == TaskType.Multiclass && classes is not { Count: >= 2 })
            throw map.Error(map.Node, map.KeyPath("classes"), "a multiclass data set needs 'classes': the class names, label 0 first (at least two)");
        if (taskType != TaskType.Multiclass && classes is not null)
            throw map.Error(map.Get("classes")!, map.KeyPath("classes"), "'classes' belongs to multiclass data sets only");

        string? train = map.String("train"), validation = map.String("validation"), test = map.String("test"), single = map.String("file");
        if (single is not null && (train ?? test ?? validation) is not null)
            throw map.Error(map.KeyNode("file"), map.KeyPath("file"), "give either 'file' (one file split at random) or 'train'/'test' files, not both");
        if (single is null && (train is null || test is null))
            throw map.Error(map.Node, map.KeyPath(train is null ? "train" : "test"),
                $"missing required key '{(train is null ? "train" : "test")}' (or give one 'file' and a 'split')");

        var split = Data.SplitFractions.Default;
        if (map.Map("split") is { } splitMap)
        {
            if (single is null) throw map.Error(map.KeyNode("split"), map.KeyPath("split"), "'split' applies to a single 'file'; with train/test files use 'validation_fraction'");
            splitMap.AllowOnly("train", "validation", "test");
            split = new Data.SplitFractions(splitMap.Double("train", 0, 1) ?? 0.8, splitMap.Double("validation", 0, 1) ?? 0.1, splitMap.Double("test", 0, 1) ?? 0.1);
            try { split.Validate(); }
            catch (ArgumentException e) { throw splitMap.Error(e.Message); }
        }

        TableColumnsConfig? columns = null;
        if (format == DataFormat.Table)
        {
            var c = map.Map("columns") ?? throw map.Error(map.Node, map.KeyPath("columns"), "missing required key 'columns' (which table columns hold the sequence and the labels)");
            c.AllowOnly("sequence", "labels", "id", "region");
            columns = new TableColumnsConfig(c.String("sequence") ?? "sequence",
                c.Strings("labels")?.Select(l => l.Value).ToList() ?? throw c.Error(c.Node, c.KeyPath("labels"), "missing required key 'labels' (the label column names, one per task)"),
                c.String("id"), c.String("region"));
        }
        else if (map.Has("columns"))
        {
            throw map.Error(map.KeyNode("columns"), map.KeyPath("columns"), "'columns' applies to format 'table' only");
        }

        var tasks = map.Strings("tasks")?.Select(t => t.Value).ToList();
        if (columns is not null && tasks is not null && tasks.Count != columns.Labels.Count)
            throw map.Error(map.Get("tasks")!, map.KeyPath("tasks"), $"{tasks.Count} task names for {columns.Labels.Count} label columns");

        var tracks = new List<TrackConfig>();
        if (map.List("tracks") is { } trackList)
        {
            var i = 0;
            foreach (var item in trackList)
            {
                var t = map.AsMap(item, $"{map.KeyPath("tracks")}[{i++}]");
                t.AllowOnly("name", "format", "train", "validation", "test", "file");
                var track = new TrackConfig
                {
                    Name = t.RequiredString("name", "the input's name, e.g. region or structure"),
                    Format = t.AsEnum(t.Required("format", "region-matrix, structure-profile or shape-string"), t.KeyPath("format"), TrackFormats),
                    Train = t.String("train"), Validation = t.String("validation"), Test = t.String("test"), SingleFile = t.String("file"),
                };
                if (single is not null ? track.SingleFile is null : track.Train is null || track.Test is null)
                    throw t.Error(single is not null ? "this data set is one file, so its track needs one 'file'" : "the track needs 'train' and 'test' files like its data set");
                if (validation is not null && track.Validation is null)
                    throw t.Error("the data set has a validation file, so its track needs one too ('validation')");
                if (tracks.Any(x => x.Name == track.Name) || (columns?.Region is not null && track.Name == "region"))
                    throw t.Error(t.Get("name")!, t.KeyPath("name"), $"track '{track.Name}' is declared twice");
                tracks.Add(track);
            }
        }

        var (experiments, experimentsGlob) = ReadExperiments(map, taskType, tasks, [train, validation, test, single, .. tracks.SelectMany(t => new[] { t.Train, t.Validation, t.Test, t.SingleFile })]);
        List<string>? each = null;
        string? glob = null;
        if (map.Get("each") is { } eachNode)
        {
            if (eachNode is YamlScalarNode) glob = map.AsString(eachNode, map.KeyPath("each"));
            else each = [.. map.Strings("each")!.Select(e => e.Value)];
            if (each is { Count: 0 }) throw map.Error(eachNode, map.KeyPath("each"), "the fan-out list is empty");
            var paths = new[] { train, validation, test, single }.Concat(tracks.SelectMany(t => new[] { t.Train, t.Validation, t.Test, t.SingleFile })).OfType<string>();
            if (paths.FirstOrDefault(p => !p.Contains(FanOutPlaceholder, StringComparison.Ordinal)) is { } fixedPath)
                throw map.Error(eachNode, map.KeyPath("each"), $"with 'each', every path must contain {FanOutPlaceholder} (the fan-out name); '{fixedPath}' does not");
        }
        else if (experiments is null && experimentsGlob is null && new[] { train, validation, test, single }.OfType<string>().Any(p => p.Contains(FanOutPlaceholder, StringComparison.Ordinal)))
        {
            throw map.Error($"a path contains {FanOutPlaceholder} but the data set has no 'each' (the names to fan out over)");
        }

        return new DatasetConfig
        {
            Name = name,
            Format = format,
            TaskType = taskType,
            Classes = classes,
            Tasks = tasks,
            Train = train,
            Validation = validation,
            Test = test,
            SingleFile = single,
            Split = split,
            ValidationFraction = map.Double("validation_fraction", 0, 0.9) ?? 0.1,
            Columns = columns,
            Tracks = tracks,
            Each = each ?? experiments,
            EachGlob = glob ?? experimentsGlob,
            Experiments = experiments is not null || experimentsGlob is not null,
            Limit = map.Int("limit", 2),
        };
    }

    private static ModelConfig ReadModel(YamlMap parent, string name, IReadOnlyDictionary<string, DatasetConfig> datasets, ArchitectureCatalog architectures,
        bool member = false)
    {
        var keyNode = parent.KeyNode(name);
        var path = parent.KeyPath(name);
        if (!SafeName().IsMatch(name))
            throw parent.Error(keyNode, path, $"model name '{name}' may only contain letters, digits, '.', '_' and '-' (it names folders and published models)");
        var map = parent.AsMap(parent.Get(name) ?? throw parent.Error(keyNode, path, "expected a mapping describing the model, found nothing"), path);
        map.AllowOnly("architecture", "preset", "dataset", "source", "target", "adaptation", "hyperparameters", "training", "encoding", "label_transform", "tracks", "seed", "executor", "ensemble", "heads");
        CheckEnsembleKeys(map);

        var preset = ReadPreset(map);
        var archNode = preset is null ? map.Required("architecture", $"one of {string.Join(", ", architectures.Names)}, or a 'preset' ({string.Join(", ", ModelPresets.Names)})") : map.Get("architecture");
        var archName = archNode is null ? preset!.Architecture : map.AsString(archNode, map.KeyPath("architecture"));
        var architecture = architectures.Find(archName)
            ?? throw map.Error(archNode ?? map.Get("preset")!, map.KeyPath(archNode is null ? "preset" : "architecture"),
                $"unknown architecture '{archName}'{DidYouMean.Suggest(archName, architectures.Names)} (known: {string.Join(", ", architectures.Names)})");
        // An ensemble member of the preset may be another architecture of the preset's (its member groups).
        if (preset is not null && archNode is not null && architectures.Find(preset.Architecture) != architecture
            && !(member && preset.Accepts(architecture.Name)))
            throw map.Error(archNode, map.KeyPath("architecture"),
                $"preset '{preset.Name}' is a {preset.Architecture} recipe; architecture '{archName}' cannot use it (drop one of the two keys)");
        if (preset is not null && (map.Has("source") || map.Has("target") || map.Has("adaptation")))
            throw map.Error(map.Get("preset")!, map.KeyPath("preset"), "a preset applies to ordinary models, not to RBP-ADDA entries (source/target/adaptation)");
        if (map.Has("source") || map.Has("target") || map.Has("adaptation"))
            return ReadAdaptationModel(map, name, architecture, datasets);

        var datasetNode = map.Required("dataset", "the name of an entry under 'datasets'");
        var datasetName = map.AsString(datasetNode, map.KeyPath("dataset"));
        if (!datasets.TryGetValue(datasetName, out var dataset))
            throw map.Error(datasetNode, map.KeyPath("dataset"),
                $"no data set named '{datasetName}'{DidYouMean.Suggest(datasetName, datasets.Keys)} (declared: {string.Join(", ", datasets.Keys)})");

        if (preset is not null && dataset.TaskType != preset.TaskType)
            throw map.Error(map.Get("preset")!, map.KeyPath("preset"),
                $"preset '{preset.Name}' is for {Describe(preset.TaskType)} data; data set '{datasetName}' is {Describe(dataset.TaskType)}");

        var hyperparameters = ReadHyperparameters(map, architecture);
        if (preset is not null && architectures.Find(preset.Architecture) == architecture)
            foreach (var (key, value) in preset.Hyperparameters)
                hyperparameters.TryAdd(key, value);

        var training = new TrainingOverrides();
        if (map.Map("training") is { } t)
        {
            t.AllowOnly("optimizer", "learning_rate", "weight_decay", "momentum", "batch_size", "epochs", "early_stopping", "lr_decay_factor",
                "lr_decay_patience", "min_learning_rate", "loss", "monitor", "mode", "min_delta", "gradient_clip", "weight_average", "augmentation", "device");
            training = new TrainingOverrides
            {
                Optimizer = t.Has("optimizer") ? t.Enum("optimizer", OptimizerKind.Adam, Optimizers) : null,
                LearningRate = t.Double("learning_rate", double.Epsilon),
                WeightDecay = t.Double("weight_decay", 0),
                Momentum = t.Double("momentum", 0),
                BatchSize = t.Int("batch_size", 2),
                Epochs = t.Int("epochs", 1),
                EarlyStopping = t.Int("early_stopping", 0),
                LrDecayFactor = t.Double("lr_decay_factor", double.Epsilon, 1),
                LrDecayPatience = t.Int("lr_decay_patience", 0),
                MinLearningRate = t.Double("min_learning_rate", 0),
                Loss = t.Has("loss") ? t.Enum("loss", LossKind.Mse, Losses) : null,
                Monitor = t.Has("monitor") ? t.Enum("monitor", "loss", Monitors) : null,
                Mode = t.Has("mode") ? t.Enum("mode", MonitorMode.Max, Modes) : null,
                MinDelta = t.Double("min_delta", 0),
                GradientClip = t.Double("gradient_clip", 0),
                WeightAverage = t.Double("weight_average", 0, 0.99999),
                Device = ReadDevice(t),
                Augmentation = ReadAugmentation(t),
            };
            CheckLossAndMonitor(t, training, dataset);
        }
        if (preset is not null) training = ModelPresets.Merge(training, preset.Training);

        var encoding = ReadEncoding(map, preset);

        List<LabelTransformSpec>? transforms = null;
        if (map.List("label_transform") is { } steps)
        {
            if (dataset.TaskType != TaskType.Regression)
                throw map.Error(map.KeyNode("label_transform"), map.KeyPath("label_transform"), "label transforms apply to regression data sets only");
            transforms = [];
            var i = 0;
            foreach (var step in steps)
                transforms.Add(ReadTransform(map, step, $"{map.KeyPath("label_transform")}[{i++}]"));
        }

        List<string>? tracks = null;
        if (map.Strings("tracks") is { } trackNames)
        {
            var available = dataset.Tracks.Select(x => x.Name).Concat(dataset.Columns?.Region is not null ? ["region"] : []).ToList();
            tracks = [];
            foreach (var (track, node) in trackNames)
            {
                if (!available.Contains(track))
                    throw map.Error(node, map.KeyPath("tracks"),
                        $"data set '{dataset.Name}' has no track '{track}'{DidYouMean.Suggest(track, available)} (it has: {(available.Count == 0 ? "none" : string.Join(", ", available))})");
                tracks.Add(track);
            }
        }

        return WithEnsemble(map, WithHeads(map, new ModelConfig
        {
            Name = name,
            Architecture = architecture.Name,
            Dataset = datasetName,
            Hyperparameters = hyperparameters,
            Training = training,
            Encoding = encoding,
            LabelTransforms = transforms,
            Tracks = tracks,
            Seed = map.Int("seed", 0) is { } s ? (ulong)s : null,
        }, architectures, headsByDefault: preset is not null && dataset.Experiments), datasets, architectures, member ? null : preset);
    }

    private static ModelPreset? ReadPreset(YamlMap map)
    {
        if (map.Get("preset") is not { } node) return null;
        var presetName = map.AsString(node, map.KeyPath("preset"));
        return ModelPresets.Find(presetName)
            ?? throw map.Error(node, map.KeyPath("preset"),
                $"unknown preset '{presetName}'{DidYouMean.Suggest(presetName, ModelPresets.Names)} (known: {string.Join(", ", ModelPresets.Names)})");
    }

    private static string Describe(TaskType type) => type.ToString().ToLowerInvariant();

    /// <summary>The entry's encoding; with a preset, the keys the entry leaves out (or the whole mapping) come from the preset.</summary>
    private static EncodingConfig ReadEncoding(YamlMap map, ModelPreset? preset)
    {
        var enc = map.Map("encoding");
        if (enc is null)
            return preset?.Encoding ?? throw map.Error(map.Node, map.KeyPath("encoding"), "missing required key 'encoding' (at least its 'length')");
        enc.AllowOnly("length", "policy", "n", "ambiguity", "padding");
        var fallback = preset?.Encoding;
        return new EncodingConfig
        {
            Length = enc.Get("length") is { } length ? enc.AsInt(length, enc.KeyPath("length"), 1, 100_000)
                : fallback?.Length ?? enc.AsInt(enc.Required("length", "the fixed input length L"), enc.KeyPath("length"), 1, 100_000),
            Policy = enc.Enum("policy", fallback?.Policy ?? LengthPolicy.Centre, Policies),
            N = enc.Enum("n", fallback?.N ?? NPolicy.Zero, NPolicies),
            Ambiguity = enc.Enum("ambiguity", fallback?.Ambiguity ?? AmbiguityPolicy.Error, AmbiguityPolicies),
            Padding = (float)(enc.Double("padding") ?? fallback?.Padding ?? 0),
        };
    }

    private static Dictionary<string, JsonElement> ReadHyperparameters(YamlMap map, IArchitecture architecture)
    {
        var hyperparameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (map.Map("hyperparameters") is { } hp)
        {
            var known = architecture.HyperparameterSpecs.Select(s => s.Name).ToArray();
            hp.AllowOnly(known);
            foreach (var key in hp.Keys)
            {
                var node = hp.Get(key) ?? throw hp.Error(hp.KeyNode(key), hp.KeyPath(key), "expected a value, found nothing (null)");
                var value = hp.ToJson(node, hp.KeyPath(key));
                try { Hyperparameters.Resolve(architecture.Name, architecture.HyperparameterSpecs, new Dictionary<string, JsonElement> { [key] = value }); }
                catch (ArgumentException e) { throw hp.Error(node, hp.KeyPath(key), e.Message); }
                hyperparameters[key] = value;
            }
        }
        return hyperparameters;
    }

    private static void CheckLossAndMonitor(YamlMap t, TrainingOverrides training, DatasetConfig dataset)
    {
        var regression = dataset.TaskType == TaskType.Regression;
        if (training.Loss is { } loss)
        {
            var fits = loss switch
            {
                LossKind.Mse => regression,
                LossKind.CrossEntropy => dataset.TaskType == TaskType.Multiclass,
                _ => dataset.TaskType == TaskType.Binary,
            };
            if (!fits)
                throw t.Error(t.Get("loss")!, t.KeyPath("loss"),
                    $"loss '{TrainingOptions.Name(loss)}' does not fit data set '{dataset.Name}' (task type {dataset.TaskType.ToString().ToLowerInvariant()}; use {DefaultLossName(dataset.TaskType)})");
        }
        if (training.Monitor is { } monitor && monitor != "loss" && (monitor is "pearson" or "spearman") != regression)
            throw t.Error(t.Get("monitor")!, t.KeyPath("monitor"),
                $"monitor '{monitor}' does not apply to {dataset.TaskType.ToString().ToLowerInvariant()} tasks (use {(regression ? "pearson, spearman" : "auroc, aupr")} or loss)");
    }

    private static string DefaultLossName(TaskType type) => type switch
    {
        TaskType.Regression => "mse",
        TaskType.Multiclass => "cross-entropy",
        _ => "bce or weighted-bce",
    };

    private static LabelTransformSpec ReadTransform(YamlMap owner, YamlNode node, string path)
    {
        if (node is YamlScalarNode)
        {
            var kind = owner.AsEnum(node, path, TransformKinds);
            if (kind == LabelTransformKind.Clip) throw owner.Error(node, path, "clip needs its percentile: write { kind: clip, upper_percentile: 99 }");
            return new LabelTransformSpec { Kind = kind };
        }
        var map = owner.AsMap(node, path);
        map.AllowOnly("kind", "upper_percentile", "lower_percentile");
        var k = map.AsEnum(map.Required("kind", string.Join(", ", TransformKinds.Keys)), map.KeyPath("kind"), TransformKinds);
        var upper = map.Double("upper_percentile", 0, 100);
        var lower = map.Double("lower_percentile", 0, 100);
        if (k == LabelTransformKind.Clip && upper is null) throw map.Error(map.Node, map.KeyPath("upper_percentile"), "missing required key 'upper_percentile' (clip's upper percentile, e.g. 99)");
        if (k != LabelTransformKind.Clip && (upper ?? lower) is not null) throw map.Error("percentiles belong to 'clip' only");
        if (lower is not null && lower >= upper) throw map.Error(map.Get("lower_percentile")!, map.KeyPath("lower_percentile"), "must be below upper_percentile");
        return new LabelTransformSpec { Kind = k, UpperPercentile = upper, LowerPercentile = lower };
    }

    public static string DefaultLoss(TaskType type) => type switch
    {
        TaskType.Regression => "mse",
        TaskType.Multiclass => "cross-entropy",
        _ => "bce",
    };
}
