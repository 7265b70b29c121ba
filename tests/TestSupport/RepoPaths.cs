namespace RbpPipeline.TestSupport;

/// <summary>Locations tests need: the repository root (found from the test binary) and ../shared/data beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;

    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    /// <summary>The folder of one real data set under ../shared/data, or a skip naming what is missing.</summary>
    public static string RequireSharedData(string relative)
    {
        var path = Path.Combine(SharedData, relative);
        if (!Directory.Exists(path) && !File.Exists(path))
            Assert.Skip($"real data not available: {path} does not exist (../shared/data sits beside the checkout on the project's machines only)");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RbpPipeline.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"RbpPipeline.sln not found above {AppContext.BaseDirectory}");
    }
}
