using Google.Protobuf.Reflection;

namespace RbpPipeline.InferenceServer.Reflection;

/// <summary>
/// The files that define the served services and everything they import, indexed by file name and by the
/// fully qualified names of the symbols they declare.
/// </summary>
internal sealed class DescriptorIndex
{
    private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);

    public DescriptorIndex(IReadOnlyList<ServiceDescriptor> services)
    {
        ServiceNames = services.Select(s => s.FullName).ToList();
        foreach (var service in services) AddFile(service.File);
    }

    public IReadOnlyList<string> ServiceNames { get; }

    public FileDescriptor? FindFile(string name) => _files.GetValueOrDefault(name);

    public FileDescriptor? FindFileContainingSymbol(string symbol) => _symbols.GetValueOrDefault(symbol.TrimStart('.'));

    /// <summary>The file first, then every file it imports, transitively, each once.</summary>
    public static List<FileDescriptor> WithDependencies(FileDescriptor file)
    {
        var result = new List<FileDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FileDescriptor>([file]);
        while (pending.Count > 0)
        {
            var next = pending.Dequeue();
            if (!seen.Add(next.Name)) continue;
            result.Add(next);
            foreach (var dependency in next.Dependencies) pending.Enqueue(dependency);
        }
        return result;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_files.TryAdd(file.Name, file)) return;
        foreach (var dependency in file.Dependencies) AddFile(dependency);
        foreach (var service in file.Services)
        {
            AddSymbol(service.FullName, file);
            foreach (var method in service.Methods) AddSymbol($"{service.FullName}.{method.Name}", file);
        }
        foreach (var message in file.MessageTypes) AddMessage(message, file);
        foreach (var e in file.EnumTypes) AddEnum(e, file);
        foreach (var extension in file.Extensions.UnorderedExtensions) AddSymbol(extension.FullName, file);
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        AddSymbol(message.FullName, file);
        foreach (var field in message.Fields.InDeclarationOrder()) AddSymbol(field.FullName, file);
        foreach (var oneof in message.Oneofs) AddSymbol(oneof.FullName, file);
        foreach (var nested in message.NestedTypes) AddMessage(nested, file);
        foreach (var e in message.EnumTypes) AddEnum(e, file);
    }

    private void AddEnum(EnumDescriptor e, FileDescriptor file)
    {
        AddSymbol(e.FullName, file);
        foreach (var value in e.Values) AddSymbol(value.FullName, file);
    }

    private void AddSymbol(string name, FileDescriptor file) => _symbols.TryAdd(name, file);
}
