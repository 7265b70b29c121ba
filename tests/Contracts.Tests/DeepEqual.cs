using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace RbpPipeline.Contracts.Tests;

/// <summary>
/// Structural equality by reflection, independent of the serializer under test: records holding lists and maps
/// compare those by reference, which would make a round-trip test pass or fail for the wrong reason.
/// </summary>
internal static class DeepEqual
{
    public static void Check(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }
        Assert.True(expected.GetType() == actual.GetType() || (expected is IEnumerable && actual is IEnumerable),
            $"{path}: expected a {expected.GetType().Name}, got a {actual.GetType().Name}");
        switch (expected)
        {
            case JsonElement e:
                Assert.True(JsonElement.DeepEquals(e, (JsonElement)actual), $"{path}: {e.GetRawText()} ≠ {((JsonElement)actual).GetRawText()}");
                return;
            case string or ValueType:
                Assert.True(expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
                return;
            case IDictionary map:
                var other = (IDictionary)actual;
                Assert.True(map.Count == other.Count, $"{path}: {map.Count} entries ≠ {other.Count}");
                foreach (DictionaryEntry entry in map)
                {
                    Assert.True(other.Contains(entry.Key), $"{path}: key '{entry.Key}' missing");
                    Check(entry.Value, other[entry.Key], $"{path}['{entry.Key}']");
                }
                return;
            case IEnumerable items:
                var left = items.Cast<object?>().ToList();
                var right = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.True(left.Count == right.Count, $"{path}: {left.Count} items ≠ {right.Count}");
                for (var i = 0; i < left.Count; i++) Check(left[i], right[i], $"{path}[{i}]");
                return;
        }
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            Check(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }
}
