// GCC 13's libstdc++ (GLIBCXX_3.4.32) initialises the standard streams through this one exported function, and
// code compiled with GCC 13 that includes <iostream> calls it. TorchSharp 0.107's libLibTorchSharp.so was built
// that way; Debian 12's libstdc++ (GCC 12, GLIBCXX_3.4.30) does the same work in a static std::ios_base::Init
// object instead and has no such symbol. This library provides it for that one caller, and the build patches the
// caller's copy to look for the symbol unversioned (see build-support/TorchSharp.Glibcxx.targets and
// docs/torchsharp.md). On a system whose libstdc++ already has GLIBCXX_3.4.32 this file is not built at all.
#include <ios>

namespace std {
void ios_base_library_init();

void ios_base_library_init() {
    // Constructing an Init is what initialises cout/cin/cerr/clog; the library's own Init objects already did
    // it once, and a further construction only counts a reference, so calling this any number of times is safe.
    static ios_base::Init init;
}
}  // namespace std
