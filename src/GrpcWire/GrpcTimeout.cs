using System.Globalization;

namespace RbpPipeline.Grpc;

/// <summary>The <c>grpc-timeout</c> header: at most 8 ASCII digits and one unit of H M S m u n.</summary>
public static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    private static readonly (char Unit, long Ticks)[] Units =
    [
        ('n', 0), // nanoseconds are finer than a tick; handled separately
        ('u', TimeSpan.TicksPerMicrosecond),
        ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond),
        ('M', TimeSpan.TicksPerMinute),
        ('H', TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string? text, out TimeSpan timeout)
    {
        timeout = default;
        if (text is null || text.Length is < 2 or > 9) return false;
        var digits = text.AsSpan(0, text.Length - 1);
        foreach (var c in digits)
            if (c is < '0' or > '9') return false;
        var value = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long ticks;
        switch (text[^1])
        {
            case 'H': ticks = value * TimeSpan.TicksPerHour; break;
            case 'M': ticks = value * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = value * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = value * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = value * TimeSpan.TicksPerMicrosecond; break;
            case 'n': ticks = (value + 99) / 100; break; // round up: a deadline must never be shortened
            default: return false;
        }
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>The finest unit that fits in 8 digits, rounding up; negative timeouts are sent as 1n.</summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return "1n";
        var ticks = timeout.Ticks;
        if (ticks <= MaxValue / 100) return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "n";
        foreach (var (unit, unitTicks) in Units.AsSpan(1))
        {
            var value = (ticks + unitTicks - 1) / unitTicks;
            if (value <= MaxValue) return value.ToString(CultureInfo.InvariantCulture) + unit;
        }
        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
