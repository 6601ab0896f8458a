#include "isingmf/util/interrupt.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/planar.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf {
namespace {

// Withdraws any request when a test ends, pass or fail: the flag is process-wide.
class SolverInterrupt : public ::testing::Test {
protected:
    void TearDown() override { clear_interrupt(); }
};

Model glass(int L) {
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.seed = 3;
    return build_model(make_lattice({LatticeKind::square, {L, L}, Boundary::periodic}), spec);
}

struct Solver {
    std::string name;
    int L;  // of the glass: large enough that the solver reaches a check
    std::function<void(const Model&)> solve;
};

// Every solver with a loop that can run long, on a model that it solves at once.
std::vector<Solver> solvers() {
    const std::vector<double> one{1.0};
    return {
        {"mean field", 4, [](const Model& m) { solve_mean_field(m, 1.0, {}); }},
        {"structured", 4, [](const Model& m) { solve_structured_mean_field(m, 1.0, {}); }},
        {"bethe", 4, [](const Model& m) { solve_bethe(m, 1.0, {}); }},
        {"upper bound", 16, [](const Model& m) { solve_upper_bound(m, 1.0, {}); }},
        {"enumerate", 4, [one](const Model& m) { enumerate_exact(m, one); }},
        {"eliminate", 4, [one](const Model& m) { eliminate_exact(m, one); }},
        {"planar", 4, [one](const Model& m) { planar_exact(m, one); }},
        {"sweep", 4, [one](const Model& m) { run_sweep(m, one, {}); }},
    };
}

TEST_F(SolverInterrupt, CheckThrowsOnlyWhileRequested) {
    EXPECT_FALSE(interrupt_requested());
    EXPECT_NO_THROW(check_interrupt());
    request_interrupt();
    EXPECT_TRUE(interrupt_requested());
    EXPECT_THROW(check_interrupt(), Interrupted);
    clear_interrupt();
    EXPECT_NO_THROW(check_interrupt());
}

TEST_F(SolverInterrupt, EverySolverStopsAtItsFirstCheckAndRunsOnceWithdrawn) {
    for (const auto& [name, L, solve] : solvers()) {
        const Model model = glass(L);
        request_interrupt();
        EXPECT_THROW(solve(model), Interrupted) << name;
        clear_interrupt();
        EXPECT_NO_THROW(solve(model)) << name;
    }
}

// The upper bound's plan compiles one piece after another (seconds on a 2048^2 lattice) and
// checks before each: a request stops the plan itself, before any solve.
TEST_F(SolverInterrupt, TheUpperBoundPlanStopsBetweenPieces) {
    const Model model = glass(16);
    const Decomposition decomposition = choose_decomposition(model, {});
    request_interrupt();
    EXPECT_THROW(UpperBoundPlan(model, decomposition), Interrupted);
    clear_interrupt();
    EXPECT_NO_THROW(UpperBoundPlan(model, decomposition));
}

// The solves on plans made beforehand still stop in their own loops (which the list above,
// now stopped in the plans, no longer reaches): the upper bound's iterations, and the
// Pfaffians' pivots, run on OpenMP threads and passed on from them.
TEST_F(SolverInterrupt, SolvesOnReadyPlansStopInTheirLoops) {
    const Model model = glass(16);
    const UpperBoundPlan upper(model, choose_decomposition(model, {}));
    const PlanarPlan planar = plan_planar(model);
    const std::vector<double> betas{1.0, 0.5};
    request_interrupt();
    EXPECT_THROW(solve_upper_bound(upper, 1.0, {}), Interrupted);
    EXPECT_THROW(planar_solve(planar, betas), Interrupted);
    clear_interrupt();
    EXPECT_NO_THROW(solve_upper_bound(upper, 1.0, {}));
    EXPECT_NO_THROW(planar_solve(planar, betas));
}

// A request from another thread (as a signal handler makes it) stops a solve of minutes.
TEST_F(SolverInterrupt, ARequestFromAnotherThreadStopsARunningSolve) {
    const Model model = glass(256);
    MeanFieldOptions options;
    options.starts = MeanFieldStarts::none();
    options.starts.random = kMaxRestarts;  // minutes of starts (a tight tol can be met exactly)
    std::thread requester([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        request_interrupt();
    });
    EXPECT_THROW(solve_mean_field(model, 1.0, options), Interrupted);
    requester.join();
}

// A FIFO with no writer blocks open(2) until a signal; without a request the open is retried
// (the command line's behaviour), with one it stops.
TEST_F(SolverInterrupt, ReadingAFifoStopsWhenASignalComesWithARequest) {
    const std::filesystem::path fifo = std::filesystem::temp_directory_path() /
                                       ("isingmf_interrupt_fifo_" + std::to_string(::getpid()));
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // SIGUSR1 with a handler that does nothing but interrupt the call (no SA_RESTART).
    struct sigaction quiet {};
    quiet.sa_handler = [](int) {};
    struct sigaction saved {};
    ASSERT_EQ(::sigaction(SIGUSR1, &quiet, &saved), 0);
    const pthread_t reader = ::pthread_self();
    std::thread requester([reader] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        request_interrupt();
        ::pthread_kill(reader, SIGUSR1);
    });
    EXPECT_THROW(read_edge_list(fifo), Interrupted);
    requester.join();
    ::sigaction(SIGUSR1, &saved, nullptr);
    std::filesystem::remove(fifo);
}

}  // namespace
}  // namespace isingmf
