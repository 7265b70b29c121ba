using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Json;

/// <summary>
/// The one JSON dialect of the contracts: camelCase, indented with "\n", properties in declaration order, maps in
/// ordinal key order, and strict on reading — unknown properties, duplicate properties, missing required
/// properties, nulls where none are allowed and enum numbers are all errors.
/// </summary>
public static class ContractsJson
{
    /// <summary>
    /// Options bound to the source-generated metadata, for code that embeds contract types in its own JSON.
    /// The relaxed encoder keeps text readable ("+00:00", not "\u002B00:00"); manifests are files, never HTML.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>UTF-8 JSON ending in a newline; equal values give identical bytes.</summary>
    public static byte[] Serialize<T>(T value)
    {
        using var buffer = new MemoryStream();
        JsonSerializer.Serialize(buffer, value, TypeInfo<T>());
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <exception cref="JsonException">Malformed or non-conforming JSON; <see cref="JsonException.Path"/> says where.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, TypeInfo<T>()) ?? throw new JsonException("the document is JSON null", "$", null, null);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(ContractsJsonContext.Default.Options)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = ContractsJsonContext.Default,
        };
        options.MakeReadOnly();
        return options;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NewLine = "\n",
    IndentSize = 2,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    AllowOutOfOrderMetadataProperties = true,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(EncodingSpec))]
[JsonSerializable(typeof(LabelTransformChain))]
[JsonSerializable(typeof(LabelTransformSpec))]
[JsonSerializable(typeof(IReadOnlyList<LabelTransformSpec>))]
internal sealed partial class ContractsJsonContext : JsonSerializerContext;
