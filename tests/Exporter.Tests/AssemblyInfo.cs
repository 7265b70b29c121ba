// libtorch's random generator and thread count are process-wide, and the tests build and compare many small networks:
// run the classes one after another (the machines have two cores; ONNX Runtime and libtorch use both).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
