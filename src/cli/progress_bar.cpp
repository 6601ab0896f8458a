#include "progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "diagnostics.hpp"

namespace isingmf::cli {
namespace {
// The bar waits this long before it first draws; ISINGMF_PROGRESS_NOW set (to anything) draws
// it from the first redraw instead, so that a test need not run for seconds.
std::chrono::steady_clock::duration first_draw_delay() {
    if (std::getenv("ISINGMF_PROGRESS_NOW") != nullptr) return std::chrono::seconds(0);
    return std::chrono::seconds(1);
}
constexpr auto kRedraw = std::chrono::milliseconds(100);
constexpr int kWidth = 40;
}  // namespace

ProgressBar::ProgressBar(bool wanted)
    : enabled_(wanted && isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      delay_(first_draw_delay()) {
    if (enabled_) ticker_ = std::thread([this] { run(); });
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(const char* stage, std::size_t done, std::size_t total) {
    if (!enabled_) return;
    const std::lock_guard lock(mutex_);
    stage_ = stage;
    done_ = done;
    total_ = total;
}

void ProgressBar::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kRedraw, [this] { return stop_; })) {
        if (std::chrono::steady_clock::now() - start_ >= delay_ && total_ > 0) draw();
    }
}

void ProgressBar::draw() {
    const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
    const int filled = static_cast<int>(fraction * kWidth);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    // The time left if the rest goes as fast as what is done so far.
    const std::string eta =
        done_ > 0 ? fmt::format("  ETA {:.0f} s", elapsed * (1.0 - fraction) / fraction) : "";
    print_diagnostic("\r{:<10} [{}{}] {:3.0f}%  {}/{}  {:.1f} s{}   ", stage_,
                     std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(kWidth - filled), '.'), 100.0 * fraction,
                     done_, total_, elapsed, eta);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (!enabled_) return;
    {
        const std::lock_guard lock(mutex_);
        if (stop_) return;
        stop_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    if (drawn_) {
        print_diagnostic("\r{}\r", std::string(kWidth + 70, ' '));
        std::fflush(stderr);
    }
}

}  // namespace isingmf::cli
