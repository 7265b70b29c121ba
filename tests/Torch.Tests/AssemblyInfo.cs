// libtorch's random generator, thread count and deterministic flag are process-wide: tests that seed and compare
// would race if classes ran in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
