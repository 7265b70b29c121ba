using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Contracts.Tests;

public class ManifestTests
{
    public static TheoryData<string> Examples => ["published", "checkpoint"];

    private static ModelManifest Example(string name) => name == "published" ? ManifestExamples.PublishedModel() : ManifestExamples.Checkpoint();

    private static string Text(ModelManifest manifest) => Encoding.UTF8.GetString(ModelManifestJson.ToUtf8Bytes(manifest));

    private static ManifestException Rejected(string json, string source = "models/x/1/manifest.json") =>
        Assert.Throws<ManifestException>(() => ModelManifestJson.Parse(Encoding.UTF8.GetBytes(json), source));

    /// <summary>Edits the published example's JSON as a tree, as a person editing the file would.</summary>
    private static string Edited(Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(Text(ManifestExamples.PublishedModel()))!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Manifests_round_trip_through_JSON_and_reserialise_to_identical_bytes(string name)
    {
        var manifest = Example(name);
        var bytes = ModelManifestJson.ToUtf8Bytes(manifest);
        var back = ModelManifestJson.Parse(bytes, "memory");
        DeepEqual.Check(manifest, back);
        Assert.Equal(bytes, ModelManifestJson.ToUtf8Bytes(back));
        Assert.Equal(bytes, ModelManifestJson.ToUtf8Bytes(Example(name)));
    }

    [Fact]
    public void Map_order_does_not_change_the_bytes()
    {
        var manifest = ManifestExamples.PublishedModel();
        var reordered = manifest with
        {
            Files = manifest.Files.Reverse().ToDictionary(),
            Provenance = manifest.Provenance with { LibraryVersions = manifest.Provenance.LibraryVersions.Reverse().ToDictionary() },
            Architecture = manifest.Architecture with { Hyperparameters = manifest.Architecture.Hyperparameters.Reverse().ToDictionary() },
        };
        Assert.Equal(ModelManifestJson.ToUtf8Bytes(manifest), ModelManifestJson.ToUtf8Bytes(reordered));
        var text = Text(manifest);
        Assert.True(text.IndexOf("\"config.pbtxt\"", StringComparison.Ordinal) < text.IndexOf("\"model.onnx\"", StringComparison.Ordinal));
    }

    [Fact]
    public void The_format_is_camelCase_indented_with_newlines_and_readable_timestamps()
    {
        var text = Text(ManifestExamples.PublishedModel());
        Assert.StartsWith("{\n  \"schemaVersion\": 1,\n  \"name\": \"residualbind-rnacompete\",", text);
        Assert.EndsWith("}\n", text);
        Assert.DoesNotContain("\r", text);
        Assert.Contains("\"createdUtc\": \"2025-11-21T10:30:15.123+00:00\"", text);
        Assert.Contains("\"lengthPolicy\": \"centre\"", text);
        Assert.DoesNotContain("outputColumns", text);
        Assert.DoesNotContain("channelNames", text);
    }

    [Fact]
    public void Save_and_Load_go_through_a_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("manifest.json");
        ModelManifestJson.Save(ManifestExamples.PublishedModel(), path);
        DeepEqual.Check(ManifestExamples.PublishedModel(), ModelManifestJson.Load(path));
        Assert.Equal([ "manifest.json" ], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_wrong_schema_version_is_rejected_naming_the_file_and_the_expected_version()
    {
        var e = Rejected(Edited(root => root["schemaVersion"] = 2));
        Assert.Contains("models/x/1/manifest.json", e.Message);
        Assert.Contains("schemaVersion 2", e.Message);
        Assert.Contains("reads only schemaVersion 1", e.Message);
        Assert.Contains("newer build", e.Message);
        Assert.Equal("$.schemaVersion", e.JsonPath);

        Assert.Contains("must be the integer 1", Rejected(Edited(root => root["schemaVersion"] = "1")).Message);
    }

    [Fact]
    public void A_missing_schema_version_is_rejected_before_anything_else()
    {
        // Also lacks other required fields: the version complaint must win.
        var e = Rejected("""{"name": "x", "colour": "red"}""", "/tmp/m.json");
        Assert.Contains("/tmp/m.json has no schemaVersion; expected schemaVersion 1", e.Message);
        Assert.Contains("not a JSON object", Rejected("[1]").Message);
        Assert.Contains("not valid JSON", Rejected("{\"name\": ").Message);
    }

    [Fact]
    public void Unknown_fields_are_rejected_with_their_path()
    {
        var e = Rejected(Edited(root => root["tasks"]![0]!.AsObject()["colour"] = "red"));
        Assert.Equal("$.tasks[0].colour", e.JsonPath);
        Assert.Contains("$.tasks[0].colour", e.Message);
        Assert.Contains("models/x/1/manifest.json", e.Message);

        Assert.Equal("$.encoding.tracks[0].sharpness", Rejected(Edited(root => root["encoding"]!["tracks"]![0]!.AsObject()["sharpness"] = 1)).JsonPath);
    }

    [Theory]
    [InlineData("architecture", "name", "$.architecture.name")]
    [InlineData("provenance", "seed", "$.provenance.seed")]
    [InlineData(null, "files", "$.files")]
    [InlineData("encoding", "nPolicy", "$.encoding.nPolicy")] // defaulted in C#, required in files
    public void Missing_required_fields_are_rejected_naming_their_path(string? parent, string field, string path)
    {
        var e = Rejected(Edited(root => (parent is null ? root : root[parent]!.AsObject()).Remove(field)));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains($"missing required property {path}", e.Message);
    }

    [Fact]
    public void A_missing_field_inside_a_label_transform_names_the_step()
    {
        var e = Rejected(Edited(root => root["tasks"]![0]!["labelTransform"]!["steps"]![1]!.AsObject().Remove("std")));
        Assert.Equal("$.tasks[0].labelTransform.steps[1].std", e.JsonPath);
    }

    [Fact]
    public void Enum_numbers_nulls_and_duplicate_properties_are_rejected()
    {
        Assert.Equal("$.outputs[0].meaning", Rejected(Edited(root => root["outputs"]![0]!["meaning"] = 0)).JsonPath);
        Assert.Equal("$.architecture.name", Rejected(Edited(root => root["architecture"]!["name"] = null)).JsonPath);
        var duplicated = Text(ManifestExamples.PublishedModel()).Replace("\"seed\": 42,", "\"seed\": 42, \"seed\": 43,");
        Assert.Equal("$.provenance.seed", Rejected(duplicated).JsonPath);
    }

    [Fact]
    public void Inconsistent_manifests_are_rejected_on_load_and_on_save()
    {
        var wrongInputs = Rejected(Edited(root => root["inputs"]![1]!["length"] = 40));
        Assert.Equal("$.inputs[1]", wrongInputs.JsonPath);
        Assert.Contains("the encoding produces 'structure'", wrongInputs.Message);

        Assert.Contains("[-1, 2]", Rejected(Edited(root => root["outputs"]![0]!["shape"] = new JsonArray(-1, 3))).Message);
        Assert.Equal("$.version", Rejected(Edited(root => root.Remove("version"))).JsonPath);
        Assert.Equal("$.gradient.spaces", Rejected(Edited(root => root["gradient"]!["spaces"]!.AsObject().Remove("RNCMPT00001"))).JsonPath);
        Assert.Equal("$.files['../model.onnx']", Rejected(Edited(root => root["files"]!["../model.onnx"] = root["files"]!["model.onnx"]!.DeepClone())).JsonPath);
        Assert.Equal("$.provenance.createdUtc", Rejected(Edited(root => root["provenance"]!["createdUtc"] = "2025-01-01T00:00:00+01:00")).JsonPath);

        var checkpointWithVersion = ManifestExamples.Checkpoint() with { Version = 1 };
        Assert.Contains("checkpoints carry no version", Assert.Throws<ArgumentException>(() => ModelManifestJson.ToUtf8Bytes(checkpointWithVersion)).Message);
        var nanMetric = ManifestExamples.Checkpoint() with { Metrics = [new MetricValue { Split = "test", Name = "auroc", Value = double.NaN }] };
        Assert.Contains("$.metrics[0].value", Assert.Throws<ArgumentException>(() => ModelManifestJson.ToUtf8Bytes(nanMetric)).Message);
    }

    [Fact]
    public void Hyperparameters_keep_arbitrary_JSON_values()
    {
        var back = ModelManifestJson.Parse(ModelManifestJson.ToUtf8Bytes(ManifestExamples.PublishedModel()), "memory");
        var h = back.Architecture.Hyperparameters;
        Assert.Equal(96, h["filters"].GetInt32());
        Assert.Equal([1, 2, 4], h["dilations"].EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Object, h["residual"].ValueKind);
    }
}
