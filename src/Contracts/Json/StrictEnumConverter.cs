using System.Text.Json.Serialization;

namespace RbpPipeline.Contracts.Json;

/// <summary>
/// Enums as their declared JSON names only. The stock converter also accepts integers, which would let a
/// hand-edited file say "lengthPolicy": 2 and silently mean whatever member has that number today.
/// </summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
