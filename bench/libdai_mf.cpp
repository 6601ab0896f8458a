// The peer process of issue 12's 100-spin case: libDAI's naive mean field as a whole process
// (read a factor graph, run MF from the uniform start to tol 1e-9, print ln Z). Built and
// timed by bench/libdai_compare.sh against a libDAI source tree; not part of the build.
#include <dai/alldai.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: libdai_mf FILE.fg\n";
        return 2;
    }
    dai::FactorGraph graph;
    graph.ReadFromFile(argv[1]);
    dai::PropertySet options;
    options.set("tol", dai::Real(1e-9));
    options.set("maxiter", std::size_t{10000});
    options.set("damping", dai::Real(0.0));
    options.set("init", std::string("UNIFORM"));
    options.set("updates", std::string("NAIVE"));
    options.set("verbose", std::size_t{0});
    dai::MF mf(graph, options);
    mf.init();
    mf.run();
    std::cout.precision(12);
    std::cout << mf.logZ() << "\n";
    return 0;
}
