#pragma once
/// A progress bar on stderr, shown only on a terminal and only once a run has taken more
/// than about a second, so that short runs and pipes stay clean.

#include <chrono>
#include <cstddef>

namespace isingmf::cli {

class ProgressBar {
public:
    ProgressBar();
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    /// Records progress; redraws at most ten times a second.
    void update(std::size_t done, std::size_t total);
    /// Clears the bar's line if it was drawn.
    void finish();

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace isingmf::cli
