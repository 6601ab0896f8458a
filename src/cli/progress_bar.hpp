#pragma once
/// A progress bar on stderr, shown only on a terminal and only once a run has taken more
/// than about a second, so that short runs and pipes stay clean. A ticker thread redraws
/// it ten times a second, so the elapsed time moves also during a long single step (an
/// exact solve).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace isingmf::cli {

class ProgressBar {
public:
    /// Shown only when `wanted` and stderr is a terminal.
    explicit ProgressBar(bool wanted = true);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    /// Records the progress of a stage ("exact", "mean field"); thread-safe and cheap.
    void update(const char* stage, std::size_t done, std::size_t total);
    /// Stops redrawing and clears the bar's line if it was drawn.
    void finish();

private:
    void run();
    void draw();  // with mutex_ held

    bool enabled_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::duration delay_;  // before the first draw
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool drawn_ = false;
    std::string stage_;
    std::size_t done_ = 0;
    std::size_t total_ = 0;
    std::thread ticker_;
};

}  // namespace isingmf::cli
