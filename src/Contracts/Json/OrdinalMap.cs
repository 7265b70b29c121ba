using System.Collections.Immutable;

namespace RbpPipeline.Contracts.Json;

/// <summary>
/// Maps kept in ordinal key order, so that equal contents serialise to identical bytes whatever order the keys
/// were added in.
/// </summary>
public static class OrdinalMap
{
    public static IReadOnlyDictionary<string, T> Empty<T>() => ImmutableSortedDictionary.Create<string, T>(StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, T> Of<T>(IEnumerable<KeyValuePair<string, T>> entries) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entries ?? throw new ArgumentNullException(nameof(entries)));
}
