using System.Runtime.InteropServices;

namespace RbpPipeline.Onnx.Runtime;

/// <summary>
/// Prepares the process environment that native ONNX Runtime reads when it first loads.
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> only changes the managed copy, so the
/// variables are set with libc's setenv, before the first ORT call.
/// </summary>
public static partial class NativeEnvironment
{
    private static readonly object Gate = new();
    private static bool _prepared;

    /// <summary>Variables set before ORT loads: no telemetry from the native library.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>
    {
        ["ORT_DISABLE_TELEMETRY"] = "1",
    };

    /// <summary>Idempotent; call before creating any ONNX Runtime object.</summary>
    public static void Prepare()
    {
        lock (Gate)
        {
            if (_prepared) return;
            foreach (var (name, value) in Defaults) SetNative(name, value);
            _prepared = true;
        }
    }

    /// <summary>Sets a variable in both the native (libc) and the managed environment.</summary>
    public static void SetNative(string name, string value)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            if (setenv(name, value, 1) != 0)
                throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>Reads a variable as native code sees it.</summary>
    public static string? GetNative(string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Environment.GetEnvironmentVariable(name);
        var ptr = getenv(name);
        return ptr == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(ptr);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getenv(string name);
}
