namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// A node of a graph under construction, as <see cref="GraphBuilder"/> hands it out and takes it back: a typed handle,
/// so that a channel count, a kernel size or an axis cannot be passed where a node is meant. <see cref="Id"/> is the
/// node's position in the built <see cref="NetworkGraph"/> (what <see cref="GraphNode.Inputs"/> hold).
/// </summary>
public readonly record struct NodeHandle(int Id)
{
    public override string ToString() => $"node {Id}";
}
