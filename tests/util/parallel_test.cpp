// The loop helpers of util/detail/parallel.hpp: every index (piece) runs once; without a team (a
// small pass, or one thread) the work runs in order on the calling thread inside no parallel region
// at all, not even an inactive one (omp_get_level() counts those too), also when the caller is
// itself a thread of a team, as a sample of an ensemble is; and each thread of a team keeps its
// own scratch.
#include "isingmf/util/detail/parallel.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "support/threads.hpp"

namespace isingmf {
namespace {

using detail::for_each_index;
using detail::for_each_piece;
using detail::for_each_task;
using detail::for_each_task_with;
using detail::team_pays;

TEST(TeamPays, OnlyForLargePassesWithThreadsToShareThem) {
    test::with_threads(2, [] {
        EXPECT_FALSE(team_pays(std::size_t{99}, std::size_t{100}));
        EXPECT_TRUE(team_pays(std::size_t{100}, std::size_t{100}));
        EXPECT_FALSE(team_pays(0.5, 1.0));
        EXPECT_TRUE(team_pays(2.0, 1.0));
        return 0;
    });
    test::with_threads(1, [] {
        EXPECT_FALSE(team_pays(std::size_t{1} << 40, std::size_t{100}));
        EXPECT_FALSE(team_pays(1e300, 1.0));
        return 0;
    });
}

// Inside a team with no nesting allowed (a sweep's temperatures, an ensemble's samples) a region
// would run on a team of one: no team pays there, whatever omp_get_max_threads() says.
TEST(TeamPays, NotInsideATeamUnlessNestingIsAllowed) {
    const int saved_levels = omp_get_max_active_levels();
    for (const int levels : {1, 2}) {
        omp_set_max_active_levels(levels);
        int team = 0;
        std::atomic<int> pays{0};
        test::with_threads(2, [&] {
#pragma omp parallel num_threads(2)
            {
#pragma omp single
                team = omp_get_num_threads();
                if (team_pays(std::size_t{100}, std::size_t{1})) pays.fetch_add(1);
                if (detail::setup_threads(std::size_t{1} << 30) > 1) pays.fetch_add(100);
            }
            return 0;
        });
        if (team < 2) continue;  // no team formed here: nothing to check
        EXPECT_EQ(pays.load(), levels == 1 ? 0 : 2 * 101) << levels << " active levels";
    }
    omp_set_max_active_levels(saved_levels);
}

TEST(ForEachIndex, SerialRunsInOrderOutsideAnyRegion) {
    std::vector<std::size_t> seen;
    std::vector<int> levels;
    for_each_index(1000, false, [&](std::size_t k) {
        seen.push_back(k);
        levels.push_back(omp_get_level());
    });
    ASSERT_EQ(seen.size(), 1000u);
    for (std::size_t k = 0; k < seen.size(); ++k) {
        EXPECT_EQ(seen[k], k);
        EXPECT_EQ(levels[k], 0) << "a parallel region (perhaps inactive) was opened";
    }
}

TEST(ForEachIndex, ParallelRunsEveryIndexOnceOnATeam) {
    for (int threads : {1, 2, 3}) {
        std::vector<std::atomic<int>> runs(10007);
        std::atomic<int> outside_team{0};
        test::with_threads(threads, [&] {
            for_each_index(runs.size(), true, [&](std::size_t k) {
                runs[k].fetch_add(1);
                if (omp_get_level() != 1) outside_team.fetch_add(1);
            });
            return 0;
        });
        for (std::size_t k = 0; k < runs.size(); ++k) ASSERT_EQ(runs[k].load(), 1) << k;
        EXPECT_EQ(outside_team.load(), 0) << threads << " threads";
    }
}

// A sample of an ensemble runs its solve on one thread of the ensemble's team: a serial pass
// there must stay on that thread (a worksharing loop would bind to the ensemble's team).
TEST(ForEachIndex, SerialInsideATeamStaysOnTheCallingThread) {
    std::vector<std::vector<int>> ran_on(2, std::vector<int>(500, -1));
    int team = 0;
#pragma omp parallel num_threads(2)
    {
        const int me = omp_get_thread_num();
#pragma omp single
        team = omp_get_num_threads();
        for_each_index(500, false, [&](std::size_t k) {
            ran_on[static_cast<std::size_t>(me)][k] = omp_get_thread_num();
        });
    }
    ASSERT_GE(team, 1);
    for (int t = 0; t < team; ++t) {
        for (std::size_t k = 0; k < 500; ++k)
            EXPECT_EQ(ran_on[static_cast<std::size_t>(t)][k], t) << "thread " << t << ", k " << k;
    }
}

TEST(ForEachPiece, OneThreadIsOnePieceOnTheCallingThreadATeamOnePiecePerThread) {
    std::vector<std::size_t> calls;
    int level = -1;
    for_each_piece(1, [&](std::size_t t, std::size_t team) {
        calls.push_back(t * 100 + team);
        level = omp_get_level();
    });
    EXPECT_EQ(calls, (std::vector<std::size_t>{1}));  // t = 0 of a team of 1
    EXPECT_EQ(level, 0);
    std::vector<std::atomic<int>> pieces(3);
    std::atomic<int> bad{0};
    for_each_piece(3, [&](std::size_t t, std::size_t team) {
        if (team < 1 || team > 3 || t >= team || omp_get_level() != 1) bad.fetch_add(1);
        if (t < pieces.size()) pieces[t].fetch_add(1);
    });
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(pieces[0].load(), 1);  // a team may come out smaller; piece 0 always runs once
    for (const auto& p : pieces) EXPECT_LE(p.load(), 1);
}

struct CountingScratch {
    int tasks = 0;
    int owner = -1;
};

TEST(ForEachTaskWith, OneThreadRunsInOrderWithOneScratchAndNoRegion) {
    // `parallel` asked for, but one thread: no region, one scratch kept across all tasks.
    std::vector<int> scratch_counts;
    std::vector<int> levels;
    test::with_threads(1, [&] {
        for_each_task_with<CountingScratch>(50, true, [&](std::size_t, CountingScratch& s) {
            scratch_counts.push_back(++s.tasks);
            levels.push_back(omp_get_level());
        });
        return 0;
    });
    ASSERT_EQ(scratch_counts.size(), 50u);
    for (std::size_t k = 0; k < 50; ++k) {
        EXPECT_EQ(scratch_counts[k], static_cast<int>(k) + 1);
        EXPECT_EQ(levels[k], 0);
    }
}

TEST(ForEachTaskWith, EachThreadOfATeamHasItsOwnScratch) {
    std::vector<std::atomic<int>> runs(400);
    std::atomic<int> shared_scratch{0};
    test::with_threads(2, [&] {
        for_each_task_with<CountingScratch>(runs.size(), true,
                                            [&](std::size_t k, CountingScratch& s) {
                                                const int me = omp_get_thread_num();
                                                if (s.owner == -1) s.owner = me;
                                                if (s.owner != me) shared_scratch.fetch_add(1);
                                                ++s.tasks;
                                                runs[k].fetch_add(1);
                                            });
        return 0;
    });
    for (std::size_t k = 0; k < runs.size(); ++k) ASSERT_EQ(runs[k].load(), 1) << k;
    EXPECT_EQ(shared_scratch.load(), 0);
}

TEST(ForEachTask, RethrowsATasksExceptionSerialAndParallel) {
    for (int threads : {1, 2}) {
        std::atomic<int> after{0};
        EXPECT_THROW(test::with_threads(threads,
                                        [&] {
                                            for_each_task(20, true, [&](std::size_t k) {
                                                if (k == 3) throw std::runtime_error("task 3");
                                                if (k > 3) after.fetch_add(1);
                                            });
                                            return 0;
                                        }),
                     std::runtime_error)
            << threads << " threads";
        // Serial: at once, so no later task ran; a team finishes the others first.
        if (threads == 1) {
            EXPECT_EQ(after.load(), 0);
        }
    }
}

}  // namespace
}  // namespace isingmf
