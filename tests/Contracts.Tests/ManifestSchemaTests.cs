using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using RbpPipeline.Contracts.Json;
using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Contracts.Tests;

public class ManifestSchemaTests
{
    private static readonly JsonObject Schema = JsonNode.Parse(ModelManifestJson.JsonSchema())!.AsObject();

    private static JsonObject Defs => Schema["$defs"]!.AsObject();

    [Fact]
    public void The_embedded_schema_is_the_file_in_the_repository()
    {
        var file = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "Contracts", "Schemas", "model-manifest.schema.json"));
        Assert.Equal(file, ModelManifestJson.JsonSchema());
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", Schema["$schema"]!.GetValue<string>());
        Assert.Equal(ModelManifest.CurrentSchemaVersion, Schema["properties"]!["schemaVersion"]!["const"]!.GetValue<int>());
    }

    /// <summary>
    /// Every object the serializer reads or writes has a schema with exactly its properties, the same required
    /// list, no other properties allowed, the same enum spellings, and references to the schemas of its parts.
    /// Driven by the serializer's own metadata, so a property added in C# but not in the schema fails here.
    /// </summary>
    [Fact]
    public void The_schema_describes_exactly_what_the_serializer_reads_and_writes()
    {
        var visited = new HashSet<Type>();
        CheckObject(typeof(ModelManifest), Schema, null, visited);
        Assert.Contains(typeof(Labels.ClipTransform), visited);
        Assert.Contains(typeof(SequenceEncoding.CategoricalTrackSpec), visited);
        Assert.True(visited.Count >= 20, $"only {visited.Count} types checked");
    }

    private static void CheckObject(Type type, JsonObject schema, (string Name, string Value)? discriminator, HashSet<Type> visited)
    {
        if (!visited.Add(type)) return;
        var info = ContractsJson.Options.GetTypeInfo(type);
        Assert.Equal(JsonTypeInfoKind.Object, info.Kind);
        Assert.False(schema["additionalProperties"]!.GetValue<bool>(), $"{type.Name} must forbid additional properties");

        var properties = schema["properties"]!.AsObject();
        // [JsonIgnore]d members (computed helpers) stay in the metadata without accessors.
        var serialised = info.Properties.Where(p => p.Get is not null || p.Set is not null).ToList();
        var expectedNames = serialised.Select(p => p.Name).ToList();
        var expectedRequired = serialised.Where(p => p.IsRequired).Select(p => p.Name).ToList();
        if (discriminator is { } d)
        {
            expectedNames.Add(d.Name);
            expectedRequired.Add(d.Name);
            Assert.Equal(d.Value, properties[d.Name]!["const"]!.GetValue<string>());
        }
        Assert.Equal(expectedNames.Order(), properties.Select(p => p.Key).Order());
        Assert.Equal(expectedRequired.Order(), schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());

        foreach (var property in serialised)
            CheckProperty(type, property, properties[property.Name]!.AsObject(), visited);
    }

    private static void CheckProperty(Type owner, JsonPropertyInfo property, JsonObject schema, HashSet<Type> visited)
    {
        var where = $"{owner.Name}.{property.Name}";
        var (type, node) = (Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, schema);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            (type, node) = (type.GetGenericArguments()[0], schema["items"]?.AsObject() ?? schema["prefixItems"]!.AsArray()[1]!.AsObject());
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            (type, node) = (type.GetGenericArguments()[1], schema["additionalProperties"] as JsonObject ?? new JsonObject());
        if (type.IsEnum)
        {
            var spellings = Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, ContractsJson.Options).Trim('"'));
            Assert.True(node["enum"] is JsonArray, $"{where} should list its enum values");
            Assert.Equal(spellings.Order(), node["enum"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
            return;
        }
        if (type.Namespace?.StartsWith("RbpPipeline.Contracts", StringComparison.Ordinal) != true) return;
        var reference = node["$ref"]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"{where} should reference #/$defs/{type.Name}");
        Assert.Equal($"#/$defs/{type.Name}", reference);
        CheckDefinition(type, visited);
    }

    private static void CheckDefinition(Type type, HashSet<Type> visited)
    {
        var definition = Defs[type.Name]!.AsObject();
        var polymorphism = ContractsJson.Options.GetTypeInfo(type).PolymorphismOptions;
        if (polymorphism is null)
        {
            CheckObject(type, definition, null, visited);
            return;
        }
        var alternatives = definition["oneOf"]!.AsArray().Select(n => n!["$ref"]!.GetValue<string>()).ToList();
        Assert.Equal(polymorphism.DerivedTypes.Select(d => $"#/$defs/{d.DerivedType.Name}").Order(), alternatives.Order());
        foreach (var derived in polymorphism.DerivedTypes)
            CheckObject(derived.DerivedType, Defs[derived.DerivedType.Name]!.AsObject(),
                (polymorphism.TypeDiscriminatorPropertyName, (string)derived.TypeDiscriminator!), visited);
    }

    // python3-jsonschema is not installed on these machines, so the schema is checked by a small validator of the
    // draft 2020-12 keywords it uses. Unknown keywords are errors, so the schema cannot drift past what is checked.
    private const string Validator = """
        import json, re, sys
        ANNOTATIONS = {'$schema', '$id', 'title', 'description', '$defs', 'format'}
        def types(v):
            if isinstance(v, bool): return {'boolean'}
            if isinstance(v, int): return {'integer', 'number'}
            if isinstance(v, float): return {'number'} | ({'integer'} if v.is_integer() else set())
            return {dict: {'object'}, list: {'array'}, str: {'string'}, type(None): {'null'}}[type(v)]
        def check(s, v, root, path, errs):
            if s is True: return
            if s is False: errs.append(path + ': not allowed'); return
            for k, arg in s.items():
                if k in ANNOTATIONS: continue
                if k == '$ref':
                    assert arg.startswith('#/$defs/'), arg
                    check(root['$defs'][arg[8:]], v, root, path, errs)
                elif k == 'type':
                    if arg not in types(v): errs.append(f'{path}: expected {arg}')
                elif k == 'const':
                    if v != arg or type(v) is bool != (type(arg) is bool): errs.append(f'{path}: expected {arg!r}')
                elif k == 'enum':
                    if v not in arg: errs.append(f'{path}: {v!r} not in {arg}')
                elif k == 'pattern':
                    if isinstance(v, str) and not re.search(arg, v): errs.append(f'{path}: {v!r} !~ {arg}')
                elif k == 'minLength':
                    if isinstance(v, str) and len(v) < arg: errs.append(f'{path}: too short')
                elif k in ('minimum', 'maximum', 'exclusiveMinimum'):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        ok = {'minimum': v >= arg, 'maximum': v <= arg, 'exclusiveMinimum': v > arg}[k]
                        if not ok: errs.append(f'{path}: {k} {arg}')
                elif k in ('minItems', 'maxItems'):
                    if isinstance(v, list) and (len(v) < arg if k == 'minItems' else len(v) > arg): errs.append(f'{path}: {k} {arg}')
                elif k == 'items':
                    if isinstance(v, list):
                        for i, x in enumerate(v[len(s.get('prefixItems', [])):], len(s.get('prefixItems', []))): check(arg, x, root, f'{path}[{i}]', errs)
                elif k == 'prefixItems':
                    if isinstance(v, list):
                        for i, (sub, x) in enumerate(zip(arg, v)): check(sub, x, root, f'{path}[{i}]', errs)
                elif k == 'required':
                    if isinstance(v, dict):
                        errs.extend(f'{path}: missing {r}' for r in arg if r not in v)
                elif k == 'properties':
                    if isinstance(v, dict):
                        for name, sub in arg.items():
                            if name in v: check(sub, v[name], root, f'{path}.{name}', errs)
                elif k == 'additionalProperties':
                    if isinstance(v, dict):
                        for name, x in v.items():
                            if name not in s.get('properties', {}): check(arg, x, root, f'{path}.{name}', errs)
                elif k == 'oneOf':
                    passing = sum(1 for sub in arg if not validate(sub, v, root, path))
                    if passing != 1: errs.append(f'{path}: matches {passing} of oneOf')
                elif k == 'not':
                    if not validate(arg, v, root, path): errs.append(f'{path}: matches not')
                elif k == 'if':
                    branch = s.get('then') if not validate(arg, v, root, path) else s.get('else')
                    if branch is not None: check(branch, v, root, path, errs)
                elif k in ('then', 'else'): pass
                else: raise ValueError('validator does not know keyword ' + k)
        def validate(s, v, root, path='$'):
            errs = []
            check(s, v, root, path, errs)
            return errs
        data = json.load(sys.stdin)
        schema = data['schema']
        print(json.dumps([validate(schema, doc, schema) for doc in data['documents']]))
        """;

    private static async Task<List<string[]>> ValidateWithPython(IEnumerable<string> documents)
    {
        var input = new JsonObject
        {
            ["schema"] = Schema.DeepClone(),
            ["documents"] = new JsonArray([.. documents.Select(d => JsonNode.Parse(d))]),
        };
        var output = await PythonOracle.RunAsync(Validator, stdin: input.ToJsonString(), cancellationToken: TestContext.Current.CancellationToken);
        return JsonSerializer.Deserialize<List<string[]>>(output)!;
    }

    private static string Mutated(ModelManifest manifest, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(ModelManifestJson.ToUtf8Bytes(manifest))!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    [Fact]
    public async Task The_schema_accepts_every_example_manifest_and_rejects_broken_ones()
    {
        var valid = ManifestExamples.All().Select(m => Encoding.UTF8.GetString(ModelManifestJson.ToUtf8Bytes(m))).ToList();
        var published = ManifestExamples.PublishedModel();
        var invalid = new (string Why, string Json)[]
        {
            ("unknown field", Mutated(published, r => r["tasks"]![0]!.AsObject()["colour"] = "red")),
            ("missing field", Mutated(published, r => r["provenance"]!.AsObject().Remove("seed"))),
            ("wrong enum", Mutated(published, r => r["encoding"]!["lengthPolicy"] = "center")),
            ("model without version", Mutated(published, r => r.Remove("version"))),
            ("checkpoint with version", Mutated(ManifestExamples.Checkpoint(), r => r["version"] = 1)),
            ("wrong schema version", Mutated(published, r => r["schemaVersion"] = 2)),
            ("bad digest", Mutated(published, r => r["files"]!["model.onnx"]!["sha256"] = "ABC")),
            ("unknown transform", Mutated(published, r => r["tasks"]![0]!["labelTransform"]!["steps"]![0]!["type"] = "quantile")),
            ("non-UTC timestamp", Mutated(published, r => r["provenance"]!["createdUtc"] = "2025-01-01T00:00:00+02:00")),
            ("bad batch dimension", Mutated(published, r => r["outputs"]![0]!["shape"] = new JsonArray(8, 2))),
        };
        var results = await ValidateWithPython([.. valid, .. invalid.Select(i => i.Json)]);
        for (var i = 0; i < valid.Count; i++)
            Assert.True(results[i].Length == 0, $"example {i} fails the schema: {string.Join("; ", results[i])}");
        for (var i = 0; i < invalid.Length; i++)
            Assert.True(results[valid.Count + i].Length > 0, $"the schema accepts a manifest with a {invalid[i].Why}");
    }
}
